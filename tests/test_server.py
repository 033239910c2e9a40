"""Issue 10, items 11, 13 (permission file edge cases) and 14: zwgk on a shared server.

Through the installed `zwgk`; item 14 also with two real OS users (root only: `useradd`).
"""

from __future__ import annotations

import csv
import grp
import json
import os
import pwd
import secrets
import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import TUI_TODAY, Runner, settle, zwgk_command

from zwgk.store import config
from zwgk.store.context import Context

EVIL = "x\x1b]0;PWNED\x07\x1b[2J"  # sets the window title, then clears the screen


def json_of(proc: subprocess.CompletedProcess[str]) -> object:
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def no_escape(text: str) -> bool:
    return not any(c in text for c in "\x1b\x07\x9b\x9d")


def my_group() -> str:
    return grp.getgrgid(os.getgid()).gr_name


# -- 11: escape sequences through the user name ---------------------------------------------
def test_user_name_is_cleaned_before_it_is_stored(zwgk: Runner, tmp_path: Path) -> None:
    assert zwgk("mark", "12", "done").returncode == 0
    r = zwgk("confirm", "12", user=EVIL)
    assert r.returncode == 0, r.stderr
    assert zwgk("note", "12", "已报送", user=EVIL).returncode == 0
    task = json_of(zwgk("show", "12", "--json"))
    assert task["confirmed_by"] == "x" and task["updated_by"] == "x"  # type: ignore[index]
    events = json_of(zwgk("log", "12", "--json"))
    assert [e["user"] for e in events][-2:] == ["x", "x"]  # type: ignore[index]
    shown = zwgk("show", "12")
    assert no_escape(shown.stdout) and "PWNED" not in shown.stdout.replace("x", "")
    out = tmp_path / "台账.csv"
    assert zwgk("export", str(out)).returncode == 0
    text = out.read_text(encoding="utf-8-sig")
    assert no_escape(text)
    row = next(r for r in csv.reader(text.splitlines()) if r and r[0] in ("12", "#12"))
    assert EVIL not in row
    xlsx = tmp_path / "台账.xlsx"
    assert zwgk("export", str(xlsx)).returncode == 0
    from openpyxl import load_workbook

    cells = [str(c.value) for ws in load_workbook(xlsx) for r in ws.iter_rows() for c in r]
    assert all(no_escape(c) for c in cells)


def test_a_user_name_that_is_only_escapes_falls_back_to_the_login(zwgk: Runner) -> None:
    r = zwgk("mark", "3", "doing", user="\x1b[2J\x1b]0;\x07")
    assert r.returncode == 0, r.stderr
    event = json_of(zwgk("log", "3", "--json"))[-1]  # type: ignore[index]
    assert event["user"] == pwd.getpwuid(os.getuid()).pw_name


# -- 13: permission file edge cases ---------------------------------------------------------
def status_of(zwgk: Runner, task: int) -> str:
    return json_of(zwgk("show", str(task), "--json"))["status"]  # type: ignore[index]


@pytest.mark.parametrize("kind", ["directory", "dangling symlink"])
def test_a_permission_file_that_is_not_a_file_refuses_changes(
    zwgk: Runner, db_path: Path, kind: str
) -> None:
    assert zwgk("list").returncode == 0  # the database exists
    rules = db_path.parent / "zwgk.toml"
    if kind == "directory":
        rules.mkdir()
    else:
        rules.symlink_to(db_path.parent / "rules-that-were-moved.toml")
    r = zwgk("mark", "1", "done")
    assert r.returncode == 3, r.stderr
    assert str(rules) in r.stderr and "拒绝修改" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert status_of(zwgk, 1) == "未开始"
    assert zwgk("list").returncode == 0  # reading still works
    d = zwgk("doctor")
    assert str(rules) in d.stdout and d.returncode == 1


def test_a_permission_file_with_a_bom_is_read(zwgk: Runner, db_path: Path) -> None:
    rules = db_path.parent / "zwgk.toml"
    rules.write_bytes(b"\xef\xbb\xbf" + 'admins = ["tester"]\n[users]\nli = "区信息办"\n'.encode())
    r = zwgk("mark", "1", "done")
    assert r.returncode == 0, r.stderr
    assert status_of(zwgk, 1) == "已完成"
    assert zwgk("mark", "2", "done", user="stranger").returncode == 4


def test_a_toml_error_is_one_chinese_sentence_with_file_and_line(
    zwgk: Runner, db_path: Path
) -> None:
    rules = db_path.parent / "zwgk.toml"
    rules.write_text('admins = ["tester"]\n[users]\nli = \n', encoding="utf-8")
    r = zwgk("mark", "1", "done")
    assert r.returncode == 3
    msg = r.stderr.strip()
    assert len(msg.splitlines()) == 1 and str(rules) in msg and "第 3 行" in msg
    english = [w for w in msg.replace(str(rules), "").split() if w.isascii() and w.isalpha()]
    assert not english, msg


# -- 14: the database that is meant ---------------------------------------------------------
def test_a_db_in_a_missing_folder_is_refused_unless_init_makes_it(
    zwgk: Runner, tmp_path: Path
) -> None:
    typo = tmp_path / "srv" / "zwgk" / "zwgk.json"
    for how in (("--db", str(typo)), ()):
        r = zwgk(*how, "mark", "1", "doing", env={"ZWGK_DB": str(typo)})
        assert r.returncode == 2, r.stderr
        assert str(typo) in r.stderr and "zwgk init" in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "srv").exists()
    r = zwgk("--db", str(typo), "init")
    assert r.returncode == 0, r.stderr
    assert str(typo) in r.stdout and typo.exists()
    assert zwgk("--db", str(typo), "mark", "1", "doing").returncode == 0
    again = zwgk("--db", str(typo), "init")
    assert again.returncode == 0 and "已存在" in again.stdout


def write_config(path: Path, database: Path, allow_env_user: bool = False) -> None:
    path.write_text(
        f'database = "{database}"\nallow_env_user = {str(allow_env_user).lower()}\n',
        encoding="utf-8",
    )


def test_the_system_configuration_names_the_database_and_who_acts(
    zwgk: Runner, tmp_path: Path
) -> None:
    shared = tmp_path / "srv" / "zwgk.json"
    shared.parent.mkdir()
    cfg = tmp_path / "config.toml"
    write_config(cfg, shared)
    env = {"ZWGK_DB": "", "ZWGK_CONFIG": str(cfg)}
    r = zwgk("mark", "4", "doing", user="someone-else", env=env)
    assert r.returncode == 0, r.stderr
    assert shared.exists()
    me = pwd.getpwuid(os.getuid()).pw_name
    event = json_of(zwgk("log", "4", "--json", env=env))[-1]  # type: ignore[index]
    assert event["user"] == me  # not $ZWGK_USER: the audit trail names the OS login
    # precedence: $ZWGK_DB, then --db, beat the configuration
    mine = tmp_path / "mine.json"
    zwgk("mark", "4", "done", env={**env, "ZWGK_DB": str(mine)})
    assert mine.exists()
    assert json_of(zwgk("show", "4", "--json", env=env))["status"] == "进行中"  # type: ignore[index]
    # doctor says which configuration, database and user are in use
    d = zwgk("doctor", env=env)
    assert str(cfg) in d.stdout and str(shared) in d.stdout and me in d.stdout
    # the configuration may allow $ZWGK_USER (tests); it is root's file or not the user's
    write_config(cfg, shared, allow_env_user=True)
    zwgk("note", "4", "测试", user="someone-else", env=env)
    assert json_of(zwgk("log", "4", "--json", env=env))[-1]["user"] == "someone-else"  # type: ignore[index]
    # a shared folder that vanished is refused, not re-created
    shutil.rmtree(shared.parent)
    r = zwgk("list", env=env)
    assert r.returncode == 2 and str(cfg) in r.stderr and not shared.parent.exists()


def test_init_writes_the_configuration_and_will_not_overwrite_another(tmp_path: Path) -> None:
    cfg = tmp_path / "etc" / "config.toml"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZWGK_")}
    env.update(ZWGK_CONFIG=str(cfg), ZWGK_TODAY="2020-12-15")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*zwgk_command(), *args], env=env, capture_output=True, text=True, timeout=60
        )

    cfg.parent.mkdir()
    cfg.write_text('database = "/elsewhere/zwgk.json"\n', encoding="utf-8")
    srv = tmp_path / "srv"
    r = run("init", "--shared", str(srv), "--group", my_group())
    assert r.returncode == 2 and "--force" in r.stderr and str(cfg) in r.stderr
    assert not srv.exists() and "elsewhere" in cfg.read_text(encoding="utf-8")
    r = run("init", "--shared", str(srv), "--group", "no-such-group-zwgk")
    assert r.returncode == 2 and "groupadd" in r.stderr
    r = run("init", "--shared", str(srv), "--group", my_group(), "--force")
    assert r.returncode == 0, r.stderr
    assert len(r.stdout.strip().splitlines()) >= 4
    assert config.parse_config_file(cfg).database == srv / "zwgk.json"
    assert list(cfg.parent.glob("config.toml.bak-*"))
    st = os.stat(srv)
    assert stat.S_IMODE(st.st_mode) == 0o2770 and st.st_gid == os.getgid()
    assert stat.S_IMODE(os.stat(srv / "zwgk.json").st_mode) == 0o660
    del env["ZWGK_TODAY"]
    assert json.loads(run("list", "--json").stdout)[0]["id"] == 1  # the config's database
    again = run("init", "--shared", str(srv), "--group", my_group())
    assert again.returncode == 0 and "未改动" in again.stdout


async def test_the_header_shows_the_open_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zwgk.tui.app import make_app

    monkeypatch.setenv("HOME", str(tmp_path))
    ctx = Context(tmp_path / "data" / "zwgk.json", TUI_TODAY, user="tester")
    (tmp_path / "data").mkdir()
    app = make_app(ctx, history_path=tmp_path / "h.json")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        header = app.screen.query_one("#header")
        assert "~/data/zwgk.json" in " ".join(str(w.render()) for w in header.children)
    from zwgk.tui.widgets.header import short_path

    assert short_path("/srv/zwgk/zwgk.json", 40) == "/srv/zwgk/zwgk.json"
    assert short_path("/srv/zwgk/zwgk.json", 12) == "...zwgk.json"
    assert short_path(tmp_path / "a" / "b" / "c" / "zwgk.json", 16) == "~/.../zwgk.json"


# -- 14 with two real OS users --------------------------------------------------------------
def as_user(name: str, cmd: list[str], env: dict[str, str], cwd: Path):  # noqa: ANN201
    return subprocess.run(
        ["runuser", "-u", name, "--", *cmd],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def two_users() -> Iterator[tuple[str, str, str]]:
    """A group and two members, removed afterwards whatever happens."""
    if os.geteuid() != 0:
        pytest.skip("needs root: the test creates two real OS users with useradd")
    missing = [
        t for t in ("useradd", "userdel", "groupadd", "groupdel", "runuser") if not shutil.which(t)
    ]
    if missing:
        pytest.skip(f"needs {', '.join(missing)} to create real OS users")
    tag = secrets.token_hex(3)
    group, a, b = f"zwgkg{tag}", f"zwgka{tag}", f"zwgkb{tag}"
    users: list[str] = []
    group_made = False
    try:
        subprocess.run(["groupadd", group], check=True, capture_output=True)
        group_made = True
        for name in (a, b):
            subprocess.run(
                ["useradd", "-M", "-G", group, "-s", "/bin/sh", name],
                check=True,
                capture_output=True,
            )
            users.append(name)
        yield group, a, b
    finally:
        for name in users:
            subprocess.run(["userdel", name], capture_output=True)
        if group_made:
            subprocess.run(["groupdel", group], capture_output=True)


def command_for(user: str, place: Path, env: dict[str, str]) -> list[str]:
    """The installed `zwgk`, or, when its interpreter is out of reach of other users (a Python
    under /root), a venv in `place` on a system Python of the same version that loads ours."""
    cmd = zwgk_command()
    if as_user(user, [*cmd, "--help"], env, place).returncode == 0:
        return cmd
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    base = next(
        (
            p
            for p in (Path(f"/usr/bin/python{version}"), Path(f"/usr/local/bin/python{version}"))
            if p.exists()
        ),
        None,
    )
    if base is None:
        pytest.skip(
            f"zwgk's Python is not reachable by other users and there is no system python{version}"
        )
    venv = place / "venv"
    subprocess.run([str(base), "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next(venv.glob("lib/python*/site-packages"))
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (site / "zwgk-test.pth").write_text(
        "".join(f"import site; site.addsitedir({p!r})\n" for p in sorted(ours)), encoding="utf-8"
    )
    script = venv / "bin" / "zwgk"
    script.write_text(
        f"#!{venv / 'bin' / 'python'}\nimport sys\nfrom zwgk.tui.cli.main import main\n"
        "sys.exit(main())\n",
        encoding="utf-8",
    )
    script.chmod(0o755)
    if (r := as_user(user, [str(script), "--help"], env, place)).returncode != 0:
        pytest.skip(f"zwgk cannot be made runnable by other users here: {r.stderr.strip()[-200:]}")
    return [str(script)]


def test_two_colleagues_share_one_database(two_users: tuple[str, str, str]) -> None:
    group, a, b = two_users
    place = Path(tempfile.mkdtemp(prefix="zwgk-server-", dir="/tmp"))
    try:
        place.chmod(0o755)  # colleagues must reach the shared folder and the configuration
        cfg = place / "config.toml"
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "ZWGK_CONFIG": str(cfg),
            "ZWGK_TODAY": "2020-12-15",
        }
        zwgk = command_for(a, place, env)
        srv = place / "srv"
        r = subprocess.run(
            [*zwgk, "init", "--shared", str(srv), "--group", group],
            env=env, capture_output=True, text=True, timeout=120, cwd=place,
        )  # fmt: skip
        assert r.returncode == 0, r.stderr
        assert str(srv) in r.stdout and str(cfg) in r.stdout and "2770" in r.stdout
        st = os.stat(srv)
        assert stat.S_IMODE(st.st_mode) == 0o2770 and st.st_gid == grp.getgrnam(group).gr_gid
        for f in srv.iterdir():
            assert os.stat(f).st_gid == st.st_gid, f
        # A marks, claiming to be someone else; B sees A's change under A's own login
        forged = {**env, "ZWGK_USER": "someone-else"}
        r = as_user(a, [*zwgk, "mark", "5", "doing", "--note", "已启动"], forged, place)
        assert r.returncode == 0, r.stderr
        r = as_user(b, [*zwgk, "list", "--json"], env, place)
        assert r.returncode == 0, r.stderr
        task = next(t for t in json.loads(r.stdout) if t["id"] == 5)
        assert task["status"] == "进行中" and task["updated_by"] == a
        r = as_user(b, [*zwgk, "show", "5"], env, place)
        assert r.returncode == 0 and a in r.stdout and "someone-else" not in r.stdout
        # B writes to the files A's change touched; A sees it
        r = as_user(b, [*zwgk, "mark", "5", "done"], env, place)
        assert r.returncode == 0, r.stderr
        shown = json.loads(as_user(a, [*zwgk, "show", "5", "--json"], env, place).stdout)
        assert shown["status"] == "已完成" and shown["updated_by"] == b
        users = [
            e["user"]
            for e in json.loads(as_user(a, [*zwgk, "log", "5", "--json"], env, place).stdout)
        ]
        assert users == [a, b]
        # nobody outside the group reads it
        assert not stat.S_IMODE(os.stat(srv / "zwgk.json").st_mode) & 0o007
        # without root, init cannot write /etc: one sentence, nothing made
        etc_before = os.path.lexists(config.SYSTEM_CONFIG)
        plain = {k: v for k, v in env.items() if k != "ZWGK_CONFIG"}
        r = as_user(
            a, [*zwgk, "init", "--shared", str(place / "other"), "--group", group], plain, place
        )
        assert r.returncode == 4 and str(config.SYSTEM_CONFIG) in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1
        assert os.path.lexists(config.SYSTEM_CONFIG) == etc_before
        assert not (place / "other").exists()
        # doctor on this now multi-user machine, without a shared configuration, warns
        if not etc_before:
            r = subprocess.run(
                [*zwgk, "doctor"], env={**plain, "ZWGK_DB": str(place / "p.json")},
                capture_output=True, text=True, timeout=120,
            )  # fmt: skip
            assert "zwgk init --shared" in r.stdout and "[注意]" in r.stdout
    finally:
        shutil.rmtree(place, ignore_errors=True)

"""A truncated, empty or garbage database is refused, `zwgk doctor` finds it, --restore fixes it."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import date
from pathlib import Path

import pytest
from conftest import zwgk_command as zwgk_cmd

from zwgk.store import backup, doctor, files
from zwgk.store.context import Context
from zwgk.store.db import Store


def run(db: Path, *args: str, real: bool = False) -> subprocess.CompletedProcess[str]:
    """`zwgk ARGS` as the installed command (real=True) or the same entry point in-process."""
    env = dict(os.environ, ZWGK_DB=str(db), ZWGK_TODAY="2021-01-01", ZWGK_USER="admin")
    env.pop("ZWGK_CONFIG", None)
    if real:
        return subprocess.run(
            [*zwgk_cmd(), *args], env=env, capture_output=True, text=True, timeout=60
        )
    import contextlib
    import io

    from zwgk.tui.cli.main import main

    saved = dict(os.environ)
    out, err = io.BytesIO(), io.BytesIO()
    try:
        os.environ.clear()
        os.environ.update(env)
        o = io.TextIOWrapper(out, encoding="utf-8", write_through=True)
        e = io.TextIOWrapper(err, encoding="utf-8", write_through=True)
        with contextlib.redirect_stdout(o), contextlib.redirect_stderr(e):
            try:
                code = main(list(args))
            except SystemExit as exc:
                code = int(exc.code or 0)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return subprocess.CompletedProcess(
        args, code, out.getvalue().decode("utf-8"), err.getvalue().decode("utf-8")
    )


def _ctx(db: Path) -> Context:
    return Context(db_path=db, today=date(2021, 1, 1), user="admin", host="h", tty="")


@pytest.fixture
def used_db(tmp_path: Path) -> Path:
    """A database with a few changes, a checkpoint (so a backup exists) and changes after it."""
    db = tmp_path / "zwgk.json"
    store = Store(_ctx(db))
    store.set_status(1, "doing", note="备份之前")
    store.checkpoint()
    store.set_status(2, "done", note="备份之后")
    store.add_note(3, "也在备份之后")
    return db


BREAKAGES = {
    "truncated": lambda raw: raw[: len(raw) // 2],
    "empty": lambda raw: b"",
    "garbage": lambda raw: os.urandom(3000),
    "not-ours": lambda raw: b'{"hello": "world"}',
    "bad-status": lambda raw: raw.replace("未开始".encode(), "随便".encode(), 1),
}


@pytest.mark.parametrize("kind", sorted(BREAKAGES))
def test_broken_database_is_refused_and_restorable(used_db: Path, kind: str) -> None:
    real = kind == "truncated"  # one kind through the installed command, all in-process

    def run(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
        return globals()["run"](db, *args, real=real)

    broken = BREAKAGES[kind](used_db.read_bytes())
    used_db.write_bytes(broken)
    good = backup.newest_good(used_db)
    assert good is not None
    # every command stops with one sentence naming the file and the newest good backup
    for args in (("list",), ("mark", "4", "done")):
        r = run(used_db, *args)
        assert r.returncode == 3, (kind, r.stdout, r.stderr)
        msg = r.stderr.strip()
        assert len(msg.splitlines()) == 1 and "Traceback" not in msg
        assert str(used_db) in msg and good.path.name in msg and "doctor --restore" in msg
    assert used_db.read_bytes() == broken  # never overwritten
    r = run(used_db, "doctor")
    assert r.returncode == 1 and "[错误]" in r.stdout
    r = run(used_db, "doctor", "--restore")
    assert r.returncode == 0, r.stderr
    assert "已从备份" in r.stdout and "另存为" in r.stdout
    asides = list(used_db.parent.glob(used_db.name + ".broken-*"))
    assert len(asides) == 1 and asides[0].read_bytes() == broken
    # restored and rolled forward: changes made after the backup are back too
    show = json.loads(run(used_db, "list", "--json").stdout)
    status = {t["id"]: t["status"] for t in show}
    assert status[1] == "进行中" and status[2] == "已完成"
    assert run(used_db, "doctor").returncode == 0
    assert run(used_db, "mark", "4", "done").returncode == 0


def test_missing_database_is_restored_from_backups(used_db: Path) -> None:
    used_db.unlink()
    r = run(used_db, "list")
    assert r.returncode == 3 and "doctor --restore" in r.stderr
    assert run(used_db, "doctor", "--restore").returncode == 0
    assert Store(_ctx(used_db)).snapshot().tasks[2].status == "已完成"


def test_restore_without_any_good_backup_says_so(tmp_path: Path) -> None:
    db = tmp_path / "zwgk.json"
    db.write_bytes(b"{")
    r = run(db, "doctor", "--restore")
    assert r.returncode == 3 and "没有找到完好的备份" in r.stderr
    assert db.read_bytes() == b"{"


def test_restore_of_a_healthy_database_does_nothing(used_db: Path) -> None:
    before = used_db.read_bytes()
    r = run(used_db, "doctor", "--restore")
    assert r.returncode == 0 and "无需恢复" in r.stdout
    assert used_db.read_bytes() == before


def test_doctor_reports_log_damage_and_json(used_db: Path) -> None:
    ev = files.events_path(used_db)
    n = len(ev.read_bytes().splitlines())
    with open(ev, "ab") as fh:
        fh.write(b"\x00\x01 not json\n")
        fh.write(b'{"seq": 1, "ts": "x", "user": "u", "action": "status"}\n')  # seq goes back
        fh.write(b'{"seq": 99, "ts"')  # torn tail
    rep = doctor.check(used_db)
    assert rep.damaged_lines == [n + 1]
    levels = {(f.area, f.level) for f in rep.findings}
    assert ("events", "error") in levels and ("events", "warn") in levels
    r = run(used_db, "doctor", "--json")
    data = json.loads(r.stdout)
    assert r.returncode == 1 and data["damaged_event_lines"] == [n + 1]
    assert data["database_ok"] is True
    assert data["permissions"].startswith("未配置权限文件")  # the test sets none up
    # a damaged log line does not stop work
    assert run(used_db, "mark", "5", "doing").returncode == 0


def test_doctor_points_at_control_characters_planted_in_the_file(used_db: Path) -> None:
    data = json.loads(used_db.read_bytes())
    data["tasks"]["4"]["text"] = "任务\x1b]0;pwned\x07"
    used_db.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    rep = doctor.check(used_db)
    assert rep.db_ok
    assert any("控制字符" in f.message and "任务 #4" in f.message for f in rep.findings)

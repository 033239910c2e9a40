"""Hostile and broken input: nothing reaches a terminal raw, nothing crashes, nothing changes."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
from datetime import date
from pathlib import Path

import pytest
from conftest import zwgk_command as zwgk_cmd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zwgk.store import dbfile, files
from zwgk.store.context import Context
from zwgk.store.db import NOTE_LIMIT, Store, clean_note
from zwgk.store.errors import DatabaseError, InputError
from zwgk.store.textutil import sanitize

ESC = "\x1b"
NASTY = (
    "\x1b[2J\x1b[H"  # clear screen, cursor home
    "\x1b]0;pwned\x07"  # retitle the window
    "\x1b]8;;http://evil\x1b\\link\x1b]8;;\x1b\\"  # hyperlink
    "\x9b31m"  # 8-bit CSI
    "\x1bP+q\x1b\\"  # DCS query
    "\r\x08\x7f"  # carriage return, backspace, DEL
    "\u202e"  # right-to-left override
)


def _ctx(path: Path, user: str = "alice") -> Context:
    return Context(db_path=path, today=date(2021, 1, 1), user=user, host="h", tty="")


@pytest.fixture
def seeded(tmp_path: Path) -> Path:
    db = tmp_path / "zwgk.json"
    Store(_ctx(db)).ensure_seeded()
    return db


def run(db: Path, *args: str | bytes, user: str = "alice") -> subprocess.CompletedProcess[bytes]:
    env = dict(os.environ, ZWGK_DB=str(db), ZWGK_TODAY="2021-01-01", ZWGK_USER=user)
    env.pop("ZWGK_CONFIG", None)
    return subprocess.run([*zwgk_cmd(), *args], env=env, capture_output=True, timeout=60)


def state(db: Path) -> tuple[object, object]:
    """What `zwgk` says is in the database: every task and the whole log (a refused change
    must leave both as they were; the task file alone is not rewritten by a change)."""
    tasks = cli(db, "list", "--json")
    log = cli(db, "log", "--json")
    assert tasks.returncode == 0 and log.returncode == 0, tasks.stderr + log.stderr
    return json.loads(tasks.stdout), json.loads(log.stdout)


def cli(db: Path, *args: str, user: str = "alice") -> subprocess.CompletedProcess[bytes]:
    """The same `zwgk` entry point, in-process (fast): for display checks."""
    import contextlib
    import io

    from zwgk.tui.cli.main import main

    out, err = io.BytesIO(), io.BytesIO()
    old_user = os.environ.get("ZWGK_USER")
    os.environ["ZWGK_USER"] = user
    try:
        o = io.TextIOWrapper(out, encoding="utf-8", write_through=True)
        e = io.TextIOWrapper(err, encoding="utf-8", write_through=True)
        with contextlib.redirect_stdout(o), contextlib.redirect_stderr(e):
            try:
                code = main(["--db", str(db), "--today", "2021-01-01", *args])
            except SystemExit as exc:
                code = int(exc.code or 0)
    finally:
        if old_user is None:
            os.environ.pop("ZWGK_USER", None)
        else:
            os.environ["ZWGK_USER"] = old_user
    return subprocess.CompletedProcess(args, code, out.getvalue(), err.getvalue())


def assert_harmless(out: bytes) -> None:
    text = out.decode("utf-8")
    assert ESC not in text and "\x9b" not in text and "\x07" not in text
    assert "\r" not in text and "\x08" not in text and "\u202e" not in text


# -- sanitising ------------------------------------------------------------------------------
def test_sanitize_neutralises_every_kind_of_sequence() -> None:
    out = sanitize("前" + NASTY + "后")
    assert out == "前link后"
    assert sanitize("a\nb\tc", keep_newlines=False) == "a b c"
    assert sanitize("bad\udcffx") == "bad\ufffdx"


DANGEROUS = {chr(c) for c in [*range(0x20), *range(0x7F, 0xA0)]} | set(
    "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u2028\u2029"
)


@given(
    st.text(
        alphabet=st.one_of(st.sampled_from(sorted(DANGEROUS) + list("[]0;mP\\")), st.characters())
    )
)
@settings(max_examples=200, deadline=None)
def test_sanitize_never_leaves_control_characters(text: str) -> None:
    out = sanitize(text, keep_newlines=False)
    assert not DANGEROUS.intersection(out), repr(out)
    assert not any("\ud800" <= ch <= "\udfff" for ch in out)
    kept = sanitize(text)
    assert not (DANGEROUS - {"\n", "\t"}).intersection(kept), repr(kept)


def test_escape_sequences_in_a_note_render_harmlessly(seeded: Path) -> None:
    r = cli(seeded, "note", "3", "进展" + NASTY + "正常")
    assert r.returncode == 0, r.stderr.decode()
    for args in (("show", "3"), ("log",), ("log", "3"), ("show", "3", "--json"), ("list",)):
        r = cli(seeded, *args)
        assert r.returncode == 0
        assert_harmless(r.stdout)
        assert_harmless(r.stderr)
    assert "进展" in cli(seeded, "show", "3").stdout.decode()
    assert ESC not in seeded.with_name(seeded.name + ".events.jsonl").read_text("utf-8")


def test_escape_sequences_in_user_name_are_not_logged_raw(seeded: Path) -> None:
    r = cli(seeded, "mark", "2", "doing", user="mallory\x1b]0;x\x07")
    assert r.returncode == 0
    r = cli(seeded, "log")
    assert_harmless(r.stdout)
    assert "mallory" in r.stdout.decode()


def test_hostile_text_already_in_the_database_is_shown_harmlessly(seeded: Path) -> None:
    """Text planted in the file by hand (bypassing the write path) is cleaned on display."""
    data = json.loads(seeded.read_bytes())
    data["tasks"]["1"]["text"] = "文本" + NASTY
    data["tasks"]["1"]["group_title"] = "组" + NASTY
    data["tasks"]["1"]["deadline_text"] = "年底" + NASTY
    data["tasks"]["1"]["note"] = "备注" + NASTY
    seeded.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    for args in (("list",), ("show", "1"), ("search", "文本")):
        r = cli(seeded, *args)
        assert r.returncode == 0, r.stderr
        assert_harmless(r.stdout)


def test_hostile_unit_names_in_the_database_are_shown_harmlessly(seeded: Path) -> None:
    data = json.loads(seeded.read_bytes())
    data["tasks"]["1"]["lead_units"] = ["区" + NASTY + "办"]
    seeded.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    for args in (("list",), ("show", "1"), ("units",)):
        assert_harmless(cli(seeded, *args).stdout)


def _hostile_import(tmp_path: Path) -> tuple[Path, subprocess.CompletedProcess[bytes]]:
    from zwgk.store.seed import seed_path

    db = tmp_path / "zwgk.json"
    text = seed_path().read_text("utf-8")
    hostile = tmp_path / "方案\x1b[31m.txt"
    text = text.replace("区信息办", "区信息办\x1b]0;t\x07", 1)
    hostile.write_text(text, encoding="utf-8")
    return db, cli(db, "import", str(hostile))


def test_import_stores_cells_and_file_names_cleaned(tmp_path: Path) -> None:
    db, r = _hostile_import(tmp_path)
    assert r.returncode == 0, r.stderr  # a hostile cell or file name is cleaned, not refused
    assert ESC not in db.read_text("utf-8")
    assert ESC not in db.with_name(db.name + ".events.jsonl").read_text("utf-8")
    for args in (("list",), ("units",), ("log",)):
        assert_harmless(cli(db, *args).stdout)
    units = json.loads(cli(db, "units", "--json").stdout)
    assert "区信息办" in {u["name"] for u in units}  # the name kept, the escape dropped
    assert len(json.loads(cli(db, "list", "--json").stdout)) == 29


def test_import_summary_shows_file_name_harmlessly(tmp_path: Path) -> None:
    _, r = _hostile_import(tmp_path)
    assert_harmless(r.stdout)
    assert_harmless(r.stderr)


# -- refused input ---------------------------------------------------------------------------
def test_bad_notes_are_refused_and_change_nothing(seeded: Path) -> None:
    before = state(seeded)
    r = run(seeded, "note", "3", b"bad \xff\xfe utf-8")  # argv bytes that are not UTF-8
    assert r.returncode == 2 and b"UTF-8" in r.stderr and b"Traceback" not in r.stderr
    r = run(seeded, "note", "3", "长" * (NOTE_LIMIT + 1))
    assert r.returncode == 2 and "过长".encode() in r.stderr
    assert state(seeded) == before
    assert not os.path.exists(files.events_path(seeded)) or b"\xff" not in (
        files.events_path(seeded).read_bytes()
    )
    for note in ("a\x00b", "x\udcff", "长" * (NOTE_LIMIT * 5)):
        with pytest.raises(InputError):
            clean_note(note)
    with pytest.raises(InputError):
        Store(_ctx(seeded)).add_note(3, "\x1b[2J")  # nothing left after cleaning


def test_database_path_that_is_a_directory_or_symlink(tmp_path: Path) -> None:
    d = tmp_path / "dir.json"
    d.mkdir()
    r = run(d, "list")
    assert r.returncode == 3 and "目录".encode() in r.stderr
    real = tmp_path / "real.json"
    Store(_ctx(real)).ensure_seeded()
    before = state(real)
    link = tmp_path / "link.json"
    link.symlink_to(real)
    for args in (("list",), ("mark", "1", "done")):
        r = run(link, *args)
        assert r.returncode == 3 and "符号链接".encode() in r.stderr
    assert state(real) == before
    with pytest.raises(DatabaseError):
        Store(_ctx(link))


def test_event_log_that_is_a_symlink_is_refused(seeded: Path, tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.txt"
    target.write_text("keep\n")
    ev = files.events_path(seeded)
    if ev.exists():
        ev.unlink()
    ev.symlink_to(target)
    with pytest.raises(DatabaseError):
        Store(_ctx(seeded)).set_status(1, "done")
    assert target.read_text() == "keep\n"


def test_deeply_nested_and_huge_json_are_refused(seeded: Path, monkeypatch) -> None:
    seeded.write_text("[" * 200000 + "]" * 200000)
    before = seeded.read_bytes()
    r = run(seeded, "mark", "1", "done")
    assert r.returncode == 3 and "嵌套过深".encode() in r.stderr
    assert seeded.read_bytes() == before
    seeded.write_text(json.dumps({"tasks": {}, "pad": "x" * 5000}))
    monkeypatch.setattr(dbfile, "MAX_DB_BYTES", 1000)
    with pytest.raises(DatabaseError) as err:
        Store(_ctx(seeded)).snapshot()
    assert "上限" in err.value.message


# -- the importer, fed junk ------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".txt", ".csv", ".xlsx", ".docx"])
def test_importer_raises_only_input_error_on_random_bytes(tmp_path: Path, suffix: str) -> None:
    from zwgk.store.importing import parse_file

    counter = iter(range(10**9))

    @given(st.binary(max_size=2048))
    @settings(
        max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    def feed(data: bytes) -> None:
        path = tmp_path / f"f{next(counter)}{suffix}"
        path.write_bytes(data)
        try:
            parse_file(path)
        except InputError:
            pass
        finally:
            path.unlink()

    feed()


@pytest.mark.parametrize("suffix", [".xlsx", ".docx"])
def test_importer_on_corrupted_zip_containers(tmp_path: Path, suffix: str) -> None:
    """Office files are zip archives: truncated and bit-flipped ones must still be InputError."""
    import io
    import zipfile

    from zwgk.store.importing import parse_file

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml" if suffix == ".docx" else "xl/workbook.xml", "<x>")
    good = buf.getvalue()
    for i, cut in enumerate((10, len(good) // 2, len(good) - 1, len(good))):
        path = tmp_path / f"z{i}{suffix}"
        path.write_bytes(good[:cut])
        with contextlib.suppress(InputError):
            parse_file(path)


HEADERS = ["序号", "工作任务", "具体事项", "主体责任单位", "配合单位", "指导责任单位", "完成时间"]
CELL = st.one_of(
    st.sampled_from(
        ["", "区信息办", "各街道、各部门", "2020年底前", "长期坚持", "（1）事项", "一、"]
    ),
    st.text(max_size=30),
)


@given(
    header=st.lists(st.sampled_from(HEADERS + ["备注", ""]), min_size=1, max_size=8),
    rows=st.lists(st.lists(CELL, max_size=9), max_size=12),
)
@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_importer_on_random_tables(
    tmp_path: Path, header: list[str], rows: list[list[str]]
) -> None:
    """Random tables (with real header words) as CSV: a plan or one InputError, nothing else."""
    import csv
    import io

    from zwgk.store.importing import parse_file

    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(rows)
    path = tmp_path / "random.csv"
    path.write_text(buf.getvalue(), encoding="utf-8", errors="surrogatepass")
    with contextlib.suppress(InputError):
        parse_file(path)

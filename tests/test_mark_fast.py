"""`zwgk mark`/`note` read one task line, not the task file (store/dbfile.py `FileView`).

The line is found by bisection (or, should the file's order not allow it, a scan in pieces),
the CRC is streamed, and it is skipped only for a file identity already verified — by this
process, or by the read snapshot that was made from it. These tests hold that the lines read
are the ones a full parse gives, and that a task file changed underneath (cut short, edited by
hand with the same size, replaced) is never trusted: a change then does exactly what it does
without the read snapshot (`ZWGK_NO_SNAPSHOT=1`).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import SEED_TODAY, Runner, plan_csv

from zwgk.store import dbfile
from zwgk.store.context import Context
from zwgk.store.db import Store
from zwgk.store.dbfile import FileChanged, FileView, dump_db, open_db
from zwgk.store.loading import read_file
from zwgk.store.readcache import OFF_SWITCH, open_cache
from zwgk.store.snapfile import file_key, snap_path
from zwgk.store.vouch import verified_identity

TICK = 0.05  # longer than a file timestamp's tick: a write after it shows in the file's times


def layout(tasks: dict[str, Any]) -> bytes:
    plans = {"1": {"title": "方案", "code": "FA"}}
    meta = {"1": {"schema": 1, "last_seq": 0, "events_offset": 0}}
    return dump_db({"plans": plans, "units": {}, "tasks": tasks, "meta": meta})


def view_of(path: Path) -> FileView:
    fd = open_db(path)
    assert fd is not None
    view = FileView.open(path, fd)
    assert view is not None
    return view


@pytest.mark.parametrize("order", ["ascending", "descending", "shuffled"])
def test_every_task_line_is_found_as_a_full_parse_finds_it(tmp_path: Path, order: str) -> None:
    rng = random.Random(order)
    ids = list(range(1, 1501))
    if order == "descending":
        ids.reverse()
    elif order == "shuffled":
        rng.shuffle(ids)
    # Lines of every length, some longer than what one step of the search reads.
    tasks = {str(i): {"id": i, "text": "任务" * rng.choice([1, 50, 400, 40000])} for i in ids}
    path = tmp_path / "z.json"
    path.write_bytes(layout(tasks))
    assert path.stat().st_size > 20 * dbfile.EDGE
    full = json.loads(path.read_bytes())
    with view_of(path) as view:
        assert view.table("plans") == full["plans"]
        assert view.table("units") == {} and view.table("tasks") == {}
        sample = ids if order == "ascending" else rng.sample(ids, 150)
        for i in [*sample, ids[0], ids[-1]]:
            assert view.task(i) == full["tasks"][str(i)], i
        for missing in (0, 1501, 10**9):
            assert view.task(missing) is None


def test_no_tasks_at_all(tmp_path: Path) -> None:
    path = tmp_path / "z.json"
    path.write_bytes(layout({}))
    with view_of(path) as view:
        assert view.task(1) is None


def test_a_file_written_in_place_under_a_view_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "z.json"
    path.write_bytes(layout({str(i): {"id": i, "text": "x" * 200} for i in range(1, 2001)}))
    with view_of(path) as view:
        assert view.task(7) is not None
        time.sleep(TICK)
        with path.open("r+b") as fh:
            fh.seek(path.stat().st_size // 2)
            fh.write(b"y")
        with pytest.raises(FileChanged):
            view.task(1000)


def test_a_verified_identity_is_trusted_only_while_it_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "z.json"
    raw = layout({str(i): {"id": i, "text": f"梳理第{i}项"} for i in range(1, 3001)})
    path.write_bytes(raw)
    monkeypatch.setattr(dbfile, "_verified", set())
    _, view = read_file(path)
    assert view is not None
    view.close()
    assert not dbfile._verified, "a file written a moment ago is not remembered"

    monkeypatch.setattr(dbfile, "SETTLED_NS", 0)
    time.sleep(TICK)
    _, view = read_file(path)
    assert view is not None
    view.close()
    assert len(dbfile._verified) == 1
    crc = dbfile._crc

    def no_crc(fd: int, length: int) -> int:
        raise AssertionError("the CRC of a verified identity is not worked out again")

    monkeypatch.setattr(dbfile, "_crc", no_crc)
    _, view = read_file(path)
    assert view is not None and view.task(2000) == {"id": 2000, "text": "梳理第2000项"}
    view.close()

    time.sleep(TICK)
    st = path.stat()
    with path.open("r+b") as fh:  # by hand, in place: same size, its mtime put back
        fh.seek(raw.index("梳理第2000项".encode()))
        fh.write("编制".encode())
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    with pytest.raises(AssertionError, match="not worked out again"):
        read_file(path)
    monkeypatch.setattr(dbfile, "_crc", crc)
    got, view = read_file(path)
    assert view is None and got == path.read_bytes()  # not what zwgk wrote: read it all


# -- `zwgk mark` with a read snapshot that vouches for the task file ---------------------------
def big_plan(zwgk: Runner, tmp_path: Path) -> None:
    assert zwgk("import", str(plan_csv(tmp_path, 800))).returncode == 0
    assert zwgk("mark", "5", "doing").returncode == 0


def vouch(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the read snapshot, as a read command would once the task file had settled."""
    with monkeypatch.context() as m:
        m.setattr(dbfile, "SETTLED_NS", 0)
        time.sleep(TICK)
        snap_path(db).unlink(missing_ok=True)
        cache = open_cache(db)
        assert cache is not None
        cache.close()


def identity(db: Path) -> tuple[int, ...]:
    fd = os.open(db, os.O_RDONLY)
    try:
        return file_key(fd)
    finally:
        os.close(fd)


def cut_short(db: Path) -> None:
    os.truncate(db, db.stat().st_size // 2)


def bad_status_same_size(db: Path) -> None:
    """A hand edit the full check refuses, of the very line a change reads: same size, mtime
    put back (only ctime, which no one can set, tells)."""
    raw = db.read_bytes()
    line = raw.index(b'\n"400":')
    at = raw.index("未开始".encode(), line)
    st = db.stat()
    with db.open("r+b") as fh:
        fh.seek(at)
        fh.write("未完成".encode())
    os.utime(db, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert db.stat().st_size == st.st_size


def replaced(db: Path) -> None:
    data = json.loads(db.read_bytes())
    data["tasks"]["400"]["status"] = "受阻"
    tmp = db.with_name("other.json")
    tmp.write_bytes(dump_db(data))
    os.replace(tmp, db)


def same_change(zwgk: Runner, db: Path, twin: Path) -> None:
    """Changes give what they give without the read snapshot, on a copy of the folder."""
    plain = {"ZWGK_DB": str(twin / db.name), OFF_SWITCH: "1"}
    for args in (("mark", "400", "done"), ("note", "400", "已报送"), ("mark", "401", "blocked")):
        got, want = zwgk(*args), zwgk(*args, env=plain)
        assert got.returncode == want.returncode, (args, got.stderr, want.stderr)
        assert got.stdout == want.stdout, args
        assert got.stderr.replace(str(db.parent), "D") == want.stderr.replace(str(twin), "D")
    for name in (db.name, db.name + ".events.jsonl"):
        ours, theirs = (db.parent / name).read_bytes(), (twin / name).read_bytes()
        assert ours.count(b"\n") == theirs.count(b"\n"), name


def twin_of(db: Path) -> Path:
    twin = db.parent / "twin"
    shutil.copytree(db.parent, twin, ignore=shutil.ignore_patterns("twin", "*.snap"))
    return twin


@pytest.mark.parametrize(
    "damage",
    [None, cut_short, bad_status_same_size, replaced],
    ids=lambda d: getattr(d, "__name__", "unchanged"),
)
def test_a_change_to_a_task_file_changed_underneath_is_as_without_the_snapshot(
    zwgk: Runner, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: Any
) -> None:
    big_plan(zwgk, tmp_path)
    vouch(db_path, monkeypatch)
    assert verified_identity(db_path) == identity(db_path)
    twin = twin_of(db_path)
    if damage is not None:
        time.sleep(TICK)
        damage(db_path)
        damage(twin / db_path.name)
        assert verified_identity(db_path) != identity(db_path)
    same_change(zwgk, db_path, twin)


def test_a_snapshot_made_from_a_hand_edited_file_vouches_for_nothing(
    zwgk: Runner, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big_plan(zwgk, tmp_path)
    raw = db_path.read_bytes()
    old, new = "梳理第400项".encode(), "编制第400项".encode()
    with db_path.open("r+b") as fh:  # valid, so the snapshot is made, but not what zwgk wrote
        fh.seek(raw.index(old))
        fh.write(new)
    vouch(db_path, monkeypatch)
    assert snap_path(db_path).exists() and verified_identity(db_path) is None
    same_change(zwgk, db_path, twin_of(db_path))


def test_a_vouched_file_is_changed_without_its_crc(
    zwgk: Runner, db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big_plan(zwgk, tmp_path)
    vouch(db_path, monkeypatch)
    monkeypatch.setattr(dbfile, "_verified", set())

    def no_crc(fd: int, length: int) -> int:
        raise AssertionError("a vouched file's CRC is not worked out again")

    monkeypatch.setattr(dbfile, "_crc", no_crc)
    store = Store(Context(db_path, SEED_TODAY, user="tester"))
    event = store.set_status(400, "done")
    assert event.changes["status"] == ["未开始", "已完成"]
    assert store.add_note(401, "已报送").changes["note"] == ["", "已报送"]
    monkeypatch.setenv(OFF_SWITCH, "1")  # no snapshot, no trust: the CRC is checked
    with pytest.raises(AssertionError, match="not worked out again"):
        store.set_status(400, "doing")


# -- the log written since the task file ---------------------------------------------------------
def test_the_log_tail_is_read_as_read_tail_reads_it(tmp_path: Path) -> None:
    from zwgk.store import transaction
    from zwgk.store.eventfile import read_tail

    log = tmp_path / "z.json.events.jsonl"
    lines = [b'{"seq":%d,"task":%d,"x":"%s"}' % (i, i % 7, b"y" * (i % 13)) for i in range(1, 300)]
    body = b"\n".join(lines[:100]) + b"\n\n" + b"\n".join(lines[100:]) + b"\n"
    for torn in (b"", b'{"seq":300,"task":3,'):
        log.write_bytes(body + torn)
        for offset in (0, len(lines[0]) + 1, len(body), len(body) + 5):
            want = read_tail(log, offset)
            tail = transaction._complete_lines(log, offset)
            assert list(transaction._lines_backwards(tail)) == want[::-1]
            for task in range(8):
                needle = b'"task":%d,' % task
                got = list(transaction._lines_with(tail, needle))
                assert got == [line for line in want if needle in line]
    assert transaction._complete_lines(tmp_path / "none.jsonl", 0) == b""

"""The event log can be trusted, or zwgk says it cannot (issue 10, items 6, 9, 10, 13).

A log emptied, cut or swapped is caught before anything is written; a bad line is skipped,
reported and moved to quarantine; undo never overwrites a colleague; `show` and `undo` read
only what they need.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import tracemalloc
from datetime import date
from pathlib import Path

import pytest
from conftest import Runner

from zwgk.store import doctor, eventfile, files
from zwgk.store.context import Context
from zwgk.store.db import Store
from zwgk.store.dbfile import dump_db
from zwgk.store.errors import DatabaseError, InputError


def _store(db: Path, user: str = "tester") -> Store:
    return Store(Context(db_path=db, today=date(2020, 12, 15), user=user, host="h", tty=""))


def _log(db: Path) -> Path:
    return files.events_path(db)


def _seqs(db: Path) -> list[int]:
    return [e.seq for e in _store(db).events()]


def _append(db: Path, *records: dict | bytes) -> None:
    with open(_log(db), "ab") as fh:
        for rec in records:
            if isinstance(rec, dict):
                rec = json.dumps(rec, ensure_ascii=False, separators=(",", ":")).encode()
            fh.write(rec + b"\n")


def _event(seq: int, task: int, changes: dict, user: str = "x") -> dict:
    return {
        "seq": seq,
        "ts": "2020-12-15T09:00:00+08:00",
        "user": user,
        "action": "status",
        "task": task,
        "changes": changes,
        "field": next(iter(changes)),
        "note": "",
        "host": "",
        "tty": "",
    }


def _quarantine(db: Path) -> Path:
    return _log(db).with_name(_log(db).name + ".quarantine")


def _no_traceback(r: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout, r.stderr


@pytest.fixture
def absorbed(db_path: Path, zwgk: Runner) -> Path:
    """A database whose task file has absorbed some of the log, with one change after that."""
    assert zwgk("mark", "1", "doing").returncode == 0
    _store(db_path).checkpoint()
    assert zwgk("mark", "2", "done", "--note", "已报送").returncode == 0
    return db_path


# -- 6. a log emptied, cut or swapped ---------------------------------------------------------
def test_an_emptied_log_stops_writes_until_doctor_repairs_it(absorbed: Path, zwgk: Runner) -> None:
    log = _log(absorbed)
    log.write_bytes(b"")  # `: > zwgk.json.events.jsonl`
    r = zwgk("mark", "3", "doing")
    _no_traceback(r)
    assert r.returncode == 3
    assert str(log) in r.stderr and "zwgk doctor" in r.stderr
    assert log.read_bytes() == b"", "nothing may be written on top of a log that lost changes"
    r = zwgk("list")  # reads say so too, instead of showing a state silently missing changes
    assert r.returncode == 3 and "zwgk doctor" in r.stderr

    r = zwgk("doctor")
    _no_traceback(r)
    assert r.returncode == 1 and "--repair" in r.stdout and "没有发现错误" not in r.stdout

    r = zwgk("doctor", "--repair")
    _no_traceback(r)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "无法找回" in r.stdout
    assert list(absorbed.parent.glob(log.name + ".broken-*"))
    assert zwgk("mark", "3", "doing").returncode == 0
    r = zwgk("doctor")
    assert r.returncode == 0 and "没有发现错误" in r.stdout
    seqs = _seqs(absorbed)
    assert len(seqs) == len(set(seqs)) and seqs == sorted(seqs)
    tasks = {t["id"]: t for t in json.loads(zwgk("list", "--json").stdout)}
    assert tasks[1]["status"] == "进行中" and tasks[3]["status"] == "进行中"


def test_an_older_copy_of_the_log_is_caught(absorbed: Path, zwgk: Runner) -> None:
    log = _log(absorbed)
    older = log.read_bytes()
    for i in range(3, 8):
        assert zwgk("note", str(i), f"进展{i}").returncode == 0
    _store(absorbed).checkpoint()
    log.write_bytes(older)  # an old copy put back (a restore from tape, a careless cp)
    with pytest.raises(DatabaseError) as err:
        _store(absorbed).set_status(9, "doing")
    assert "zwgk doctor" in err.value.message
    assert log.read_bytes() == older
    r = zwgk("doctor", "--repair")
    assert r.returncode == 0, r.stdout + r.stderr
    history = json.loads(zwgk("show", "1", "--json").stdout)["history"]
    assert [e["action"] for e in history] == ["status"], "the older copy's history is kept"
    assert json.loads(zwgk("show", "7", "--json").stdout)["note"] == "进展7"
    assert zwgk("mark", "9", "doing").returncode == 0


def test_a_log_of_another_database_is_caught(tmp_path: Path, zwgk: Runner) -> None:
    ours, theirs = tmp_path / "a" / "zwgk.json", tmp_path / "b" / "zwgk.json"
    for db in (ours, theirs):
        db.parent.mkdir()
        _store(db).set_status(1, "doing")
        _store(db).checkpoint()
    for i in range(2, 12):  # theirs is longer: a size check alone would not see it
        _store(theirs).add_note(i, "别人的进展" * 5)
    _log(ours).write_bytes(_log(theirs).read_bytes())
    with pytest.raises(DatabaseError):
        _store(ours).add_note(3, "写到了错误的记录里")
    with pytest.raises(DatabaseError):
        _store(ours).checkpoint()
    assert not doctor.check(ours).ok


def test_changes_written_after_a_truncation_are_recovered_by_repair(absorbed: Path) -> None:
    """What older zwgk did after `copytruncate`: saved changes no reader saw, all one seq."""
    data = json.loads(absorbed.read_bytes())
    last = data["meta"]["1"]["last_seq"]
    _log(absorbed).write_bytes(b"")
    _append(
        absorbed,
        _event(last + 1, 4, {"status": ["未开始", "进行中"]}, user="li"),
        _event(last + 1, 5, {"status": ["未开始", "已完成"]}, user="wang"),
        _event(last + 1, 4, {"status": ["未开始", "受阻"]}, user="li"),  # saw the stale file
        _event(last + 1, 6, {"status": ["已完成", "进行中"]}, user="zhao"),  # does not apply
    )
    from zwgk.store import logrepair

    result = logrepair.repair(_store(absorbed, "admin").ctx)
    assert result.repaired and result.recovered == 3
    assert len(result.not_recovered) == 1 and "zhao" in result.not_recovered[0]
    snap = _store(absorbed).snapshot()
    assert snap.tasks[4].status == "受阻" and snap.tasks[5].status == "已完成"
    assert snap.tasks[6].status == "未开始"
    seqs = _seqs(absorbed)
    assert len(seqs) == len(set(seqs)) and seqs == sorted(seqs)
    assert doctor.check(absorbed).ok


def test_repair_reads_back_what_logrotate_copytruncate_moved_aside(
    absorbed: Path, zwgk: Runner
) -> None:
    """logrotate's copytruncate: the log copied to `.1`, then emptied. `doctor --repair` finds
    the copy by its first line and keeps its history and its changes not yet absorbed."""
    log = _log(absorbed)
    (log.parent / (log.name + ".2")).write_bytes(b'{"not": "ours"}\n')  # an unrelated copy
    (log.parent / (log.name + ".1")).write_bytes(log.read_bytes())
    log.write_bytes(b"")
    assert zwgk("mark", "3", "doing").returncode == 3
    r = zwgk("doctor", "--repair")
    _no_traceback(r)
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"{log.name}.1" in r.stdout and "找回" in r.stdout
    two = json.loads(zwgk("show", "2", "--json").stdout)
    assert two["status"] == "已完成" and two["note"] == "已报送", "the unabsorbed change is back"
    history = json.loads(zwgk("show", "1", "--json").stdout)["history"]
    assert [e["action"] for e in history] == ["status"], "the copy's history is kept"
    assert zwgk("mark", "3", "doing").returncode == 0
    assert doctor.check(absorbed).ok
    seqs = _seqs(absorbed)
    assert len(seqs) == len(set(seqs)) and seqs == sorted(seqs)


def test_a_database_from_before_the_log_identity_keeps_working(db_path: Path) -> None:
    store = _store(db_path)
    store.set_status(1, "doing")
    store.checkpoint()
    data = json.loads(db_path.read_bytes())
    meta = data["meta"]["1"]
    meta.pop("log_head")
    meta.pop("crc"), meta.pop("body")
    db_path.write_bytes(dump_db(data))  # CRC-verified, as the previous version wrote it
    store.set_status(2, "doing")
    assert store.snapshot().tasks[2].status == "进行中"
    store.checkpoint()  # adopted at the next checkpoint
    assert "log_head" in json.loads(db_path.read_bytes())["meta"]["1"]
    # and an old database whose log was cut is caught by its size alone
    meta.pop("log_head", None)
    meta["events_offset"] = os.path.getsize(_log(db_path))
    meta["last_seq"] = _seqs(db_path)[-1]
    db_path.write_bytes(dump_db(data))
    _log(db_path).write_bytes(b"")
    with pytest.raises(DatabaseError):
        store.set_status(3, "doing")


# -- 9. one bad line ----------------------------------------------------------------------------
def test_a_line_of_five_thousand_digits_breaks_nothing(absorbed: Path, zwgk: Runner) -> None:
    _append(absorbed, b"1" * 5000)
    for args in (("list",), ("show", "2"), ("mark", "3", "doing"), ("log",)):
        r = zwgk(*args)
        _no_traceback(r)
        assert r.returncode == 0, (args, r.stderr)
    r = zwgk("doctor")
    _no_traceback(r)
    assert r.returncode == 1 and "已损坏" in r.stdout
    r = zwgk("doctor", "--repair")
    assert r.returncode == 0, r.stdout + r.stderr
    quarantine = _quarantine(absorbed)
    assert quarantine.read_bytes() == b"1" * 5000 + b"\n"
    assert zwgk("doctor").returncode == 0
    tasks = {t["id"]: t for t in json.loads(zwgk("list", "--json").stdout)}
    assert tasks[2]["status"] == "已完成" and tasks[3]["status"] == "进行中"


@pytest.mark.parametrize(
    "changes",
    [{"lead_units": [["区信息办"], ["a", 5]]}, {"status": ["未开始", "bogus"]}],
    ids=["units", "status"],
)
def test_events_that_would_break_a_task_are_skipped(
    absorbed: Path, zwgk: Runner, changes: dict
) -> None:
    last = _seqs(absorbed)[-1]
    _append(absorbed, _event(last + 1, 4, changes))
    for args in (("list",), ("show", "4", "--json"), ("search", "政务")):
        r = zwgk(*args)
        _no_traceback(r)
        assert r.returncode == 0, (args, r.stderr)
    assert zwgk("mark", "4", "doing").returncode == 0
    _store(absorbed).checkpoint()  # used to fail forever on `status: bogus`
    assert _store(absorbed).snapshot().tasks[4].status == "进行中"
    r = zwgk("doctor")
    assert r.returncode == 1 and "内容无效" in r.stdout and "没有发现错误" not in r.stdout
    r = zwgk("doctor", "--repair")
    assert r.returncode == 0, r.stdout + r.stderr
    assert zwgk("doctor").returncode == 0
    assert len(_quarantine(absorbed).read_bytes().splitlines()) == 1


@pytest.mark.parametrize("kind", ["fifo", "directory"])
def test_a_fifo_or_folder_at_the_log_path_is_refused_at_once(
    absorbed: Path, zwgk: Runner, kind: str
) -> None:
    log = _log(absorbed)
    log.unlink()
    if kind == "fifo":
        os.mkfifo(log)
    else:
        log.mkdir()
    for args in (("list",), ("mark", "3", "doing"), ("doctor",)):
        t = time.monotonic()
        r = zwgk(*args)
        assert time.monotonic() - t < 20, f"{args} hung"
        _no_traceback(r)
        assert r.returncode in (1, 3), (args, r.stderr)
        assert str(log) in r.stderr + r.stdout and "不是普通文件" in r.stderr + r.stdout


def test_validate_event_knows_a_good_event_from_a_bad_one() -> None:
    from zwgk.store.eventlog import validate_event

    good = _event(3, 1, {"status": ["未开始", "已完成"], "confirmed_by": [None, None]})
    assert validate_event(good) is None
    assert validate_event({**good, "action": "rm -rf"})
    assert validate_event({**good, "seq": "3"})
    assert validate_event({**good, "seq": True})
    assert validate_event({**good, "task": "1"})
    assert validate_event({**good, "task": None})
    assert validate_event({**good, "changes": {"status": "已完成"}})
    assert validate_event({**good, "changes": {"due": [None, "2021-02-30"]}})
    assert validate_event({**good, "changes": {"id": [1, 2]}})
    assert validate_event({**good, "changes": {"note": [None, 5]}})
    assert validate_event({**good, "user": None})


# -- 10. undo never overwrites a colleague ------------------------------------------------------
def test_undo_refuses_to_overwrite_a_colleagues_later_change(db_path: Path, zwgk: Runner) -> None:
    assert zwgk("mark", "5", "doing", user="alice").returncode == 0
    assert zwgk("mark", "5", "done", "--note", "已印发", user="bob").returncode == 0
    r = zwgk("undo", user="alice")
    _no_traceback(r)
    assert r.returncode != 0
    assert "bob" in r.stderr and "2" in r.stderr and "未做任何修改" in r.stderr
    task = json.loads(zwgk("show", "5", "--json").stdout)
    assert task["status"] == "已完成" and task["note"] == "已印发"


def test_undo_goes_ahead_when_the_colleague_touched_another_field(store: Store) -> None:
    alice, bob = _store(store.path, "alice"), _store(store.path, "bob")
    alice.set_status(5, "doing")
    bob.add_note(5, "经费已到位")
    ev = alice.undo()
    assert ev.changes["status"] == ["进行中", "未开始"]
    task = store.snapshot().tasks[5]
    assert task.status == "未开始" and task.note == "经费已到位"


def test_undo_keeps_a_colleagues_newer_note(store: Store) -> None:
    alice, bob = _store(store.path, "alice"), _store(store.path, "bob")
    alice.set_status(8, "doing", note="开始")
    bob.add_note(8, "配合完成")
    ev = alice.undo()
    assert set(ev.changes) == {"status"}
    task = store.snapshot().tasks[8]
    assert task.status == "未开始" and task.note == "配合完成"


def test_undo_refuses_when_a_colleague_changed_the_note(store: Store) -> None:
    alice, bob = _store(store.path, "alice"), _store(store.path, "bob")
    alice.add_note(6, "草稿")
    bob.add_note(6, "定稿")
    with pytest.raises(InputError) as err:
        alice.undo()
    assert "bob" in err.value.message and "进展" in err.value.message
    assert store.snapshot().tasks[6].note == "定稿"


# -- 13. show and undo read only what they need ------------------------------------------------
def _long_log(store: Store, lines: int, note: str = "") -> None:
    """`lines` changes by other people, written straight to the log, then absorbed."""
    base = _seqs(store.path)[-1]
    rows = []
    for i in range(1, lines + 1):
        rec = _event(base + i, 7 + i % 20, {"note": [None, f"进展{i}{note}"]}, user=f"u{i % 50}")
        rec["action"] = "note"
        rows.append(json.dumps(rec, ensure_ascii=False, separators=(",", ":")))
    with open(_log(store.path), "a", encoding="utf-8") as fh:
        fh.write("\n".join(rows) + "\n")
    store.checkpoint()


def test_show_streams_the_log_instead_of_loading_it(store: Store) -> None:
    store.set_status(3, "doing")
    _long_log(store, 40_000, note="，" + "按计划推进" * 20)
    size = os.path.getsize(_log(store.path))
    assert size > 16 * 1024 * 1024
    tracemalloc.start()
    try:
        history = store.events(task=3)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [e.action for e in history] == ["status"]
    assert peak < size / 4, f"peak {peak / 1e6:.1f} MB for a {size / 1e6:.1f} MB log"


def test_undo_parses_only_this_users_lines(store: Store, monkeypatch) -> None:
    mine = _store(store.path, "alice")
    mine.set_status(4, "doing")
    _long_log(store, 30_000)
    parsed = 0
    real = eventfile.parse_line

    def counting(line: bytes):
        nonlocal parsed
        parsed += 1
        return real(line)

    from zwgk.store import db

    monkeypatch.setattr(eventfile, "parse_line", counting)
    monkeypatch.setattr(db, "parse_line", counting)
    ev = mine.undo()
    assert ev.task == 4 and ev.changes["status"] == ["进行中", "未开始"]
    assert parsed < 100, f"undo parsed {parsed} lines of a 30,000-line log"

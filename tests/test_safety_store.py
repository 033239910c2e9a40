"""Storage guarantees: validation, backups, file modes, lock timeout, WAL roll-forward, speed."""

from __future__ import annotations

import fcntl
import json
import os
import stat
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from zwgk.store import backup, db, dbfile, files, lock
from zwgk.store.context import Context
from zwgk.store.db import Store
from zwgk.store.errors import DatabaseError, InputError, LockTimeout


def _ctx(path: Path, user: str = "alice") -> Context:
    return Context(db_path=path, today=date(2021, 1, 1), user=user, host="h", tty="")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(_ctx(tmp_path / "zwgk.json"))
    s.ensure_seeded()
    return s


def _mode(p: Path) -> int:
    return stat.S_IMODE(os.stat(p).st_mode)


# -- file format and validation --------------------------------------------------------------
def test_written_file_is_plain_json_tinydb_can_read_and_crc_verified(store: Store) -> None:
    raw = store.path.read_bytes()
    data = json.loads(raw)
    assert set(data) >= {"tasks", "units", "plans", "meta"}
    assert dbfile.verified(raw)
    assert "\\u" not in raw.decode()  # Chinese stays readable
    from tinydb import TinyDB

    with TinyDB(store.path, access_mode="r") as tdb:
        assert len(tdb.table("tasks")) == 29


@pytest.mark.parametrize(
    "mutate, fragment",
    [
        (lambda d: d["tasks"]["3"].update(status="差不多"), "状态"),
        (lambda d: d["tasks"]["3"].update(due="2020-13-45"), "完成日期"),
        (lambda d: d["tasks"]["3"].update(id=4), "id"),
        (lambda d: d["tasks"]["3"].update(lead_units="区信息办"), "lead_units"),
        (lambda d: d["tasks"].update({"x": {}}), "不是正整数"),
        (lambda d: d.update(tasks=[]), "tasks 表"),
        (lambda d: d["meta"]["1"].update(schema=99), "版本"),
        (lambda d: d["units"]["1"].update(name=""), "没有名称"),
    ],
)
def test_invalid_database_is_refused_and_never_overwritten(
    store: Store, mutate, fragment: str
) -> None:
    store.set_status(1, "doing")
    store.checkpoint()  # a backup of a good version exists
    data = json.loads(store.path.read_bytes())
    mutate(data)
    store.path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    before = store.path.read_bytes()
    fresh = Store(_ctx(store.path))
    with pytest.raises(DatabaseError) as err:
        fresh.set_status(2, "done")
    assert fragment in err.value.message
    assert str(store.path) in err.value.message
    assert "zwgk doctor --restore" in err.value.message  # names the newest good backup
    with pytest.raises(DatabaseError):
        fresh.snapshot()
    assert store.path.read_bytes() == before


def test_hand_edited_but_valid_file_still_works(store: Store) -> None:
    data = json.loads(store.path.read_bytes())
    data["tasks"]["3"]["note"] = "手工修改"
    store.path.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    assert not dbfile.verified(store.path.read_bytes())
    assert store.snapshot().tasks[3].note == "手工修改"
    store.set_status(3, "doing")
    assert store.snapshot().tasks[3].status == "进行中"


def test_a_transaction_cannot_write_an_invalid_database(store: Store) -> None:
    before = store.path.read_bytes()
    with pytest.raises(DatabaseError), store.transaction() as txn:
        txn.db.table("tasks").update({"status": "bogus"}, doc_ids=[2])
    assert store.path.read_bytes() == before
    with pytest.raises(InputError), store.transaction() as txn:
        txn.change(2, {"due": "not a date"}, action="status")
    with pytest.raises(InputError):
        store.set_status(2, "差不多")
    assert store.snapshot().tasks[2].status == "未开始"


# -- the write-ahead log ---------------------------------------------------------------------
def test_changes_append_to_log_and_checkpoint_rewrites_file(store: Store) -> None:
    before = store.path.read_bytes()
    store.set_status(7, "doing", note="一")
    assert store.path.read_bytes() == before  # a change does not rewrite the task file
    assert store.snapshot().tasks[7].status == "进行中"
    store.checkpoint()
    data = json.loads(store.path.read_bytes())
    assert data["tasks"]["7"]["status"] == "进行中"
    assert data["meta"]["1"]["events_offset"] == os.path.getsize(store.events_path)


def test_checkpoint_happens_by_itself(store: Store) -> None:
    n = 0
    while os.path.getsize(store.events_path) < 2 * db.CHECKPOINT_BYTES:
        store.add_note(1 + n % 29, "进展" * 200)
        n += 1
    data = json.loads(store.path.read_bytes())
    pending = os.path.getsize(store.events_path) - data["meta"]["1"]["events_offset"]
    assert pending <= db.CHECKPOINT_BYTES + 4096
    assert backup.list_backups(store.path)


def test_refusal_and_damaged_log_lines_keep_seq_unique(store: Store) -> None:
    store.set_status(1, "doing")
    with open(store.events_path, "ab") as fh:
        fh.write(b'garbage line\n{"seq": 2, "ts"')  # damage, and a torn tail
    store.set_status(2, "doing")
    events = store.events()
    seqs = [e.seq for e in events]
    assert seqs == sorted(set(seqs))
    assert store.snapshot().tasks[2].status == "进行中"


def test_undo_and_history_stay_fast_with_a_long_log(store: Store) -> None:
    store.set_status(5, "doing", note="mine")
    lines = []
    base = store.snapshot().meta["last_seq"]
    for i in range(1, 30001):
        rec = {"seq": base + i, "ts": "2021-01-01T00:00:00+08:00", "user": f"u{i % 50}"}
        rec.update(action="status", task=1 + i % 29, changes={"status": ["未开始", "进行中"]})
        rec.update(field="status", old="未开始", new="进行中", note="", host="", tty="")
        lines.append(json.dumps(rec, ensure_ascii=False, separators=(",", ":")))
    with open(store.events_path, "a", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    store.checkpoint()
    t = time.perf_counter()
    ev = store.undo()  # alice's change is 30,000 lines back: worst case, whole log backwards
    undo_s = time.perf_counter() - t
    assert ev.task == 5 and ev.undoes is not None
    t = time.perf_counter()
    hist = store.events(task=5)
    hist_s = time.perf_counter() - t
    assert hist[-1].action == "undo"
    t = time.perf_counter()
    store.set_status(6, "doing")
    mark_s = time.perf_counter() - t
    print(f"30k events: undo {undo_s:.3f}s, events(task) {hist_s:.3f}s, mark {mark_s:.3f}s")
    assert undo_s < 3 and hist_s < 3 and mark_s < 0.5
    assert [e.seq for e in store.last_events(3)][-1] == store.snapshot().meta["last_seq"]


# -- lock ------------------------------------------------------------------------------------
def test_lock_timeout_says_so_in_chinese(store: Store, monkeypatch) -> None:
    monkeypatch.setattr(lock, "LOCK_TIMEOUT", 0.3)
    fd = os.open(files.lock_path(store.path), os.O_RDWR | os.O_CREAT, 0o660)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # another process holding the lock
        t = time.monotonic()
        with pytest.raises(LockTimeout) as err:
            store.set_status(1, "done")
        assert 0.25 < time.monotonic() - t < 5
        assert "正被其他人写入" in err.value.message and str(store.path) in err.value.message
    finally:
        os.close(fd)
    store.set_status(1, "done")


# -- backups and modes -----------------------------------------------------------------------
def test_files_are_created_0660_whatever_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        s = Store(_ctx(tmp_path / "zwgk.json"))
        s.set_status(1, "doing")
        s.checkpoint()
    finally:
        os.umask(old)
    assert _mode(s.path) == 0o660
    assert _mode(s.events_path) == 0o660
    assert _mode(files.lock_path(s.path)) == 0o660
    assert _mode(backup.backup_dir(s.path)) == 0o770
    for b in backup.list_backups(s.path):
        assert _mode(b.path) == 0o660


def test_backup_is_a_hard_link_of_the_replaced_file(store: Store) -> None:
    old_ino = os.stat(store.path).st_ino
    store.set_status(1, "doing")
    store.checkpoint()
    newest = backup.list_backups(store.path)[0]
    assert os.stat(newest.path).st_ino == old_ino
    assert os.stat(store.path).st_ino != old_ino
    assert backup.check_file(newest.path) is None


def test_backups_rotate_last_ten_and_thirty_days(store: Store) -> None:
    bdir = backup.backup_dir(store.path)
    for i in range(14):
        store.set_status(1 + i, "doing")
        store.checkpoint()
    recent = [b for b in backup.list_backups(store.path) if not b.daily]
    assert len(recent) == backup.KEEP_RECENT
    today = date.today()
    for days in range(1, 40):  # pretend backups from the past 40 days
        day = (today - timedelta(days=days)).isoformat()
        (bdir / f"{store.path.name}.daily-{day}.json").write_bytes(store.path.read_bytes())
    backup.rotate(store.path)
    dailies = sorted(b.path.name for b in backup.list_backups(store.path) if b.daily)
    assert len(dailies) == backup.KEEP_DAYS
    oldest = (today - timedelta(days=backup.KEEP_DAYS - 1)).isoformat()
    assert all(n.split("daily-")[1][:10] >= oldest for n in dailies)


def test_backup_budget_bounds_total_size(store: Store, monkeypatch) -> None:
    for i in range(4):
        store.set_status(1 + i, "doing")
        store.checkpoint()
    size = store.path.stat().st_size
    monkeypatch.setattr(backup, "BUDGET_BYTES", int(size * 1.5))
    store.set_status(9, "doing")
    store.checkpoint()
    kept = backup.list_backups(store.path)
    inodes = {os.stat(b.path).st_ino: b.size for b in kept}
    assert sum(inodes.values()) <= size * 1.5 + 1024
    assert kept  # the newest is always kept


def test_newest_good_skips_broken_backups(store: Store) -> None:
    for i in range(3):
        store.set_status(1 + i, "doing")
        store.checkpoint()
    backups = [b for b in backup.list_backups(store.path) if not b.daily]
    newest = backups[0]
    os.unlink(newest.path)
    newest.path.write_bytes(b'{"tasks": tru')
    os.utime(newest.path, (time.time() + 5, time.time() + 5))
    good = backup.newest_good(store.path)
    assert good is not None and good.path != newest.path


def test_missing_database_with_backups_is_not_silently_reseeded(store: Store) -> None:
    store.set_status(1, "doing")
    store.checkpoint()
    store.path.unlink()
    with pytest.raises(DatabaseError) as err:
        Store(_ctx(store.path)).snapshot()
    assert "doctor --restore" in err.value.message
    assert not store.path.exists()


def test_new_database_next_to_an_old_log_continues_its_seq(tmp_path: Path) -> None:
    s = Store(_ctx(tmp_path / "zwgk.json"))
    s.set_status(1, "doing")
    s.set_status(2, "doing")
    last = s.events()[-1].seq
    s.path.unlink()
    import shutil

    shutil.rmtree(backup.backup_dir(s.path), ignore_errors=True)
    s2 = Store(_ctx(tmp_path / "zwgk.json"))
    ev = s2.set_status(3, "doing")
    assert ev.seq > last


def test_reads_of_a_verified_file_skip_full_validation(store: Store, monkeypatch) -> None:
    from zwgk.store import loading, transaction

    calls = []
    spy = lambda *a, **k: calls.append(1) or []  # noqa: E731
    monkeypatch.setattr(loading, "validate", spy)  # the read path
    monkeypatch.setattr(transaction, "validate", spy)  # a full (slow-path) commit
    store.snapshot()
    store.set_status(1, "doing")
    assert not calls


def test_backup_names_sort_by_time(store: Store) -> None:
    store.set_status(1, "doing")
    store.checkpoint()
    name = backup.list_backups(store.path)[0].path.name
    stamp = name[len(store.path.name) + 1 :].split(".")[0]
    if not stamp.startswith("daily-"):
        datetime.strptime(stamp[:15], "%Y%m%d-%H%M%S")


def test_disk_full_is_one_sentence_and_changes_nothing(store: Store, monkeypatch) -> None:
    import errno

    store.set_status(1, "doing")
    log_before = store.events_path.read_bytes()
    db_before = store.path.read_bytes()
    real_write = os.write

    def full(fd, data):
        real_write(fd, bytes(data)[:7])  # a partial line reaches the file, then the disk is full
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(DatabaseError) as err:
        store.set_status(2, "done")
    assert "磁盘空间已满" in err.value.message
    monkeypatch.undo()
    assert store.events_path.read_bytes() == log_before
    assert store.path.read_bytes() == db_before

    def no_room(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", no_room)
    with pytest.raises(DatabaseError):
        store.checkpoint()
    monkeypatch.undo()
    assert store.path.read_bytes() == db_before
    assert not list(store.path.parent.glob(".zwgk.json.*.tmp"))
    assert store.snapshot().tasks[1].status == "进行中"


def test_a_rewrite_that_loading_would_refuse_is_never_written(tmp_path: Path, monkeypatch) -> None:
    """Whatever grows the task file past the size loading accepts (an import, a checkpoint)
    is refused before the file is replaced."""
    from zwgk.store import tinystorage

    store = Store(Context(tmp_path / "z.json", date(2020, 9, 1), user="u"))
    store.ensure_seeded()
    before = store.snapshot().tasks
    monkeypatch.setattr(tinystorage, "MAX_DB_BYTES", 1000)
    with pytest.raises(DatabaseError) as err:
        store.checkpoint()
    assert "上限" in err.value.message
    monkeypatch.undo()
    assert (
        Store(Context(tmp_path / "z.json", date(2020, 9, 1), user="u")).snapshot().tasks == before
    )

"""Deleting the lock file while people write must not let two writers in at once (issue 10, 7)."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import time
from datetime import date
from pathlib import Path

import pytest

from zwgk.store import files, lock
from zwgk.store.context import Context
from zwgk.store.db import Store
from zwgk.store.errors import LockTimeout
from zwgk.store.model import STATUSES

WRITERS = 6
CHANGES = 40


def _ctx(db: Path, user: str = "tester") -> Context:
    return Context(db_path=db, today=date(2021, 1, 1), user=user, host="h", tty="")


def _writer(db: str, w: int) -> None:
    store = Store(_ctx(Path(db), f"user{w}"))
    for i in range(CHANGES):
        store.set_status(1 + (w + i) % 5, STATUSES[(w + i) % 4], note=f"w{w}-{i}")


def _unlinker(db: str, stop_at: float) -> None:
    path = files.lock_path(Path(db))
    while time.monotonic() < stop_at:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        time.sleep(0.001)


def test_deleting_the_lock_file_in_a_loop_loses_nothing(fast_dir: Path) -> None:
    db = fast_dir / "zwgk.json"
    Store(_ctx(db)).ensure_seeded()
    mp = multiprocessing.get_context("fork")
    unlinker = mp.Process(target=_unlinker, args=(str(db), time.monotonic() + 120))
    unlinker.start()
    try:
        writers = [mp.Process(target=_writer, args=(str(db), w)) for w in range(WRITERS)]
        for p in writers:
            p.start()
        for p in writers:
            p.join(timeout=150)
            assert p.exitcode == 0
    finally:
        unlinker.kill()
        unlinker.join()
    events = Store(_ctx(db)).events()
    seqs = [e.seq for e in events]
    assert len(seqs) == len(set(seqs)), "duplicate sequence numbers"
    assert seqs == sorted(seqs)
    notes = {e.note for e in events if e.action == "status"}
    assert notes == {f"w{w}-{i}" for w in range(WRITERS) for i in range(CHANGES)}, "lost changes"


def test_a_lock_on_a_deleted_file_is_not_taken_as_ours(tmp_path: Path, monkeypatch) -> None:
    """The fstat-against-stat check on its own: a lock whose file vanished is retaken."""
    db = tmp_path / "zwgk.json"
    opened: list[int] = []
    real_open = lock._open_lock

    def open_then_delete(path: Path) -> int:
        fd = real_open(path)
        opened.append(os.fstat(fd).st_ino)
        if len(opened) == 1:
            os.unlink(path)  # someone deletes it between our open and our flock
        return fd

    monkeypatch.setattr(lock, "_open_lock", open_then_delete)
    with lock.locked(db):
        held = os.stat(files.lock_path(db)).st_ino
    assert len(opened) == 2 and held == opened[1]


def test_lock_timeout_does_not_invite_deleting_the_lock_file(tmp_path: Path, monkeypatch) -> None:
    import fcntl

    monkeypatch.setattr(lock, "LOCK_TIMEOUT", 0.2)
    db = tmp_path / "zwgk.json"
    fd = os.open(files.lock_path(db), os.O_RDWR | os.O_CREAT, 0o660)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        with pytest.raises(LockTimeout) as err, lock.locked(db):
            pass
    finally:
        os.close(fd)
    msg = err.value.message
    assert "请勿删除" in msg and "正被其他人写入" in msg

"""A writer killed with SIGKILL at random moments never leaves a broken or forgetful database.

The child makes changes in a loop and writes an acknowledgement line to a pipe after each
`set_status` returns; the parent kills it at a random moment, then checks that the database
loads and holds every acknowledged change. Rounds run on the same files, so what one killed
writer leaves behind (torn log tail, stale temp file, half-made backup) meets the next one.
"""

from __future__ import annotations

import os
import random
import select
import signal
import time
from datetime import date
from pathlib import Path

import pytest
from conftest import status_after_each

from zwgk.store import doctor, files
from zwgk.store.context import Context
from zwgk.store.db import CHECKPOINT_BYTES, Store
from zwgk.store.model import STATUSES

ROUNDS = 60


def _ctx(db: Path) -> Context:
    return Context(db_path=db, today=date(2021, 1, 1), user="crash", host="h", tty="")


def _child(db: Path, round_no: int, wfd: int, padding: int) -> None:
    store = Store(_ctx(db))
    i = 0
    while True:
        task = 1 + (round_no * 13 + i) % 29
        status = STATUSES[(round_no + i) % len(STATUSES)]
        note = f"r{round_no}-{i}" + "x" * padding  # long notes: checkpoints come often
        ev = store.set_status(task, status, note=note)
        os.write(wfd, f"{ev.seq} {task} {status} r{round_no}-{i}\n".encode())
        i += 1


def _run_round(db: Path, round_no: int, rng: random.Random) -> list[tuple[int, int, str, str]]:
    rfd, wfd = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        os.close(rfd)
        try:
            _child(db, round_no, wfd, padding=rng.choice([0, 200, 1500]))
        finally:
            os._exit(1)
    os.close(wfd)
    buf = b""
    if rng.random() < 0.8:  # most rounds: let it acknowledge something first
        ready, _, _ = select.select([rfd], [], [], 10)
        if ready:
            buf += os.read(rfd, 65536)
    deadline = time.monotonic() + rng.uniform(0.0, 0.08)
    while time.monotonic() < deadline:
        ready, _, _ = select.select([rfd], [], [], max(0.0, deadline - time.monotonic()))
        if ready:
            chunk = os.read(rfd, 65536)
            if not chunk:
                break
            buf += chunk
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    while chunk := os.read(rfd, 65536):  # acks written before the kill count too
        buf += chunk
    os.close(rfd)
    acks = []
    for line in buf.decode().splitlines():
        seq, task, status, note = line.split(" ")
        acks.append((int(seq), int(task), status, note))
    return acks


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_sigkill_at_random_moments_loses_nothing_acknowledged(fast_dir: Path) -> None:
    db = fast_dir / "zwgk.json"
    Store(_ctx(db)).ensure_seeded()
    initial = {tid: t.status for tid, t in Store(_ctx(db)).snapshot().tasks.items()}
    rng = random.Random(20240611)
    acked: list[tuple[int, int, str, str]] = []
    rounds_with_acks = 0
    for round_no in range(ROUNDS):
        got = _run_round(db, round_no, rng)
        rounds_with_acks += bool(got)
        acked += got
        # The database loads (and would refuse to load if it were torn) ...
        store = Store(_ctx(db))
        snap = store.snapshot()
        assert len(snap.tasks) == 29
        events = store.events()
        after = status_after_each(initial, events)
        by_note = {e.note[: len(e.note.rstrip("x"))]: e for e in events if e.action == "status"}
        # ... and holds every acknowledged change, with the seq it was acknowledged with.
        for seq, _task, status, note in acked:
            ev = by_note.get(note)
            assert ev is not None, f"acknowledged change {note} lost"
            assert ev.seq == seq and after[ev.seq] == status
        # Each task shows the last change logged for it (acknowledged or not).
        last: dict[int, str] = {}
        for e in events:
            if e.action == "status":
                last[e.task] = after[e.seq]
        for tid, status in last.items():
            assert snap.tasks[tid].status == status
        seqs = [e.seq for e in events]
        assert seqs == sorted(seqs) and len(seqs) == len(set(seqs))
    assert rounds_with_acks >= ROUNDS // 2, rounds_with_acks
    report = doctor.check(db)
    assert report.db_ok
    assert not report.damaged_lines
    # Plenty of log was written: checkpoints (full rewrites) happened under fire too.
    assert os.path.getsize(files.events_path(db)) > 2 * CHECKPOINT_BYTES


def test_crash_between_log_append_and_rename_is_rolled_forward(tmp_path: Path, monkeypatch) -> None:
    """The write-ahead order: an event in the log but not in the task file still counts."""
    db = tmp_path / "zwgk.json"
    store = Store(_ctx(db))
    store.ensure_seeded()
    before = db.read_bytes()

    def boom(*a, **k):
        raise KeyboardInterrupt  # stands in for the process dying right before the rename

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(KeyboardInterrupt), store.transaction() as txn:
        assert txn.data  # load the whole file: the commit rewrites it
        txn.change(4, {"status": "进行中"}, action="status")
    monkeypatch.undo()
    assert db.read_bytes() == before
    assert Store(_ctx(db)).snapshot().tasks[4].status == "进行中"
    store.set_status(5, "done")
    snap = Store(_ctx(db)).snapshot()
    assert snap.tasks[4].status == "进行中" and snap.tasks[5].status == "已完成"


def test_logged_history_is_never_replayed_onto_tasks(tmp_path: Path, monkeypatch) -> None:
    """`Transaction.log` entries (e.g. history carried over from another database) are records,
    not changes: a crash before the file is rewritten must not apply them to tasks."""
    from zwgk.store.model import Event

    db = tmp_path / "zwgk.json"
    store = Store(_ctx(db))
    store.ensure_seeded()

    def boom(*a, **k):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(KeyboardInterrupt), store.transaction() as txn:
        assert txn.data
        old = Event(seq=txn.next_seq(), ts="2020-01-01T00:00:00+08:00", user="x", action="status")
        old.task, old.changes = 6, {"status": ["未开始", "已完成"]}
        txn.log(old)
    monkeypatch.undo()
    assert Store(_ctx(db)).snapshot().tasks[6].status == "未开始"
    assert any(e.task == 6 for e in Store(_ctx(db)).events())

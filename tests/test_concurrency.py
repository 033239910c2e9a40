"""Many writers on one database: every change lands, in order, and statuses stay consistent."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import time
from datetime import date
from pathlib import Path

from conftest import status_after_each
from conftest import zwgk_command as zwgk_cmd

from zwgk.store import dbfile, doctor
from zwgk.store.context import Context
from zwgk.store.db import Store
from zwgk.store.model import STATUSES

WORKERS = 8
CHANGES = 200


def _ctx(db: Path, user: str = "tester") -> Context:
    return Context(db_path=db, today=date(2021, 1, 1), user=user, host="h", tty="")


def _worker(db: str, w: int, n: int) -> None:
    store = Store(_ctx(Path(db), f"user{w}"))
    for i in range(n):
        task = 1 + (w * 7 + i) % 29  # workers overlap on the same tasks
        store.set_status(task, STATUSES[(w + i) % len(STATUSES)], note=f"w{w}-{i}")


def _statuses(db: Path) -> dict[int, str]:
    return {tid: t.status for tid, t in Store(_ctx(db)).snapshot().tasks.items()}


def _check_consistent(store: Store, expected_notes: set[str], before: dict[int, str]) -> None:
    events = store.events()
    after = status_after_each(before, events)
    seqs = [e.seq for e in events]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs), "seq must be strictly increasing"
    changes = [e for e in events if e.action == "status"]
    notes = [e.note for e in changes]
    assert len(notes) == len(set(notes))
    assert set(notes) == expected_notes
    snap = store.snapshot()
    last: dict[int, str] = {}
    for e in changes:
        # an event whose status did not change leaves the status it found
        last[e.task] = after[e.seq]
    for tid, status in last.items():
        assert snap.tasks[tid].status == status, f"task {tid}"
    assert snap.meta["last_seq"] == seqs[-1]
    report = doctor.check(store.path)
    assert report.ok, [f.message for f in report.findings]


def test_eight_processes_two_hundred_changes_each(fast_dir: Path) -> None:
    db = fast_dir / "zwgk.json"
    Store(_ctx(db)).ensure_seeded()
    before = _statuses(db)
    try:
        mp = multiprocessing.get_context("fork")
    except ValueError:  # pragma: no cover - platforms without fork
        mp = multiprocessing.get_context()
    start = time.perf_counter()
    procs = [mp.Process(target=_worker, args=(str(db), w, CHANGES)) for w in range(WORKERS)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=240)
        assert p.exitcode == 0
    elapsed = time.perf_counter() - start
    store = Store(_ctx(db))
    expected = {f"w{w}-{i}" for w in range(WORKERS) for i in range(CHANGES)}
    _check_consistent(store, expected, before)
    assert len([e for e in store.events() if e.action == "status"]) == WORKERS * CHANGES
    print(f"{WORKERS * CHANGES} changes by {WORKERS} processes in {elapsed:.1f}s")


def test_concurrent_real_zwgk_mark_commands(tmp_path: Path) -> None:
    db = tmp_path / "zwgk.json"
    Store(_ctx(db)).ensure_seeded()
    before = _statuses(db)
    env = dict(os.environ, ZWGK_DB=str(db), ZWGK_TODAY="2021-01-01")
    env.pop("ZWGK_CONFIG", None)
    procs = []
    for w in range(3):
        script = " && ".join(
            f"{' '.join(zwgk_cmd())} mark {1 + (w + i) % 5} {STATUSES[(w + i) % 4]} --note z{w}-{i}"
            for i in range(3)
        )
        procs.append(
            subprocess.Popen(
                ["sh", "-c", script],
                env=dict(env, ZWGK_USER=f"staff{w}"),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
        )
    for p in procs:
        out, err = p.communicate(timeout=120)
        assert p.returncode == 0, err.decode()
    store = Store(_ctx(db))
    _check_consistent(store, {f"z{w}-{i}" for w in range(3) for i in range(3)}, before)


def test_reader_never_sees_half_a_file(fast_dir: Path) -> None:
    """Snapshots taken while another process writes always parse and validate."""
    db = fast_dir / "zwgk.json"
    Store(_ctx(db)).ensure_seeded()
    mp = multiprocessing.get_context("fork")
    p = mp.Process(target=_worker, args=(str(db), 0, 60))
    p.start()
    reads = 0
    store = Store(_ctx(db))
    while p.is_alive():
        snap = store.snapshot()
        assert len(snap.tasks) == 29
        reads += 1
    p.join()
    assert p.exitcode == 0 and reads > 0
    assert dbfile.read_json(db) is not None

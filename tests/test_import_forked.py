"""The new tasks' pinyin keys worked out by a forked child (issue 14: import at 100k).

`forkmap.forked_map` must hand out exactly `map(fn, items)`: with the child, without it, and
when the child gives up half-way (a string the framing cannot carry, an error, a killed
child); errors are raised by the parent, as without the child. An import through the child
writes the task file byte for byte as one without it, and leaves no child behind.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ROOT, SEED, SEED_TODAY

from zwgk.store import forkmap, importing
from zwgk.store.context import Context
from zwgk.store.errors import InputError
from zwgk.store.service import Service

sys.path.insert(0, str(ROOT / "bench"))
from gen import make_plan  # noqa: E402


@pytest.fixture
def forks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The pids of the children forked; forking allowed beside the test runner's threads (the
    children only compute)."""
    pids: list[int] = []
    real = os.fork

    def fork() -> int:
        pid = real()
        if pid:
            pids.append(pid)
        return pid

    monkeypatch.setattr(forkmap, "can_fork", lambda: hasattr(os, "fork"))
    monkeypatch.setattr(os, "fork", fork)
    return pids


def _gone(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True  # reaped already
    return False


def _text(i: int) -> str:
    return f"第{i}项,政务公开" * (i % 5) + "é\udc80"[: i % 3]  # "" too; a lone surrogate


def test_the_strings_are_maps_with_and_without_the_child(forks: list[int]) -> None:
    items = list(range(forkmap.BATCH * 2 + 17))
    expected = list(map(_text, items))
    with forkmap.forked_map(_text, list(items)) as out:
        assert list(out) == expected
    with forkmap.forked_map(_text, list(items), fork=False) as out:
        assert list(out) == expected
    assert len(forks) == 1 and _gone(forks[0])


def test_the_items_are_let_go_of_as_their_strings_are_handed_out(forks: list[int]) -> None:
    for fork in (True, False):
        items = list(range(forkmap.BATCH + 3))
        with forkmap.forked_map(str, items, fork=fork) as out:
            next(out)
            assert len(items) <= forkmap.BATCH + 2
            assert list(out)[-1] == str(forkmap.BATCH + 2)
        assert items == []


def _newline_late(i: int) -> str:
    return "a\nb" if i == forkmap.BATCH + 5 else str(i)


def _fails_late(i: int) -> str:
    if i == forkmap.BATCH * 2 + 1:
        raise ValueError(i)
    return str(i)


def _dies_late(i: int) -> str:
    if i == forkmap.BATCH + 1 and os.getpid() != PARENT:
        os.kill(os.getpid(), signal.SIGKILL)
    return str(i)


PARENT = os.getpid()


@pytest.mark.parametrize("fn", [_newline_late, _dies_late])
def test_a_child_that_gives_up_leaves_the_rest_to_the_parent(
    forks: list[int], fn: Callable[[int], str]
) -> None:
    global PARENT
    PARENT = os.getpid()  # an xdist worker's own
    items = list(range(forkmap.BATCH * 3))
    with forkmap.forked_map(fn, list(items)) as out:
        assert list(out) == list(map(fn, items))
    assert len(forks) == 1 and _gone(forks[0])


def test_an_error_is_raised_by_the_parent_at_its_item(forks: list[int]) -> None:
    got: list[str] = []
    with pytest.raises(ValueError), forkmap.forked_map(_fails_late, list(range(10**4))) as out:
        got.extend(out)
    assert got == [str(i) for i in range(forkmap.BATCH * 2 + 1)]
    assert len(forks) == 1 and _gone(forks[0])


def test_a_block_left_early_ends_the_child(forks: list[int]) -> None:
    with forkmap.forked_map(str, list(range(10**5))) as out:
        assert next(out) == "0"
    assert len(forks) == 1 and _gone(forks[0])


def test_no_child_beside_other_threads() -> None:
    import threading

    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not forkmap.can_fork()
    finally:
        stop.set()
        other.join()


def _tasks_part(path: Path) -> bytes:
    raw = path.read_bytes()
    return raw[raw.index(b'\n"tasks":{\n') : raw.index(b'\n"meta":')]


def _imported(folder: Path, source: Path, bigger: Path) -> list[bytes]:
    """The task lines after importing `source`, then `bigger` as the same plan (new records
    beside kept and changed ones)."""
    db = folder / "zwgk.json"
    folder.mkdir()
    service = Service.open(Context(db, SEED_TODAY, user="tester"), seed=False)
    service.import_file(source, title="方案")
    first = _tasks_part(db)
    report = service.import_file(bigger, title="方案").report
    assert report.added and report.updated + report.unchanged
    return [first, _tasks_part(db)]


@pytest.mark.parametrize("plan", ["seed", "generated"])
def test_an_import_through_the_child_writes_the_same_task_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forks: list[int], plan: str
) -> None:
    source, bigger = SEED, tmp_path / "plan-1500.csv"
    make_plan(bigger, 1500)
    if plan == "generated":
        source = tmp_path / "plan-1000.csv"
        make_plan(source, 1000, seed=3)
    monkeypatch.setattr(importing, "FORK_MIN", 10**9)
    alone = _imported(tmp_path / "alone", source, bigger)
    assert forks == []
    monkeypatch.setattr(importing, "FORK_MIN", 1)
    forked = _imported(tmp_path / "forked", source, bigger)
    assert forked == alone and forked[0].count(b'"py":') >= 20
    assert len(forks) >= 2 and all(map(_gone, forks))  # the re-import's new tasks too


def test_a_refused_import_leaves_no_child_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, forks: list[int]
) -> None:
    monkeypatch.setattr(importing, "FORK_MIN", 1)
    db = tmp_path / "zwgk.json"
    service = Service.open(Context(db, SEED_TODAY, user="tester"), seed=False)
    service.import_file(SEED, title="方案")
    before = db.read_bytes()
    bigger = tmp_path / "plan-1500.csv"
    make_plan(bigger, 1500)
    real = importing._merge_units

    def refuse(*args: object) -> None:
        raise InputError("不导入。")

    monkeypatch.setattr(importing, "_merge_units", refuse)
    with pytest.raises(InputError):
        service.import_file(bigger, title="方案")  # new tasks: a child is forked
    monkeypatch.setattr(importing, "_merge_units", real)
    assert db.read_bytes() == before
    assert len(forks) == 2 and all(map(_gone, forks))


def _message(index: int, strings: list[str]) -> bytes:
    data = "\n".join(strings).encode()
    return forkmap._HEAD.pack(index, len(data)) + data


def test_the_parent_takes_the_childs_batches_and_makes_the_missing_ones() -> None:
    n = forkmap.BATCH
    items = list(range(n * 3 + 5))
    r, w = os.pipe()
    # The child sent batches 0 and 2 (marked, to tell them apart), and a stale copy of 0.
    sent = [_message(0, [f"c{i}" for i in range(n)]), _message(0, ["x"] * n)]
    sent.append(_message(2, [f"c{i}" for i in range(2 * n, 3 * n)]))
    os.write(w, b"".join(sent))
    os.close(w)  # then it stopped
    taken = forkmap.mmap.mmap(-1, forkmap._TAKEN.size)
    try:
        out = list(forkmap._received(r, str, items, taken, lambda: None))
    finally:
        os.close(r)
    expected = [f"c{i}" for i in range(n)] + [str(i) for i in range(n, 2 * n)]
    expected += [f"c{i}" for i in range(2 * n, 3 * n)] + [str(i) for i in range(3 * n, 3 * n + 5)]
    assert out == expected and items == []
    assert forkmap._TAKEN.unpack_from(taken)[0] == 4  # batch 3 was the parent's last


def test_the_child_skips_ahead_of_what_the_parent_took() -> None:
    n = forkmap.BATCH
    r, w = os.pipe()
    taken = forkmap.mmap.mmap(-1, forkmap._TAKEN.size)
    forkmap._TAKEN.pack_into(taken, 0, 2)  # the parent is making batch 1
    forkmap._send(w, str, list(range(n * 5)), taken)
    os.close(w)
    inbox = forkmap._Inbox(r)
    inbox.pull()
    os.close(r)
    assert [index for index, _ in inbox.messages] == [3, 4]  # not 2: the parent is about to
    assert inbox.messages[0][1] == "\n".join(map(str, range(3 * n, 4 * n))).encode()


def test_a_child_that_makes_too_little_is_ended_early() -> None:
    n = forkmap.BATCH
    items = list(range(n * (forkmap.GIVE_UP + 10)))
    r, w = os.pipe()  # a child that sends nothing: every batch is made here
    os.write(w, _message(0, [f"c{i}" for i in range(n)]))  # but the first
    ended: list[int] = []
    taken = forkmap.mmap.mmap(-1, forkmap._TAKEN.size)
    try:
        out = forkmap._received(r, str, items, taken, lambda: ended.append(len(items)))
        assert list(out)[: n + 1] == [f"c{i}" for i in range(n)] + [str(n)]
    finally:
        os.close(r)
        os.close(w)
    # Ended once, when it had made 1 batch of GIVE_UP + 2 (the first check it fails)
    assert ended == [n * (forkmap.GIVE_UP + 10 - forkmap.GIVE_UP - 2)]


def test_the_child_holds_none_of_the_parents_files(forks: list[int], tmp_path: Path) -> None:
    held = os.open(tmp_path / "lock", os.O_CREAT | os.O_RDWR)
    parent = os.getpid()

    def look(i: int) -> str:
        if os.getpid() == parent:
            time.sleep(0.0005)  # a slow parent: the child makes most batches
            return "parent"
        try:
            os.fstat(held)
        except OSError:
            return "closed"
        return "open"

    try:
        with forkmap.forked_map(look, list(range(forkmap.BATCH * 8))) as out:
            seen = set(out)
    finally:
        os.close(held)
    assert seen == {"parent", "closed"}


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (Linux /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's reaper may be slow to collect it)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_an_import_killed_while_its_child_works_frees_the_lock_and_the_child(
    tmp_path: Path,
) -> None:
    """`kill -9` of a `zwgk import` while its child makes pinyin keys: the database lock is
    free at once (the child holds none of the parent's files), the child leaves at its next
    write to the pipe nobody reads, and the database is the one before the import."""
    import fcntl
    import subprocess

    from conftest import plan_csv, run_zwgk, zwgk_command, zwgk_env

    db = tmp_path / "zwgk.json"
    env = zwgk_env(tmp_path, ZWGK_DB=str(db), ZWGK_TODAY=SEED_TODAY.isoformat())
    assert run_zwgk(["import", str(SEED)], env).returncode == 0
    before = db.read_bytes()
    plan = plan_csv(tmp_path, 4 * importing.FORK_MIN)  # a second or more of row loop
    proc = subprocess.Popen(
        [*zwgk_command(), "import", str(plan)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    child = None
    deadline = time.monotonic() + 30
    while child is None and proc.poll() is None and time.monotonic() < deadline:
        kids = _children(proc.pid)
        child = kids[0] if kids else None
        time.sleep(0.002)
    assert child is not None, "the import forked no child for its keys"
    proc.kill()
    proc.wait()
    lock = os.open(f"{db}.lock", os.O_RDWR)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free at once: no wait
    finally:
        os.close(lock)
    deadline = time.monotonic() + 10
    while _running(child) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not _running(child)
    assert db.read_bytes() == before
    assert run_zwgk(["show", "7"], env).returncode == 0

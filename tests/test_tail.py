"""An open app applies a colleague's change from the log's tail instead of reading every task
again (store/tail.py): the result must equal a full read, and anything else falls back."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT, SEED_TODAY

from zwgk.store.context import Context
from zwgk.store.db import Store
from zwgk.store.search import SearchIndex
from zwgk.store.service import Service
from zwgk.store.snapshot import Snapshot
from zwgk.store.tail import roll


def colleague(store: Store, user: str = "colleague") -> Service:
    """Another person's session on the same database file."""
    return Service(Store(Context(store.path, SEED_TODAY, user=user)))


def records(snap: Snapshot) -> dict[int, dict[str, object]]:
    return {k: t.to_record() for k, t in snap.tasks.items()}


def test_a_mark_is_rolled_in_and_equals_a_full_read(store: Store) -> None:
    before = store.snapshot()
    other = colleague(store)
    other.mark(7, "已完成", "已印发")
    other.note(9, "已报送初稿")
    other.mark(1, "进行中", "")
    rolled = roll(before, store.path)
    assert rolled is not None
    assert rolled.changed == {1, 7, 9}
    assert [e.task for e in rolled.events] == [7, 9, 1]
    full = store.snapshot()
    assert records(rolled.snapshot) == records(full)
    assert rolled.snapshot.meta["last_seq"] == full.meta["last_seq"]
    assert rolled.snapshot.signature == full.signature  # the poll sees nothing new after it
    assert rolled.snapshot.tasks[2] is before.tasks[2]  # the tasks that did not change are kept
    assert roll(rolled.snapshot, store.path) is not None  # and nothing more to apply
    assert roll(rolled.snapshot, store.path).changed == set()  # type: ignore[union-attr]


def test_undo_rolls_in_too(store: Store) -> None:
    Service(store).mark(7, "进行中", "")
    before = store.snapshot()
    Service(store).undo()
    rolled = roll(before, store.path)
    assert rolled is not None and rolled.snapshot.tasks[7].status == "未开始"
    assert records(rolled.snapshot) == records(store.snapshot())


@pytest.mark.parametrize("change", ["import", "checkpoint", "directory", "log_truncated"])
def test_anything_but_a_log_append_falls_back_to_a_full_read(store: Store, change: str) -> None:
    Service(store).mark(7, "进行中", "")
    before = store.snapshot()
    if change == "import":
        Service(store).import_file(ROOT / "tests" / "fixtures" / "import" / "utf8_bom.csv")
    elif change == "checkpoint":
        colleague(store).mark(8, "进行中", "")
        store.checkpoint()
    elif change == "directory":
        Service(store).import_directory(ROOT / "data" / "example_directory.csv")
    else:
        log = store.events_path
        log.write_bytes(log.read_bytes()[:10])
    assert roll(before, store.path) is None


def test_a_missing_file_falls_back(tmp_path: Path) -> None:
    store = Store(Context(tmp_path / "z.json", SEED_TODAY, user="tester"))
    snap = store.snapshot()
    store.path.unlink()
    assert roll(snap, store.path) is None


def test_the_rolled_index_answers_like_a_new_one(store: Store) -> None:
    before = store.snapshot()
    old = SearchIndex.from_snapshot(before)
    assert old.search("status:已完成", today=SEED_TODAY).total == 0  # fills the status cache
    colleague(store).mark(7, "已完成", "")
    colleague(store).mark(14, "受阻", "")
    rolled = roll(before, store.path)
    assert rolled is not None
    patched = old.rolled(rolled.snapshot.tasks, rolled.changed)
    fresh = SearchIndex.from_snapshot(store.snapshot())
    for query in ("status:已完成", "status:受阻", "status:未开始 舆情", "逾期", "编办"):
        got = patched.search(query, today=SEED_TODAY)
        want = fresh.search(query, today=SEED_TODAY)
        assert [h.task.to_record() for h in got.hits] == [h.task.to_record() for h in want.hits]
    assert old.search("status:已完成", today=SEED_TODAY).total == 0  # the old one is untouched


async def test_the_app_applies_a_colleagues_mark_without_reading_every_task(
    app: object, db: Path
) -> None:
    from typing import Any

    from conftest import TUI_TODAY, settle, transcript, wait_until

    from zwgk.store.search import built_index

    a: Any = app
    async with a.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3")  # the board is open while the change arrives
        await settle(pilot)
        kept = a.live.full.tasks[2]
        index = built_index(a.live.snapshot)
        Service(Store(Context(db, TUI_TODAY, user="colleague"))).mark(7, "已完成", "已印发")
        await wait_until(pilot, lambda: a.live.full.tasks[7].status == "已完成")
        assert a.live.full.tasks[2] is kept  # rolled forward, not read again
        if index is not None:
            assert built_index(a.live.snapshot) is not index  # the index was rolled with it
        await pilot.press("escape")
        await settle(pilot)
        assert "colleague 刚刚修改" in transcript(a)

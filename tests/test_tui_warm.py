"""The app's warm-up after the first frame (`TaskPane.warm_index`: status and due-date tables,
the suggestion's vocabulary and rapidfuzz) changes what the first keys cost, not what they show."""

from __future__ import annotations

from pathlib import Path

from conftest import TUI_TODAY, listed, settle, transcript, type_line

from zwgk.store.context import Context
from zwgk.store.db import Store
from zwgk.store.search import SearchIndex
from zwgk.tui.app import ZwgkApp


def cold_index(db: Path) -> SearchIndex:
    """An index of the same file nothing has warmed (a store of its own)."""
    snap = Store(Context(db, TUI_TODAY, user="tester")).snapshot()
    return SearchIndex(list(snap.tasks.values()), snap.units)


async def test_first_miss_suggests_what_a_cold_index_would(app: ZwgkApp, db: Path) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        index = app.main.pane.index()
        assert index.vocabulary is not None  # warmed before anything was typed
        for query in ("公开目彔", "舆情回映机制"):
            expected = cold_index(db).search(query, today=TUI_TODAY).suggestion
            assert expected
            await type_line(pilot, query)
            assert f"没有找到与“{query}”相关的任务。您是不是要找“{expected}”？" in transcript(app)


async def test_overdue_typed_lists_the_overdue_tasks(app: ZwgkApp) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await type_line(pilot, "逾期", enter=False)
        assert listed(app) == [13, 1, 2, 3]  # by due date
        await type_line(pilot, "进行中", enter=False)
        snap = app.main.snap
        assert listed(app) == [t.id for t in snap.tasks.values() if t.status == "进行中"]

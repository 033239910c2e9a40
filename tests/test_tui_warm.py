"""The app's warm-up after the first frame (`TaskPane.warm_index`: status and due-date tables,
the suggestion's vocabulary and rapidfuzz) changes what the first keys cost, not what they show."""

from __future__ import annotations

from pathlib import Path

from conftest import SEED_TODAY, TUI_TODAY, listed, settle, transcript, type_line

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


async def test_a_new_snapshot_is_warmed_again(app: ZwgkApp) -> None:
    """An import read in whole (not rolled forward) makes a new index: it is warmed too, so
    the first miss after it does not wait for the vocabulary either."""
    plan = Path(__file__).parent / "fixtures" / "import" / "subitems.xlsx"
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        before = app.main.pane.index()
        await type_line(pilot, f"/import {plan} --split-subitems")
        assert "新增 10 项" in transcript(app)
        await pilot.press("ctrl+u")  # an empty prompt: nothing typed searches the new index
        await settle(pilot)
        index = app.main.pane.index()
        assert index is not before and len(app.main.pane.snapshot.tasks) == 39
        assert index.vocabulary is not None


async def test_overdue_typed_lists_the_overdue_tasks(app: ZwgkApp) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await type_line(pilot, "逾期", enter=False)
        assert listed(app) == [13, 1, 2, 3]  # by due date
        await type_line(pilot, "进行中", enter=False)
        snap = app.main.snap
        assert listed(app) == [t.id for t in snap.tasks.values() if t.status == "进行中"]


# -- the list's labels and its highlighted row, read without building tasks -----------------


def test_numbers_from_the_column_are_the_tasks_numbers(store: Store) -> None:
    from zwgk.store.lazytasks import LazyTasks
    from zwgk.store.plans import task_number
    from zwgk.store.readcache import live_snapshot
    from zwgk.store.service import Service

    Service(store).mark(7, "进行中", "起草中")  # a change rolled into the read snapshot
    lazy = live_snapshot(store)
    assert isinstance(lazy.tasks, LazyTasks)
    number = lazy.tasks.numbers()
    full = store.snapshot()
    assert {i: number(i) for i in full.tasks} == {i: task_number(t) for i, t in full.tasks.items()}
    assert number(10_000) is None


def test_picked_find_is_the_scan(store: Store) -> None:
    from zwgk.store.filters import TaskFilter
    from zwgk.store.lazytasks import Picked, TaskSequence
    from zwgk.store.readcache import live_snapshot
    from zwgk.store.search import index_for
    from zwgk.store.search.masks import filter_tasks

    snap = live_snapshot(store).only()
    for flt in (
        TaskFilter(overdue=True, by_due=True),
        TaskFilter(statuses=("未开始",)),
        TaskFilter(units=("区编办",)),
    ):
        picked = filter_tasks(index_for(snap), flt, SEED_TODAY)
        assert isinstance(picked, Picked) and len(picked)
        for task_id in [*snap.tasks, 0, 10_000, 2**70]:
            assert picked.find(task_id) == TaskSequence.find(picked, task_id)


async def test_the_list_labels_rows_as_before(app: ZwgkApp, db: Path) -> None:
    """The list's labels (and so its label column) are the tasks' numbers, as `label` says."""
    Store(Context(db, TUI_TODAY, user="tester")).snapshot()  # the app opens an existing file
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert app.live.quick_labels() is not None  # over the read snapshot: from the column
        for line in ("逾期", "区编办", "公开", ""):
            await type_line(pilot, line, enter=False)
            lst = app.main.pane.task_list
            ids = listed(app)
            assert ids
            labels = [lst.label_of(i) for i in range(len(ids))]
            assert labels == [app.live.label(app.live.snapshot.tasks[i]) for i in ids]

"""The app's snapshot builds each task only when asked for (store/lazytasks.py, over the read
snapshot): everything read through it must equal the ordinary, fully built snapshot — tasks,
views, plans narrowed, counts, search, filters, and a colleague's change rolled in."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from conftest import SAMPLES, SEED_TODAY

from zwgk.store.ask import ask
from zwgk.store.context import Context
from zwgk.store.db import Store
from zwgk.store.filters import TaskFilter
from zwgk.store.lazytasks import LazyTasks, find_id, task_counts
from zwgk.store.readcache import live_snapshot
from zwgk.store.search import SearchIndex
from zwgk.store.search.masks import filter_tasks
from zwgk.store.service import Service
from zwgk.store.snapshot import Snapshot
from zwgk.store.tail import roll

XUANCHENG = SAMPLES / "xuancheng-2020.xlsx"


@pytest.fixture
def two_plans(store: Store) -> Store:
    """The bundled plan (29 tasks), the 宣城 sample (5) and a few changes in the log."""
    service = Service(store)
    service.import_file(XUANCHENG)
    service.mark(7, "进行中", "起草中")
    service.mark(3, "已完成", "")
    return store


def records(snap: Snapshot) -> dict[int, dict[str, object]]:
    """Each task's fields; not its search keys (`extra`: the read snapshot keeps those as
    the pinyin tables its search index uses)."""
    return {k: {**t.to_record(), "extra": None} for k, t in snap.tasks.items()}


def both(store: Store) -> tuple[Snapshot, Snapshot]:
    lazy = live_snapshot(store)
    assert isinstance(lazy.tasks, LazyTasks)
    return lazy, store.snapshot()


def test_a_lazy_snapshot_holds_what_a_full_read_holds(two_plans: Store) -> None:
    lazy, full = both(two_plans)
    assert list(lazy.tasks) == sorted(full.tasks)
    assert len(lazy.tasks) == len(full.tasks) == 34
    assert records(lazy) == records(full)
    assert lazy.plans == full.plans and lazy.units == full.units and lazy.meta == full.meta
    assert lazy.signature == full.signature
    assert [t.id for t in lazy.task_list()] == [t.id for t in full.task_list()]
    assert 7 in lazy.tasks and 10_000 not in lazy.tasks and "7" not in lazy.tasks
    with pytest.raises(KeyError):
        lazy.tasks[10_000]


def test_only_a_few_tasks_are_built_for_what_a_screen_shows(two_plans: Store) -> None:
    lazy, _ = both(two_plans)
    tasks = lazy.tasks
    assert isinstance(tasks, LazyTasks)
    tasks.cache._tasks.clear()  # (making the read snapshot's search index built them all)
    shown = lazy.task_list()
    assert [shown[i].id for i in range(3)] == [1, 2, 3]
    assert find_id(shown, 30) == 29 and find_id(shown, 10_000) is None
    built = tasks.cache._tasks  # the rows made into tasks so far
    assert len(built) == 3
    task_counts(tasks, SEED_TODAY)  # the header's counts read the columns
    assert len(built) == 3


@pytest.mark.parametrize("today", [SEED_TODAY, date(2021, 7, 1)])
def test_counts_views_and_narrowing_agree(two_plans: Store, today: date) -> None:
    lazy, full = both(two_plans)
    assert task_counts(lazy.tasks, today) == task_counts(full.tasks, today)
    for code in [p.code for p in full.plans]:
        mine, theirs = lazy.only(code), full.only(code)
        assert records(mine) == records(theirs)
        assert [t.id for t in mine.task_list()] == [t.id for t in theirs.task_list()]
        assert find_id(mine.task_list(), 1) == find_id(theirs.task_list(), 1)
    for flt in (
        TaskFilter(overdue=True, by_due=True),
        TaskFilter(statuses=("已完成",)),
        TaskFilter(units=("区信息办",)),
        TaskFilter(units=("各街道",), statuses=("未开始",)),
        TaskFilter(due_to=date(2020, 12, 31), by_due=True),
    ):
        index = SearchIndex.from_snapshot(lazy)
        got = filter_tasks(index, flt, today)
        assert [t.id for t in got] == [t.id for t in flt.apply(full, today)]
        assert [find_id(got, t.id) for t in got] == list(range(len(got)))


def test_search_through_the_prepared_index_agrees(two_plans: Store) -> None:
    lazy, full = both(two_plans)
    for query in ("政策解读", "zcjd", "区编办", "舆情 机制", "公开目录 status:已完成", "7"):
        mine = SearchIndex.from_snapshot(lazy).search(query, today=SEED_TODAY, limit=50)
        theirs = SearchIndex.from_snapshot(full).search(query, today=SEED_TODAY, limit=50)
        assert [(h.task.id, h.task.status) for h in mine.hits] == [
            (h.task.id, h.task.status) for h in theirs.hits
        ], query
        assert mine.total == theirs.total


@pytest.mark.parametrize("archived", [False, True])
def test_search_in_one_plans_view_agrees(two_plans: Store, archived: bool) -> None:
    """A plan's own view has no prepared index: it is built over the view's tasks, with the
    kept pinyin tables, or (an archived plan's, which those do not cover) from the file."""
    service = Service(two_plans)
    codes = [p.code for p in service.snapshot(every_plan=True).plans]
    if archived:
        service.set_plan(codes[1], state="已归档")
    lazy, full = both(two_plans)
    found = 0
    for code in codes:
        mine, theirs = lazy.only(code), full.only(code)
        for query in ("zcjd", "公开", "xxgk", "区政府办"):
            got = SearchIndex.from_snapshot(mine).search(query, today=SEED_TODAY)
            want = SearchIndex.from_snapshot(theirs).search(query, today=SEED_TODAY)
            assert [h.task.id for h in got.hits] == [h.task.id for h in want.hits], (code, query)
            found += len(got.hits) if query == "xxgk" else 0
    assert found > 0  # pinyin initials found something (信息公开)


def test_a_colleague_change_rolls_into_a_lazy_snapshot(two_plans: Store, db_path: Path) -> None:
    lazy, _ = both(two_plans)
    index = SearchIndex.from_snapshot(lazy)
    other = Service(Store(Context(db_path, SEED_TODAY, user="colleague")))
    other.mark(9, "已完成", "已报送")
    other.note(1, "已开会")
    rolled = roll(lazy, db_path)
    assert rolled is not None and rolled.changed == {1, 9}
    assert isinstance(rolled.snapshot.tasks, LazyTasks)
    full = two_plans.snapshot()
    assert records(rolled.snapshot) == records(full)
    assert rolled.snapshot.signature == full.signature
    assert task_counts(rolled.snapshot.tasks, SEED_TODAY) == task_counts(full.tasks, SEED_TODAY)
    # The index follows: the changed task's status counts, the rest are shared.
    moved = index.rolled(rolled.snapshot.tasks, rolled.changed)
    done = TaskFilter(statuses=("已完成",))
    assert [t.id for t in filter_tasks(moved, done, SEED_TODAY)] == [
        t.id for t in done.apply(full, SEED_TODAY)
    ]
    narrowed = rolled.snapshot.only(full.plans[0].code)
    assert narrowed.tasks[9].status == "已完成"
    # Counted once, then kept up change by change (a second roll on top of the first).
    other.mark(9, "进行中", "")
    other.mark(2, "已完成", "")
    again = roll(rolled.snapshot, db_path)
    assert again is not None
    full = two_plans.snapshot()
    for day in (SEED_TODAY, date(2021, 7, 1)):
        assert task_counts(again.snapshot.tasks, day) == task_counts(full.tasks, day)
        code = full.plans[0].code
        mine, theirs = again.snapshot.only(code).tasks, full.only(code).tasks
        assert task_counts(mine, day) == task_counts(theirs, day)


def test_without_a_read_snapshot_the_app_reads_in_full(
    two_plans: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZWGK_NO_SNAPSHOT", "1")
    snap = live_snapshot(two_plans)
    assert isinstance(snap.tasks, dict)
    assert records(snap) == records(two_plans.snapshot())


def test_a_pass_over_every_task_keeps_only_the_latest_built(
    two_plans: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The board counts every task: the app must not keep 100,000 of them afterwards."""
    from zwgk.store import readcache

    monkeypatch.setattr(readcache, "TASKS_KEPT", 5)
    lazy, full = both(two_plans)
    assert records(lazy) == records(full)  # built, dropped and built again: the same
    assert records(lazy) == records(full)
    tasks = lazy.tasks
    assert isinstance(tasks, LazyTasks)
    assert len(tasks.cache._tasks) == 5


QUESTIONS = (
    "区编办负责哪些任务",
    "区信息办的逾期任务有几项",
    "长期坚持的任务有几项",
    "第7项完成了吗",
    "7号什么时候到期",
    "政策解读的任务",
    "还没完成的任务有多少",
    "第99项完成了吗",
)


@pytest.mark.parametrize("question", QUESTIONS)
def test_questions_in_the_app_agree(two_plans: Store, db_path: Path, question: str) -> None:
    """The app answers over the lazy snapshot (columns, rows, the tasks a colleague's change
    replaced); the answer is the one a full read gives."""
    other = Service(Store(Context(db_path, SEED_TODAY, user="colleague")))
    lazy, _ = both(two_plans)
    other.mark(7, "已完成", "已印发")
    rolled = roll(lazy, db_path)
    assert rolled is not None
    full = two_plans.snapshot()
    for code in (None, full.plans[0].code):
        mine = ask(rolled.snapshot.only(code), question, today=SEED_TODAY).to_json()
        theirs = ask(full.only(code), question, today=SEED_TODAY).to_json()
        assert mine == theirs


def test_a_changed_task_belongs_to_its_own_plans_view_only(two_plans: Store, db_path: Path) -> None:
    lazy, _ = both(two_plans)
    Service(Store(Context(db_path, SEED_TODAY, user="colleague"))).mark(7, "已完成", "")
    rolled = roll(lazy, db_path)
    assert rolled is not None
    first, second = (rolled.snapshot.only(p.code) for p in rolled.snapshot.plans)
    assert first.tasks[7].status == "已完成" and first.tasks.get(7) is not None
    assert 7 not in second.tasks and second.tasks.get(7) is None
    with pytest.raises(KeyError):
        second.tasks[7]


def test_a_large_load_is_kept_out_of_the_collectors_sight() -> None:
    """At 100,000 tasks a full collection walked the whole snapshot and index (~180 ms of a
    colleague's change): what a large load leaves is frozen; a small one is left alone."""
    import gc

    from zwgk.tui.live import FREEZE_AT, settle_heap

    gc.unfreeze()
    try:
        settle_heap(FREEZE_AT - 1)
        assert gc.get_freeze_count() == 0
        settle_heap(FREEZE_AT)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_a_unit_card_over_a_lazy_snapshot_is_the_same(two_plans: Store) -> None:
    """The card reads only the tasks whose cells can name the unit (the read snapshot's
    cells), and says the same as over every task."""
    from zwgk.tui.render import unit_card

    lazy, full = both(two_plans)
    for name in ("区编办", "区信息办", "各街道", "区政府办"):
        for code in (None, full.plans[0].code):
            mine = unit_card(name, [], lazy.only(code), SEED_TODAY).plain
            theirs = unit_card(name, [], full.only(code), SEED_TODAY).plain
            assert mine == theirs
            assert "共 0 项" not in theirs


def test_a_unit_card_lists_a_few_and_counts_all(
    two_plans: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from zwgk.tui import render

    lazy, _ = both(two_plans)
    whole = render.unit_card("各街道", [], lazy, SEED_TODAY).plain
    monkeypatch.setattr(render, "CARD_ROWS", 3)
    short = render.unit_card("各街道", [], lazy, SEED_TODAY).plain
    assert short.splitlines()[1] == whole.splitlines()[1]  # 共 N 项 … counts every task
    assert "另有" in short and "另有" not in whole
    assert len(short.splitlines()) < len(whole.splitlines())


def test_units_in_the_app_are_the_kept_counts_moved_by_changes(
    two_plans: Store, db_path: Path
) -> None:
    from zwgk.store.stats import unit_counts
    from zwgk.tui.controller import ChatController

    lazy, _ = both(two_plans)
    other = Service(Store(Context(db_path, SEED_TODAY, user="colleague")))
    other.mark(7, "已完成", "")
    other.mark(31, "进行中", "")
    rolled = roll(lazy, db_path)
    assert rolled is not None and rolled.changed == {7, 31}

    class Live:  # what the controller reads of LiveData
        snapshot = rolled.snapshot.only()
        today = SEED_TODAY
        store = two_plans

    kept = ChatController(Live())._kept_unit_counts()  # type: ignore[arg-type]
    assert kept is not None
    want = unit_counts(two_plans.snapshot().only(), SEED_TODAY)
    assert [c.to_json() for c in kept] == [c.to_json() for c in want]

"""`zwgk ask` through the read snapshot (`<db>.snap`) answers what the database says.

Like tests/test_readcache.py: every question is asked of the installed `zwgk` with the
snapshot and without it (`ZWGK_NO_SNAPSHOT=1`), and the exit code, output and errors must be
the same — fresh, after a colleague's marks (rolled forward), after an import, with a damaged
snapshot, with several plans and with `--plan`.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import test_ask_heldout
import test_ask_table
from ask_fixture import TODAY, AskWorld, world, world_dir  # noqa: F401 (fixtures)
from conftest import SAMPLES, Runner
from test_readcache import DIRECTORY, same_as_reference, trusted, warm

from zwgk.store.ask import Answer, ask
from zwgk.store.ask.cached import cached_pool
from zwgk.store.readcache import open_cache
from zwgk.store.record import replace
from zwgk.store.snapfile import SnapFile, snap_path

# Every kind of answer: units and roles, statuses, time, counts, task numbers, topic words,
# kinds of deadline, empty answers explained, nonsense, and the plain list of every hit (each
# of these runs as a process several times; the in-process test below covers every table row).
ASKS: list[tuple[str, ...]] = [
    ("ask", "区编办负责哪些任务", "--json"),
    ("ask", "区编办负责哪些任务"),
    ("ask", "网信办的逾期任务有几项"),
    ("ask", "哪些任务还没开始", "--json"),
    ("ask", "明年上半年到期的有哪些"),
    ("ask", "长期坚持的任务有几项", "--json"),
    ("ask", "第7项完成了吗"),
    ("ask", "第99项完成了吗"),
    ("ask", "一本通什么时候完成"),
    ("ask", "zcjd的任务", "--json"),
    ("ask", "区编办的舆请任务"),  # a homophone slip in a topic word
    ("ask", "区网信办下个月到期的任务"),  # empty: the sentence names what emptied it
    ("ask", "甘棠街道负责哪些任务"),  # through 各街道 once the directory is imported
    ("ask", "今天天气怎么样"),
    ("ask", "--today", "2021-07-01", "逾期的有几项", "--json"),
]


def seeded(zwgk: Runner) -> None:
    assert zwgk("directory", "import", DIRECTORY).returncode == 0
    assert zwgk("mark", "2", "doing", "--unit", "甘棠街道").returncode == 0
    assert zwgk("mark", "4", "done").returncode == 0


def answered_from_snapshot(db: Path) -> bool:
    """The snapshot keeps the prepared index `zwgk ask` answers over."""
    kept = SnapFile.open(snap_path(db))
    try:
        return kept is not None and "search" in kept.sections
    finally:
        if kept is not None:
            kept.close()


def test_a_fresh_database_then_its_snapshot_answer_the_same(zwgk: Runner, db_path: Path) -> None:
    assert zwgk("list").returncode == 0  # the seed plan is planted: no snapshot yet
    assert not snap_path(db_path).exists()
    same_as_reference(zwgk, ASKS[:1])
    assert trusted(db_path) and answered_from_snapshot(db_path)  # `ask` made it
    before = snap_path(db_path).stat().st_mtime_ns
    same_as_reference(zwgk, ASKS)
    assert snap_path(db_path).stat().st_mtime_ns == before  # used, never made again
    seeded(zwgk)
    code = json.loads(zwgk("plans", "--json").stdout)[0]["code"]
    with_plan = [(*args, "--plan", code) for args in ASKS[:6]]  # the one plan there is
    same_as_reference(zwgk, [*ASKS, *with_plan, ("ask", "第7项完成了吗", "--plan", "nope")])


def test_a_colleagues_marks_are_answered(zwgk: Runner, db_path: Path) -> None:
    seeded(zwgk)
    warm(zwgk, db_path)
    assert zwgk("mark", "7", "done", "--note", "已上报", user="colleague").returncode == 0
    assert zwgk("mark", "14", "done", user="colleague").returncode == 0
    assert zwgk("mark", "1", "blocked", "--unit", "甘棠街道", user="colleague").returncode == 0
    assert trusted(db_path)  # rolled forward, not rebuilt
    same_as_reference(zwgk, ASKS)
    done = json.loads(zwgk("ask", "第7项完成了吗", "--json").stdout)
    assert done["task_ids"] == [7] and done["answer"].startswith("是的。")
    assert zwgk("undo", user="colleague").returncode == 0
    same_as_reference(zwgk, ASKS)


def test_an_import_and_several_plans(zwgk: Runner, db_path: Path) -> None:
    warm(zwgk, db_path)
    assert zwgk("import", str(SAMPLES / "xuancheng-2020.xlsx")).returncode == 0
    assert not trusted(db_path)
    several = [
        *ASKS,
        ("ask", "宣城2020-3完成了吗"),
        ("ask", "宣城2020-999完成了吗"),
        ("ask", "第3项完成了吗", "--json"),  # in two plans: the refusal names both keys
        ("ask", "区编办负责哪些任务", "--plan", "宣城2020"),
        ("ask", "第3项完成了吗", "--plan", "宣城2020", "--json"),
        ("ask", "逾期的有几项", "--plan", "宣城2020"),
        ("ask", "哪些任务逾期了", "--plan", "nope"),
    ]
    same_as_reference(zwgk, several)
    assert trusted(db_path) and answered_from_snapshot(db_path)
    same_as_reference(zwgk, several)
    plans = json.loads(zwgk("plans", "--json").stdout)
    code = next(p["code"] for p in plans if p["code"] != "宣城2020")
    assert zwgk("plan", "archive", code).returncode == 0
    same_as_reference(zwgk, [*several, ("ask", f"{code}-3完成了吗")])


def test_a_damaged_snapshot_is_never_believed(zwgk: Runner, db_path: Path) -> None:
    seeded(zwgk)
    warm(zwgk, db_path)
    snap = snap_path(db_path)
    good = snap.read_bytes()
    snap.write_bytes(good[: len(good) // 2])  # cut short
    assert not trusted(db_path)
    same_as_reference(zwgk, ASKS)
    kept = SnapFile.open(snap)
    assert kept is not None
    offset, length, _ = kept.sections["search"]
    kept.close()
    bad = bytearray(snap.read_bytes())
    bad[offset + length // 2] ^= 0x55  # one byte of the prepared index: its CRC says so
    snap.write_bytes(bytes(bad))
    same_as_reference(zwgk, ASKS)


# -- in process: the question tables, over a plain Snapshot and over the read snapshot ------
QUESTIONS = sorted(
    {q for q, _ in test_ask_table.ROWS + test_ask_table.DIRECTORY_ROWS}
    | {q for q, _ in test_ask_heldout.ROWS + test_ask_heldout.DIRECTORY_ROWS}
    | {q for q, _ in test_ask_table.UNDERSTOOD + test_ask_heldout.UNDERSTOOD}
    | set(test_ask_table.COUNT_QUESTIONS + test_ask_heldout.COUNT_QUESTIONS)
    | {q for q in (a[1] for a in ASKS) if not q.startswith("-")}
)


def _seen(answer: Answer) -> tuple[object, ...]:
    """What a person sees of an answer, and the tasks it names (as the snapshot builds them:
    without the search keys a stored task carries)."""
    shown = [replace(t, extra={}) for t in answer.tasks[:3]]
    return answer.to_json(), answer.understood_line(), [t.id for t in answer.tasks], shown


@pytest.mark.parametrize("with_directory", [False, True])
def test_every_table_question_is_answered_the_same(
    world: AskWorld,  # noqa: F811
    world_dir: AskWorld,  # noqa: F811
    with_directory: bool,
) -> None:
    w = world_dir if with_directory else world
    cache = open_cache(w.path)
    assert cache is not None
    try:
        found = cached_pool(cache, None)
        assert found is not None
        snap, pool = found
        assert not snap.tasks  # the tasks are the pool's, built when an answer prints them
        for question in QUESTIONS:
            want = ask(w.snapshot, question, today=TODAY)
            got = ask(snap, question, today=TODAY, pool=pool)
            assert _seen(got) == _seen(want), question
    finally:
        cache.close()  # with the prepared index made above
    cache = open_cache(w.path)
    assert cache is not None
    try:
        found = cached_pool(cache, None)
        assert found is not None
        count = ask(found[0], "逾期的有几项", today=TODAY, pool=found[1])
        assert sorted(count.task_ids) == test_ask_table.OVERDUE
        assert not cache._tasks  # a count builds no task
        which = ask(found[0], "哪些任务还没开始", today=TODAY, pool=found[1])
        assert which.to_json()["task_ids"] == test_ask_table.NOT_STARTED
        assert len(cache._tasks) == 3  # the three the sentence names
        assert cached_pool(cache, w.snapshot.plans[0].code) is not None  # the same view
    finally:
        cache.close()

"""`zwgk ask` (issue 13): questions as clerks type them, each with its exact task ids.

Written BEFORE the parser, from the semantics agreed in the issue; every expected list was
derived with `zwgk list --unit/--role/--status/--overdue`, the `due` dates of `zwgk list --json`
and `zwgk search` on the same database, never by running the parser.

The world (tests/ask_fixture.py): the bundled plan, today 2020-12-15 (a Tuesday),
已完成 1 2 6 13 · 进行中 4 9 14 22 · 受阻 10 · the other 20 未开始. Facts the comments lean on:
- overdue (not done, due < today): 3 4 5 14;
- due dates are month ends: 2020-07-31 (13), 08-31 (1-3), 09-30 (6), 10-31 (4 14), 11-30 (5),
  2020-12-31 (7 8 9 15 16 17 20 23); 2021: 04-30 (12), 06-30 (10 21 22), 07-31 (18),
  09-30 (19), 12-31 (11 24 25); 2022: 08-31 (26 27), 09-30 (28), 10-31 (29). Nothing is due
  between 2020-12-15 and 2020-12-30, nor in January 2021;
- no task names a 配合 (support) unit, 区政务服务局/区编办/区网信办 only ever guide (指导).
Task ids are compared as sorted lists: order is not part of the contract.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import ask_fixture
import pytest
from ask_fixture import (
    NOT_STARTED,
    STATUSES,
    TODAY,
    AskWorld,
    check_answer,
    row_ids,
    understood_part,
)
from conftest import run_zwgk, zwgk_env

from zwgk.store.ask import ask

world = ask_fixture.world  # the module-scoped fixtures, under their own names
world_dir = ask_fixture.world_dir

NOT_DONE = [i for i in range(1, 30) if i not in (1, 2, 6, 13)]
OVERDUE = [3, 4, 5, 14]
DUE_2020 = [1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 14, 15, 16, 17, 20, 23]
DUE_DEC_2020 = [7, 8, 9, 15, 16, 17, 20, 23]
DUE_2021 = [10, 11, 12, 18, 19, 21, 22, 24, 25]
DUE_BY_JUNE_2021 = sorted(DUE_2020 + [10, 12, 21, 22])
BIANBAN = [1, 2, 4, 26, 27, 28]  # 区编办 guides these; it leads nothing
ZWFWJ = [1, 2, 10, 12, 21, 22, 23, 24, 25, 26, 27, 28]  # 区政务服务局, guide only
XXB_LEAD = [6, 9, 13]  # 区信息办 leads; it guides 21 tasks
ZFB_GUIDE = [3, 4, 5, 6, 7, 8, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20, 23, 24, 25, 29]  # 区政府办
STREETS = [i for i in range(1, 30) if i not in (6, 9, 13)]  # 各街道 (and 各街道办) lead

ROWS: list[tuple[str, list[int]]] = [
    # -- units and roles (oracle: zwgk list --unit X --role R) --------------------------------
    ("区编办负责哪些任务", BIANBAN),
    ("编办的任务有哪些？", BIANBAN),  # a unit without a role word: any role
    ("qbb负责的", BIANBAN),  # pinyin initials of 区编办
    ("bianban指导哪些事项", BIANBAN),
    ("区政务服务局指导的任务", ZWFWJ),
    ("政务服务局牵头的", []),  # it only guides: empty
    ("信息办牵头的任务", XXB_LEAD),
    ("区政府办主办的", [13]),
    ("区信息办主责哪些工作", XXB_LEAD),
    ("信息办配合的", []),  # no task names a support unit
    ("政府办协办的任务", []),
    ("网信办涉及哪些任务", [14, 15]),
    ("wangxinban承担的任务", [14, 15]),
    # both must hold: every 区政府办 task is 区信息办's too (9 is 区信息办's alone)
    ("区信息办和政府办都负责的", ZFB_GUIDE),
    ("编办和政务服务局都指导的", [1, 2, 26, 27, 28]),  # 4 is 编办's but not 政务服务局's
    ("网信办和编办都负责的", []),
    ("各街道牵头的任务", STREETS),  # 26 and 27 say 各街道办: the same collective unit
    ("各部门负责哪些", [8, 14]),  # exactly 各部门, not 各相关部门
    # -- statuses -----------------------------------------------------------------------------
    ("哪些任务还没开始", NOT_STARTED),
    ("还没开始的", NOT_STARTED),
    ("未启动的事项", NOT_STARTED),
    ("在办的任务有哪些", [4, 9, 14, 22]),
    ("进行中的", [4, 9, 14, 22]),
    ("哪些卡住了", [10]),
    ("有困难的任务", [10]),
    ("已完成的任务", [1, 2, 6, 13]),
    ("办结了哪些", [1, 2, 6, 13]),
    ("还没完成的任务", NOT_DONE),
    ("未完成的有哪些？", NOT_DONE),
    # -- time ---------------------------------------------------------------------------------
    ("哪些任务逾期了", OVERDUE),
    ("超期的事项", OVERDUE),
    ("已经逾期的任务有哪些？", OVERDUE),
    ("快到期的任务", []),  # nothing falls due 12-15..12-22
    ("今天到期的", []),
    ("本周到期的任务", []),  # 12-14..12-20
    ("下周要完成哪些", []),  # 12-21..12-27
    ("本月到期的任务", DUE_DEC_2020),
    ("下个月到期的", []),  # January 2021
    ("本季度到期的", sorted([4, 5, 14, *DUE_DEC_2020])),  # Oct-Dec 2020, done or not
    ("今年要完成的任务", DUE_2020),  # time slots do not filter by status: 1 2 6 13 stay
    ("明年到期的", DUE_2021),
    ("上半年到期的", []),  # this year's Jan-Jun: the earliest due date is 2020-07-31
    ("明年上半年要完成的", [10, 12, 21, 22]),
    ("2021年6月到期的", [10, 21, 22]),
    ("2021年6月前要完成的", DUE_BY_JUNE_2021),  # 要完成 binds the deadline, it is no status
    ("2021年6月底前到期的任务", DUE_BY_JUNE_2021),
    ("6月底前要完成的", DUE_BY_JUNE_2021),  # 2020's June end is past: the coming one, 2021
    ("30天内到期的", DUE_DEC_2020),  # 12-15..2021-01-14
    ("两周内到期的", []),  # 12-15..12-29
    ("年底前要完成的", DUE_2020),  # due <= 2020-12-31, no lower bound
    ("2022年8月到期的", [26, 27]),
    # -- unit + role + time or status ---------------------------------------------------------
    ("网信办的逾期任务", [14]),
    ("区网信办指导的逾期任务", [14]),
    ("区网信办下个月到期的任务", []),
    ("编办指导的逾期任务", [4]),
    ("zwfwj逾期的", []),  # 区政务服务局's tasks are done or not yet due
    ("区政务服务局指导的明年上半年到期的任务", [10, 12, 21, 22]),
    ("信息办牵头的本月到期任务", [9]),
    ("区编办还没开始的", [26, 27, 28]),
    ("政务服务局在办的", [22]),
    ("信息办牵头完成了哪些", [6, 13]),
    ("政府办指导的未完成任务", [i for i in ZFB_GUIDE if i not in (6, 13)]),
    ("区政务服务局指导的受阻任务", [10]),
    # -- counts (the ids are still the matching tasks) ------------------------------------------
    ("逾期的有几项", OVERDUE),
    ("政府办指导的未完成任务有多少？", [i for i in ZFB_GUIDE if i not in (6, 13)]),
    ("区编办负责的任务完成了几项", [1, 2]),
    ("明年到期的任务数量", DUE_2021),
    # -- one task: a status or time word is answered, not used as a filter ---------------------
    ("第7项", [7]),
    ("第7项完成了吗", [7]),  # 7 is not done: still [7]
    ("7号任务什么时候到期", [7]),
    ("#22完成了吗？", [22]),
    ("（13）办结了吗", [13]),
    ("第十四项逾期了吗", [14]),
    ("(10)卡住了吗", [10]),
    # -- topics (literal words of the task texts or of the 工作任务 title above them) ----------
    ("帮我查一下一本通", [22]),
    ("舆情的任务", [7, 14, 15]),  # 7: 舆情回应
    ("新媒体的事项", [11, 19]),
    ("看看网站的任务", [6, 9, 23]),  # 6 through its title 设置网站公开专栏
    ("决策的事项", [7, 17, 18, 19]),  # 19 through its title 创新基层决策参与方式
    ("机制", [11, 14, 24, 25]),  # 24 25 through 探索推动村(居)务公开机制
    ("清单还没开始的", [3, 18, 24, 27]),  # 清单 is in 1 2 3 18 24 27; 1 and 2 are done
    ("舆情在办的", [14]),
    ("逾期的舆情任务", [14]),
    ("目录有哪些在办", [4]),  # 目录: 4 5 8 28 29
    ("大厅的事项", [12, 21]),
    ("一本同", [22]),  # one wrong character
    ("新媒休的任务", [11, 19]),  # one wrong character
    ("zcjd的任务", [7, 16]),  # initials of 政策解读
    ("peixun", [13]),  # full pinyin of 培训
]

# With the example unit directory, 各街道 is seven streets and 各相关部门/各部门 the departments,
# so a single street or department can be asked about (oracle: the same `zwgk list` calls on a
# database that imported data/example_directory.csv).
DIRECTORY_ROWS: list[tuple[str, list[int]]] = [
    ("甘棠街道负责哪些任务", STREETS),
    ("甘棠街道逾期的", OVERDUE),
    ("湖滨街道还没开始的任务", NOT_STARTED),  # streets lead every task 未开始
    ("gantang在办的", [4, 14, 22]),  # 9 is 区信息办's alone
    ("教育局牵头的逾期任务", OVERDUE),  # 14 through 各部门, 3 4 5 through 各相关部门
    # 区编办 is one of 各相关部门/各部门, except where it is named to guide (1 2 4 26 27 28)
    (
        "区编办牵头的任务有几项",
        [3, 5, 7, 8, 10, 11, 12, 14, 15, 16, 17, 18, 19, 21, 22, 23, 29],
    ),
    ("民政局的一本通任务", [22]),
    ("区教育局指导的", []),
]

COUNT_QUESTIONS = [
    "逾期的有几项",
    "政府办指导的未完成任务有多少？",
    "区编办负责的任务完成了几项",
    "明年到期的任务数量",
]

UNDERSTOOD_KEYS = {
    "units",
    "role",
    "status",
    "not_done",
    "due_from",
    "due_to",
    "overdue",
    "task",
    "count",
    "words",
}
NOTHING = {
    "units": [],
    "role": None,
    "status": None,
    "not_done": False,
    "due_from": None,
    "due_to": None,
    "overdue": False,
    "task": None,
    "count": False,
    "words": [],
}

# What the parser must have read, for rows whose reading is unambiguous (keys not given are
# not checked, except in the first row, which spells every slot out).
UNDERSTOOD: list[tuple[str, dict[str, object]]] = [
    ("区编办负责哪些任务", {**NOTHING, "units": ["区编办"], "role": "any"}),
    ("政务服务局牵头的", {"units": ["区政务服务局"], "role": "lead"}),
    ("区政务服务局指导的任务", {"units": ["区政务服务局"], "role": "guide"}),
    ("信息办配合的", {"units": ["区信息办"], "role": "support"}),
    ("qbb负责的", {"units": ["区编办"], "role": "any"}),
    ("区信息办和政府办都负责的", {"units": ["区信息办", "区政府办"], "role": "any"}),
    ("网信办的逾期任务", {"units": ["区网信办"], "role": "any", "overdue": True, "words": []}),
    ("哪些任务逾期了", {**NOTHING, "overdue": True}),
    ("还没开始的", {"status": "未开始", "units": [], "role": None, "words": []}),
    ("还没完成的任务", {"not_done": True, "status": None}),
    ("哪些卡住了", {"status": "受阻"}),
    ("办结了哪些", {"status": "已完成"}),
    ("在办的任务有哪些", {"status": "进行中"}),
    ("2021年6月前要完成的", {**NOTHING, "due_to": "2021-06-30"}),
    ("6月底前要完成的", {"due_from": None, "due_to": "2021-06-30", "status": None}),
    ("明年上半年要完成的", {"due_from": "2021-01-01", "due_to": "2021-06-30"}),
    ("下周要完成哪些", {"due_from": "2020-12-21", "due_to": "2020-12-27"}),
    ("本季度到期的", {"due_from": "2020-10-01", "due_to": "2020-12-31"}),
    ("30天内到期的", {"due_from": "2020-12-15", "due_to": "2021-01-14"}),
    ("今天到期的", {"due_from": "2020-12-15", "due_to": "2020-12-15"}),
    ("年底前要完成的", {"due_from": None, "due_to": "2020-12-31"}),
    ("第十四项逾期了吗", {"task": 14}),
    ("#22完成了吗？", {"task": 22}),
    ("逾期的有几项", {"count": True, "overdue": True}),
    ("帮我查一下一本通", {**NOTHING, "words": ["一本通"]}),
    ("舆情在办的", {"words": ["舆情"], "status": "进行中", "units": []}),
]


@pytest.mark.parametrize(("question", "expected"), ROWS, ids=row_ids(ROWS, "q"))
def test_question(world: AskWorld, question: str, expected: list[int]) -> None:
    check_answer(world.snapshot, question, expected)


@pytest.mark.parametrize(("question", "expected"), DIRECTORY_ROWS, ids=row_ids(DIRECTORY_ROWS, "q"))
def test_question_with_directory(world_dir: AskWorld, question: str, expected: list[int]) -> None:
    check_answer(world_dir.snapshot, question, expected)


def test_the_tables_are_big_enough() -> None:
    questions = [q for q, _ in ROWS + DIRECTORY_ROWS]
    assert len(questions) >= 60 and len(set(questions)) == len(questions)
    assert sum(not ids for _, ids in ROWS) >= 5  # several questions that find nothing
    assert set(COUNT_QUESTIONS) <= set(questions)
    assert {q for q, _ in UNDERSTOOD} <= set(questions)


@pytest.mark.parametrize(("question", "expected"), UNDERSTOOD, ids=row_ids(UNDERSTOOD, "q"))
def test_what_was_understood(
    world: AskWorld,
    question: str,
    expected: dict[str, object],
) -> None:
    data = ask(world.snapshot, question, today=TODAY).to_json()
    assert set(data) == {"question", "understood", "task_ids", "answer"}
    assert data["question"] == question
    understood = data["understood"]
    assert set(understood) == UNDERSTOOD_KEYS
    assert understood_part(understood, expected) == expected, f"{question}: {understood}"
    json.dumps(data, ensure_ascii=False)  # plain JSON values only


def _head(text: str) -> str:
    """The answer's first sentence, before any list of tasks."""
    return re.split(r"[：:。\n]", text, maxsplit=1)[0]


@pytest.mark.parametrize("question", COUNT_QUESTIONS)
def test_a_count_states_the_number(world: AskWorld, question: str) -> None:
    expected = dict(ROWS)[question]
    answer = ask(world.snapshot, question, today=TODAY)
    assert answer.to_json()["understood"]["count"] is True
    assert sorted(answer.task_ids) == expected
    # the number itself, not a digit of a task id (#14) or of a longer number
    assert re.search(rf"(?<![\d#]){len(expected)}(?!\d)", _head(answer.answer)), answer.answer


@pytest.mark.parametrize(
    ("question", "task_id", "deadline", "status"),
    [
        ("#22完成了吗？", 22, "2021年6月底前", "进行中"),
        ("第7项完成了吗", 7, "2020年12月底前", "未开始"),
        ("（13）办结了吗", 13, "2020年8月前", "已完成"),
    ],
)
def test_one_task_is_described(
    world: AskWorld,
    question: str,
    task_id: int,
    deadline: str,
    status: str,
) -> None:
    assert world.snapshot.tasks[task_id].deadline_text == deadline  # the plan's own words
    answer = ask(world.snapshot, question, today=TODAY)
    assert answer.task_ids == [task_id]
    assert deadline in answer.answer and status in answer.answer, answer.answer


@pytest.mark.parametrize(
    ("question", "named"),
    [
        ("区网信办下个月到期的任务", "网信办"),  # the unit's tasks exist; the month empties it
        ("zwfwj逾期的", "政务服务局"),  # says whom the pinyin named
        ("信息办配合的", "信息办"),
    ],
)
def test_an_empty_answer_says_why(world: AskWorld, question: str, named: str) -> None:
    answer = ask(world.snapshot, question, today=TODAY)
    assert answer.task_ids == []
    first = re.split(r"[。\n]", answer.answer, maxsplit=1)[0]
    assert named in first, answer.answer


def _files(folder: Path) -> dict[str, str]:
    """The database's files (the read snapshot, `<db>.snap`, and the lock one process holds
    while making it, `<db>.snap.lock`, are not data: `zwgk ask` may make them, as `zwgk
    search` does)."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file() and not p.name.endswith((".snap", ".snap.lock"))
    }


# Questions that look like changes: asking must still change nothing.
CHANGE_LOOKALIKES = [
    "第7项完成了",
    "7 完成",
    "把第7项标记为已完成",
    "/export 台账.xlsx",
    "撤销",
    "",
]


def test_asking_never_changes_data(world: AskWorld) -> None:
    folder = world.path.parent
    before = _files(folder)
    for question in [q for q, _ in ROWS] + CHANGE_LOOKALIKES:
        ask(world.snapshot, question, today=TODAY)
    assert _files(folder) == before
    assert {i: t.status for i, t in world.snapshot.tasks.items() if t.status != "未开始"} == (
        STATUSES
    )
    assert world.store.snapshot().tasks.keys() == world.snapshot.tasks.keys()
    assert {i: t.status for i, t in world.store.snapshot().tasks.items()} == {
        i: t.status for i, t in world.snapshot.tasks.items()
    }


def test_the_ask_command_answers_and_changes_nothing(world: AskWorld, tmp_path: Path) -> None:
    """`zwgk ask TEXT... --json`, the same reading through the installed command."""
    folder = world.path.parent
    before = _files(folder)
    env = zwgk_env(tmp_path, ZWGK_USER="tester")
    base = ["--db", str(world.path), "--today", TODAY.isoformat(), "ask"]
    for question, expected in [("第7项完成了", [7]), ("网信办的逾期任务", [14])]:
        proc = run_zwgk([*base, question, "--json"], env)
        assert proc.returncode == 0, proc.stderr
        data = json.loads(proc.stdout)
        assert sorted(data["task_ids"]) == expected and data["question"] == question
    assert _files(folder) == before

"""`zwgk ask` (issue 13): the HELD-OUT questions.

Written before the parser existed, together with tests/test_ask_table.py, and kept out of the
parser's development: run this module only at the end, once, to see how the parser does on
phrasings it was not tuned on. Do not edit a row to make it pass; a row that is wrong by the
agreed semantics is fixed with a comment saying why.

Same world as the table (tests/ask_fixture.py: the bundled plan, today 2020-12-15, 已完成
1 2 6 13 · 进行中 4 9 14 22 · 受阻 10). Every expected list was derived with `zwgk list`
filters, the `due` dates of `zwgk list --json` and `zwgk search`, not with the parser.
"""

from __future__ import annotations

import re

import ask_fixture
import pytest
from ask_fixture import TODAY, AskWorld, check_answer, row_ids, understood_part

from zwgk.store.ask import ask

world = ask_fixture.world  # the module-scoped fixtures, under their own names
world_dir = ask_fixture.world_dir

NOT_DONE = [i for i in range(1, 30) if i not in (1, 2, 6, 13)]
OVERDUE = [3, 4, 5, 14]
DUE_2020 = [1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 14, 15, 16, 17, 20, 23]  # all between 07-31 and 12-31

ROWS: list[tuple[str, list[int]]] = [
    ("请问区编办有哪些任务？", [1, 2, 4, 26, 27, 28]),
    ("列出政务服务局主责的", []),  # it only guides
    ("信息办指导的有哪些逾期了", OVERDUE),  # 区信息办 guides all four
    ("卡住的事项", [10]),
    ("还有哪些没完成", NOT_DONE),
    ("过期的任务有几项", OVERDUE),
    ("临期的", []),  # nothing falls due 12-15..12-22
    ("下半年到期的", DUE_2020),  # Jul-Dec 2020, done or not
    ("一个月内要完成的", [7, 8, 9, 15, 16, 17, 20, 23]),  # 12-15..2021-01-15
    # no year: 2020's August end is past, so the coming one, 2021-08-31 (18 is due 07-31)
    ("8月底前要完成的", sorted(DUE_2020 + [10, 12, 18, 21, 22])),
    ("4月到期的", [12]),  # April 2021, the coming one
    ("2021年12月底前截止的", list(range(1, 26))),  # 26-29 are due in 2022
    ("第二十二项", [22]),
    ("9号完成了没有", [9]),  # a task: 完成 is answered, not a filter (9 is 进行中)
    ("qxxb牵头的在办任务", [9]),  # 区信息办 leads 6 9 13; only 9 is 进行中
    ("网信办指导的完成了吗", []),  # 14 is 进行中, 15 未开始
    ("政府办和编办都指导的", [4]),
    # 区政府办 guides, due Oct-Dec 2020, not done: 6 is due in September, 9 is not 政府办's
    ("区政府办指导的本季度到期还没完成的", [4, 5, 7, 8, 14, 15, 16, 17, 20, 23]),
    ("明年上半年政务服务局指导的有多少项", [10, 12, 21, 22]),
    ("村(居)务公开的任务", [24, 25]),  # the 工作任务 title 探索推动村(居)务公开机制
    ("融合发展的", [8, 9, 23]),  # 11 says 对接融合, not 融合发展
    ("政策解毒", [7, 16]),  # one wrong character of 政策解读
    ("xmt的任务", [11, 19]),  # initials of 新媒体
    ("听证会的事项", [17]),
    ("一本通什么时候到期", [22]),
    ("培训完成了吗", [13]),  # topic 培训 (13) and status 已完成, which 13 is
    ("热线", [23]),
]

# With the example unit directory imported (各街道 = seven streets, 各相关部门 = departments).
DIRECTORY_ROWS: list[tuple[str, list[int]]] = [
    ("湓浦街道在办的", [4, 14, 22]),
    ("人社局逾期的任务", OVERDUE),  # 3 4 5 through 各相关部门, 14 through 各部门
    ("甘棠街道明年上半年要完成的有几项", [10, 12, 21, 22]),
]

COUNT_QUESTIONS = ["过期的任务有几项", "明年上半年政务服务局指导的有多少项"]

UNDERSTOOD: list[tuple[str, dict[str, object]]] = [
    ("8月底前要完成的", {"due_from": None, "due_to": "2021-08-31", "status": None}),
    ("4月到期的", {"due_from": "2021-04-01", "due_to": "2021-04-30"}),
    ("一个月内要完成的", {"due_from": "2020-12-15", "due_to": "2021-01-15"}),
    ("下半年到期的", {"due_from": "2020-07-01", "due_to": "2020-12-31"}),
    ("第二十二项", {"task": 22}),
    ("qxxb牵头的在办任务", {"units": ["区信息办"], "role": "lead", "status": "进行中"}),
    ("政府办和编办都指导的", {"units": ["区政府办", "区编办"], "role": "guide"}),
]


@pytest.mark.parametrize(("question", "expected"), ROWS, ids=row_ids(ROWS, "h"))
def test_heldout_question(world: AskWorld, question: str, expected: list[int]) -> None:
    check_answer(world.snapshot, question, expected)


@pytest.mark.parametrize(("question", "expected"), DIRECTORY_ROWS, ids=row_ids(DIRECTORY_ROWS, "h"))
def test_heldout_question_with_directory(
    world_dir: AskWorld, question: str, expected: list[int]
) -> None:
    check_answer(world_dir.snapshot, question, expected)


def test_the_heldout_set_is_big_enough() -> None:
    questions = [q for q, _ in ROWS + DIRECTORY_ROWS]
    assert len(questions) >= 20 and len(set(questions)) == len(questions)
    assert set(COUNT_QUESTIONS) <= set(questions) and {q for q, _ in UNDERSTOOD} <= set(questions)


@pytest.mark.parametrize("question", COUNT_QUESTIONS)
def test_heldout_count_states_the_number(world: AskWorld, question: str) -> None:
    expected = dict(ROWS)[question]
    answer = ask(world.snapshot, question, today=TODAY)
    assert answer.to_json()["understood"]["count"] is True
    head = re.split(r"[：:。\n]", answer.answer, maxsplit=1)[0]
    assert re.search(rf"(?<![\d#]){len(expected)}(?!\d)", head), answer.answer


@pytest.mark.parametrize(("question", "expected"), UNDERSTOOD, ids=row_ids(UNDERSTOOD, "h"))
def test_heldout_understood(world: AskWorld, question: str, expected: dict[str, object]) -> None:
    understood = ask(world.snapshot, question, today=TODAY).to_json()["understood"]
    assert understood_part(understood, expected) == expected, f"{question}: {understood}"

"""`zwgk ask` and the question parser: slots, time words, the --json contract, never raising.

The table of clerks' questions with their expected tasks is tests/test_ask_table.py (and the
held-out set tests/test_ask_heldout.py); this file checks the pieces and the contracts.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from conftest import SEED_TODAY, Runner, json_of
from hypothesis import given, settings
from hypothesis import strategies as st

from zwgk.store.ask import ask
from zwgk.store.ask.timewords import cn_int, named_span, read_time
from zwgk.store.ask.vocab import KINDS, parse_table, vocab
from zwgk.store.db import Store
from zwgk.store.service import Service
from zwgk.store.snapshot import Snapshot

CONTRACT = {"question", "understood", "task_ids", "answer"}
UNDERSTOOD = {"units", "role", "status", "not_done", "due_from", "due_to", "overdue", "task"}
UNDERSTOOD |= {"count", "words"}


@pytest.fixture
def snap(store: Store) -> Snapshot:
    service = Service(store)
    for task_id, status in ((1, "已完成"), (2, "已完成"), (14, "进行中"), (22, "进行中")):
        service.mark(task_id, status, "")
    return store.snapshot()


def ids(snap: Snapshot, text: str, today: date = SEED_TODAY) -> list[int]:
    return sorted(ask(snap, text, today=today).task_ids)


def test_the_issue_questions_answer_with_tasks_not_with_nothing_found(snap: Snapshot) -> None:
    assert ids(snap, "区编办负责哪些任务") == [1, 2, 4, 26, 27, 28]
    assert ids(snap, "哪些任务逾期了") == [3, 4, 5, 6, 13, 14]  # 1 and 2 are done
    assert ids(snap, "网信办的逾期任务") == [14]
    not_started = ids(snap, "还没开始的")
    assert len(not_started) == 25 and not {1, 2, 14, 22} & set(not_started)
    due = ask(snap, "2021年6月前要完成的", today=SEED_TODAY)
    assert due.tasks and all(t.due and t.due <= date(2021, 6, 30) for t in due.tasks)
    assert len(ids(snap, "2021年6月前要完成的")) == 20
    assert ids(snap, "区政务服务局指导的任务") == [1, 2, 10, 12, 21, 22, 23, 24, 25, 26, 27, 28]


def test_the_answer_is_a_sentence_first(snap: Snapshot) -> None:
    a = ask(snap, "区网信办指导的任务中哪些逾期了", today=SEED_TODAY)
    assert (
        a.answer
        == "区网信办指导的任务中逾期的共 1 项：#14 建立政务舆情处置回应工作机制（2020年10月底前）。"
    )
    one = ask(snap, "一本通什么时候完成", today=SEED_TODAY)
    assert one.answer == "一本通（#22）的完成时间是2021年6月底前，现为进行中。"
    count = ask(snap, "政府办指导的未完成任务有几项", today=SEED_TODAY)
    assert count.answer == f"区政府办指导的未完成任务共 {len(count.tasks)} 项。"
    assert len(count.tasks) == 20 - 0  # 区政府办 guides 20 tasks, none of them done here


def test_an_empty_answer_names_the_condition_that_emptied_it(snap: Snapshot) -> None:
    a = ask(snap, "区网信办下个月到期的任务", today=SEED_TODAY)
    assert a.task_ids == []
    assert a.answer.startswith("区网信办没有下个月到期的任务。")
    assert "区网信办共有 2 项" in a.answer and "输入“" in a.answer
    word = ask(snap, "舆情的区编办任务", today=SEED_TODAY)
    assert word.task_ids == [] and "舆情" in word.answer


def test_a_task_named_is_described_and_its_status_answered(snap: Snapshot) -> None:
    for text in ("第7项完成了吗", "7号完成了吗", "#7完成了吗", "(7)完成了吗", "第七项完成了吗"):
        a = ask(snap, text, today=SEED_TODAY)
        assert a.task_ids == [7], text
        assert a.answer.startswith("还没有。#7 "), text
    done = ask(snap, "第1项办结了吗", today=SEED_TODAY)
    assert done.answer.startswith("是的。#1 ")
    missing = ask(snap, "第99项", today=SEED_TODAY)
    assert missing.task_ids == [] and "99" in missing.answer


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("区编办负责哪些任务", {"units": ["区编办"], "role": "any"}),
        ("qbb牵头的", {"units": ["区编办"], "role": "lead"}),
        ("网信办的逾期任务", {"units": ["区网信办"], "overdue": True}),
        ("信息办指导的还没完成的", {"units": ["区信息办"], "role": "guide", "not_done": True}),
        ("卡住了的任务", {"status": "受阻"}),
        ("下个月到期的", {"due_from": "2021-01-01", "due_to": "2021-01-31"}),
        ("本周", {"due_from": "2020-12-14", "due_to": "2020-12-20"}),
        ("2021年6月底前", {"due_from": None, "due_to": "2021-06-30"}),
        ("6月底前要完成的", {"due_from": None, "due_to": "2021-06-30"}),
        ("30天内到期的", {"due_from": "2020-12-15", "due_to": "2021-01-14"}),
        ("两周内", {"due_from": "2020-12-15", "due_to": "2020-12-29"}),
        ("一个月内", {"due_from": "2020-12-15", "due_to": "2021-01-15"}),
        ("明年上半年", {"due_from": "2021-01-01", "due_to": "2021-06-30"}),
        ("年底前", {"due_from": None, "due_to": "2020-12-31"}),
        ("本季度", {"due_from": "2020-10-01", "due_to": "2020-12-31"}),
        ("逾期的有多少项", {"overdue": True, "count": True}),
        ("舆情机制的任务", {"words": ["舆情机制"]}),
        ("请问政策解读的事项", {"words": ["政策解读"]}),
        ("第七项", {"task": 7}),
    ],
)
def test_slots(snap: Snapshot, text: str, expected: dict[str, object]) -> None:
    understood = ask(snap, text, today=SEED_TODAY).to_json()["understood"]
    for key, value in expected.items():
        assert understood[key] == value, (text, key, understood)


def test_time_words_compute_from_today() -> None:
    today = date(2021, 3, 31)
    assert named_span("next_month", today) == (date(2021, 4, 1), date(2021, 4, 30))
    assert named_span("next_quarter", date(2021, 11, 2)) == (date(2022, 1, 1), date(2022, 3, 31))
    assert named_span("next_week", date(2021, 1, 3)) == (date(2021, 1, 4), date(2021, 1, 10))
    found = read_time("2月底前", 0, today)  # February is past: the coming one is next year's
    assert found is not None and found.span == (None, date(2022, 2, 28))
    assert read_time("2月30日", 0, today) is None  # no such day: not a date
    assert cn_int("十七") == 17 and cn_int("二十") == 20 and cn_int("两") == 2


def test_the_vocabulary_is_one_table() -> None:
    table = vocab()
    assert table.words["牵头"] == ("role", "lead")
    assert table.words["还没开始"] == ("status", "未开始")
    assert {kind for kind, _ in table.words.values()} <= KINDS
    with pytest.raises(ValueError, match="ask_words.csv"):
        parse_table("类别,词语,含义\nnonsense,词,\n")


def test_a_question_never_changes_data(snap: Snapshot, store: Store) -> None:
    before = store.ctx.db_path.read_bytes()
    for text in ("第7项完成", "7 完成", "把第7项标记为已完成", "完成"):
        ask(store.snapshot(), text, today=SEED_TODAY)
    assert store.ctx.db_path.read_bytes() == before


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=80))
def test_ask_never_raises(text: str) -> None:
    answer = ask(_SNAP, text, today=SEED_TODAY)
    assert answer.answer
    assert set(answer.to_json()) == CONTRACT


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.sampled_from(sorted(vocab().words) + ["区编办", "7", "2021年6月", "舆情", "qbb"]))
)
def test_any_mix_of_known_words_never_raises(words: list[str]) -> None:
    assert ask(_SNAP, "".join(words), today=SEED_TODAY).answer


def _seed_snapshot() -> Snapshot:
    import tempfile

    from zwgk.store.context import Context

    folder = Path(tempfile.mkdtemp(prefix="zwgk-ask-"))
    return Store(Context(folder / "z.json", SEED_TODAY, user="tester")).snapshot()


_SNAP = _seed_snapshot()


# -- the command ------------------------------------------------------------------------------
def test_cli_json_contract(zwgk: Runner) -> None:
    assert zwgk("mark", "22", "进行中").returncode == 0
    data = json_of(zwgk("ask", "一本通什么时候完成", "--json"))
    assert isinstance(data, dict) and set(data) == CONTRACT
    assert set(data["understood"]) == UNDERSTOOD
    assert data["task_ids"] == [22]
    assert data["answer"] == "一本通（#22）的完成时间是2021年6月底前，现为进行中。"
    data = json_of(zwgk("ask", "网信办", "的逾期任务", "--json"))
    assert isinstance(data, dict)
    assert data["understood"]["units"] == ["区网信办"] and data["understood"]["overdue"] is True
    assert data["task_ids"] == [14]


def test_cli_prints_the_sentence_then_the_tasks(zwgk: Runner) -> None:
    proc = zwgk("ask", "区编办负责哪些任务")
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("区编办负责的任务共 6 项：")
    assert len(lines) == 1 + 6 + 1 and lines[-1] == "（理解为：单位：区编办）"
    odd = zwgk("ask", "--", "-x ???")
    assert odd.returncode == 0 and odd.stdout.startswith("没看懂这个问题")


def test_cli_ask_with_plans(zwgk: Runner, tmp_path: Path) -> None:
    from conftest import SAMPLES, SEED

    assert zwgk("import", str(SEED)).returncode == 0
    sample = next(p for p in sorted(SAMPLES.iterdir()) if p.suffix in (".docx", ".txt", ".xlsx"))
    assert zwgk("import", str(sample)).returncode == 0, sample
    codes = json_of(zwgk("plans", "--json"))
    assert isinstance(codes, list) and len(codes) == 2
    seed = next(p["code"] for p in codes if "基层" in p["title"])
    data = json_of(zwgk("ask", "第7项", "--plan", seed, "--json"))
    assert isinstance(data, dict) and data["task_ids"] == [7]
    both = json_of(zwgk("ask", "第1项", "--json"))
    assert isinstance(both, dict) and both["task_ids"] == []
    assert "方案" in both["answer"]  # two plans have a task 1: the sentence names their keys


@pytest.mark.parametrize(
    "line",
    ["7完成了吗", "7 完成了吗？", "7完成了没有", "完成 7 吗", "7 进行中吗", "7 完成?", "7 确认吗"],
)
def test_a_status_question_in_the_chat_is_not_a_change(line: str) -> None:
    from zwgk.tui.chat import parse

    assert parse(line).name == "search"


@pytest.mark.parametrize(
    ("line", "note"),
    [("7 完成 已印发", "已印发"), ("7 受阻 缺少经费，怎么办呢", "缺少经费，怎么办呢")],
)
def test_a_note_that_sounds_like_a_question_is_still_a_change(line: str, note: str) -> None:
    from zwgk.tui.chat import parse

    cmd = parse(line)
    assert cmd.name == "mark" and cmd.text == note

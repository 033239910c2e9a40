"""Runs of typed pinyin initials (store/search/initials.py) find exactly the lines the regex
finds: on random coded lines against a brute-force match, and through `SearchIndex` on texts
full of polyphones (多音字) and mixed Chinese and Latin text, every prefix of each query typed a
keystroke at a time, with the same hits, order, scores, kinds and highlight spans."""

from __future__ import annotations

import marshal
import re
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st
from test_search_lineindex import same_for_every_prefix

from zwgk.store.model import Task
from zwgk.store.pinyin import PINYIN_KEY, text_readings
from zwgk.store.search import SearchIndex
from zwgk.store.search.initials import InitialsIndex

TODAY = date(2021, 6, 1)

# Codes as private-use characters, each standing for characters with these initials (several
# for a polyphone; z with zh as `build_tables` makes them); "x" is a character with no reading.
CODES = {
    "\ue000": {"z", "zh"},
    "\ue001": {"z"},
    "\ue002": {"c", "ch", "z", "zh"},  # 长 chang / zhang
    "\ue003": {"c"},
    "\ue004": {"h", "x"},  # 行 hang / xing
    "\ue005": {"x"},
    "\ue006": {"s", "sh"},
}
INITIALS = sorted({x for tokens in CODES.values() for x in tokens})


def _classes() -> dict[tuple[str, str], set[str]]:
    out: dict[tuple[str, str], set[str]] = {}
    for code, tokens in CODES.items():
        for x in tokens:
            out.setdefault(("i", x), set()).add(code)
    out[("f", "zhang")] = {"\ue002"}  # other kinds of token are not indexed
    return out


def _brute(lines: list[str], run: list[str]) -> int:
    classes = _classes()
    rx = re.compile("".join("[" + "".join(sorted(classes[("i", x)])) + "]" for x in run))
    return sum(1 << k for k, line in enumerate(lines) if rx.search(line))


@settings(max_examples=150, deadline=None)
@given(
    lines=st.lists(st.text(alphabet=[*CODES, "x", "1"], max_size=20), max_size=30),
    runs=st.lists(st.lists(st.sampled_from(INITIALS), min_size=1, max_size=4), max_size=3),
)
def test_runs_of_initials_find_the_lines_a_regex_finds(
    lines: list[str], runs: list[list[str]]
) -> None:
    index = InitialsIndex.build(lines, _classes())
    assert index is not None
    again = InitialsIndex.from_state(marshal.loads(marshal.dumps(index.state())))
    assert again is not None
    for run in [*runs, ["z"], ["zh", "c"]]:
        want = _brute(lines, run)
        assert index.lines_of(index.run_positions(run)) == want, run
        assert again.lines_of(again.run_positions(run)) == want, run
    both = index.run_positions(["z"]) | index.run_positions(["x", "s"])
    assert index.lines_of(both) == _brute(lines, ["z"]) | _brute(lines, ["x", "s"])
    # a state written after some masks were used holds them all
    assert index.state() == again.state()


def test_an_initial_the_plan_does_not_use_finds_nothing() -> None:
    index = InitialsIndex.build(["\ue000\ue001", "", "\ue003"], _classes())
    assert index is not None
    assert index.lines_of(index.run_positions(["q"])) == 0
    assert index.lines_of(index.run_positions(["z", "z"])) == 0b001
    assert index.lines_of(0) == 0
    empty = InitialsIndex.build([], _classes())
    assert empty is not None and empty.lines_of(empty.run_positions(["z"])) == 0


def test_more_sets_of_initials_than_a_byte_numbers_are_left_to_the_regex() -> None:
    letters = "bcdfghjklmnpqrstwxyz"
    classes: dict[tuple[str, str], set[str]] = {}
    for k in range(300):  # 300 different pairs of initials
        code = chr(0xE000 + k)
        for x in (letters[k % 20], letters[(k // 20) % 20] + "_"):
            classes.setdefault(("i", x), set()).add(code)
    assert InitialsIndex.build([chr(0xE000)], classes) is None


# Polyphones, the same character read differently in different words, Latin letters and
# digits between Chinese characters, one-character and empty texts.
TEXTS = [
    "长期坚持政策解读", "区长办公室行政审批", "银行重要数据长效机制", "重庆重新行动", "行长",
    "藏书与西藏", "朝阳朝气", "差别出差参差", "了解了了", "长", "", "为人民服务为了",
    "调查调动调研", "都市都是", "APP政务公开2021年长沙", "处理处分", "一行行数据",
    "还有还原", "降低投降", "种植种子", "便利便宜", "会计开会", "模型模样", "校对学校",
]  # fmt: skip
QUERIES = [
    "zcjd", "qzbgs", "zhcj", "zz", "cz", "hx", "xz", "cq", "cc", "ll", "tdty", "ds", "cl",
    "hy", "jd", "zz zcjd", "zwgk", "zhang", "changqi", "xingzheng", "yhzy", "cb", "z", "x",
    "hangz", "shuju", "sj", "zgcs", "2021 zw", "status:未开始 zc", "长 zc", "kjkh",
]  # fmt: skip


def test_initials_through_the_search_index_as_the_scan_finds_them() -> None:
    tasks = [
        Task(
            id=k + 1,
            plan="p",
            group=k // 4,
            group_title=["重点工作", "行政长官", "政策", "数据"][k % 4],
            text=text,
            extra={
                PINYIN_KEY: text_readings(text, ["重点工作", "行政长官", "政策", "数据"][k % 4])
            },
        )
        for k, text in enumerate(TEXTS)
    ]
    scanning = SearchIndex(tasks)
    state = marshal.loads(marshal.dumps(SearchIndex(tasks).prepared()))
    indexed = SearchIndex.from_prepared(state, scanning.tasks, [t.status for t in scanning.tasks])
    assert indexed._initials is not None and scanning._initials is None
    assert same_for_every_prefix(scanning, indexed, QUERIES) > 120
    found = scanning.search("zz", today=TODAY).total
    assert found == indexed.search("zz", today=TODAY).total > 3  # 长 zhang, 重 zhong…

"""The import's newer shortcuts give what the code they stand in for gives (issue 14: import at
100k). Like test_import_speed.py: each shortcut against the general code, on inputs built to
reach its corners."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from zwgk.store.importers import table
from zwgk.store.importers.csvtable import _first_lines
from zwgk.store.importers.text import is_dump
from zwgk.store.validation import _names, task_problem

BREAKS = ["\n", "\r", "\r\n", "\x0b", "\x0c", "\x1c", "\x85", "\u2028", "\u2029"]


@settings(max_examples=800, deadline=None)
@given(
    st.lists(st.one_of(st.sampled_from(BREAKS), st.text("ab，\t ", max_size=5)), max_size=40),
    st.integers(1, 6),
    st.integers(1, 4),
)
def test_first_lines_are_those_of_the_whole_text(pieces: list[str], n: int, prefix: int) -> None:
    text = "".join(pieces)
    assert _first_lines(text, n, prefix) == text.splitlines()[:n]


def test_a_text_without_tabs_is_no_dump() -> None:
    assert not is_dump("序号,工作任务\n1,公开\n" * 10)
    assert is_dump("\t序号\n\t工作任务\n\t1\n\t公开\n\t2\n")


_INT_PATTERN = re.compile(r"\s*[（(]?\s*(\d{1,4})\s*[)）.．、]?\s*")


def _reference_int(text: str) -> int | None:
    m = _INT_PATTERN.fullmatch(unicodedata.normalize("NFKC", text))
    return int(m.group(1)) if m else None


@settings(max_examples=800, deadline=None)
@given(st.text("0123456789１２٣ （()）.、一", max_size=7))
def test_item_numbers_read_as_the_pattern_reads_them(text: str) -> None:
    assert table._int(text) == _reference_int(text)
    if text.isdigit():  # a task's 序号: never a heading mark
        assert table._NUMERAL_MARK.fullmatch(text) is None


def test_long_item_numbers_are_no_numbers() -> None:
    assert table._int("100000") is None and table._int("9999") == 9999


UNIT_ITEMS: list[Any] = ["区财政局", "", " ", None, 1, True, ["x"], "各街道"]


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.lists(st.sampled_from(UNIT_ITEMS), max_size=5), st.sampled_from(UNIT_ITEMS)))
def test_unit_lists_are_checked_as_before(units: Any) -> None:
    before = isinstance(units, list) and all(isinstance(u, str) and u for u in units)
    assert _names(units) == before
    rec = {"id": 1, "plan": "", "group_title": "", "text": "", "support_units": units}
    assert (task_problem("1", rec) is None) == before

"""The shortcuts of the 100k CSV import (issue 14, `zwgk import` ≤ 6 s) give what the code they
stand in for gives: each against the general code, on inputs built to reach its corners."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zwgk.store import pinyin
from zwgk.store.importers import table

# Characters that reach the number, label and heading patterns' corners.
TEXT_CHARS = "1２٣¹ \t\u3000\x0b（()）.．、一二十第部分公开牵头单位：:；。，,"


def _reference_split_number(text: str) -> tuple[int | None, str]:
    """`split_number` as it read before its first-character check."""
    m = table._NUM_PREFIX.match(text)
    if not m:
        return None, text
    n = int(m.group(1) or m.group(2))
    rest = text[m.end() :]
    later = table._LATER_DOTTED if m.group(2) else table._LATER_BRACKETED
    if str(n + 1) in later.findall(rest):
        return None, text
    return n, rest


def _reference_split_label(text: str) -> tuple[str, str]:
    m = table._UNIT_TAIL.search(text)
    if not m or not table._UNIT_WORDS.search(m.group(1)):
        return text, ""
    return text[: m.start()].rstrip(), m.group(1)


@settings(max_examples=1500, deadline=None)
@given(st.text(TEXT_CHARS, max_size=12))
def test_number_and_label_shortcuts_read_as_the_patterns(text: str) -> None:
    assert table.split_number(text) == _reference_split_number(text)
    assert table._split_label(text) == _reference_split_label(text)


@settings(max_examples=800, deadline=None)
@given(st.text("1٣¹ 一（(）)、第部分", max_size=5), st.text("公开（一）一、", max_size=5))
def test_a_digit_or_empty_mark_is_never_a_heading(mark: str, text: str) -> None:
    """The row loop asks `_numeral_heading` only when 序号 is neither empty nor digits."""
    cols = table.Columns(text=2, num=0, group=1)
    row = table.Row(cells=[mark, "", text], line=1, where="第 1 行")
    if not mark or mark.isdigit():
        assert table._numeral_heading(row, cols) is None


UNIT_NAMES: list[Any] = ["区财政局", "", None, "各街道", "行政服务中心"]


@settings(max_examples=300, deadline=None)
@given(
    st.text("行政公开，,（）重长 a1", max_size=20),
    st.text("行政重", max_size=4),
    *(st.lists(st.sampled_from(UNIT_NAMES), max_size=4) for _ in range(3)),
)
def test_task_keys_are_the_readings_of_all_texts(
    text: str, title: str, lead: list[Any], support: list[Any], guide: list[Any]
) -> None:
    record = {
        "text": text,
        "group_title": title,
        "lead_units": lead,
        "support_units": support,
        "guide_units": guide,
    }
    names = [n for n in (*lead, *support, *guide) if n]
    expected = pinyin.text_readings(text, title, *names)
    assert pinyin.task_keys(record)[pinyin.PINYIN_KEY] == expected


def test_remembered_parts_are_forgotten_when_full() -> None:
    calls: list[str] = []

    def entries(text: str) -> dict[str, str]:
        calls.append(text)
        return {text: text}

    memo = pinyin._Memo(entries, 2)
    assert memo["a"] == {"a": "a"} and memo["a"] == {"a": "a"} and calls == ["a"]
    memo["b"], memo["c"]  # the third distinct text: the first two forgotten
    assert len(memo) == 1 and memo["a"] == {"a": "a"} and calls == ["a", "b", "c", "a"]
    assert memo[""] == {} and "" not in memo  # an empty name: nothing read, nothing kept


@pytest.mark.parametrize("first", ["wide", "long"])
def test_the_first_row_out_of_bounds_is_named(first: str) -> None:
    """check_sheets sums a sheet at once; a row out of bounds still gets its own sentence."""
    from pathlib import Path

    from zwgk.store.errors import InputError
    from zwgk.store.importers import limits
    from zwgk.store.importers.base import Row, Sheet

    wide = ["x"] * (limits.MAX_COLUMNS + 1)
    long = ["x" * (limits.MAX_CELL_CHARS + 1)]
    cells = [wide, long] if first == "wide" else [long, wide]
    rows = [Row(["a"], 1, "第 1 行")] + [Row(c, n, f"第 {n} 行") for n, c in enumerate(cells, 2)]
    with pytest.raises(InputError) as err:
        limits.check_sheets(Path("p.csv"), [Sheet(rows=rows)])
    assert "第 2 行" in err.value.message
    assert ("列" if first == "wide" else "单元格长达") in err.value.message


def _reference_whole_row_line(row: table.Row, cols: table.Columns) -> str | None:
    """`_whole_row_line` as it read before its first-cells check."""
    values = set(map(str.strip, row.cells))
    values.discard("")
    if len(values) != 1:
        return None
    filled = [(i, c.strip()) for i, c in enumerate(row.cells) if c.strip()]
    text = table.join_lines(filled[0][1])
    if len(filled) >= 2:
        return text
    i = filled[0][0]
    if table._SECTION.match(text) or table._SUBGROUP.match(text):
        return text
    if i == cols.text or i in cols.unit_columns or i in (cols.group, cols.section):
        return None
    return None if text.isdigit() else text


@settings(max_examples=1500, deadline=None)
@given(
    st.lists(st.sampled_from(["", " ", "1", " 1", "一、公开", "（一）a", "a", "a "]), max_size=5)
)
def test_a_line_across_is_found_as_before(cells: list[str]) -> None:
    cols = table.Columns(text=2, num=0, group=1, deadline=4, lead=[3])
    row = table.Row(cells=cells, line=1, where="第 1 行")
    assert table._whole_row_line(row, cols) == _reference_whole_row_line(row, cols)

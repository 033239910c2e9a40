"""The import bounds let a long plan of ordinary rows in and keep a text bomb out."""

from __future__ import annotations

from pathlib import Path

import pytest

from zwgk.store.errors import InputError
from zwgk.store.importers import limits
from zwgk.store.importers.base import Row, Sheet

CELLS = ["1", "梳理基层政务公开事项", "编制政务公开事项目录，及时回应社会关切，并向社会公布" * 2,
         "区财政局、区教育局、各街道", "区政府办、区信息办", "2021年8月底前"]  # fmt: skip


def sheet(rows: int, cells: list[str]) -> Sheet:
    return Sheet(rows=[Row(cells=cells, line=i, where=f"第 {i} 行") for i in range(1, rows + 1)])


def test_a_plan_of_100000_ordinary_tasks_passes() -> None:
    big = sheet(100_001, CELLS)  # header + 100,000 tasks, ~10 million characters
    assert sum(map(len, CELLS)) * 100_001 > limits.MAX_TEXT_CHARS
    limits.check_sheets(Path("plan.csv"), [big])


def test_a_few_hundred_huge_cells_are_still_refused() -> None:
    bomb = sheet(600, ["政" * 8_000])  # each cell under the cell bound, 4.8 million in all
    with pytest.raises(InputError, match="拒绝导入"):
        limits.check_sheets(Path("plan.csv"), [bomb])


def test_rows_beyond_the_bound_are_refused() -> None:
    with pytest.raises(InputError, match="行"):
        limits.check_sheets(Path("plan.csv"), [sheet(limits.MAX_ROWS + 1, ["1"])])

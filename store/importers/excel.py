"""Excel workbooks (.xlsx): merged cells filled from their top-left cell, one sheet per sheet."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from .base import Row, Sheet

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from typing import Any


def cell_text(value: Any) -> str:
    """A cell value as the text a person sees; dates worded so the deadline parser reads them."""
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace("_x000D_", "").replace("\r\n", "\n").strip()


def read(path: Path) -> list[Sheet]:
    import openpyxl

    # Not read_only: merged ranges are only available on normal worksheets.
    book = openpyxl.load_workbook(path, data_only=True)
    sheets = []
    for ws in book.worksheets:
        values = [[cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
        width = max((len(r) for r in values), default=0)
        spans = [[False] * width for _ in values]
        for rng in ws.merged_cells.ranges:
            top = values[rng.min_row - 1][rng.min_col - 1]
            for r in range(rng.min_row, min(rng.max_row, len(values)) + 1):
                for c in range(rng.min_col, min(rng.max_col, width) + 1):
                    values[r - 1][c - 1] = top
                    spans[r - 1][c - 1] = c > rng.min_col
        rows = [
            Row(
                cells=v + [""] * (width - len(v)),
                line=i,
                where=f"工作表“{ws.title}”第 {i} 行",
                spans=s,
            )
            for i, (v, s) in enumerate(zip(values, spans, strict=True), start=1)
        ]
        sheets.append(Sheet(rows=rows, name=ws.title))
    return sheets

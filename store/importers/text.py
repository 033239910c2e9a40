"""The plain-text dump of a Word table: every cell starts on a tab-led line.

A cell's text runs on over following lines that do not start with a tab; an empty tab-led line
is an empty cell ("same as above"). Rows are the cells counted off by the header's width —
blank lines are not row breaks (they also appear inside cells).
"""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from .base import Row, Sheet
from .table import looks_like_header_cell, map_columns


def is_dump(text: str) -> bool:
    """Tab-led cells, one per line; a tab after other text means TSV instead."""
    if "\t" not in text:  # no tab-led line at all (a CSV): not worth splitting 100,000 lines
        return False
    lines = [line for line in text.splitlines() if line.strip()]
    tab_led = sum(1 for line in lines if line.startswith("\t"))
    inner_tabs = sum(1 for line in lines if "\t" in line.lstrip("\t"))
    return tab_led >= 4 and inner_tabs * 10 <= len(lines)


def read(text: str, path: Path) -> list[Sheet]:
    title: list[str] = []
    cells: list[tuple[int, list[str]]] = []  # (line number, lines of the cell)
    for no, line in enumerate(text.splitlines(), start=1):
        if line.startswith("\t"):
            cells.append((no, [line.strip()]))
        elif cells:
            cells[-1][1].append(line.strip())
        else:
            title.append(line)
    texts = [(no, "\n".join(parts).strip("\n")) for no, parts in cells]
    start, width = _header(texts)
    if width == 0:
        return [Sheet(rows=[], title_lines=title + [t for _, t in texts[:10]])]
    title += [t for _, t in texts[:start]]
    while len(texts) > start + width and not texts[-1][1]:
        texts.pop()  # trailing empty tab lines are not a row
    rows: list[Row] = []
    for i in range(start, len(texts), width):
        chunk = texts[i : i + width]
        values = [t for _, t in chunk] + [""] * (width - len(chunk))
        rows.append(Row(cells=values, line=chunk[0][0], where=f"第 {chunk[0][0]} 行"))
    if (len(texts) - start) % width:
        raise InputError(
            f"文件 {path} {_misaligned(rows, width)}起的单元格数与表头的 {width} 列对不上，可能漏了或多了单元格。"
        )
    return [Sheet(rows=rows, title_lines=title)]


def _misaligned(rows: list[Row], width: int) -> str:
    """Where a missing or extra cell shifted the rows: the first row whose 序号 is not a number."""
    columns = map_columns(rows[0].cells[:width])  # rows[0] is the header
    num = columns.num if columns else -1
    for before, row in zip(rows[1:], rows[2:], strict=False):
        value = row.cells[num].strip() if num >= 0 else ""
        if value and not value.isdigit():
            return before.where  # the shift shows one row after the row that lost a cell
    return rows[-1].where


def _header(texts: list[tuple[int, str]]) -> tuple[int, int]:
    """(index of the header's first cell, header width), or (0, 0) when there is none."""
    for start in range(min(len(texts), 60)):
        end = start
        while end < len(texts) and looks_like_header_cell(texts[end][1]):
            end += 1
        if end - start >= 2 and map_columns([t for _, t in texts[start:end]]) is not None:
            return start, end - start
    return 0, 0

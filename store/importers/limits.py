"""Bounds on what an imported file may hold, checked before a library is let loose on it.

A 5 KB .xlsx can declare one merged range over 17 billion cells, a 1 MB .docx a 1 GB run, a
300 KB .xlsx a 300 MB cell: openpyxl and python-docx would build all of it in memory, and a
database holding it would be refused on the next load. So, in this order:

1. `check_zip`: the zip's own directory (sizes as declared, which zipfile then enforces while
   reading) — member count, each XML part, the total unpacked.
2. `check_xlsx_sheets` / `check_docx_tables`: one streaming pass of expat over the sheet or
   document XML (bounded by 1.) counting rows, columns, merged areas and spans — the shapes the
   libraries would expand.
3. `check_sheets`: what a reader produced — rows, each cell's length, the text in total.

Real plans are far inside every bound (the largest seen: ~500 tasks); the benchmarks import
generated plans of 100,000 tasks (a 25 MB CSV, ~8 million characters), which must pass.
Each refusal is one sentence naming the file and the bound.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable
from itertools import chain
from operator import attrgetter
from pathlib import Path
from xml.parsers import expat

from ..errors import InputError
from .base import Sheet

MAX_ZIP_MEMBERS = 5_000
MAX_XML_PART = 24 * 1024 * 1024  # one unpacked XML part (a sheet, shared strings, document)
MAX_UNPACKED = 64 * 1024 * 1024  # every member together, images included
MAX_ROWS = 200_000  # rows of one table (a 100,000-task plan, with room for headings)
MAX_COLUMNS = 200  # columns of one table (a plan has about ten)
MAX_GRID = 2_000_000  # rows × columns a reader lays out for one table
MAX_MERGED = 500_000  # cells covered by merged ranges / spans, one workbook or document
MAX_CELL_CHARS = 10_000  # one cell (a task is a sentence or a paragraph)
# All cells and titles of one file: this much, plus ROW_TEXT_CHARS for each row, so a long plan
# of ordinary rows passes while a few hundred huge cells (a text bomb) do not.
MAX_TEXT_CHARS = 4_000_000
ROW_TEXT_CHARS = 100  # a task row of a real plan averages 60-80 characters
MAX_TEXT_BYTES = 48 * 1024 * 1024  # a text or CSV file (100,000 tasks: ~25 MB)

_XML_PART = re.compile(r"\.(xml|rels|vml)$", re.IGNORECASE)
_CELL_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:.0f} MB"


def check_zip(path: Path, z: zipfile.ZipFile) -> None:
    """Refuse a zip whose directory declares more than we would unpack (zip bombs)."""
    infos = z.infolist()
    if len(infos) > MAX_ZIP_MEMBERS:
        raise InputError(
            f"文件 {path} 内含 {len(infos)} 个部件，超过上限 {MAX_ZIP_MEMBERS}，拒绝导入。"
        )
    total = 0
    for info in infos:
        total += info.file_size
        if _XML_PART.search(info.filename) and info.file_size > MAX_XML_PART:
            raise InputError(
                f"文件 {path} 中的 {info.filename} 解压后有 {_mb(info.file_size)}，"
                f"超过上限 {_mb(MAX_XML_PART)}（单元格内容过大），拒绝导入。"
            )
    if total > MAX_UNPACKED:
        raise InputError(
            f"文件 {path} 解压后共 {_mb(total)}，超过上限 {_mb(MAX_UNPACKED)}，拒绝导入。"
        )


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _cell(ref: str) -> tuple[int, int] | None:
    m = _CELL_REF.match(ref.strip())
    return (int(m.group(2)), _col_number(m.group(1))) if m else None


def _scan(z: zipfile.ZipFile, name: str, handler: object) -> None:
    """Feed one part through expat (namespaces split off: local names only), in chunks."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.StartElementHandler = handler  # type: ignore[assignment]
    with z.open(name) as fh:
        while chunk := fh.read(1 << 20):
            parser.Parse(chunk, False)
    parser.Parse(b"", True)


def _xml_parts(z: zipfile.ZipFile) -> list[str]:
    return [name for name in z.namelist() if name.lower().endswith(".xml")]


def _local(name: str) -> str:
    return name.rpartition(" ")[2]


def _attr(attrs: dict[str, str], local: str) -> str | None:
    for key, value in attrs.items():
        if _local(key) == local:
            return value
    return None


class _Shape:
    """Rows, columns and merged cells counted as a table is scanned."""

    def __init__(self, path: Path, where: str) -> None:
        self.path, self.where = path, where
        self.max_row = self.max_col = 0

    def cell(self, row: int, col: int) -> None:
        if row > MAX_ROWS:
            raise InputError(f"文件 {self.path} 的{self.where}超过 {MAX_ROWS} 行，拒绝导入。")
        if col > MAX_COLUMNS:
            raise InputError(f"文件 {self.path} 的{self.where}超过 {MAX_COLUMNS} 列，拒绝导入。")
        self.max_row, self.max_col = max(self.max_row, row), max(self.max_col, col)
        if self.max_row * self.max_col > MAX_GRID:
            raise InputError(
                f"文件 {self.path} 的{self.where}有 {self.max_row} 行 × {self.max_col} 列，"
                f"超过上限 {MAX_GRID} 个单元格，拒绝导入。"
            )


def check_xlsx_sheets(path: Path, z: zipfile.ZipFile) -> None:
    """Every worksheet: where its cells lie and how much its merged ranges cover."""
    merged = 0
    # Every XML part, not just xl/worksheets/: openpyxl finds sheets wherever the workbook's
    # relationships point, so a hostile file could put one anywhere.
    for name in _xml_parts(z):
        shape = _Shape(path, f"工作表 {Path(name).stem} ")
        pos = {"row": 0, "col": 0}

        def start(
            tag: str, attrs: dict[str, str], shape: _Shape = shape, pos: dict[str, int] = pos
        ) -> None:
            nonlocal merged
            local = _local(tag)
            if local == "row":
                r = _attr(attrs, "r")
                pos["row"] = int(r) if r and r.isdigit() else pos["row"] + 1
                pos["col"] = 0
            elif local == "c":
                ref = _cell(_attr(attrs, "r") or "")
                row, col = ref if ref else (pos["row"], pos["col"] + 1)
                pos["col"] = col
                shape.cell(max(row, 1), max(col, 1))
            elif local == "mergeCell":
                span = _attr(attrs, "ref") or ""
                ends = [_cell(p) for p in span.split(":")]
                if len(ends) != 2 or None in ends:
                    return
                (r1, c1), (r2, c2) = ends  # type: ignore[misc]
                merged += (abs(r2 - r1) + 1) * (abs(c2 - c1) + 1)
                if merged > MAX_MERGED:
                    raise InputError(
                        f"文件 {path} 的合并单元格 {span} 等共覆盖超过 {MAX_MERGED} 个单元格，拒绝导入。"
                    )

        _scan(z, name, start)


def check_docx_tables(path: Path, z: zipfile.ZipFile) -> None:
    """Tables in the document (and headers, footers): rows, the grid width each row spans,
    and vertical merges."""
    merged = 0
    shape = _Shape(path, "表格")
    state = {"rows": 0, "width": 0}

    def span(attrs: dict[str, str]) -> int:
        value = _attr(attrs, "val") or "1"
        return int(value) if value.isdigit() and len(value) <= 9 else MAX_COLUMNS + 1

    def start(tag: str, attrs: dict[str, str]) -> None:
        nonlocal merged
        local = _local(tag)
        if local == "tbl":
            state["rows"] = 0
        elif local == "tr":
            state["rows"] += 1
            state["width"] = 0
            shape.cell(state["rows"], 1)
        elif local == "tc":
            state["width"] += 1
            shape.cell(state["rows"], state["width"])
        elif local in ("gridSpan", "gridBefore", "gridAfter"):
            n = span(attrs)
            state["width"] += n - (1 if local == "gridSpan" else 0)
            merged += n
            shape.cell(max(state["rows"], 1), max(state["width"], 1))
        elif local == "vMerge":
            merged += 1
        if merged > MAX_MERGED:
            raise InputError(f"文件 {path} 的合并单元格共超过 {MAX_MERGED} 个，拒绝导入。")

    for name in _xml_parts(z):  # python-docx follows relationships, not fixed names
        _scan(z, name, start)


_CELLS = attrgetter("cells")


def check_sheets(path: Path, sheets: Iterable[Sheet]) -> None:
    """What a reader produced: rows per table, each cell's length, all text together."""
    total = rows = 0
    for sheet in sheets:
        rows += len(sheet.rows)
        if len(sheet.rows) > MAX_ROWS:
            raise InputError(f"文件 {path} 的表格超过 {MAX_ROWS} 行，拒绝导入。")
        for text in sheet.title_lines:
            total += _checked(path, text, "表格上方的一段文字")
        cells = list(map(len, chain.from_iterable(map(_CELLS, sheet.rows))))
        if max(map(len, map(_CELLS, sheet.rows)), default=0) <= MAX_COLUMNS and (
            max(cells, default=0) <= MAX_CELL_CHARS
        ):  # every row within bounds (all real plans): the sheet's cells summed at once in C
            total += sum(cells)
            del cells
        else:
            total += _checked_rows(path, sheet)
        if total > (most := MAX_TEXT_CHARS + ROW_TEXT_CHARS * rows):
            raise InputError(f"文件 {path} 的文字共超过 {most} 字，不像是工作方案，拒绝导入。")


def _checked_rows(path: Path, sheet: Sheet) -> int:
    """The characters of a sheet's cells, row by row: raises naming the first row too wide or
    holding a cell too long."""
    total = 0
    for row in sheet.rows:
        if len(row.cells) > MAX_COLUMNS:
            raise InputError(f"文件 {path} {row.where}超过 {MAX_COLUMNS} 列，拒绝导入。")
        lengths = list(map(len, row.cells))  # a row at once: 100,000 rows are common now
        if lengths and max(lengths) > MAX_CELL_CHARS:
            for text in row.cells:
                _checked(path, text, row.where)  # raises, naming the first long cell
        total += sum(lengths)
    return total


def _checked(path: Path, text: str, where: str) -> int:
    if len(text) > MAX_CELL_CHARS:
        raise InputError(
            f"文件 {path} {where}有一个单元格长达 {len(text)} 字，超过上限 {MAX_CELL_CHARS} 字，拒绝导入。"
        )
    return len(text)

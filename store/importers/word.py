"""Word documents (.docx): every table, with the paragraphs above it as its title.

python-docx repeats a merged cell in `row.cells` (both gridSpan and vMerge), which is exactly
"inherit from above"; a horizontal repeat is flagged so a row merged across is a section line.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from .base import Row, Sheet

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from typing import Any


def read(path: Path) -> list[Sheet]:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(str(path))
    sheets: list[Sheet] = []
    paragraphs: list[str] = []
    for child in _blocks(document.element.body):
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraphs.append(Paragraph(child, document).text)
        elif tag == "tbl":
            number = len(sheets) + 1
            table = Table(child, document)
            rows = []
            for r, row in enumerate(table.rows, start=1):
                cells = list(row.cells)
                spans = [i > 0 and cells[i]._tc is cells[i - 1]._tc for i in range(len(cells))]
                rows.append(
                    Row(
                        cells=[c.text for c in cells],
                        line=r,
                        where=f"第 {number} 个表格第 {r} 行",
                        spans=spans,
                    )
                )
            width = max((len(r.cells) for r in rows), default=0)
            for row in rows:  # rows that start late or end early (gridBefore/gridAfter)
                row.cells += [""] * (width - len(row.cells))
                row.spans += [False] * (width - len(row.spans))
            sheets.append(Sheet(rows=rows, title_lines=paragraphs, name=f"表格 {number}"))
            paragraphs = []
    if sheets:  # notes under the last table (`注：排在第一位的为牵头单位`)
        sheets[-1].notes = paragraphs
    return sheets


def _blocks(parent: Any) -> Iterator[Any]:
    """Paragraphs and tables in reading order, looking inside content controls (w:sdt),
    where templates often put the whole table."""
    for child in parent.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag in ("p", "tbl"):
            yield child
        elif tag in ("sdt", "sdtContent", "customXml"):
            yield from _blocks(child)

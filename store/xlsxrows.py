"""Worksheet rows written as XML text, for the export's big sheets (issue 14).

openpyxl keeps an object per cell and writes each through lxml: about 40 µs a cell, most of
an export of 100,000 tasks (1.3 million ledger cells), and a few hundred bytes of memory a
cell on top. Here openpyxl still builds and saves the workbook — styles, column widths,
panes, print setup, defined names, properties, the small sheets — and a big sheet is left
without cells; `splice` then streams its rows (a `SheetRows`) into the saved package in place
of the sheet's empty <sheetData>, with its <dimension> and <mergeCells>.

Cells are written as openpyxl writes them: strings inline (t="inlineStr", xml:space="preserve"
when they begin or end with whitespace), numbers in <v>, a styled empty cell as <c s t="n"/>,
no `s` for the default style. Styles are openpyxl's own: `Looks` registers a look through a
WriteOnlyCell (public API) and keeps its index in the workbook's cell formats, and
`Looks.merged` takes a merged range's looks from a real openpyxl merge on a scratch sheet, so
the borders openpyxl gives the cells under a merge are exactly its own.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator

from openpyxl.compat import safe_string
from openpyxl.utils import get_column_letter

from .record import field, record

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from typing import IO, Any

# What XML 1.0 cannot hold (openpyxl's ILLEGAL_CHARACTERS_RE, plus lone surrogates and the two
# non-characters lxml refuses) and what text must escape; `\r` as lxml writes it, or a reader
# would take `\r\n` for `\n`. ODD is either: one search a cell, most find neither.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
XML_SPECIAL = re.compile("[&<>\r]")
ODD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff&<>\r]")
ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"}
MAX_CHARS = 32767  # a cell's limit; openpyxl cuts longer text there
# Rows are joined and compressed a megabyte of text at a time: by size, not by count, for a
# matrix row can hold 16,384 cells (batches of 2,000 rows held whole matrix sheets: most of
# 85 MB at 100,000 tasks).
CHUNK_CHARS = 1 << 20


def text_cell(ref: str, style: int, value: str) -> str:
    """A string cell, inline as openpyxl writes it: what XML cannot hold taken out (as the
    export did with ILLEGAL_CHARACTERS_RE before openpyxl cut the text to a cell's limit)."""
    odd = ODD.search(value) is not None
    if odd:
        value = NOT_XML.sub("", value)
    if len(value) > MAX_CHARS:
        value = value[:MAX_CHARS]
    s = f' s="{style}"' if style else ""
    if not value:  # nothing left: an empty string cell, as openpyxl writes one
        return f'<c r="{ref}"{s} t="inlineStr"/>'
    space = ' xml:space="preserve"' if value != value.strip() else ""
    if odd:
        value = XML_SPECIAL.sub(lambda m: ESCAPES[m.group()], value)
    return f'<c r="{ref}"{s} t="inlineStr"><is><t{space}>{value}</t></is></c>'


def number_cell(ref: str, style: int, value: float) -> str:
    s = f' s="{style}"' if style else ""
    return f'<c r="{ref}"{s} t="n"><v>{safe_string(value)}</v></c>'


def cell(ref: str, style: int, value: Any) -> str:
    """Any cell: text, a number, or (None, "") an empty one — written only when styled."""
    if isinstance(value, str) and value:
        return text_cell(ref, style, value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return number_cell(ref, style, value)
    if value is None or value == "":
        return f'<c r="{ref}" s="{style}" t="n"/>' if style else ""
    raise TypeError(f"no cell for a {type(value).__name__}")


def row(r: int, cells: Iterable[str], height: float | None = None) -> str:
    attrs = f' ht="{safe_string(float(height))}" customHeight="1"' if height else ""
    return f'<row r="{r}"{attrs}>{"".join(cells)}</row>'


def letters(n: int) -> list[str]:
    """Column letters of columns 1..n, at index 1..n (a matrix sheet has 16,384)."""
    return ["", *(get_column_letter(c) for c in range(1, n + 1))]


@record(frozen=True)
class Merged:
    """The looks openpyxl leaves on a merged range: its first cell, the cells inside, the last
    one (the bottom of a column range, the right end of a row range)."""

    first: int
    inner: int
    last: int


class Looks:
    """Cell looks registered in `wb`'s cell formats, by the index a cell's `s` names."""

    def __init__(self, wb: Any) -> None:
        from openpyxl.cell import WriteOnlyCell

        self.wb = wb
        self._sheet = wb.active
        self._cell = WriteOnlyCell

    def add(self, **looks: Any) -> int:
        """The index of a look (`font=`, `fill=`, `border=`, `alignment=`, `number_format=`),
        set in the order given, as on a cell."""
        cell = self._cell(self._sheet)
        for name, value in looks.items():
            setattr(cell, name, value)
        return int(cell.style_id)

    def merged(
        self,
        across: bool,
        first: dict[str, Any],
        rest: dict[str, Any] | None = None,
    ) -> Merged:
        """What openpyxl's `merge_cells` leaves on a range (across a row, or down a column)
        whose first cell looks like `first` and whose other cells, when `rest` is given,
        exist and look like `rest` (the end cell's borders count only if it exists)."""
        scratch = self.wb.create_sheet("merge")
        try:
            cells = [(1, 1), (1, 2), (1, 3)] if across else [(1, 1), (2, 1), (3, 1)]
            for at, looks in zip(cells, (first, rest, rest), strict=True):
                if looks is None:
                    continue
                target = scratch.cell(*at)
                for name, value in looks.items():
                    setattr(target, name, value)
            end_row, end_col = cells[-1]
            scratch.merge_cells(start_row=1, start_column=1, end_row=end_row, end_column=end_col)
            ids = [int(scratch.cell(*at).style_id) for at in cells]
        finally:
            self.wb.remove(scratch)
        return Merged(*ids)


@record
class SheetRows:
    """A sheet's cells to splice in: `rows` yields each <row>, and may add to `merges` (cell
    ranges) as it goes; `dimension` is the used range openpyxl would state."""

    dimension: str
    rows: Callable[[], Iterator[str]]
    merges: list[str] = field(default_factory=list)


SHEET_DATA = "<sheetData></sheetData>"
DIMENSION = re.compile(r'<dimension ref="[^"]*"/>')
# What the schema puts between <sheetData> and <mergeCells>: none of it is written for these
# sheets, so the merges go right after the rows.
BEFORE_MERGES = re.compile(
    r"<(sheetCalcPr|sheetProtection|protectedRanges|scenarios|autoFilter|sortState"
    r"|dataConsolidate|customSheetViews|mergeCells)\b"
)


def splice(package: bytes, sheets: dict[str, SheetRows], out: IO[bytes]) -> None:
    """Write to `out` the saved workbook `package` with each named part's empty <sheetData>
    replaced by its rows (streamed, compressed as they come) and its merges added."""
    with (
        zipfile.ZipFile(io.BytesIO(package)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as dst,
    ):
        for info in src.infolist():
            data = src.read(info)
            rows = sheets.get(info.filename)
            if rows is None:
                dst.writestr(info, data)
                continue
            text = data.decode("utf-8")
            head, found, tail = text.partition(SHEET_DATA)
            if not found or BEFORE_MERGES.match(tail) or not DIMENSION.search(head):
                raise ValueError(f"{info.filename}: not the empty sheet openpyxl writes")
            head = DIMENSION.sub(f'<dimension ref="{rows.dimension}"/>', head, count=1)
            with dst.open(info.filename, "w") as fh:
                fh.write(f"{head}<sheetData>".encode())
                batch: list[str] = []
                size = 0
                for line in rows.rows():
                    batch.append(line)
                    size += len(line)
                    if size >= CHUNK_CHARS:
                        fh.write("".join(batch).encode("utf-8"))
                        batch.clear()
                        size = 0
                fh.write("".join(batch).encode("utf-8"))
                fh.write(b"</sheetData>")
                if rows.merges:
                    refs = "".join(f'<mergeCell ref="{ref}"/>' for ref in rows.merges)
                    fh.write(f'<mergeCells count="{len(rows.merges)}">{refs}</mergeCells>'.encode())
                fh.write(tail.encode("utf-8"))

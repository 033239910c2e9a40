"""CSV and TSV: UTF-8 (with or without BOM) or GB18030 as Chinese Excel writes it, any newline."""

from __future__ import annotations

import csv
import io

from .base import Row, Sheet
from .table import find_header

DELIMITERS = ",\t;|"


def _rows(text: str, delimiter: str) -> list[Row]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[Row] = []
    line = 1
    for cells in reader:
        rows.append(Row(list(map(str.strip, cells)), line, f"第 {line} 行"))  # cells, line, where
        line = reader.line_num + 1
    return rows


def looks_delimited(text: str) -> bool:
    lines = _first_lines(text, 50)
    lines = [line for line in lines if line.strip()]
    return any(sum(1 for line in lines if d in line) * 2 >= len(lines) for d in DELIMITERS)


def _first_lines(text: str, n: int, prefix: int = 4096) -> list[str]:
    """`text.splitlines()[:n]` without splitting all of a 100,000-line file: when a prefix
    (`prefix` characters a line) holds more than `n` lines, its first `n` are complete (a
    `\r\n` cut in two can only end line `n` or a later one, never change its text)."""
    lines = text[: prefix * n].splitlines()
    return lines[:n] if len(lines) > n else text.splitlines()[:n]


def read(text: str) -> list[Sheet]:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    try:
        sniffed = csv.Sniffer().sniff(text[:20000], delimiters=DELIMITERS).delimiter
    except csv.Error:
        sniffed = max(DELIMITERS, key=text[:20000].count)
    # The sniffer can be fooled by commas inside Chinese cells: keep the first reading that
    # has a recognizable header.
    first: Sheet | None = None
    for delimiter in dict.fromkeys([sniffed, *DELIMITERS]):
        sheet = Sheet(rows=_rows(text, delimiter))
        first = first or sheet
        if find_header(sheet) is not None:
            return [sheet]
    return [first] if first else []

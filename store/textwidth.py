"""Terminal cell widths: how wide text is, and cutting or padding it to a width.

Used by every column of plain text (CLI tables, the digest) and by the app's Rich rows.

Chinese characters take two cells. The cut marker is `..`, not `…`: `…` is East Asian
"ambiguous" width, which PuTTY/Xshell with "CJK ambiguous as wide" draw as two cells and so
break the alignment of every line after it.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from .textutil import one_line

CUT = ".."


@lru_cache(maxsize=8192)  # a plan uses a few thousand distinct characters; lookups are hot
def char_width(ch: str) -> int:
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def text_width(text: str) -> int:
    if text.isascii():
        return len(text)
    return sum(map(char_width, text))


def fit(text: str, cells: int, *, pad: bool = True) -> str:
    """Cut `text` to at most `cells` columns (marking the cut) and pad it to that width.

    One line always: control characters go and newlines become spaces (`one_line`)."""
    text = one_line(text)
    if text_width(text) > cells:
        out, used = [], 0
        for ch in text:
            w = char_width(ch)
            if used + w > cells - len(CUT):
                break
            out.append(ch)
            used += w
        text = "".join(out) + CUT
    return text + " " * (cells - text_width(text)) if pad else text


def pad(text: str, cells: int) -> str:
    """`text` padded with spaces to `cells` columns (never cut)."""
    return text + " " * max(0, cells - text_width(text))


def rjust(text: str, cells: int) -> str:
    return " " * max(0, cells - text_width(text)) + text

"""Where the terms matched inside one text, for highlighting a shown hit.

Found per text, after ranking, by the best method that hits (exact, pinyin, split word,
typo), in normalised form, then mapped back to offsets of the original text.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..textutil import norm_map
from .typos import MAX_FUZZY_CHARS, MAX_SPLIT_CHARS, typo_pattern

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from .index import SearchIndex


def spans(index: SearchIndex, text: str, terms: Iterable[str]) -> list[tuple[int, int]]:
    """Character ranges of `text` that the terms matched (merged, sorted)."""
    if not terms or not text:
        return []
    normed, offsets = norm_map(text)
    found: list[tuple[int, int]] = []
    for word in terms:
        found += _find_spans(normed, word, index)
    out: list[tuple[int, int]] = []
    for a, b in sorted(found):
        start, end = offsets[a], offsets[b - 1] + 1
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _find_spans(normed: str, word: str, index: SearchIndex) -> list[tuple[int, int]]:
    """Where one term matched inside one normalised text, by the best method that hits."""
    found = _occurrences(normed, word)
    if found:
        return found
    patterns = index.pinyin_patterns(word)
    if patterns:
        coded = index.to_codes(normed)
        for pat in patterns:
            found += [m.span() for m in pat.rx.finditer(coded) if m.end() > m.start()]
    if found:
        return found
    pieces: list[tuple[int, int]] = []  # split words: both pieces here, else one (other in group)
    if 4 <= len(word) <= MAX_SPLIT_CHARS:
        for i in range(2, len(word) - 1):
            a, b = _occurrences(normed, word[:i]), _occurrences(normed, word[i:])
            if a and b:
                return a + b
            pieces = pieces or a or b
    if len(word) <= MAX_FUZZY_CHARS and (rx := typo_pattern(word)) is not None:
        found = [m.span() for m in rx.finditer(normed) if m.end() > m.start()]
    return found or pieces


def _occurrences(text: str, word: str) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    if not word:
        return out
    i = text.find(word)
    while i >= 0:
        out.append((i, i + len(word)))
        i = text.find(word, i + len(word))
    return out

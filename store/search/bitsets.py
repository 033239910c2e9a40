"""Result sets as Python ints, and the scan that fills them.

Bit p of a set is the task at rank p (rank = due date, undated last, then id), so AND of
terms and filters, counting, and "first k in rank order" are cheap integer operations even at
100,000 tasks. Sets are filled by scanning one newline-joined string of all texts
(`lines_hit`): C-speed `str.find` or a regex jumps between hits instead of visiting every task.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable

Find = Callable[[str, int], int]  # str.find-like: (haystack, start) -> index | -1

_ONE = re.compile("1")


def bits(positions: Iterable[int], n: int) -> int:
    """The set of `positions` (all below n)."""
    buf = bytearray((n + 7) >> 3)
    for p in positions:
        buf[p >> 3] |= 1 << (p & 7)
    return int.from_bytes(buf, "little")


def span_bits(lo: int, hi: int) -> int:
    """Bits lo..hi-1 set."""
    return ((1 << hi) - 1) ^ ((1 << lo) - 1) if hi > lo else 0


def positions(x: int) -> list[int]:
    """Every set bit of x, lowest first."""
    return [m.start() for m in _ONE.finditer(bin(x)[:1:-1])] if x > 0 else []


def lowest(x: int, k: int) -> list[int]:
    """The k lowest set bits of x, lowest first."""
    out: list[int] = []
    while x and len(out) < k:
        low = x & -x
        out.append(low.bit_length() - 1)
        x ^= low
    return out


def regex_find(rx: re.Pattern[str]) -> Find:
    """`str.find`-like (haystack, pos) -> start | -1 for a regex."""

    def find(h: str, p: int) -> int:
        m = rx.search(h, p)
        return m.start() if m else -1

    return find


def lines_hit(find: Find, hay: str, starts: list[int], stop: int = -1) -> list[int]:
    """Lines of `hay` (line k starts at starts[k]) where `find` hits, jumping to the next
    line after each hit. Returns [] early once `stop` lines have hit (the caller then
    switches to a linear pass)."""
    out: list[int] = []
    pos = 0
    while (i := find(hay, pos)) >= 0:
        line = bisect_right(starts, i) - 1
        out.append(line)
        if len(out) == stop:
            return []
        pos = starts[line + 1]
    return out

"""Result sets as Python ints, and the scan that fills them.

Bit p of a set is the task at rank p (rank = due date, undated last, then id), so AND of
terms and filters, counting, and "first k in rank order" are cheap integer operations even at
100,000 tasks. Sets are filled by scanning one newline-joined string of all texts
(`lines_hit`): C-speed `str.find` or a regex jumps between hits instead of visiting every task.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from itertools import compress, repeat

Find = Callable[[str, int], int]  # str.find-like: (haystack, start) -> index | -1

_BITS = bytes.maketrans(b"01", b"\x00\x01")  # a binary numeral as compress selectors
_SCATTER = 12  # from n/12 positions on, `bits` sets them with C-level loops (a fixed cost
# of about 1 ms at 100,000 tasks, repaid past some 8,000 positions)


def bits(positions: Iterable[int], n: int) -> int:
    """The set of `positions` (all below n)."""
    if not isinstance(positions, Sequence):
        positions = list(positions)
    if positions and len(positions) * _SCATTER >= n:
        # a "0"/"1" flag per position, read back as a binary numeral: no Python step per bit
        flags = bytearray(b"0") * n
        deque(map(flags.__setitem__, positions, repeat(49)), maxlen=0)
        return int(flags[::-1], 2)
    buf = bytearray((n + 7) >> 3)
    for p in positions:
        buf[p >> 3] |= 1 << (p & 7)
    return int.from_bytes(buf, "little")


def span_bits(lo: int, hi: int) -> int:
    """Bits lo..hi-1 set."""
    return ((1 << hi) - 1) ^ ((1 << lo) - 1) if hi > lo else 0


def positions(x: int) -> list[int]:
    """Every set bit of x, lowest first."""
    if x <= 0:
        return []
    numeral = bin(x)[:1:-1]
    if x.bit_count() << 6 < len(numeral):  # sparse: jump from one to the next
        out: list[int] = []
        find = numeral.find
        i = find("1")
        while i >= 0:
            out.append(i)
            i = find("1", i + 1)
        return out
    flags = numeral.encode().translate(_BITS)
    return list(compress(range(len(flags)), flags))


def lines_holding(
    check: Callable[[int, int], object], starts: Sequence[int], x: int, miss: object = None
) -> int:
    """The lines of set x (line k from starts[k] to starts[k + 1]) where `check(start, end)`
    hits: returns something true, or, given `miss`, something else than it (-1 for a
    `str.find`). Checked with C-level loops: a Python step per line would cost more than
    the checks."""
    found = positions(x)
    ends = map(starts.__getitem__, map((1).__add__, found))
    hits = map(check, map(starts.__getitem__, found), ends)
    if miss is not None:
        hits = map(miss.__ne__, hits)
    return bits(list(compress(found, hits)), x.bit_length())


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

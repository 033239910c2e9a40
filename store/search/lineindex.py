"""Which lines of a newline-joined text hold each character, and each frequent pair of
adjacent characters: a filter that answers common words without a pass over the text.

Scanning the text (bitsets.`lines_hit`) costs a Python step per line hit, so a word found on
most of 100,000 lines took 100+ ms. With this index a one-character word is one lookup, a
two-character word one lookup when its pair is frequent, and a longer word the AND of its
pairs, each candidate then checked on its own line: the same lines as the scan, found from
far fewer steps. Pairs rarer than `RARE` lines are left out (they would cost most of the
memory): a word holding one is rare too, and is scanned for as before.

Line sets are bitsets (bitsets.py) when dense, packed int32 arrays of line numbers when
sparse (4 bytes a line beats n/8 bytes below n/32 lines).
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from .bitsets import bits

Lines = int | bytes  # a bitset, or line numbers packed as int32


def rare_below(n: int) -> int:
    """Pairs found on fewer lines than this are not kept (at 100,000 lines: 781)."""
    return max(64, n >> 7)


class LineIndex:
    """Line sets per character (`uni`) and per adjacent pair (`pairs`) of an n-line text."""

    __slots__ = ("n", "uni", "pairs", "all_pairs")

    def __init__(self, n: int, uni: dict[str, Lines], pairs: dict[str, Lines], all_pairs: bool):
        self.n = n
        self.uni = uni
        self.pairs = pairs
        self.all_pairs = all_pairs  # every pair kept (a missing pair is on no line)

    @classmethod
    def build(cls, lines: list[str], *, all_pairs: bool = False) -> LineIndex:
        """Index `lines`; `all_pairs` keeps rare pairs too (the pinyin codes: a few hundred
        symbols, and their pairs are combined class by class, see `pair_lines`)."""
        n = len(lines)
        uni: defaultdict[str, list[int]] = defaultdict(list)
        pairs: defaultdict[str, list[int]] = defaultdict(list)
        # two plain loops: about 1 s each at 100,000 lines (built once per read snapshot)
        for p, line in enumerate(lines):
            for c in set(line):
                uni[c].append(p)
        for p, line in enumerate(lines):
            for c in {line[i : i + 2] for i in range(len(line) - 1)}:
                pairs[c].append(p)
        keep = 0 if all_pairs else rare_below(n)
        return cls(
            n,
            {c: _packed(found, n) for c, found in uni.items()},
            {c: _packed(found, n) for c, found in pairs.items() if len(found) >= keep},
            all_pairs,
        )

    def state(self) -> tuple[int, dict[str, Lines], dict[str, Lines], bool]:
        """Plain data for marshal (`from_state` loads it back)."""
        return (self.n, self.uni, self.pairs, self.all_pairs)

    @classmethod
    def from_state(cls, state: Any) -> LineIndex:
        n, uni, pairs, all_pairs = state
        return cls(n, uni, pairs, all_pairs)

    def char_lines(self, chars: Iterable[str]) -> int:
        """Lines holding any of `chars`."""
        return self._union(self.uni.get(c) for c in chars)

    def pair_lines(self, firsts: str, seconds: str) -> int | None:
        """Lines holding a character of `firsts` right before one of `seconds`; None when
        that may include a rare pair, which is not kept (the caller scans instead)."""
        if not self.all_pairs:
            if len(firsts) != 1 or len(seconds) != 1:
                return None
            return (
                self._union([self.pairs.get(firsts + seconds)])
                if firsts + seconds in self.pairs
                else None
            )
        if len(firsts) * len(seconds) <= len(self.pairs):
            found = [self.pairs.get(a + b) for a in firsts for b in seconds]
        else:
            found = [v for k, v in self.pairs.items() if k[0] in firsts and k[1] in seconds]
        return self._union(found)

    def _union(self, found: Iterable[Lines | None]) -> int:
        out = 0
        sparse: list[int] = []
        for lines in found:
            if lines is None:
                continue
            if isinstance(lines, int):
                out |= lines
            else:
                sparse += _unpack(lines)
        return out | bits(sparse, self.n) if sparse else out


def _packed(found: list[int], n: int) -> Lines:
    if len(found) * 32 >= n:
        return bits(found, n)
    return array("i", found).tobytes()


def _unpack(data: bytes) -> array[int]:
    out = array("i")
    out.frombytes(data)
    return out

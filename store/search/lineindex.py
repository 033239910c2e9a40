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

More sets make long words and pinyin runs cheap (`run_lines`):
- `mixed`: per character, the lines where it is followed by different characters (or by
  one, and ends the line too), and the lines where it is preceded by different ones. On a
  line holding every pair of a word where no inner character is mixed on the right, each
  occurrence of an inner character is followed by the same one: the pairs can only chain
  up into the word, so the line holds it (the same from the left). Only the other lines
  are checked one by one.
- `rare`: the rare pairs left out of `pairs`, hashed into buckets, each bucket the lines
  holding any of its pairs (about 4 bytes a line, no key per pair): a word holding a rare
  pair is checked on the lines of its buckets instead of scanned for in the whole text.
"""

from __future__ import annotations

import operator
from array import array
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from itertools import pairwise

from .bitsets import bits

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from typing import Any

Lines = int | bytes  # a bitset, or line numbers packed as int32


CHAIN_EDGES = 1024  # pairs followed by `run_lines` at most (each a set unpacked and ANDed)


def rare_below(n: int) -> int:
    """Pairs found on fewer lines than this are not kept (at 100,000 lines: 781)."""
    return max(64, n >> 7)


class LineIndex:
    """Line sets per character (`uni`) and per adjacent pair (`pairs`) of an n-line text, the
    lines where a character has mixed neighbours (`mixed`) and the rare pairs' buckets."""

    __slots__ = ("n", "uni", "pairs", "all_pairs", "mixed", "rare")

    def __init__(
        self,
        n: int,
        uni: dict[str, Lines],
        pairs: dict[str, Lines],
        all_pairs: bool,
        mixed: tuple[dict[str, Lines], dict[str, Lines]] = ({}, {}),
        rare: list[Lines] | None = None,
    ):
        self.n = n
        self.uni = uni
        self.pairs = pairs
        self.all_pairs = all_pairs  # every pair kept (a missing pair is on no line)
        self.mixed = mixed  # (mixed on the right, mixed on the left)
        self.rare = rare or []  # buckets of the pairs left out (`rare_bucket`)

    @classmethod
    def build(cls, lines: list[str], *, all_pairs: bool = False) -> LineIndex:
        """Index `lines`; `all_pairs` keeps rare pairs too (the pinyin codes: a few hundred
        symbols, and their pairs are combined class by class, see `pair_lines`)."""
        n = len(lines)
        uni: defaultdict[str, list[int]] = defaultdict(list)
        pairs: defaultdict[str, list[int]] = defaultdict(list)
        right: defaultdict[str, list[int]] = defaultdict(list)
        left: defaultdict[str, list[int]] = defaultdict(list)
        join = operator.add
        ends: defaultdict[str, list[int]] = defaultdict(list)  # lines a character ends
        starts: defaultdict[str, list[int]] = defaultdict(list)
        # One pass, each line's sets made in C (`map`), ~2 s at 100,000 lines, once per read
        # snapshot; then the mixed characters from the pairs' line lists, counted in C.
        for p, line in enumerate(lines):
            for c in set(line):
                uni[c].append(p)
            if len(line) < 2:
                continue
            for c in set(map(join, line, line[1:])):
                pairs[c].append(p)
            ends[line[-1]].append(p)
            starts[line[0]].append(p)
        by_first: defaultdict[str, list[list[int]]] = defaultdict(list)
        by_second: defaultdict[str, list[list[int]]] = defaultdict(list)
        for pair, found in pairs.items():
            by_first[pair[0]].append(found)
            by_second[pair[1]].append(found)
        # A character is mixed on the right of a line when two different characters follow
        # it there, or one does and it also ends the line (the end counts as a neighbour).
        for mixed, lists, edge in ((right, by_first, ends), (left, by_second, starts)):
            for c, found_lists in lists.items():
                counts = Counter(edge.get(c, ()))
                for found in found_lists:
                    counts.update(found)
                hits = sorted(p for p, k in counts.items() if k > 1)
                if hits:
                    mixed[c] = hits
        keep = 0 if all_pairs else rare_below(n)
        left_out = [c for c, found in pairs.items() if len(found) < keep]
        buckets: list[list[int]] = [[] for _ in range(_bucket_count(len(left_out)))]
        for c in left_out:
            buckets[rare_bucket(c, len(buckets))] += pairs.pop(c)
        return cls(
            n,
            {c: _packed(found, n) for c, found in uni.items()},
            {c: _packed(found, n) for c, found in pairs.items()},
            all_pairs,
            (
                {c: _packed(found, n) for c, found in right.items()},
                {c: _packed(found, n) for c, found in left.items()},
            ),
            [_packed(sorted(set(found)), n) for found in buckets],
        )

    def state(self) -> tuple[Any, ...]:
        """Plain data for marshal (`from_state` loads it back)."""
        return (self.n, self.uni, self.pairs, self.all_pairs, self.mixed, self.rare)

    @classmethod
    def from_state(cls, state: Any) -> LineIndex:
        n, uni, pairs, all_pairs, mixed, rare = state
        return cls(n, uni, pairs, all_pairs, tuple(mixed), rare)  # type: ignore[arg-type]

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
        return self._union(v for _, _, v in self._edges(firsts, seconds))

    def run_lines(self, run: Sequence[str]) -> tuple[int, int]:
        """For a run of character classes (one character each, for a word): (lines certainly
        holding the run, lines that may hold it and must be checked one by one).

        The lines holding every pair of the run may hold it; of those, the certain ones are
        found class by class: `ends[c]` is the lines where the run so far ends at the only
        occurrence of c on the line (then a pair starting with c continues it right there).
        """
        if len(run) == 1:
            return self.char_lines(run[0]), 0
        maybe = -1
        for a, b in pairwise(run):
            found = self.pair_lines(a, b)
            if found is None:  # a rare pair: its bucket, narrowed by the characters
                bucket = self.rare[rare_bucket(a + b, len(self.rare))] if self.rare else 0
                found = self._union([bucket]) & self.char_lines(a) & self.char_lines(b)
            maybe &= found
            if not maybe:
                return 0, 0
        if len(run) == 2:
            return (maybe, 0) if self.pair_lines(*run) is not None else (0, maybe)
        certain = self._chained(run, 0) | self._chained(run[::-1], 1)
        certain &= maybe
        return certain, maybe & ~certain

    def _chained(self, run: Sequence[str], side: int) -> int:
        """Lines certainly holding `run`, followed from its first class on: `ends[c]` is the
        lines where the run so far ends at an occurrence of c always followed by the same
        character (side 0; side 1: `run` is reversed, and "followed" means preceded)."""
        unpacked: dict[str, int] = {}
        steps = [self._edges(a, b) if side == 0 else self._edges(b, a) for a, b in pairwise(run)]
        if sum(map(len, steps)) > CHAIN_EDGES:  # large pinyin classes: check the lines instead
            return 0

        def pair(i: int) -> list[tuple[str, str, int]]:
            return [
                (x, y, self._union([v])) if side == 0 else (y, x, self._union([v]))
                for x, y, v in steps[i]
            ]

        def steady(c: str) -> int:
            if c not in unpacked:
                unpacked[c] = ~self._union([self.mixed[side].get(c)])
            return unpacked[c]

        ends: dict[str, int] = {}
        for _, b, lines in pair(0):
            ends[b] = ends.get(b, 0) | lines
        for i in range(2, len(run)):
            ends = {c: x & steady(c) for c, x in ends.items()}
            nxt: dict[str, int] = {}
            for a, b, lines in pair(i - 1):
                if a in ends:
                    x = ends[a] & lines
                    if x:
                        nxt[b] = nxt.get(b, 0) | x
            ends = nxt
        out = 0
        for x in ends.values():
            out |= x
        return out

    def _edges(self, firsts: str, seconds: str) -> list[tuple[str, str, Lines]]:
        """The kept pairs of a character of `firsts` before one of `seconds`."""
        if len(firsts) * len(seconds) <= len(self.pairs):
            get = self.pairs.get
            found = [(a, b, get(a + b)) for a in firsts for b in seconds]
            return [(a, b, v) for a, b, v in found if v is not None]
        return [
            (k[0], k[1], v) for k, v in self.pairs.items() if k[0] in firsts and k[1] in seconds
        ]

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


def rare_bucket(pair: str, buckets: int) -> int:
    """The bucket of a rare pair (the same in every process, unlike `hash`)."""
    return (ord(pair[0]) * 40503 + ord(pair[1])) % buckets


def _bucket_count(pairs: int) -> int:
    """About four rare pairs a bucket: lines of other pairs checked for nothing stay few."""
    return max(1, pairs // 4) if pairs else 0


def _packed(found: list[int], n: int) -> Lines:
    if len(found) * 32 >= n:
        return bits(found, n)
    return array("i", found).tobytes()


def _unpack(data: bytes) -> array[int]:
    out = array("i")
    out.frombytes(data)
    return out

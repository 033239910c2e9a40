"""Where each pinyin initial can stand in the texts, so a run of typed initials (`zcjd`) is
answered exactly by a few integer operations instead of a check of every line that may hold it.

For every initial token of the plan's pinyin tables (`("i", "z")`, `("i", "zh")`…) one bitset
over character positions: bit p set when the character there has a reading with that initial
(both initials of a polyphone such as 长 chang/zhang are set). The characters of a run of
initials x0 x1 … stand at p, p+1, … exactly where `mask[x0] & mask[x1] >> 1 & …` has bit p.
These are the same code classes `pinyin_match` builds its regex from, so the lines found are the
lines the regex hits — no line is checked one by one, however many there are (`zcjd` is on
20,000 of 100,000 lines).

Position bits to line bits without a step per line: the texts are laid out one after the
other, each ending right before a bit that starts a byte (its "collector") and followed by
padding up to the next line's start. With `text` the bits of all characters and `first` the
bit each line starts at, `(text ^ hits) + first` carries from a line's first bit through its
characters up to the collector unless a hit (a cleared bit) stops it: the collectors left
clear are the lines with a hit. Every other byte then gets a marker value, and
`bytes.translate` deletes those, leaving one byte per line, in line order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from typing import Any

_PAD, _END, _OTHER = 0, 1, 2  # layout ids: padding, a line's collector, a character of no code
_FIRST_ID = 11  # ids of token sets start past "\n" (10), which stays a line break
_MARK = 2  # the value of every byte that is not a collector (deleted at the end)
_FLAGS = bytes.maketrans(b"\x00\x01", b"01")


class _Other(dict[int, int]):
    """A `str.translate` table sending every character it does not list to `_OTHER`."""

    def __missing__(self, key: int) -> int:
        return _OTHER


class InitialsIndex:
    """Bitsets over the laid-out positions of n coded lines, one per initial token, made on
    first use from the layout: one byte per position (the id of its set of initials), kept
    as eight strided slices so a bitset is eight `bytes.translate`s and ORs (~5 ms at
    100,000 lines) and the index costs 1 byte per character, not 1 bit per initial."""

    __slots__ = ("n", "size", "slices", "sets", "layout", "_ints")

    def __init__(
        self,
        n: int,
        size: int,
        slices: tuple[bytes, ...],
        sets: dict[str, list[int]],
        layout: dict[str, bytes] | None = None,
    ) -> None:
        self.n = n
        self.size = size  # bytes of a bitset (eight positions a byte)
        self.slices = slices  # slices[j][k]: the id at position 8k + j
        self.sets = sets  # initial -> the ids of the sets holding it
        self._ints: dict[str, int] = {}
        self.layout: dict[str, bytes] = {}
        # the bitsets `lines_of` needs, kept made (2.6 MB at 100,000 lines): a first run of
        # initials then costs only its own initials' bitsets
        self.layout = layout if layout is not None else self._layout()

    def _layout(self) -> dict[str, bytes]:
        return {
            key: self.mask(key).to_bytes(self.size, "little")
            for key in ("\ttext", "\tends", "\tfirst", "\tmarks")
        }

    @classmethod
    def build(
        cls, lines: Sequence[str], classes: Mapping[tuple[str, str], Iterable[str]]
    ) -> InitialsIndex | None:
        """Index coded `lines` (texts translated to pinyin codes) for the initial tokens of
        `classes`; None when the codes fall into more distinct sets of initials than a byte
        can number (then the ordinary way answers)."""
        tokens_of: dict[str, set[str]] = {}
        for (kind, letters), codes in classes.items():
            if kind == "i":
                for code in codes:
                    tokens_of.setdefault(code, set()).add(letters)
        ids: dict[frozenset[str], int] = {}
        table = _Other({10: 10})
        for code, tokens in tokens_of.items():
            table[ord(code)] = ids.setdefault(frozenset(tokens), _FIRST_ID + len(ids))
        if _FIRST_ID + len(ids) > 256:
            return None
        layout: list[str] = []
        pos = 0  # the next free bit
        end = chr(_END)
        for line in "\n".join(lines).translate(table).split("\n") if lines else []:
            k = len(line)
            collector = (pos + k + 7) & ~7
            layout += ("\0" * (collector - k - pos), line, end)
            pos = collector + 1
        size = (pos + 7) >> 3
        whole = "".join(layout).encode("latin-1").ljust(8 * size, b"\0")
        sets: dict[str, list[int]] = {}
        for (kind, letters), _ in classes.items():
            if kind == "i":
                sets[letters] = sorted(i for tokens, i in ids.items() if letters in tokens)
        return cls(len(lines), size, tuple(whole[j::8] for j in range(8)), sets)

    def state(self) -> tuple[Any, ...]:
        """Plain data for marshal (`from_state` loads it back)."""
        return (self.n, self.size, self.slices, self.sets, self.layout)

    @classmethod
    def from_state(cls, state: Any) -> InitialsIndex | None:
        return None if state is None else cls(*state)

    def _bits(self, ids: Iterable[int]) -> int:
        """The positions holding one of `ids`."""
        on = bytearray(256)
        for i in ids:
            on[i] = 1
        out = 0
        for j, data in enumerate(self.slices):
            table = bytes(v << j for v in on)
            out |= int.from_bytes(data.translate(table), "little")
        return out

    def mask(self, initial: str) -> int:
        """The positions where a character may have `initial` (made on first use)."""
        found = self._ints.get(initial)
        if found is None:
            kept = self.layout.get(initial)
            if kept is not None:
                found = int.from_bytes(kept, "little")
            elif initial == "\ttext":
                found = self._bits(range(_OTHER, 256))
            elif initial == "\tends":
                found = self._bits([_END])
            elif initial == "\tfirst":  # a line's first character, or an empty line's end
                lines = self.mask("\ttext") | self.mask("\tends")
                found = lines ^ (lines & (self.mask("\ttext") << 1))
            elif initial == "\tmarks":
                marks = bytes(_MARK if i != _END else 0 for i in range(256))
                found = int.from_bytes(self.slices[0].translate(marks), "little")
            else:
                found = self._bits(self.sets.get(initial, ()))
            self._ints[initial] = found
        return found

    def run_positions(self, initials: Sequence[str]) -> int:
        """Where a run of characters with these initials starts (position bits)."""
        found = self.mask(initials[0])
        for i, x in enumerate(initials[1:], 1):
            if not found:
                break
            found &= self.mask(x) >> i
        return found

    def lines_of(self, hits: int) -> int:
        """The lines (as line bits) holding any of the position bits `hits`."""
        if not hits:
            return 0
        mask = self.mask
        ends = mask("\tends")
        carried = (mask("\ttext") ^ hits) + mask("\tfirst")
        found = ends ^ (ends & carried)  # the collectors the carry did not reach
        marked = found | mask("\tmarks")
        flags = marked.to_bytes(self.size, "little").translate(_FLAGS, bytes([_MARK]))
        return int(flags[::-1], 2)

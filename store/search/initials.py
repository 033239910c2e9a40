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
from typing import Any

_FIRST_ID = 11  # ids of token sets start past "\n" (10), which stays a line break
_MARK = 2  # the value of every byte that is not a collector (deleted at the end)
_FLAGS = bytes.maketrans(b"\x00\x01", b"01")


class _Zero(dict[int, int]):
    """A `str.translate` table sending every character it does not list to chr(0)."""

    def __missing__(self, key: int) -> int:
        return 0


class InitialsIndex:
    """Bitsets over the laid-out positions of n coded lines, one per initial token."""

    __slots__ = ("n", "size", "masks", "_ints")

    def __init__(
        self,
        n: int,
        size: int,
        masks: dict[str, bytes],
        text: bytes,
        first: bytes,
        ends: bytes,
        marks: bytes,
    ) -> None:
        self.n = n
        self.size = size  # bytes of the layout
        # initial -> its positions, little-endian bytes until first used (then in `_ints`);
        # and the layout: "\ttext", "\tfirst", "\tends", "\tmarks" (see `lines_of`)
        self.masks = {**masks, "\ttext": text, "\tfirst": first, "\tends": ends}
        self.masks["\tmarks"] = marks
        self._ints: dict[str, int] = {}

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
        table = _Zero({10: 10})
        for code, tokens in tokens_of.items():
            table[ord(code)] = ids.setdefault(frozenset(tokens), _FIRST_ID + len(ids))
        if _FIRST_ID + len(ids) > 256:
            return None
        layout: list[str] = []
        text: list[str] = []
        first: list[str] = []
        ends: list[str] = []
        pos = 0  # the next free bit
        for line in "\n".join(lines).translate(table).split("\n") if lines else []:
            k = len(line)
            collector = (pos + k + 7) & ~7
            pad = collector - k - pos
            layout += ("\0" * pad, line, "\0")
            text += ("0" * pad, "1" * k, "0")
            first.append("0" * pad + ("1" + "0" * k if k else "1"))
            ends.append("0" * (pad + k) + "1")
            pos = collector + 1
        size = (pos + 7) >> 3
        ids_layout = "".join(layout).encode("latin-1")
        masks: dict[str, bytes] = {}
        for (kind, letters), _ in classes.items():
            if kind != "i":
                continue
            on = bytearray(b"0") * 256
            for token_set, i in ids.items():
                if letters in token_set:
                    on[i] = ord("1")
            masks[letters] = _bytes_of(ids_layout.translate(on), size)
        collectors = _int_of("".join(ends))
        marks = bytearray([_MARK]) * size
        for p in _bit_positions(collectors):
            marks[p >> 3] = 0
        return cls(
            len(lines),
            size,
            masks,
            _bytes_of("".join(text), size),
            _bytes_of("".join(first), size),
            collectors.to_bytes(size, "little"),
            bytes(marks),
        )

    def state(self) -> tuple[Any, ...]:
        """Plain data for marshal (`from_state` loads it back)."""
        masks = {**self.masks}
        for key, value in self._ints.items():
            masks[key] = value.to_bytes(self.size, "little")
        layout = [masks.pop(key) for key in ("\ttext", "\tfirst", "\tends", "\tmarks")]
        return (self.n, self.size, masks, *layout)

    @classmethod
    def from_state(cls, state: Any) -> InitialsIndex | None:
        return None if state is None else cls(*state)

    def mask(self, initial: str) -> int:
        """The positions where a character may have `initial` (made an int on first use, its
        bytes then dropped: ~0.5 MB each at 100,000 tasks)."""
        found = self._ints.get(initial)
        if found is None:
            data = self.masks.get(initial)
            if data is None:  # another thread made it meanwhile, or no such initial
                return self._ints.get(initial, 0)
            found = self._ints[initial] = int.from_bytes(data, "little")
            self.masks.pop(initial, None)  # after the int is there (threads: see above)
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


def _int_of(flags: str) -> int:
    """A string of 0/1 flags, first flag lowest, as an int."""
    return int(flags[::-1], 2) if flags else 0


def _bytes_of(flags: str | bytes, size: int) -> bytes:
    value = int(flags[::-1], 2) if flags else 0
    return value.to_bytes(size, "little")


def _bit_positions(x: int) -> list[int]:
    numeral = bin(x)[:1:-1]
    out: list[int] = []
    i = numeral.find("1")
    while i >= 0:
        out.append(i)
        i = numeral.find("1", i + 1)
    return out

"""A mapping whose values stay marshalled until first read.

The read snapshot keeps the line indexes (lineindex.py) as dicts of thousands of line sets,
most of them big ints: unmarshalling them all took ~12 ms of a 10,000-task `zwgk search`,
which then reads a handful. Kept as one marshalled blob per value, the dict loads as bytes
(a copy each, no int built) and each set is built when a query first asks for it.
"""

from __future__ import annotations

import marshal
from collections.abc import Iterator, Mapping
from typing import Any

_MISSING = object()


class Marshalled(Mapping[str, Any]):
    """`{key: marshal.loads(raw[key])}`, each value unmarshalled on first use."""

    __slots__ = ("raw", "_done")

    def __init__(self, raw: dict[str, bytes]) -> None:
        self.raw = raw
        self._done: dict[str, Any] = {}

    @classmethod
    def pack(cls, values: Mapping[str, Any]) -> dict[str, bytes]:
        """The plain dict (for marshal) `Marshalled` reads back as `values`."""
        if isinstance(values, Marshalled):
            return values.raw
        return {k: marshal.dumps(v) for k, v in values.items()}

    def get(self, key: str, default: Any = None) -> Any:
        found = self._done.get(key, _MISSING)
        if found is _MISSING:
            raw = self.raw.get(key)
            if raw is None:
                return default
            found = self._done[key] = marshal.loads(raw)
        return found

    def __getitem__(self, key: str) -> Any:
        found = self.get(key, _MISSING)
        if found is _MISSING:
            raise KeyError(key)
        return found

    def __contains__(self, key: object) -> bool:
        return key in self.raw

    def __iter__(self) -> Iterator[str]:
        return iter(self.raw)

    def __len__(self) -> int:
        return len(self.raw)

"""A mapping whose values stay marshalled until first read.

The read snapshot keeps the line indexes (lineindex.py) as dicts of thousands of line sets,
most of them big ints: unmarshalling them all took ~12 ms of a 10,000-task `zwgk search`,
which then reads a handful. Kept as one marshalled blob per value, and the dict of blobs as
one blob too, a dict a query never reads costs a copy of its bytes, and each set is built
when a query first asks for it.
"""

from __future__ import annotations

import marshal
from collections.abc import Iterator, Mapping
from typing import Any

_MISSING = object()


class Marshalled(Mapping[str, Any]):
    """`{key: marshal.loads(raw[key])}`, each value unmarshalled on first use."""

    __slots__ = ("_blob", "_raw", "_done")

    def __init__(self, raw: dict[str, bytes] | bytes) -> None:
        self._blob = raw if isinstance(raw, bytes) else None  # the dict, not yet unmarshalled
        self._raw = raw if isinstance(raw, dict) else None
        self._done: dict[str, Any] = {}

    @property
    def raw(self) -> dict[str, bytes]:
        """Each value's bytes (the dict unmarshalled on first use)."""
        if self._raw is None:
            assert self._blob is not None
            self._raw = marshal.loads(self._blob)
        return self._raw

    @classmethod
    def pack(cls, values: Mapping[str, Any], *, whole: bool = False) -> Any:
        """The plain data (for marshal) `Marshalled` reads back as `values`: a dict of blobs,
        or with `whole` that dict as one blob."""
        if isinstance(values, Marshalled):
            if whole and values._blob is not None:
                return values._blob
            raw = values.raw
        else:
            raw = {k: marshal.dumps(v) for k, v in values.items()}
        return marshal.dumps(raw) if whole else raw

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

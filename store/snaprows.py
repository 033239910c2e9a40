"""A task as a read snapshot keeps it: one tuple of its fields (`row_of`), and back (`task_of`).

Its own module, below both `readcache` and the code that builds and reads its sections, and
`no_gc`, which every bulk load uses (`Store.snapshot` too).
"""

from __future__ import annotations

import contextlib
import gc
from array import array
from collections.abc import Iterable, Iterator, Sequence
from datetime import date

from .model import Task
from .record import MISSING, field_names, fields

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from typing import Any

_FIELDS = tuple(field_names(Task))  # the constructor's order
ROW_FIELDS = tuple(f for f in _FIELDS if f != "extra")  # search keys: see `pinyin`
_EXTRA_AT = _FIELDS.index("extra")
_DUE_AT = ROW_FIELDS.index("due")
STATUS_AT = ROW_FIELDS.index("status")


@contextlib.contextmanager
def no_gc() -> Iterator[None]:
    """The cyclic collector off while a bulk of objects is made: it would walk them all
    again and again (most of a load's time at 100,000 tasks), and they hold no cycles."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _defaults() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields(Task):
        name = f.name
        if f.default is not MISSING:
            out[name] = f.default
        elif f.default_factory is not MISSING:
            out[name] = f.default_factory
    return out


_DEFAULTS: dict[str, Any] = {}


def row_of(rec: dict[str, Any]) -> tuple[Any, ...]:
    """A task record as a snapshot row: its fields in `ROW_FIELDS` order, as `from_record`
    would take them (a missing field: its default), the due date as stored."""
    if not _DEFAULTS:
        _DEFAULTS.update(_defaults())
    out = []
    for name in ROW_FIELDS:
        if name in rec:
            out.append(rec[name])
        else:
            default = _DEFAULTS[name]  # KeyError: a required field missing (never validated)
            out.append(default() if callable(default) else default)
    return tuple(out)


def task_of(row: tuple[Any, ...]) -> Task:
    """The `Task` a row describes (equal to `Task.from_record` of its record, search keys
    left out). Each row is unmarshalled for one task, so its lists are the task's own."""
    args = list(row)
    due = args[_DUE_AT]
    args[_DUE_AT] = date.fromisoformat(due) if due else None
    args.insert(_EXTRA_AT, {})
    return Task(*args)


# -- columns: numbers as machine arrays (loading 100,000 ints as Python objects costs ~10 ms;
# as array bytes, a copy) ------------------------------------------------------------------------
NONE = -(2**63)  # stands for None in a column of optional ints


def pack_ints(values: Iterable[int | None], typecode: str = "q") -> bytes | list[int | None]:
    """Ints (None allowed) as array bytes; as a list when one does not fit the array."""
    values = list(values)
    try:
        if NONE in values:
            raise OverflowError
        return array(typecode, [NONE if v is None else v for v in values]).tobytes()
    except (OverflowError, TypeError):
        return values


def unpack_ints(stored: bytes | list[int | None], typecode: str = "q") -> Sequence[int | None]:
    """The values `pack_ints` stored, None standing as `NONE` in an array."""
    if isinstance(stored, list):
        return stored
    out = array(typecode)
    out.frombytes(stored)
    return out


def unpack_plain(stored: bytes | list[int | None], typecode: str = "q") -> Sequence[int]:
    """`unpack_ints` of a column that holds no None (ids, offsets, positions)."""
    return unpack_ints(stored, typecode)  # type: ignore[return-value]


def optional(value: int | None) -> int | None:
    return None if value == NONE else value

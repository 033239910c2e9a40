"""`Record`: equality and repr by field for the search's small value classes, as `@dataclass`
gave them, without its cost of building each class when the module is imported (~1 ms a
class on the 2-core test machine, paid by every `zwgk search`, a one-shot process)."""

from __future__ import annotations

from typing import Any


class Record:
    """A class listing its fields in `__slots__` (in `__init__`'s order); compared and shown
    field by field. Not hashable unless the class says how (as a non-frozen dataclass)."""

    __slots__: tuple[str, ...] = ()  # (defining __eq__ leaves __hash__ None, as intended)

    def _fields(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._fields() == other._fields()  # type: ignore[attr-defined,no-any-return]

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__slots__)
        return f"{type(self).__name__}({shown})"

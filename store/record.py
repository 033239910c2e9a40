"""`@record`: store's value classes, declared as with `@dataclass`, without its import cost.

`import dataclasses` loads `inspect` (and with it `ast`, `dis`, `tokenize`): ~18 ms before the
first class, and then ~1 ms to build each class, paid by every `zwgk` command, a one-shot
process whose peers (`task`, `fzf`) finish in 20-80 ms. `@record` reads the same class body
(annotated fields, defaults, `field(default_factory=…)`) and gives the same `__init__`,
`__repr__`, `__eq__`, `__hash__` (frozen), `__post_init__` and `__slots__` (slots=True); the
`__init__` is compiled on a class's first use, so a command pays only for what it builds.
`replace`, `asdict`, `fields` and `MISSING` stand in for the `dataclasses` functions of those names.

Differences from dataclasses, on purpose: no `order`, `kw_only`, `InitVar` or `init=False`
fields (store uses none); `asdict` copies lists, tuples, dicts and records, and shares other
values (dates, strings) instead of deep-copying them.
"""

from __future__ import annotations

TYPE_CHECKING = False  # mypy knows the name; `typing` itself costs a one-shot command ~5 ms
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeVar, dataclass_transform

    _R = TypeVar("_R")
else:

    def dataclass_transform(**_: object):  # only mypy reads what it says
        return lambda decorated: decorated


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()  # "no default", as `dataclasses.MISSING`


class FrozenInstanceError(AttributeError):
    """A field of a frozen record was assigned or deleted."""


class Field:
    """One declared field: its name, annotation (as written) and default or factory."""

    __slots__ = ("name", "type", "default", "default_factory", "repr", "compare")

    def __init__(
        self,
        default: Any = MISSING,
        default_factory: Any = MISSING,
        repr: bool = True,  # the dataclasses spelling, which mypy reads
        compare: bool = True,
    ) -> None:
        if default is not MISSING and default_factory is not MISSING:
            raise ValueError("a field cannot have both a default and a default_factory")
        self.name = ""
        self.type: object = None
        self.default = default
        self.default_factory = default_factory
        self.repr = repr
        self.compare = compare

    def __repr__(self) -> str:
        return f"Field(name={self.name!r}, default={self.default!r})"


def field(
    *,
    default: Any = MISSING,
    default_factory: Callable[[], Any] | Any = MISSING,
    repr: bool = True,
    compare: bool = True,
) -> Any:
    """A field's default made fresh for each record, or left out of repr/compare."""
    return Field(default, default_factory, repr, compare)


_FIELDS = "__record_fields__"
_MUTABLE = (list, dict, set)


@dataclass_transform(field_specifiers=(field,))
def record(cls: Any = None, /, *, frozen: bool = False, slots: bool = False) -> Any:
    """The class made a record: `@record`, `@record(frozen=True)`, `@record(slots=True)`."""

    def wrap(cls: type) -> type:
        return _make(cls, frozen, slots)

    return wrap if cls is None else wrap(cls)


def fields(obj: Any) -> tuple[Field, ...]:
    """A record's (or record class's) fields in `__init__`'s order."""
    try:
        return tuple(getattr(obj, _FIELDS).values())
    except AttributeError:
        raise TypeError(f"{obj!r} is not a record") from None


def field_names(obj: Any) -> Any:
    """The names of a record's fields, a set-like view (for `name in field_names(cls)`)."""
    return getattr(obj, _FIELDS).keys()


def is_record(obj: object) -> bool:
    return hasattr(obj, _FIELDS)


def replace(obj: _R, /, **changes: Any) -> _R:
    """A copy of a record with some fields changed (through `__init__`, as dataclasses does)."""
    for f in fields(obj):
        if f.name not in changes:
            changes[f.name] = getattr(obj, f.name)
    return obj.__class__(**changes)


def asdict(obj: Any) -> dict[str, Any]:
    """A record as a dict of its fields; nested records, lists, tuples and dicts copied."""
    return {f.name: _copied(getattr(obj, f.name)) for f in fields(obj)}


def _copied(value: Any) -> Any:
    kind = type(value)
    if kind is list:
        return [_copied(v) for v in value]
    if kind is dict:
        return {_copied(k): _copied(v) for k, v in value.items()}
    if kind is tuple:
        return tuple(_copied(v) for v in value)
    if is_record(value):
        return asdict(value)
    return value


# -- building a class -----------------------------------------------------------------------
def _own_fields(cls: type) -> dict[str, Field]:
    found: dict[str, Field] = {}
    for base in reversed(cls.__mro__[1:]):
        found.update(getattr(base, _FIELDS, None) or {})
    for name, kind in cls.__dict__.get("__annotations__", {}).items():
        if "ClassVar" in str(kind):
            continue
        value = cls.__dict__.get(name, MISSING)
        f = value if isinstance(value, Field) else Field(default=value)
        if isinstance(f.default, _MUTABLE):
            raise ValueError(f"{cls.__name__}.{name}: a mutable default, use default_factory")
        f.name, f.type = name, kind
        found.pop(name, None)  # a redeclared field moves to the end, as in dataclasses
        found[name] = f
    seen_default = False
    for f in found.values():
        has_default = f.default is not MISSING or f.default_factory is not MISSING
        if seen_default and not has_default:
            raise TypeError(f"{cls.__name__}: field {f.name} without a default follows one with")
        seen_default |= has_default
    return found


def _make(cls: type, frozen: bool, slots: bool) -> type:
    found = _own_fields(cls)
    body = cls.__dict__
    for f in found.values():
        if f.name in body:  # the class keeps plain defaults as class attributes, as dataclasses
            if f.default is MISSING or slots:
                delattr(cls, f.name)
            else:
                setattr(cls, f.name, f.default)
    if slots:
        names = tuple(
            f.name for f in found.values() if f.name in cls.__dict__.get("__annotations__", {})
        )
        ns = {k: v for k, v in body.items() if k not in ("__dict__", "__weakref__")}
        ns["__slots__"], ns["__qualname__"] = names, cls.__qualname__
        cls = type(cls)(cls.__name__, cls.__bases__, ns)
    setattr(cls, _FIELDS, found)
    setattr(cls, "__match_args__", tuple(found))  # noqa: B010 - mypy: type has no such attribute
    if "__init__" not in cls.__dict__:
        cls.__init__ = _lazy_init(cls, frozen)  # type: ignore[misc]
    if "__repr__" not in cls.__dict__:
        cls.__repr__ = _repr  # type: ignore[assignment,method-assign]
    if "__eq__" not in cls.__dict__:
        cls.__eq__ = _eq  # type: ignore[assignment,method-assign]
        # a class that compares equal by value is hashed by value only when it cannot change
        explicit = cls.__dict__.get("__hash__", MISSING) not in (MISSING, None)
        if not explicit:
            cls.__hash__ = _hash if frozen else None  # type: ignore[assignment,method-assign]
    if frozen:
        cls.__setattr__ = _frozen_set  # type: ignore[assignment,method-assign]
        cls.__delattr__ = _frozen_del  # type: ignore[assignment,method-assign]
        if slots:  # copy and pickle set a slotted object's state by setattr: not this one's
            cls.__getstate__ = _slots_state  # type: ignore[assignment,method-assign]
            cls.__setstate__ = _set_slots_state  # type: ignore[attr-defined]
    if not cls.__doc__:
        cls.__doc__ = f"{cls.__name__}({', '.join(found)})"
    return cls


def _lazy_init(cls: type, frozen: bool) -> Callable[..., None]:
    def __init__(self: Any, *args: Any, **kwargs: Any) -> None:
        real = _compile_init(cls, frozen)
        cls.__init__ = real  # type: ignore[misc]
        real(self, *args, **kwargs)

    return __init__


def _compile_init(cls: type, frozen: bool) -> Callable[..., None]:
    """The `__init__` a dataclass would have: positional-or-keyword parameters in field order,
    factories called per record, then `__post_init__`."""
    found: dict[str, Field] = getattr(cls, _FIELDS)
    env: dict[str, Any] = {"MISSING": MISSING, "setattr_": object.__setattr__}
    params, lines = [], []
    for f in found.values():
        name = f.name
        if f.default_factory is not MISSING:
            env[f"factory_{name}"] = f.default_factory
            params.append(f"{name}=MISSING")
            value = f"factory_{name}() if {name} is MISSING else {name}"
        elif f.default is not MISSING:
            env[f"default_{name}"] = f.default
            params.append(f"{name}=default_{name}")
            value = name
        else:
            params.append(name)
            value = name
        lines.append(f"setattr_(self, {name!r}, {value})" if frozen else f"self.{name} = {value}")
    if hasattr(cls, "__post_init__"):
        lines.append("self.__post_init__()")
    src = f"def __init__(self, {', '.join(params)}):\n    " + "\n    ".join(lines or ["pass"])
    exec(src, env)  # our own field names, as dataclasses does
    init: Callable[..., None] = env["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init


def _values(obj: Any, which: str) -> tuple[Any, ...]:
    return tuple(getattr(obj, f.name) for f in getattr(obj, _FIELDS).values() if getattr(f, which))


def _repr(self: Any) -> str:
    shown = ", ".join(
        f"{f.name}={getattr(self, f.name)!r}" for f in getattr(self, _FIELDS).values() if f.repr
    )
    return f"{type(self).__qualname__}({shown})"


def _eq(self: Any, other: object) -> bool:
    if other.__class__ is not self.__class__:
        return NotImplemented
    return _values(self, "compare") == _values(other, "compare")


def _hash(self: Any) -> int:
    return hash(_values(self, "compare"))


def _slots_state(self: Any) -> list[Any]:
    return [getattr(self, name) for name in getattr(self, _FIELDS)]


def _set_slots_state(self: Any, state: list[Any]) -> None:
    for name, value in zip(getattr(self, _FIELDS), state, strict=True):
        object.__setattr__(self, name, value)


def _frozen_set(self: Any, name: str, value: Any) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_del(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")

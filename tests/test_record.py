"""`store.record` against `dataclasses`: each class body is built by both, and every check
asks the two for the same answer, so a record behaves as the dataclass it replaced."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from collections.abc import Callable
from typing import Any

import pytest

from zwgk.store import record as rec
from zwgk.store.model import Event, Task

Kind = tuple[Callable[..., Any], Callable[..., Any]]  # (decorator, field)
DATACLASS: Kind = (dataclasses.dataclass, dataclasses.field)
RECORD: Kind = (rec.record, rec.field)


def fields_of(obj: Any) -> list[tuple[str, Any, bool]]:
    """Name, default (None for none) and whether a factory makes it, of each field."""
    if dataclasses.is_dataclass(obj):
        return [
            (
                f.name,
                None if f.default is dataclasses.MISSING else f.default,
                f.default_factory is not dataclasses.MISSING,
            )
            for f in dataclasses.fields(obj)
        ]
    return [
        (
            f.name,
            None if f.default is rec.MISSING else f.default,
            f.default_factory is not rec.MISSING,
        )
        for f in rec.fields(obj)
    ]


def replace(obj: Any, **changes: Any) -> Any:
    if dataclasses.is_dataclass(obj):
        return dataclasses.replace(obj, **changes)  # type: ignore[type-var]
    return rec.replace(obj, **changes)


def asdict(obj: Any) -> dict[str, Any]:
    if dataclasses.is_dataclass(obj):
        return dataclasses.asdict(obj)  # type: ignore[arg-type]
    return rec.asdict(obj)


def item_class(kind: Kind, **options: Any) -> Any:
    decorate, field = kind

    @decorate(**options)
    class Item:
        """A named thing with a count, tags and a note left out of equality."""

        name: str
        count: int = 0
        tags: list[str] = field(default_factory=list)
        note: str = field(default="", repr=False, compare=False)

    return Item


def both(**options: Any) -> list[Any]:
    return [item_class(DATACLASS, **options), item_class(RECORD, **options)]


def same(ask: Callable[[Any], Any], **options: Any) -> Any:
    """What `ask` says of the dataclass and of the record (exceptions by type); they agree."""
    answers = []
    for cls in both(**options):
        try:
            answers.append(ask(cls))
        except Exception as exc:  # the exception's type is the answer
            answers.append(type(exc).__name__)
    assert answers[0] == answers[1]
    return answers[0]


OPTIONS = [{}, {"frozen": True}, {"slots": True}]


@pytest.mark.parametrize("options", OPTIONS, ids=str)
def test_construction_repr_and_fields_are_the_dataclasses(options: dict[str, Any]) -> None:
    assert same(lambda c: repr(c("a", 2, ["x"], "n")), **options).endswith(
        "Item(name='a', count=2, tags=['x'])"
    )
    same(lambda c: repr(c(name="a")), **options)
    same(lambda c: repr(c(count=1)), **options)  # a required field missing: TypeError
    same(lambda c: repr(c("a", 1, [], "", "extra")), **options)
    same(lambda c: c.__match_args__, **options)
    assert same(fields_of, **options) == [
        ("name", None, False),
        ("count", 0, False),
        ("tags", None, True),
        ("note", "", False),
    ]


@pytest.mark.parametrize("options", OPTIONS, ids=str)
def test_equality_hash_and_fresh_factories(options: dict[str, Any]) -> None:
    assert same(lambda c: c("a", 1, note="x") == c("a", 1, note="y"), **options) is True
    assert same(lambda c: c("a", 1) == c("a", 2), **options) is False
    assert same(lambda c: c("a") == ("a", 0, []), **options) is False
    assert same(lambda c: c("a").tags is c("a").tags, **options) is False
    hashed = same(lambda c: hash(c("a", 1, ("t",))) == hash(c("a", 1, ("t",))), **options)
    assert hashed == (True if options.get("frozen") else "TypeError")


@pytest.mark.parametrize("options", OPTIONS, ids=str)
def test_frozen_and_slots_refuse_what_dataclasses_refuse(options: dict[str, Any]) -> None:
    def assign(c: Any) -> Any:
        item = c("a")
        item.count = 5
        return item.count

    def invent(c: Any) -> Any:
        item = c("a")
        item.unknown = 1
        return item.unknown

    assert same(assign, **options) == ("FrozenInstanceError" if options.get("frozen") else 5)
    assert same(invent, **options) == (
        "FrozenInstanceError" if options.get("frozen") else "AttributeError" if options else 1
    )
    assert same(lambda c: hasattr(c("a"), "__dict__"), **options) == (not options.get("slots"))
    for cls in both(frozen=True):
        with pytest.raises(AttributeError):  # both errors are AttributeErrors
            cls("a").name = "b"


def test_a_frozen_record_raises_its_own_frozen_error() -> None:
    cls = item_class(RECORD, frozen=True)
    with pytest.raises(rec.FrozenInstanceError):
        del cls("a").name


def test_replace_and_asdict_go_through_init_and_copy() -> None:
    def replaced(c: Any) -> Any:
        item = c("a", 1, ["x"], "n")
        new = replace(item, count=2)
        return repr(new), new.note, new.tags is item.tags

    shown, note, shared = same(replaced)
    assert shown.endswith("Item(name='a', count=2, tags=['x'])") and (note, shared) == ("n", True)

    def dumped(c: Any) -> Any:
        item = c("a", 1, ["x"], "n")
        out = asdict(item)
        return out, out["tags"] is item.tags

    assert same(dumped) == ({"name": "a", "count": 1, "tags": ["x"], "note": "n"}, False)


def test_post_init_runs_on_construction_and_on_replace() -> None:
    for decorate, _ in (DATACLASS, RECORD):

        @decorate
        class Shout:
            """A word kept in capitals."""

            word: str

            def __post_init__(self) -> None:
                self.word = self.word.upper()

        assert Shout("hi").word == "HI"
        assert replace(Shout("hi"), word="yo").word == "YO"


def test_nested_records_and_inherited_fields() -> None:
    answers = []
    for decorate, field in (DATACLASS, RECORD):

        @decorate
        class Base:
            """A base with one field."""

            a: int
            b: int = 1

        @decorate
        class Child(Base):
            """Adds a field, redeclares one."""

            b: int = 2
            c: list[Any] = field(default_factory=list)

        child = Child(0, c=[Base(5)])
        answers.append((fields_of(Child), repr(child).split(".")[-1], asdict(child)))
    assert answers[0] == answers[1]
    assert answers[1][2] == {"a": 0, "b": 2, "c": [{"a": 5, "b": 1}]}


@pytest.mark.parametrize(
    "body",
    [
        "x: list = []",  # a mutable default shared by every record
        "x: int = 0\n    y: int",  # a field without a default after one with
    ],
)
def test_class_errors_are_the_dataclasses(body: str) -> None:
    errors = []
    for name in ("dataclasses.dataclass", "rec.record"):
        source = f"@{name}\nclass Bad:\n    {body}\n"
        try:
            exec(source, {"dataclasses": dataclasses, "rec": rec})
        except Exception as exc:
            errors.append(type(exc))
    assert len(errors) == 2 and errors[0] is errors[1]


def test_the_models_keep_their_records_order_and_defaults() -> None:
    """The on-disk record's key order is the field order (`Task.to_record`)."""
    task = Task(1, "计划", None, "", "正文")
    declared = [name for name in Task.__annotations__ if name not in ("parts", "subitems")]
    assert list(task.to_record()) == declared  # (the two are left out while empty)
    assert Task.from_record(task.to_record()) == task
    event = Event(
        1, "2021-01-01T00:00:00+08:00", "张三", "status", 3, {"status": ["a", "b"]}, "status"
    )
    assert (event.old, event.new) == ("a", "b")
    assert Event.from_record(event.to_record()) == event
    assert rec.fields(Task)[0].name == "id" and rec.is_record(task) and not rec.is_record(1)
    with pytest.raises(TypeError):
        rec.fields(1)


@pytest.mark.parametrize("options", [*OPTIONS, {"frozen": True, "slots": True}], ids=str)
def test_copies_and_pickles_are_the_dataclasses(options: dict[str, Any]) -> None:
    for cls in both(**options):
        item = cls("a", 2, ["x"], "n")
        for clone in (copy.copy(item), copy.deepcopy(item)):
            assert clone == item and clone.note == "n"
        assert copy.deepcopy(item).tags is not item.tags
    module_level = PICKLED(1, ("t",))
    assert pickle.loads(pickle.dumps(module_level)) == module_level


@rec.record(frozen=True, slots=True)
class PICKLED:
    """A frozen slotted record pickle can find by name."""

    n: int
    tags: tuple[str, ...] = ()

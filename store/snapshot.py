"""`Snapshot`, the whole database as plain objects, and the table-shaped data it is built from.

Its own module because most of zwgk only reads: the TUI, reports, search, stats and export take
a `Snapshot` and never need the lock, the event log or TinyDB. `tables_of` and `meta_of` give
any raw database (even an empty or partial one) the four tables and the meta record every
reader expects.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import DatabaseError
from .model import Plan, Task, Unit
from .validation import SCHEMA, TABLES


@dataclass
class Snapshot:
    """The whole database as read at one moment."""

    plans: list[Plan]
    tasks: dict[int, Task]
    units: dict[str, Unit]
    meta: dict[str, Any]
    signature: tuple[int, int, int] = (0, 0, 0)

    @property
    def title(self) -> str:
        return self.plans[0].title if self.plans else "（空数据库）"

    def task_list(self) -> list[Task]:
        return [self.tasks[k] for k in sorted(self.tasks)]


def tables_of(data: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """A copy of `data` (or of nothing) with each of the four tables present."""
    data = dict(data or {})
    for name in TABLES:
        if name not in data:
            data[name] = {}
    return data


def meta_of(data: dict[str, Any]) -> dict[str, Any]:
    """A copy of the meta record (schema, last_seq, events_offset), defaults when missing."""
    return dict(data["meta"].get("1") or {"schema": SCHEMA, "last_seq": 0, "events_offset": 0})


def snapshot_of(data: dict[str, Any], signature: tuple[int, int, int] = (0, 0, 0)) -> Snapshot:
    """Typed objects from table-shaped data (see `tables_of`)."""
    try:
        plans = [Plan.from_record(r) for _, r in sorted(data["plans"].items(), key=_by_id)]
        tasks = {int(k): Task.from_record(r) for k, r in data["tasks"].items()}
        units = {r["name"]: Unit.from_record(r) for r in data["units"].values()}
    except (KeyError, TypeError, ValueError):
        raise DatabaseError("数据库内容不符合 zwgk 的格式，未做任何修改。") from None
    return Snapshot(plans, tasks, units, meta_of(data), signature)


def _by_id(item: tuple[str, Any]) -> int:
    try:
        return int(item[0])
    except ValueError:
        return 0

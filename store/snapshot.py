"""`Snapshot`, the whole database as plain objects, and the table-shaped data it is built from.

Its own module because most of zwgk only reads: the TUI, reports, search, stats and export take
a `Snapshot` and never need the lock, the event log or TinyDB. `tables_of` and `meta_of` give
any raw database (even an empty or partial one) the four tables and the meta record every
reader expects.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from .directory import Directory
from .errors import DatabaseError
from .model import ROLES, Plan, Task, Unit
from .plans import with_codes
from .record import field, record
from .validation import SCHEMA, TABLES

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from typing import Any

    from .parts import Part

# `LazyTasks` (the app's and the read snapshot's tasks, store/lazytasks.py) is imported where
# it is told apart from a dict: a change (`zwgk mark`) builds a dict of one task and never does.

Reach = tuple[str, str, str | None]  # (unit, role, the collective word it came through)


@record
class Snapshot:
    """The whole database as read at one moment."""

    plans: list[Plan]
    # A dict, or in the app a `LazyTasks` (store/lazytasks.py) building each when first used.
    tasks: Mapping[int, Task]
    units: dict[str, Unit]
    meta: dict[str, Any]
    signature: tuple[int, int, int] = (0, 0, 0)
    directory: Directory = field(default_factory=Directory)
    _reach: dict[int, list[Reach]] = field(default_factory=dict, repr=False, compare=False)
    _cells: set[str] = field(default_factory=set, repr=False, compare=False)
    _plan_codes: dict[str, str] = field(default_factory=dict, repr=False, compare=False)
    _several: bool | None = field(default=None, repr=False, compare=False)
    _reaching: dict[str, tuple[frozenset[str], frozenset[str]]] = field(
        default_factory=dict, repr=False, compare=False
    )

    @property
    def title(self) -> str:
        return self.plans[0].title if self.plans else "（空数据库）"

    def plan_code(self, task: Task) -> str:
        """The code of the plan a task belongs to (tasks name their plan by its title)."""
        codes = self._plan_codes
        if not codes:
            codes.update((p.title, p.code) for p in self.plans)
        return codes.get(task.plan) or (self.plans[0].code if self.plans else "")

    def only(self, plan: str | None = None) -> Snapshot:
        """The snapshot narrowed to one plan (a code or title), or by default to the active
        plans (an archived plan is left out of the default views)."""
        from .plans import ARCHIVED, find_plan

        if plan is not None:
            keep = [find_plan(self.plans, plan)]
        else:
            keep = [p for p in self.plans if p.state != ARCHIVED]
            if len(keep) == len(self.plans):
                return self
        from .lazytasks import LazyTasks

        titles = {p.title for p in keep}
        tasks: Mapping[int, Task]
        if isinstance(self.tasks, LazyTasks):
            tasks = self.tasks.narrowed(frozenset(titles))
        else:
            tasks = {k: t for k, t in self.tasks.items() if t.plan in titles}
        out = Snapshot(keep, tasks, self.units, self.meta, self.signature, self.directory)
        if self._cells and isinstance(self.tasks, LazyTasks):
            out._cells = self._cells  # the cells of every plan: a superset does no harm
        return out

    @property
    def several_plans(self) -> bool:
        """More than one active plan: tasks are then named by key (宣城2020-3), not number."""
        if self._several is None:  # asked once per task label: worked out once per snapshot
            self._several = sum(p.state != "已归档" for p in self.plans) > 1
        return self._several

    def label(self, task: Task) -> str:
        """How a person names the task here: its number (`7`) while one plan is active, else
        its key (`宣城2020-7`)."""
        from .plans import task_number

        number = task_number(task)
        return f"{self.plan_code(task)}-{number}" if self.several_plans else str(number)

    def label_of(self, task_id: int | None) -> str:
        """`label` for a record id (events name tasks by it); `#id` for one no longer here."""
        task = self.tasks.get(task_id) if task_id is not None else None
        return self.label(task) if task is not None else f"{task_id}"

    def plan_state(self, task: Task) -> str:
        return next((p.state for p in self.plans if p.title == task.plan), "进行中")

    def task_list(self) -> Sequence[Task]:
        """The tasks in id order (in the app: each built when first used)."""
        from .lazytasks import LazyTasks

        if isinstance(self.tasks, LazyTasks):
            return self.tasks.in_order()
        return [self.tasks[k] for k in sorted(self.tasks)]

    def naming(self, unit: str) -> Sequence[Task]:
        """Every task whose cells could name `unit` or reach it through a collective word
        (a superset of its tasks, in id order): every task, or — built lazily — only those
        whose cells the read snapshot lists under such a name."""
        from .lazytasks import LazyTasks

        if isinstance(self.tasks, LazyTasks):
            direct, collective = self.reaching(unit)
            return self.tasks.with_cells(direct | collective | {unit})
        return self.task_list()

    def reach(self, task: Task) -> list[Reach]:
        """(unit, role, via) for every unit responsible for the task, collective words
        expanded through the unit directory (`via`: the word it came through). Without a
        directory every name in the task's cells stands for itself."""
        found = self._reach.get(task.id)
        if found is None:
            from .parts import assignments

            found = self._reach[task.id] = list(assignments(task, self.directory, ROLES))
        return found

    def parts(self, task: Task) -> list[Part]:
        """Each responsible unit's part of the task (see store/parts.py)."""
        from .parts import parts_of

        return parts_of(task, self.directory)

    def task_json(self, task: Task, today: date) -> dict[str, Any]:
        """The `--json` object of a task: its fields (`id` is the plan's own number, `key`
        adds the plan's code), each unit's part, and the progress."""
        from .parts import progress
        from .plans import task_number

        parts = self.parts(task)
        data = task.to_json(today)
        number = task_number(task)
        data["id"] = number
        data["plan_code"] = code = self.plan_code(task)
        data["key"] = f"{code}-{number}"
        data["parts"] = [p.to_json() for p in parts]
        data["progress"] = progress(parts)
        return data

    def reaching(self, unit: str) -> tuple[frozenset[str], frozenset[str]]:
        """(cell names that name `unit` itself, collective words that reach it): with these a
        filter tests a task's cells without expanding them."""
        found = self._reaching.get(unit)
        if found is None:
            if not self._cells:
                self._cells.update(n for t in self.tasks.values() for n in t.units())
            direct: set[str] = set()
            collective: set[str] = set()
            for cell in self._cells:
                if cell == unit:  # the word itself (各街道 is still 各街道 as typed)
                    direct.add(cell)
                for name, via in self.directory.expand(cell):
                    if name == unit:
                        (direct if via is None else collective).add(cell)
            found = self._reaching[unit] = (frozenset(direct), frozenset(collective))
        return found

    def units_of(self, task: Task, role: str = "any") -> set[str]:
        """The units responsible for the task in `role` (any role): the names in its cells,
        and the real units `reach` finds behind collective words."""
        named = set(task.units(role))
        if self.directory:
            named.update(u for u, r, _ in self.reach(task) if role in ("any", r))
        return named


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
        plans = with_codes(
            [Plan.from_record(r) for _, r in sorted(data["plans"].items(), key=by_record_id)]
        )
        tasks = {int(k): Task.from_record(r) for k, r in data["tasks"].items()}
        units = {r["name"]: Unit.from_record(r) for r in data["units"].values()}
        directory = Directory.from_records(data.get("directory", {}).get("1"))
    except (KeyError, TypeError, ValueError):
        raise DatabaseError("数据库内容不符合 zwgk 的格式，未做任何修改。") from None
    for unit in directory.units.values():  # real units are known by name, alias and pinyin
        units.setdefault(unit.name, unit.as_unit())
    return Snapshot(plans, tasks, units, meta_of(data), signature, directory)


def by_record_id(item: tuple[str, Any]) -> int:
    """Sort key of a (record id, record) table item: its id as a number."""
    try:
        return int(item[0])
    except ValueError:
        return 0

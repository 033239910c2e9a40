"""`TaskFilter`: the one way to say which tasks, whoever asks.

`zwgk list/export` flags (tui/cli/common.py), the app's chat views (tui/views.py) and
the filters written in a search query (store/search/parse.py) all compile to this object. It
is evaluated two ways with one meaning: task by task here (`matches`, `apply`), and as bitsets
over a search index (store/search/masks.py), which keeps searching 100,000 tasks fast.
"""

from __future__ import annotations

from datetime import date, timedelta

from .errors import InputError
from .model import ROLES, Task, Unit
from .record import record
from .unitnames import resolve_units

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from .db import Snapshot


def add_days(day: date, days: int) -> date:
    """`day` moved by `days`, clamped to the calendar's ends: a `--today 9999-12-31` or a
    `--due-within 3000000` means "no end", not an OverflowError."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.max if days > 0 else date.min


def month_span(year: int, month: int) -> tuple[date, date]:
    """The first and last day of a month (December 9999 ends on date.max, not in year 10000)."""
    first = date(year, month, 1)
    if month == 12:
        return first, date(year, 12, 31)
    return first, date(year, month + 1, 1) - timedelta(days=1)


@record(frozen=True)
class TaskFilter:
    """Conditions that all hold for a kept task; an empty filter keeps every task."""

    units: tuple[str, ...] = ()  # unit words as typed; a task names (in `role`) one of each
    role: str = "any"  # lead | support | guide | any
    statuses: tuple[str, ...] = ()  # canonical statuses; any of them
    overdue: bool = False
    due_from: date | None = None  # due in [due_from, due_to]; either end may be open
    due_to: date | None = None
    ids: tuple[int, ...] = ()
    group: int | None = None  # the document's Nth 工作任务
    by_due: bool = False  # order by due date (undated last), then id; else by id
    notes: tuple[str, ...] = ()  # the conditions as asked, for a ledger's 筛选条件 line

    @classmethod
    def due_within(cls, today: date, days: int, *, by_due: bool = False) -> TaskFilter:
        """Due from today through `days` days ahead (clamped at the calendar's end)."""
        return cls(due_from=today, due_to=add_days(today, days), by_due=by_due)

    @property
    def dated(self) -> bool:
        return self.due_from is not None or self.due_to is not None

    def resolved_units(self, snap: Snapshot) -> list[str]:
        """Every unit name the unit words mean; InputError naming a word that means none."""
        return sorted({name for names in self.unit_sets(snap.units) for name in names})

    def unit_sets(self, units: dict[str, Unit]) -> list[frozenset[str]]:
        """Per unit word, the names it means (`编办` -> {区编办})."""
        out = []
        for word in self.units:
            names = resolve_units(word, units)
            if not names:
                raise InputError(f"没有找到单位“{word}”，可用 zwgk units 查看全部单位。")
            out.append(frozenset(names))
        return out

    def matches(
        self,
        task: Task,
        today: date,
        unit_sets: list[frozenset[str]] | None = None,
        named: set[str] | None = None,
    ) -> bool:
        """Does `task` pass? `unit_sets`: the resolved `units` (see `unit_sets`); `named`: the
        units responsible for the task in the filter's role (`Snapshot.units_of`: collective
        words expanded), else the names in its cells."""
        if unit_sets:
            if named is None:
                named = set(task.units(self.role))
            if not all(names.intersection(named) for names in unit_sets):
                return False
        if self.statuses and task.status not in self.statuses:
            return False
        if self.overdue and not task.overdue(today):
            return False
        if self.dated:
            if task.due is None:
                return False
            if self.due_from is not None and task.due < self.due_from:
                return False
            if self.due_to is not None and task.due > self.due_to:
                return False
        if self.ids and task.id not in self.ids:
            return False
        return self.group is None or task.group == self.group

    def apply(self, snap: Snapshot, today: date) -> list[Task]:
        """The tasks of `snap` that pass, in id order (or by due date when `by_due`)."""
        if self.role not in (*ROLES, "any"):
            raise InputError(f"角色“{self.role}”无效，应为 lead、support、guide 或 any。")
        sets = self.unit_sets(snap.units)
        if sets and snap.directory:
            # Through the unit directory: which cell names reach each unit, worked out once
            # per name rather than once per task (see `Snapshot.reaching`).
            reach = [[snap.reaching(u) for u in names] for names in sets]
            out = [
                t
                for t in snap.task_list()
                if all(_reached(t, self.role, ways) for ways in reach) and self.matches(t, today)
            ]
        else:
            out = [t for t in snap.task_list() if self.matches(t, today, sets)]
        if self.by_due:
            out.sort(key=lambda t: (t.due or date.max, t.id))
        return out


def _reached(task: Task, role: str, ways: list[tuple[frozenset[str], frozenset[str]]]) -> bool:
    """Is one of the units (given as `Snapshot.reaching` pairs) responsible for the task in
    `role`: named in its cells, or reached through a collective word while not named in any
    of its cells itself (a unit the task names keeps that role)."""
    cells = task.units(role)
    for direct, collective in ways:
        if not direct.isdisjoint(cells):
            return True
        if not collective.isdisjoint(cells) and direct.isdisjoint(task.units()):
            return True
    return False

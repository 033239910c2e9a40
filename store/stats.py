"""Numbers for supervision (督查督办): per unit and role, per group, per month of due date.

Everything here is a pure function of a snapshot (or a list of tasks) and "today", so the
command line (`zwgk stats`), the exports and the TUI's board all count the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date

from .db import Snapshot
from .directory import Directory
from .model import BLOCKED, DOING, DONE, ROLES, TODO, Task
from .parts import Part, assignments, parts_of
from .record import field, record

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from typing import Any

GUIDE = ("guide",)


@record
class Counts:
    """Tallies for one bucket of tasks (a unit in a role, a group, a month)."""

    total: int = 0
    todo: int = 0
    doing: int = 0
    blocked: int = 0
    done: int = 0
    confirmed: int = 0  # completions signed off (办结确认)
    overdue: int = 0

    def add(self, task: Task, today: date, status: str | None = None) -> None:
        """Count a task, or (with `status`) one unit's part of it: a part is overdue when the
        task's date has passed and that part is not done."""
        late = task.due is not None and task.due < today
        self.count(task.status if status is None else status, bool(task.confirmed_by), late)

    def count(self, status: str, confirmed: bool, late: bool, sign: int = 1) -> None:
        """`add` with the task's facts worked out once by the caller (`late`: its date has
        passed), for loops that count one task in many buckets; `sign` -1 takes back a count
        made with the same facts (a task taken out of the tallies)."""
        self.total += sign
        if status == DONE:
            self.done += sign
            self.confirmed += sign * confirmed
        elif status == DOING:
            self.doing += sign
        elif status == BLOCKED:
            self.blocked += sign
        else:
            self.todo += sign
        self.overdue += sign * (late and status != DONE)

    @property
    def rate(self) -> float:
        """Completion rate 0..1 (0 for an empty bucket)."""
        return self.done / self.total if self.total else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "todo": self.todo,
            "doing": self.doing,
            "blocked": self.blocked,
            "done": self.done,
            "confirmed": self.confirmed,
            "overdue": self.overdue,
            "completion_rate": round(self.rate, 4),
        }


@record
class UnitStats:
    """One unit's counts, by role and over all its tasks."""

    name: str
    roles: dict[str, Counts] = field(default_factory=lambda: {r: Counts() for r in ROLES})
    any: Counts = field(default_factory=Counts)  # every task the unit appears on, once

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name}
        out.update({role: c.to_json() for role, c in self.roles.items()})
        out["any"] = self.any.to_json()
        return out


@record
class GroupStats:
    """One work item's (group's) counts."""

    group: int | None
    title: str
    counts: Counts = field(default_factory=Counts)

    def to_json(self) -> dict[str, Any]:
        return {"group": self.group, "title": self.title, **self.counts.to_json()}


@record
class MonthStats:
    """The counts of the tasks due in one month."""

    month: str | None  # "YYYY-MM", or None for tasks without a single due date
    counts: Counts = field(default_factory=Counts)

    def to_json(self) -> dict[str, Any]:
        return {"month": self.month, **self.counts.to_json()}


@record
class Stats:
    """The whole progress report: totals, units, work items and months."""

    today: date
    plan: str
    totals: Counts
    units: list[UnitStats]
    groups: list[GroupStats]
    months: list[MonthStats]  # in calendar order; the undated bucket (month None) last

    def unit(self, name: str) -> UnitStats | None:
        return next((u for u in self.units if u.name == name), None)

    def ranked(self, role: str = "lead") -> list[UnitStats]:
        """Units that have tasks in `role` ("any" for all), most overdue first.

        Ties: lower completion rate first, then more tasks, then the name.
        """

        def counts(u: UnitStats) -> Counts:
            return u.any if role == "any" else u.roles[role]

        rows = [u for u in self.units if counts(u).total]
        return sorted(
            rows,
            key=lambda u: (-counts(u).overdue, counts(u).rate, -counts(u).total, u.name),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "today": self.today.isoformat(),
            "plan": self.plan,
            "totals": self.totals.to_json(),
            "units": [u.to_json() for u in self.units],
            "groups": [g.to_json() for g in self.groups],
            "months": [m.to_json() for m in self.months],
        }


def month_key(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def compute(
    tasks: Iterable[Task], today: date, plan: str = "", snap: Snapshot | None = None
) -> Stats:
    """Count `tasks` (already filtered as the caller wishes) as of `today`.

    With a snapshot that has a unit directory, units are the real ones behind collective
    words and each counts its own part of a shared task (甘棠街道's part of a 各街道 task)."""
    tally = Tally(today, snap)
    for task in tasks:
        tally.add(task)
    return tally.stats(plan)


class Tally:
    """`compute`, one task at a time: for a caller that walks the tasks anyway and has each
    task's parts at hand (the export's one pass), so they are worked out once; and for one
    that follows changes (the app's board), which takes a task's old version out (`remove`)
    and puts its new one in: every bucket then holds what a full `compute` would give."""

    def __init__(
        self,
        today: date,
        snap: Snapshot | None = None,
        *,
        by_group: bool = True,
        by_month: bool | None = None,
    ) -> None:
        """`by_group=False`: units and totals only, no bucket per group and month (70,000
        groups at 100,000 tasks, for a caller that shows none); `by_month` (default: as
        `by_group`) keeps the months all the same (the board's timeline)."""
        self.today = today
        self.by_group = by_group
        self.by_month = by_group if by_month is None else by_month
        # Parts only with a directory: without one a name in a cell stands for itself. Only
        # the directory is kept, not the snapshot (a follower would hold every old one).
        self.directory = snap.directory if snap is not None and snap.directory else None
        self.totals = Counts()
        self.units: dict[str, UnitStats] = {}
        self.groups: dict[tuple[int | None, str], GroupStats] = {}
        self.months: dict[str | None, MonthStats] = {}

    def add(self, task: Task, parts: list[Part] | None = None) -> None:
        """Count `task`; `parts`, when the caller has them, are `snap.parts(task)` (unused
        without a directory)."""
        self._move(task, parts, 1)

    def remove(self, task: Task) -> None:
        """Take out a task counted by `add` (the same version of it, and the same today): a
        bucket left empty goes, as a full count would never have made it."""
        self._move(task, None, -1)

    def _move(self, task: Task, parts: list[Part] | None, sign: int) -> None:
        """Count `task` in every bucket it belongs to (`sign` 1), or take it out (-1: a
        bucket it was never counted in is a KeyError, which the board answers by counting
        everything again)."""
        late = task.due is not None and task.due < self.today
        confirmed = bool(task.confirmed_by)
        self.totals.count(task.status, confirmed, late, sign)
        units = self.units
        seen: set[str] = set()
        for name, role, status in self._unit_roles(task, parts):
            us = units.get(name) if sign > 0 else units[name]
            if us is None:
                us = units[name] = UnitStats(name)
            status = task.status if status is None else status
            us.roles[role].count(status, confirmed, late, sign)
            if name not in seen:  # `any` counts a unit once per task, whatever its roles
                seen.add(name)
                us.any.count(status, confirmed, late, sign)
        if sign < 0:  # `any` counts every task the unit is on: 0, and it is on none
            for name in seen:
                if not units[name].any.total:
                    del units[name]
        if self.by_group:
            gkey = (task.group, task.group_title)
            group = self.groups.get(gkey) if sign > 0 else self.groups[gkey]
            if group is None:
                group = self.groups[gkey] = GroupStats(task.group, task.group_title)
            group.counts.count(task.status, confirmed, late, sign)
            if not group.counts.total:
                del self.groups[gkey]
        if self.by_month:
            mkey = month_key(task.due) if task.due else None
            month = self.months.get(mkey) if sign > 0 else self.months[mkey]
            if month is None:
                month = self.months[mkey] = MonthStats(mkey)
            month.counts.count(task.status, confirmed, late, sign)
            if not month.counts.total:
                del self.months[mkey]

    def replace(self, old: Task | None, new: Task | None) -> None:
        """One task changed (`old` None: it is new; `new` None: it is gone)."""
        if old is not None:
            self.remove(old)
        if new is not None:
            self.add(new)

    def _unit_roles(
        self, task: Task, parts: list[Part] | None
    ) -> Iterable[tuple[str, str, str | None]]:
        if self.directory is None:
            return _unit_roles(task, None)
        if parts is None:
            parts = parts_of(task, self.directory)
        return _part_roles(task, parts, self.directory)

    def stats(self, plan: str = "") -> Stats:
        units = sorted(self.units.values(), key=lambda u: (-u.any.total, u.name))
        groups = sorted(
            self.groups.values(), key=lambda g: (g.group is None, g.group or 0, g.title)
        )
        months = sorted(self.months.values(), key=lambda m: (m.month is None, m.month or ""))
        return Stats(self.today, plan, self.totals, units, groups, months)


def _unit_roles(task: Task, snap: Snapshot | None) -> Iterable[tuple[str, str, str | None]]:
    """(unit, role, status of its part or None for the task's) for each unit of the task."""
    if snap is None:
        for role in ROLES:
            for name in dict.fromkeys(task.units(role)):
                yield name, role, None
        return
    yield from _part_roles(task, snap.parts(task), snap.directory)


def _part_roles(
    task: Task, parts: list[Part], directory: Directory
) -> Iterator[tuple[str, str, str | None]]:
    """`_unit_roles` from the task's parts: the lead and support units are its parts (as
    `Snapshot.reach` lists them), the guides are reached the same way; a guide that also has
    a part counts that part's status. Not through `reach`, whose cache the snapshot keeps
    (tens of MB at 100,000 tasks, for an export that needs each task once)."""
    status = {p.unit: p.status for p in parts}
    for p in parts:
        yield p.unit, p.role, p.status
    for name, role, _ in assignments(task, directory, GUIDE):
        yield name, role, status.get(name)


def of_snapshot(snap: Snapshot, today: date, tasks: Iterable[Task] | None = None) -> Stats:
    """Stats of the whole snapshot (or of `tasks` from it, e.g. after a filter)."""
    chosen = snap.task_list() if tasks is None else list(tasks)
    return compute(chosen, today, snap.title, snap)


STATUS_ORDER = (TODO, DOING, BLOCKED, DONE)


def month_range(first: str, last: str) -> list[str]:
    """Every "YYYY-MM" from `first` to `last` inclusive."""
    y, m = int(first[:4]), int(first[5:7])
    ly, lm = int(last[:4]), int(last[5:7])
    out = []
    while (y, m) <= (ly, lm):
        out.append(f"{y:04d}-{m:02d}")
        m += 1
        if m > 12:
            y, m = y + 1, 1
    return out


# -- units and their task counts (`zwgk units`, the app's /units) --------------------------
@record
class UnitCount:
    """One unit's task numbers by role and progress (`zwgk units`)."""

    name: str
    aliases: list[str]
    lead: int = 0
    support: int = 0
    guide: int = 0
    done: int = 0
    overdue: int = 0
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.lead + self.support + self.guide

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "aliases": self.aliases,
            "lead": self.lead,
            "support": self.support,
            "guide": self.guide,
            "tasks": self.total,
            "done": self.done,
            "overdue": self.overdue,
            "by_status": self.by_status,
        }


def unit_counts(snap: Snapshot, today: date) -> list[UnitCount]:
    """Each unit with its task counts per role, done and overdue (a task counts once). With a
    unit directory, the real units behind collective words, each by its own part."""
    statuses = dict.fromkeys((TODO, DOING, BLOCKED, DONE), 0)
    counts = {
        u.name: UnitCount(u.name, list(u.aliases), by_status=dict(statuses))
        for u in snap.units.values()
    }
    by_parts = snap if snap.directory else None
    for task in snap.task_list():
        seen: set[str] = set()
        for name, role, part in _unit_roles(task, by_parts):
            c = counts.setdefault(name, UnitCount(name, [], by_status=dict(statuses)))
            setattr(c, role, getattr(c, role) + 1)
            if name in seen:
                continue
            seen.add(name)
            status = task.status if part is None else part
            c.by_status[status] = c.by_status.get(status, 0) + 1
            c.done += status == DONE
            c.overdue += task.due is not None and task.due < today and status != DONE
    if by_parts is not None:  # collective words stand for their members now
        for word in [n for n in counts if snap.directory.covered_kind(n) and not counts[n].total]:
            del counts[word]
    return sorted(counts.values(), key=lambda c: (-c.total, c.name))

"""Numbers for supervision (督查督办): per unit and role, per group, per month of due date.

Everything here is a pure function of a snapshot (or a list of tasks) and "today", so the
command line (`zwgk stats`), the exports and the TUI's board all count the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from .db import Snapshot
from .model import BLOCKED, DOING, DONE, ROLES, TODO, Task


@dataclass
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
        status = task.status if status is None else status
        self.total += 1
        if status == DONE:
            self.done += 1
            self.confirmed += bool(task.confirmed_by)
        elif status == DOING:
            self.doing += 1
        elif status == BLOCKED:
            self.blocked += 1
        else:
            self.todo += 1
        self.overdue += task.due is not None and task.due < today and status != DONE

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


@dataclass
class UnitStats:
    name: str
    roles: dict[str, Counts] = field(default_factory=lambda: {r: Counts() for r in ROLES})
    any: Counts = field(default_factory=Counts)  # every task the unit appears on, once

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name}
        out.update({role: c.to_json() for role, c in self.roles.items()})
        out["any"] = self.any.to_json()
        return out


@dataclass
class GroupStats:
    group: int | None
    title: str
    counts: Counts = field(default_factory=Counts)

    def to_json(self) -> dict[str, Any]:
        return {"group": self.group, "title": self.title, **self.counts.to_json()}


@dataclass
class MonthStats:
    month: str | None  # "YYYY-MM", or None for tasks without a single due date
    counts: Counts = field(default_factory=Counts)

    def to_json(self) -> dict[str, Any]:
        return {"month": self.month, **self.counts.to_json()}


@dataclass
class Stats:
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
    totals = Counts()
    units: dict[str, UnitStats] = {}
    groups: dict[tuple[int | None, str], GroupStats] = {}
    months: dict[str | None, MonthStats] = {}
    by_parts = snap is not None and bool(snap.directory)
    for task in tasks:
        totals.add(task, today)
        seen: set[str] = set()
        for name, role, status in _unit_roles(task, snap if by_parts else None):
            us = units.setdefault(name, UnitStats(name))
            us.roles[role].add(task, today, status)
            if name not in seen:  # `any` counts a unit once per task, whatever its roles
                seen.add(name)
                us.any.add(task, today, status)
        gkey = (task.group, task.group_title)
        groups.setdefault(gkey, GroupStats(task.group, task.group_title)).counts.add(task, today)
        mkey = month_key(task.due) if task.due else None
        months.setdefault(mkey, MonthStats(mkey)).counts.add(task, today)
    ordered_units = sorted(units.values(), key=lambda u: (-u.any.total, u.name))
    ordered_groups = sorted(groups.values(), key=lambda g: (g.group is None, g.group or 0, g.title))
    ordered_months = sorted(months.values(), key=lambda m: (m.month is None, m.month or ""))
    return Stats(today, plan, totals, ordered_units, ordered_groups, ordered_months)


def _unit_roles(task: Task, snap: Snapshot | None) -> Iterable[tuple[str, str, str | None]]:
    """(unit, role, status of its part or None for the task's) for each unit of the task."""
    if snap is None:
        for role in ROLES:
            for name in dict.fromkeys(task.units(role)):
                yield name, role, None
        return
    status = {p.unit: p.status for p in snap.parts(task)}
    for name, role, _ in snap.reach(task):
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
@dataclass
class UnitCount:
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

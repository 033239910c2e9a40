"""Filters over a snapshot: the questions `list`, `units` and the TUI's views ask."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from .db import Snapshot
from .errors import InputError
from .model import BLOCKED, DOING, DONE, ROLES, TODO, Task, parse_status


@dataclass
class TaskFilter:
    unit: str | None = None
    role: str = "any"
    status: str | None = None
    overdue: bool = False
    due_within: int | None = None
    group: int | None = None

    def resolved_units(self, snap: Snapshot) -> list[str]:
        if not self.unit:
            return []
        from .search import resolve_units

        names = resolve_units(self.unit, snap.units)
        if not names:
            raise InputError(f"没有找到单位“{self.unit}”，可用 zwgk units 查看全部单位。")
        return names


def filter_tasks(snap: Snapshot, today: date, flt: TaskFilter) -> list[Task]:
    """Tasks matching every given condition, in id order."""
    if flt.role not in (*ROLES, "any"):
        raise InputError(f"角色“{flt.role}”无效，应为 lead、support、guide 或 any。")
    status = None
    if flt.status:
        status = parse_status(flt.status)
        if status is None and flt.status.strip() not in ("逾期", "overdue"):
            raise InputError(
                f"状态“{flt.status}”无效，应为 未开始、进行中、受阻、已完成（或 todo/doing/blocked/done）。"
            )
    overdue = flt.overdue or (flt.status or "").strip() in ("逾期", "overdue")
    units = set(flt.resolved_units(snap))
    horizon = today + timedelta(days=flt.due_within) if flt.due_within is not None else None
    out: list[Task] = []
    for task in snap.task_list():
        if units and not units.intersection(task.units(flt.role)):
            continue
        if status and task.status != status:
            continue
        if overdue and not task.overdue(today):
            continue
        if horizon is not None and not (task.due and today <= task.due <= horizon):
            continue
        if flt.group is not None and task.group != flt.group:
            continue
        out.append(task)
    return out


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
    """Each unit with its task counts per role, done and overdue (a task counts once)."""
    counts = {
        u.name: UnitCount(
            u.name, list(u.aliases), by_status=dict.fromkeys((TODO, DOING, BLOCKED, DONE), 0)
        )
        for u in snap.units.values()
    }
    for task in snap.task_list():
        seen: set[str] = set()
        for role in ROLES:
            for name in task.units(role):
                c = counts.setdefault(
                    name,
                    UnitCount(name, [], by_status=dict.fromkeys((TODO, DOING, BLOCKED, DONE), 0)),
                )
                setattr(c, role, getattr(c, role) + 1)
                if name in seen:
                    continue
                seen.add(name)
                c.by_status[task.status] = c.by_status.get(task.status, 0) + 1
                c.done += task.status == DONE
                c.overdue += task.overdue(today)
    return sorted(counts.values(), key=lambda c: (-c.total, c.name))

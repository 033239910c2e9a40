"""What the task list can show, as pure functions of a snapshot and "today".

No Textual here: the main screen asks `view_tasks(snapshot, today, view)` on every keystroke
that names a view, and tests can call it directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from zwgk.store.db import Snapshot
from zwgk.store.model import Task
from zwgk.tui.chat import Command


@dataclass
class View:
    """What the list shows: every task, a view (逾期, 本周 …), a unit, one task, or a search."""

    kind: str = "all"  # all view unit search task
    label: str = "全部任务"
    command: Command | None = None
    units: list[str] = field(default_factory=list)
    query: str = ""


def view_tasks(snap: Snapshot, today: date, view: View) -> list[Task]:
    """The tasks of every kind of view except searches (those go through the search index)."""
    cmd = view.command
    if view.kind == "unit":
        names = set(view.units)
        return [t for t in snap.task_list() if names.intersection(t.units())]
    if view.kind == "task" and cmd is not None and cmd.task_id is not None:
        task = snap.tasks.get(cmd.task_id)
        return [task] if task else []
    if view.kind == "view" and cmd is not None:
        return view_filter(snap, today, cmd)
    return snap.task_list()


def view_filter(snap: Snapshot, today: date, cmd: Command) -> list[Task]:
    """Status views in id order; deadline views by due date."""
    tasks = snap.task_list()
    if cmd.view == "status":
        return [t for t in tasks if t.status == cmd.status]
    if cmd.view == "overdue":
        out = [t for t in tasks if t.overdue(today)]
    elif cmd.view == "week":  # Monday to Sunday of this week
        lo = today - timedelta(days=today.weekday())
        hi = lo + timedelta(days=6)
        out = [t for t in tasks if t.due and lo <= t.due <= hi]
    elif cmd.view == "month":
        out = [t for t in tasks if t.due and (t.due.year, t.due.month) == (today.year, today.month)]
    elif cmd.view == "within":
        hi = today + timedelta(days=cmd.days or 0)
        out = [t for t in tasks if t.due and today <= t.due <= hi]
    elif cmd.view == "year_month":
        year = cmd.year or today.year
        out = [t for t in tasks if t.due and (t.due.year, t.due.month) == (year, cmd.month)]
    else:
        return tasks
    return sorted(out, key=lambda t: (t.due or date.max, t.id))


def view_label(cmd: Command, today: date) -> str:
    if cmd.view == "status":
        return str(cmd.status)
    if cmd.view == "within":
        return f"{cmd.days} 天内到期"
    if cmd.view == "year_month":
        return f"{cmd.year or today.year}年{cmd.month}月到期"
    return {"overdue": "逾期", "week": "本周到期", "month": "本月到期", "all": "全部任务"}.get(
        str(cmd.view), "任务"
    )

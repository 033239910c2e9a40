"""What the task list can show, as pure functions of a snapshot and "today".

A chat view (`逾期`, `本周`, `2021年6月`, `进行中` …) is a thin mapping from a parsed `Command` to
the one `TaskFilter` (store/filters.py) that `zwgk list` flags and search filters compile to,
plus a label. No Textual here: tests call it directly. Date arithmetic goes through
`add_days`/`month_span`, which clamp at the calendar's end (`/today 9999-12-31` then `30天内`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from zwgk.store.db import Snapshot
from zwgk.store.errors import ZwgkError
from zwgk.store.filters import TaskFilter, add_days, month_span
from zwgk.store.lazytasks import LazyTasks
from zwgk.store.model import Task
from zwgk.store.parts import open_work
from zwgk.store.plans import resolve
from zwgk.store.search import built_index, index_for
from zwgk.store.search.masks import filter_tasks
from zwgk.tui.chat import Command


@dataclass
class View:
    """What the list shows: every task, a view (逾期, 本周 …), a unit, one task, or a search."""

    kind: str = "all"  # all view unit search task mine ask
    label: str = "全部任务"
    command: Command | None = None
    units: list[str] = field(default_factory=list)
    query: str = ""
    task: int | None = None  # kind "task": the record id the typed number or key names


def view_tasks(snap: Snapshot, today: date, view: View) -> Sequence[Task]:
    """The tasks of every kind of view except searches (those go through the search index)."""
    cmd = view.command
    if view.kind == "unit":
        # The typed word, resolved again, names the same units; without one, each name.
        words = (cmd.text,) if cmd is not None and cmd.text else tuple(view.units)
        return _any_unit(snap, today, words)
    if view.kind == "mine":  # a unit's own open work, nearest deadline first
        return open_work(snap, view.units)
    if view.kind == "task":
        task_id = view.task
        if task_id is None and cmd is not None and cmd.task_ref:
            try:
                task_id = resolve(snap, cmd.task_ref).id
            except ZwgkError:
                return []
        return [snap.tasks[task_id]] if task_id is not None and task_id in snap.tasks else []
    if view.kind == "ask":  # a question: asked again of each new snapshot
        from zwgk.store.ask import ask

        return ask(snap, view.query, today=today).tasks
    if view.kind == "view" and cmd is not None:
        return applied(snap, today, view_filter(cmd, today))
    return snap.task_list()


def _any_unit(snap: Snapshot, today: date, words: tuple[str, ...]) -> Sequence[Task]:
    """Tasks naming a unit any of `words` names (a filter ANDs its unit words)."""
    if len(words) == 1:
        return applied(snap, today, TaskFilter(units=words))
    ids = {t.id for w in words for t in applied(snap, today, TaskFilter(units=(w,)))}
    return [t for t in snap.task_list() if t.id in ids]


def applied(snap: Snapshot, today: date, flt: TaskFilter) -> Sequence[Task]:
    """`flt.apply`, through the search index's bitsets once the snapshot has one (the app
    builds it after the first frame): at 100,000 tasks a view then costs milliseconds, not a
    pass over every task on each keystroke."""
    index = built_index(snap)
    if index is None and isinstance(snap.tasks, LazyTasks):
        index = index_for(snap)  # built lazily, a pass over every task would build them all
    return flt.apply(snap, today) if index is None else filter_tasks(index, flt, today)


def view_filter(cmd: Command, today: date) -> TaskFilter:
    """A chat view as the one filter: status views in id order, deadline views by due date."""
    if cmd.view == "status" and cmd.status:
        return TaskFilter(statuses=(cmd.status,))
    if cmd.view == "overdue":
        return TaskFilter(overdue=True, by_due=True)
    if cmd.view == "week":  # Monday to Sunday of this week
        monday = add_days(today, -today.weekday())
        return TaskFilter(due_from=monday, due_to=add_days(monday, 6), by_due=True)
    if cmd.view == "month":
        return _month(today.year, today.month)
    if cmd.view == "within":
        return TaskFilter.due_within(today, cmd.days or 0, by_due=True)
    if cmd.view == "year_month" and cmd.month:
        return _month(cmd.year or today.year, cmd.month)
    return TaskFilter()


def _month(year: int, month: int) -> TaskFilter:
    first, last = month_span(year, month)
    return TaskFilter(due_from=first, due_to=last, by_due=True)


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

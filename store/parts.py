"""Each responsible unit's part of a shared task, and the task's status derived from them.

A task given to 各街道 is the work of every street: each (task, unit) pair has its own status,
note and who changed it last. The parts are the task's lead and support units, with collective
words expanded through the unit directory; a part with no recorded progress is 未开始. The
progress a unit records is kept sparsely in the task record (`parts`: unit -> fields), so a plan
without a directory, or a task nobody marked per unit, reads exactly as before.

The task's own status follows its parts once any part is recorded: 已完成 when every lead
part is done, 受阻 when any part is blocked, 进行中 when any part has started, else 未开始.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from .directory import Directory
from .errors import InputError
from .model import BLOCKED, DOING, DONE, PART_PREFIX, TODO, Task
from .record import record

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from typing import Any

    from .snapshot import Snapshot

PART_FIELDS = ("status", "note", "updated_at", "updated_by")


@record(frozen=True)
class Part:
    """One responsible unit's part of a task, and what it recorded."""

    unit: str
    role: str  # lead | support
    via: str | None = None  # the collective word the unit was reached through (各街道)
    status: str = TODO
    note: str = ""
    updated_at: str | None = None
    updated_by: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "role": self.role,
            "via": self.via,
            "status": self.status,
            "note": self.note,
            "updated_at": self.updated_at,
            "updated_by": self.updated_by,
        }


def assignments(
    task: Task, directory: Directory, roles: tuple[str, ...] = ("lead", "support")
) -> Iterator[tuple[str, str, str | None]]:
    """(unit, role, via) for every real unit the task's cells name in `roles`. A unit has one
    part (lead before support) and may also guide. A unit the task names itself keeps that
    role: 区信息办, named as the guide, is not also a lead through 各相关部门."""
    expand = directory.expand
    direct = {u for name in task.units() for u, via in expand(name) if via is None}
    seen: set[tuple[str, bool]] = set()
    for role in roles:
        for name in task.units(role):
            for unit, via in expand(name):
                key = (unit, role == "guide")
                if key not in seen and (via is None or unit not in direct):
                    seen.add(key)
                    yield unit, role, via


def parts_of(
    task: Task, directory: Directory, recorded: dict[str, Any] | None = None
) -> list[Part]:
    """The task's parts with what each unit recorded (`recorded`, default the task's own
    `parts`). While no unit has recorded anything, each part shows the whole task's status
    (marked as a whole, as without a directory); after that an unrecorded part is 未开始."""
    recorded = task.parts if recorded is None else recorded
    default = TODO if recorded else task.status
    out = []
    for unit, role, via in assignments(task, directory):
        fields = recorded.get(unit) or {}
        known = {k: fields[k] for k in PART_FIELDS if k in fields}
        out.append(Part(unit, role, via, **{"status": default, **known}))
    return out


def derived_status(parts: list[Part]) -> str:
    """The task's status from its parts (see the module docstring)."""
    leads = [p for p in parts if p.role == "lead"] or parts
    if leads and all(p.status == DONE for p in leads):
        return DONE
    if any(p.status == BLOCKED for p in parts):
        return BLOCKED
    if any(p.status in (DOING, DONE) for p in parts):
        return DOING
    return TODO


def progress(parts: list[Part]) -> dict[str, int]:
    """How many lead parts are done, of how many (every part when no unit leads)."""
    leads = [p for p in parts if p.role == "lead"] or parts
    return {"done": sum(p.status == DONE for p in leads), "total": len(leads)}


def part_changes(
    rec: dict[str, Any], directory: Directory, unit: str, part: dict[str, Any] | None
) -> dict[str, Any]:
    """The changes that set (None: clear) `unit`'s part of the task record `rec`, with the
    task's status following its parts (a task no longer 已完成 loses its sign-off)."""
    task = Task.from_record(rec)
    units = [u for u, _, _ in assignments(task, directory)]
    if unit not in units:
        names = "、".join(units[:8]) + ("等" if len(units) > 8 else "")
        raise InputError(f"“{unit}”不是任务 #{task.id} 的牵头或配合单位（本任务：{names}）。")
    recorded = dict(task.parts)
    if part is None:
        recorded.pop(unit, None)
    else:
        recorded[unit] = part
    status = derived_status(parts_of(task, directory, recorded)) if recorded else task.status
    changes: dict[str, Any] = {PART_PREFIX + unit: part, "status": status}
    if status != DONE:
        changes.update(confirmed_by=None, confirmed_at=None)
    return changes


def resolve_part_unit(directory: Directory, word: str) -> str:
    """The directory unit a typed word names (name, alias, spelling variant, pinyin)."""
    found = directory.canonical(word)
    if found:
        return found
    from .unitnames import resolve_units

    names = resolve_units(word, {u.name: u.as_unit() for u in directory.units.values()})
    if len(names) == 1:
        return names[0]
    if not names:
        raise InputError(f"单位名录中没有“{word}”，可用 zwgk directory list 查看。")
    raise InputError(f"“{word}”可以指 {'、'.join(names[:8])}，请写全称。")


def own_unit(task: Task, directory: Directory, login: str) -> str | None:
    """The acting user's unit when their login maps to exactly one of the task's parts."""
    mine = set(directory.units_of_login(login))
    if not mine:
        return None
    found = [u for u, _, _ in assignments(task, directory) if u in mine]
    return found[0] if len(found) == 1 else None


def open_work(snap: Snapshot, units: list[str]) -> list[Task]:
    """The tasks `units` are responsible for whose own part (or the task, where a unit has
    none) is not done yet, nearest deadline first: a unit's "my tasks"."""
    wanted = set(units)
    out = []
    for task in snap.task_list():
        reached = {u for u, _, _ in snap.reach(task)} if snap.directory else set(task.units())
        if not wanted & reached:
            continue
        own = {p.unit: p.status for p in snap.parts(task)} if snap.directory else {}
        if any(own.get(u, task.status) != DONE for u in wanted & reached):
            out.append(task)
    return sorted(out, key=lambda t: (t.due or date.max, t.id))

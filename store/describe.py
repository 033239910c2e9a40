"""One-line Chinese descriptions of audit-trail events, shared by the CLI and the app.

Plain text only (no colours): the callers decide how to show it. Everything that came from a
person or a file is sanitised here, so no caller can forget.
"""

from __future__ import annotations

from collections.abc import Callable

from .model import PART_PREFIX, Event
from .textutil import one_line

Label = Callable[[int | None], str]

FIELD_NAMES = {"status": "状态", "note": "进展", "confirmed_by": "办结确认"}
PREFIXES = {"undo": "撤销：", "confirm": "办结确认：", "sendback": "退回："}
HIDDEN_FIELDS = ("note", "confirmed_at")  # the note is shown apart; a timestamp says nothing


def task_ref(task_id: int | None, label: Label | None = None) -> str:
    """How an event names its task: `#7` (a number keeps its `#`), or the key `宣城2020-3`
    that `label` (e.g. `Snapshot.label_of`) gives when several plans are active."""
    text = one_line(label(task_id)) if label is not None else str(task_id)
    return f"#{text}" if text.isdigit() else text


def describe_event(e: Event, label: Label | None = None) -> str:
    """`#7 状态 未开始 → 已完成` (the note and the timestamp are left to the caller); `label`
    names the task from its record id (default: `#id`)."""
    target = f"{task_ref(e.task, label)} " if e.task is not None else ""
    if e.action in ("import", "directory", "plan"):
        return one_line(e.note) or "导入"
    if e.action == "restore":
        return "恢复备份"
    if e.action == "repair":
        return one_line(e.note) or "修复修改记录"
    if e.action == "refused":
        return f"{target}被拒绝"
    parts: list[str] = []
    for name, pair in (e.changes or {}).items():
        if name in HIDDEN_FIELDS or not isinstance(pair, list) or len(pair) != 2:
            continue
        old, new = pair
        if name.startswith(PART_PREFIX):  # one unit's part: its status, then the task's
            unit = one_line(name[len(PART_PREFIX) :])
            parts.insert(0, f"{unit} {_part_status(old)} → {_part_status(new)}")
            continue
        field = "任务状态" if e.unit and name == "status" else FIELD_NAMES.get(name, name)
        parts.append(f"{field} {one_line(old) or '-'} → {one_line(new) or '-'}")
    if not parts and "note" in (e.changes or {}):
        parts.append("添加进展")
    return target + PREFIXES.get(e.action, "") + ("，".join(parts) or "无变化")


def _part_status(part: object) -> str:
    status = part.get("status") if isinstance(part, dict) else None
    return one_line(status) if isinstance(status, str) else "未开始"


def event_line(e: Event, label: Label | None = None) -> str:
    """`2020-12-15 09:30 zhang #7 状态 未开始 → 已完成  备注：…`"""
    when = (e.ts or "").replace("T", " ")[:16]
    # An import's note is its description already.
    note = (
        f"  备注：{one_line(e.note)}"
        if e.note and e.action not in ("import", "directory", "plan")
        else ""
    )
    return f"{when} {one_line(e.user)} {describe_event(e, label)}{note}"

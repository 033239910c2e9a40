"""The morning digest (`zwgk digest`): per unit, what is overdue, what falls due soon, what changed.

Plain text, at most 80 columns (Chinese counted double-width), never any terminal escapes: it
is meant for cron to mail or print. "Changed since the last digest" uses a small state file
beside the database (`<db>.digest.json`, e.g. `zwgk.json.digest.json`) holding, per unit
selection, when the digest was last produced; `--since` overrides it (and is not recorded).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path

from .db import Snapshot
from .describe import FIELD_NAMES, HIDDEN_FIELDS
from .errors import InputError
from .model import DONE, PART_PREFIX, ROLE_WORDS, ROLES, TODO, Event, Task
from .record import field, record
from .textutil import sanitize
from .textwidth import char_width, fit, text_width

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from typing import Any

WIDTH = 80
SOON, MONTH = 7, 30
# Events worth telling a unit about (imports and refusals are housekeeping).
REPORTED_ACTIONS = ("status", "note", "confirm", "sendback", "undo")


# -- the digest ------------------------------------------------------------------------------
@record
class UnitDigest:
    """One unit's part of the digest: its late, near and coming tasks and the changes to them."""

    name: str
    overdue: list[Task] = field(default_factory=list)
    soon: list[Task] = field(default_factory=list)  # today .. today+7
    month: list[Task] = field(default_factory=list)  # today+8 .. today+30
    changes: list[Event] = field(default_factory=list)
    roles: dict[int, str] = field(default_factory=dict)  # task id -> 牵头 / 配合 / 指导

    @property
    def quiet(self) -> bool:
        return not (self.overdue or self.soon or self.month or self.changes)


@record
class Digest:
    """What changed and what is due, per unit, since a given time (`zwgk digest`)."""

    title: str
    today: date
    since: datetime
    total: int
    done: int
    overdue: int
    units: list[UnitDigest]
    tasks: dict[int, Task]


def parse_since(text: str) -> datetime:
    """`--since` as YYYY-MM-DD (start of that day, local time) or an ISO timestamp."""
    raw = text.strip()
    try:
        if len(raw) == 10:
            return _aware(datetime.combine(date.fromisoformat(raw), time()))
        return _aware(datetime.fromisoformat(raw))
    except ValueError:
        raise InputError(
            f"--since 的时间“{text}”无法识别，请写成 YYYY-MM-DD 或 YYYY-MM-DDTHH:MM。"
        ) from None


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.astimezone()


def _event_time(event: Event) -> datetime | None:
    try:
        return _aware(datetime.fromisoformat(event.ts))
    except (TypeError, ValueError):
        return None


def default_since(today: date) -> datetime:
    """With no earlier digest: changes since the start of yesterday."""
    return _aware(datetime.combine(today - timedelta(days=1), time()))


def build(
    snap: Snapshot,
    events: list[Event],
    today: date,
    since: datetime,
    units: list[str] | None = None,
) -> Digest:
    """The digest for `units` (every unit on the plan when None).

    With a unit directory the units are the real ones (a collective word such as 各街道 stands
    for each of its members, so every street gets its own list) and each counts its own part:
    a street whose part is done is not reminded of the task, though other streets' parts are
    still open. Its "recent changes" are the task's own changes and those to its part; a unit
    with no part of a task (it guides it) sees every change, the way it would supervise."""
    tasks = snap.task_list()
    recent = [
        e
        for e in events
        if e.task is not None
        and e.action in REPORTED_ACTIONS
        and (when := _event_time(e)) is not None
        and when > since
    ]
    duties = _duties(snap, list(tasks), units)
    by_parts = bool(snap.directory)
    out: list[UnitDigest] = []
    for name, mine in duties.items():
        ud = UnitDigest(name)
        for task, role, status in mine.values():
            ud.roles[task.id] = role
            if status == DONE or task.due is None:
                continue
            days = (task.due - today).days
            if days < 0:
                ud.overdue.append(task)
            elif days <= SOON:
                ud.soon.append(task)
            elif days <= MONTH:
                ud.month.append(task)
        for bucket in (ud.overdue, ud.soon, ud.month):
            bucket.sort(key=lambda t: (t.due or today, t.id))
        ud.changes = [
            e
            for e in recent
            if e.task in mine and (not by_parts or _concerns(e, name, mine[e.task]))
        ]
        out.append(ud)
    out.sort(key=lambda u: (u.quiet, -len(u.overdue), -len(u.soon), u.name))
    return Digest(
        title=snap.title,
        today=today,
        since=since,
        total=len(tasks),
        done=sum(t.status == DONE for t in tasks),
        overdue=sum(t.overdue(today) for t in tasks),
        units=out,
        tasks=dict(snap.tasks),
    )


# unit -> task id -> (task, the unit's role word, the status it answers for)
Duties = dict[str, dict[int, tuple[Task, str, str]]]


def _duties(snap: Snapshot, tasks: list[Task], units: list[str] | None) -> Duties:
    """What each unit answers for, in one pass over the tasks. Without a directory a unit is
    a name in the task's cells and answers for the whole task (the digest as it always was)."""
    duties: Duties = {}
    if not snap.directory:
        names = units or sorted({u for t in tasks for u in t.units()})
        for name in names:
            duties[name] = {
                t.id: (t, role_of(t, name), t.status) for t in tasks if name in t.units()
            }
        return duties
    wanted: set[str] | None = None
    if units:  # a collective word asked for (各街道) means each of its members
        wanted = {u for name in units for u, _ in snap.directory.expand(name)}
        duties = {name: {} for name in sorted(wanted)}
    for task in tasks:
        own = {p.unit: p.status for p in snap.parts(task)}
        for unit, role, _ in snap.reach(task):
            if wanted is not None and unit not in wanted:
                continue
            mine = duties.setdefault(unit, {})
            if task.id not in mine:  # the first role is the unit's part (lead before guide)
                mine[task.id] = (task, ROLE_WORDS[role], own.get(unit, task.status))
    return duties if units else dict(sorted(duties.items()))


def _concerns(event: Event, unit: str, duty: tuple[Task, str, str]) -> bool:
    """Is this change news to `unit`? A change to another unit's part is not, unless the
    unit only guides the task."""
    return event.unit is None or event.unit == unit or duty[1] == ROLE_WORDS["guide"]


def role_of(task: Task, unit: str) -> str:
    for role in ROLES:
        if unit in task.units(role):
            return ROLE_WORDS[role]
    return ""


def task_line(
    task: Task, unit: str, today: date, width: int = WIDTH, role: str | None = None
) -> str:
    """`  #12 2020-08-31 逾期106天 梳理规范基层政府权责清单…            牵头`"""
    due = task.due.isoformat() if task.due else "-"
    days = (task.due - today).days if task.due else 0
    when = f"逾期{-days}天" if days < 0 else ("今天到期" if days == 0 else f"还有{days}天")
    head = f"  {'#' + str(task.id):>4} {due} {fit(when, 9)} "
    role = role_of(task, unit) if role is None else role
    text_cells = width - text_width(head) - 1 - 4
    return f"{head}{fit(task.text, text_cells)} {fit(role, 4)}".rstrip()


def describe(event: Event) -> str:
    parts: list[str] = []
    for name, pair in (event.changes or {}).items():
        if name in HIDDEN_FIELDS or not isinstance(pair, list) or len(pair) != 2:
            continue
        old, new = pair
        if name.startswith(PART_PREFIX):  # one unit's part: its status first, then the task's
            parts.insert(0, f"{name[len(PART_PREFIX) :]} {_part_status(old)}→{_part_status(new)}")
            continue
        label = "任务状态" if event.unit and name == "status" else FIELD_NAMES.get(name, name)
        parts.append(f"{label} {old or '-'}→{new or '-'}")
    label = {"confirm": "办结确认", "sendback": "退回", "undo": "撤销"}.get(event.action, "")
    if event.action == "confirm":
        parts = []
    if not parts and not label and "note" in (event.changes or {}):
        label = "更新进展"
    text = "，".join(p for p in (label, "，".join(parts)) if p)
    if event.note:
        text += f"：{event.note}"
    return text


def _part_status(part: object) -> str:
    status = part.get("status") if isinstance(part, dict) else None
    return status if isinstance(status, str) else TODO


def change_line(event: Event, width: int = WIDTH) -> str:
    when = event.ts[5:16].replace("T", " ")
    who = fit(event.user, 8, pad=False)
    head = f"  {when} {who} #{event.task} "
    return head + fit(describe(event), width - text_width(head), pad=False)


def render(digest: Digest, width: int = WIDTH) -> list[str]:
    """The digest as lines of plain text, none wider than `width` columns."""
    today = digest.today
    lines = [
        fit(f"政务公开任务提醒  截至 {today.year}年{today.month}月{today.day}日", width, pad=False),
        fit(f"《{digest.title}》", width, pad=False),
        fit(
            f"共 {digest.total} 项，已完成 {digest.done} 项，逾期 {digest.overdue} 项；"
            f"变化自 {digest.since.strftime('%Y-%m-%d %H:%M')} 起",
            width,
            pad=False,
        ),
    ]
    quiet = [u.name for u in digest.units if u.quiet]
    for ud in digest.units:
        if ud.quiet:
            continue
        lines += ["", f"== {fit(ud.name, width - 6, pad=False)} =="]
        sections = (
            (f"逾期 {len(ud.overdue)} 项", ud.overdue),
            (f"{SOON} 天内到期 {len(ud.soon)} 项", ud.soon),
            (f"{SOON + 1}–{MONTH} 天内到期 {len(ud.month)} 项", ud.month),
        )
        for label, bucket in sections:
            if bucket:
                lines.append(label + "：")
                lines += [task_line(t, ud.name, today, width, ud.roles.get(t.id)) for t in bucket]
        if ud.changes:
            lines.append(f"近期变化 {len(ud.changes)} 条：")
            lines += [change_line(e, width) for e in ud.changes]
    if quiet:
        lines += ["", *wrap("无提醒事项：" + "、".join(quiet), width)]
    if not digest.units:
        lines += ["", "没有相关单位。"]
    return lines


def wrap(text: str, width: int) -> list[str]:
    out: list[str] = []
    line: list[str] = []
    used = 0
    for ch in sanitize(text, keep_newlines=False):
        w = char_width(ch)
        if used + w > width:
            out.append("".join(line))
            line, used = [], 0
        line.append(ch)
        used += w
    if line:
        out.append("".join(line))
    return out


# -- the last-digest state -------------------------------------------------------------------
def state_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".digest.json")


def state_key(units: list[str] | None) -> str:
    return "、".join(sorted(units)) if units else "*"


def last_digest(db_path: Path, key: str) -> datetime | None:
    try:
        data = json.loads(state_path(db_path).read_text(encoding="utf-8"))
        return _aware(datetime.fromisoformat(data["last"][key]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def record_digest(db_path: Path, key: str, moment: datetime) -> None:
    """Remember when this selection's digest was produced (best effort: never fails the run)."""
    path = state_path(db_path)
    data: dict[str, Any]
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not isinstance(data.get("last"), dict):
            data = {"last": {}}
    except (OSError, ValueError):
        data = {"last": {}}
    data["last"][key] = moment.isoformat(timespec="seconds")
    with contextlib.suppress(OSError):
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, ensure_ascii=False, indent=1)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

"""The records of the event log (the write-ahead log): how they are made, cleaned, replayed.

Its own module because a logged event is read in more places than it is written: a
`Transaction` appends events and replays them onto the one task it reads, loading rolls the
log forward onto a freshly read task file, and `doctor --restore` replays it onto a backup.
All of them must agree on which events change a task (`replays`) and how (`apply_event`),
and every event is made by `new_event`, whoever writes it.
"""

from __future__ import annotations

from datetime import datetime

from .model import PART_PREFIX, Event, set_record_field
from .snapshot import meta_of
from .textutil import sanitize
from .validation import change_problem, is_int

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from typing import Any

    from .context import Actor

# Logged actions that never change a task record (roll-forward skips them).
NO_CHANGE_ACTIONS = frozenset({"refused", "import"})
# Set on records written by `Transaction.log`: an entry for the record (an import summary,
# history carried over from another database) whose effect, if any, is in the task file
# written by the same transaction — never something to replay onto a task.
LOG_ONLY = "log_only"

_EVENT_TEXT = ("user", "host", "tty", "note", "action", "field")
# Every action zwgk logs (`repair`: the first record of a log begun by `doctor --repair`).
ACTIONS = frozenset(
    {
        "status",
        "note",
        "undo",
        "confirm",
        "sendback",
        "refused",
        "import",
        "restore",
        "repair",
        "directory",
        "plan",
    }
)
# Actions that change one task: they must name it.
TASK_ACTIONS = frozenset({"status", "note", "undo", "confirm", "sendback"})
MAX_SEQ = 2**53  # beyond any real log; keeps a planted huge number from poisoning the counter


def now_iso() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


def new_event(
    seq: int, actor: Actor, action: str, task: int | None = None, note: str = "", **fields: Any
) -> Event:
    """An event numbered `seq`, by this user on this host and tty, stamped now."""
    return Event(
        seq=seq,
        ts=now_iso(),
        user=actor.user,
        action=action,
        task=task,
        note=note,
        host=actor.host,
        tty=actor.tty,
        **fields,
    )


def clean_event(record: dict[str, Any]) -> dict[str, Any]:
    """No control characters from $ZWGK_USER, host names, ttys or notes reach the log."""
    for name in _EVENT_TEXT:
        v = record.get(name)
        if isinstance(v, str):
            record[name] = sanitize(v, keep_newlines=name == "note")
    return record


def event_record(event: Event) -> dict[str, Any]:
    """The event as one log line holds it (cleaned)."""
    return clean_event(event.to_record())


def event_seq(rec: dict[str, Any]) -> int | None:
    """The record's sequence number when it is a usable one (see also `validate_event`)."""
    seq = rec.get("seq")
    return seq if is_int(seq) and 0 < seq < MAX_SEQ else None


def validate_event(rec: Any) -> str | None:
    """Why a logged record cannot be trusted (None: it can). Checked on every read, so one bad
    line is skipped (and reported by `zwgk doctor`) instead of breaking every command."""
    if not isinstance(rec, dict):
        return "不是一条记录"
    action = rec.get("action")
    if action not in ACTIONS:
        return f"动作“{sanitize(str(action), keep_newlines=False)[:40]}”未知"
    if event_seq(rec) is None:
        return "序号无效"
    for name in ("ts", "user"):
        if not isinstance(rec.get(name), str):
            return f"缺少 {name}"
    for name in ("note", "host", "tty", "field"):
        if rec.get(name) is not None and not isinstance(rec[name], str):
            return f"{name} 不是文字"
    task = rec.get("task")
    if task is not None and not (is_int(task) and task > 0):
        return "任务编号无效"
    if task is None and action in TASK_ACTIONS and not rec.get(LOG_ONLY):
        return "缺少任务编号"
    if rec.get("undoes") is not None and not is_int(rec["undoes"]):
        return "undoes 不是序号"
    if rec.get("unit") is not None and not (isinstance(rec["unit"], str) and rec["unit"]):
        return "unit 不是单位名称"
    changes = rec.get("changes")
    if changes is None:
        return None
    if not isinstance(changes, dict):
        return "changes 不是字典"
    for name, pair in changes.items():
        if not isinstance(pair, list) or len(pair) != 2:
            return f"字段 {sanitize(str(name), keep_newlines=False)[:40]} 的修改不是 [原值, 新值]"
        old, new = pair
        problem = change_problem(name, new) or (
            change_problem(name, old) if old is not None else None  # None: the field was absent
        )
        if problem:
            return f"修改后{problem}" if problem.startswith("的") else problem
    return None


def replays(ev: dict[str, Any]) -> bool:
    """Whether roll-forward applies this logged event to its task."""
    return ev.get("action") not in NO_CHANGE_ACTIONS and not ev.get(LOG_ONLY)


# Fields a logged change may set while everything worked out from a task's text, units and
# due date stays right (marks, notes, sign-offs, a unit's part): a reader holding tasks (the
# read snapshot, an open app) applies such a change in place; any other means a full read.
LIVE_FIELDS = frozenset(
    {"status", "note", "updated_at", "updated_by", "confirmed_by", "confirmed_at"}
)


def live_change(ev: dict[str, Any]) -> bool:
    """Does this logged change touch only `LIVE_FIELDS` and units' parts?"""
    changes = ev.get("changes") or {}
    return all(k in LIVE_FIELDS or str(k).startswith(PART_PREFIX) for k in changes)


def apply_event(task: dict[str, Any], event: dict[str, Any]) -> None:
    """Apply one logged change to a task record (used for writes and for roll-forward)."""
    for fname, pair in (event.get("changes") or {}).items():
        if isinstance(pair, list) and len(pair) == 2:
            set_record_field(task, fname, pair[1])
    task["updated_at"] = event.get("ts")
    task["updated_by"] = event.get("user")


def roll_forward(data: dict[str, Any], events: list[dict[str, Any]], offset: int) -> None:
    """Apply events the task file has not absorbed yet (a crash between log and rename)."""
    meta = meta_of(data)
    last = int(meta.get("last_seq", 0))
    for ev in events:
        if validate_event(ev) is not None:
            continue  # a bad record is skipped whole (and its seq with it): doctor reports it
        seq = ev["seq"]
        if seq <= last:
            continue
        last = seq
        rec = data["tasks"].get(str(ev.get("task")))
        if rec is not None and replays(ev):
            apply_event(rec, ev)
    meta["last_seq"] = last
    meta["events_offset"] = offset
    data["meta"]["1"] = meta

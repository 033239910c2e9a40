"""The records of the event log (the write-ahead log): how they are made, cleaned, replayed.

Its own module because a logged event is read in more places than it is written: a
`Transaction` appends events and replays them onto the one task it reads, loading rolls the
log forward onto a freshly read task file, and `doctor --restore` replays it onto a backup.
All of them must agree on which events change a task (`replays`) and how (`apply_event`),
and every event is made by `new_event`, whoever writes it.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from .model import Event, set_record_field
from .snapshot import meta_of
from .textutil import sanitize
from .validation import is_int

if TYPE_CHECKING:
    from .context import Actor

# Logged actions that never change a task record (roll-forward skips them).
NO_CHANGE_ACTIONS = frozenset({"refused", "import"})
# Set on records written by `Transaction.log`: an entry for the record (an import summary,
# history carried over from another database) whose effect, if any, is in the task file
# written by the same transaction — never something to replay onto a task.
LOG_ONLY = "log_only"

_EVENT_TEXT = ("user", "host", "tty", "note", "action", "field")


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


def replays(ev: dict[str, Any]) -> bool:
    """Whether roll-forward applies this logged event to its task."""
    return ev.get("action") not in NO_CHANGE_ACTIONS and not ev.get(LOG_ONLY)


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
        seq = ev.get("seq")
        if not is_int(seq) or seq <= last:
            continue
        rec = data["tasks"].get(str(ev.get("task")))
        if rec is not None and replays(ev):
            apply_event(rec, ev)
        last = seq
    meta["last_seq"] = last
    meta["events_offset"] = offset
    data["meta"]["1"] = meta

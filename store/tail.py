"""A snapshot rolled forward in memory from the log's tail: what an open app does when a
colleague writes, instead of reading 100,000 tasks again.

A change of status, note, sign-off or a unit's part is one event appended to the log; the task
file is untouched until a checkpoint. So while the task file is the one the snapshot was read
from, the new log lines are all that changed: each replaces one `Task` (the others are shared
with the old snapshot), and the search index keeps everything but those tasks' statuses.
Anything else — the task file rewritten (checkpoint, import, directory, plan), the log shorter
than what was read, a record for an unknown task, a change to what the index is built from —
returns None, and the caller reads the database in full as before.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from .eventfile import read_events
from .eventlog import TASK_ACTIONS, apply_event, live_change, replays, validate_event
from .files import events_path
from .lazytasks import LazyTasks
from .model import Event, Task
from .record import record
from .snapshot import Snapshot

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from pathlib import Path


@record
class Rolled:
    """A snapshot rolled forward from the log's tail, with the events and tasks it changed."""

    snapshot: Snapshot
    events: list[Event]  # what the tail held, oldest first (the news to announce)
    changed: set[int]  # ids of the tasks replaced


def roll(snap: Snapshot, db_path: Path) -> Rolled | None:
    """`snap` with the log lines written since it was read applied, or None when only a full
    read will do. Cheap: one stat per file and the tail's lines."""
    try:
        st = os.stat(db_path)
        log_size = os.stat(events_path(db_path)).st_size
    except OSError:
        return None
    mtime, size, _ = snap.signature
    offset = int(snap.meta.get("events_offset", 0) or 0)
    if (st.st_mtime_ns, st.st_size) != (mtime, size) or log_size < offset or not mtime:
        return None  # the task file was rewritten, or the log is not the one we read
    records, end = read_events(events_path(db_path), offset)
    last = int(snap.meta.get("last_seq", 0) or 0)
    tasks: dict[int, Task] = {}  # the tasks replaced, by id
    events: list[Event] = []
    changed: set[int] = set()
    for rec in records:
        if validate_event(rec) is not None:
            continue  # skipped by every reader alike (doctor reports it)
        seq = rec["seq"]
        if seq <= last:
            continue
        last = seq
        if replays(rec):
            if rec.get("action") not in TASK_ACTIONS or not live_change(rec):
                return None
            task = tasks.get(rec["task"])
            if task is None:
                task = snap.tasks.get(rec["task"])
            if task is None:
                return None
            record = task.to_record()
            apply_event(record, rec)
            tasks[task.id] = Task.from_record(record)
            changed.add(task.id)
        events.append(Event.from_record(rec))
    meta = {**snap.meta, "last_seq": last, "events_offset": end}
    new: Mapping[int, Task] = snap.tasks
    if tasks and isinstance(snap.tasks, LazyTasks):
        new = snap.tasks.with_changes(tasks)  # built lazily: only these are replaced
    elif tasks:
        new = {**snap.tasks, **tasks}
    rolled = Snapshot(
        snap.plans,
        new,
        snap.units,
        meta,
        (mtime, size, end),
        snap.directory,
    )
    return Rolled(rolled, events, changed)

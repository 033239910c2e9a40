"""`Transaction`: one locked read-modify-write of the database, and its commit.

Its own module because it is the one place where the write path's rules live: read the least
that is needed (one task line and the log since, or the whole file), check permissions
(`require`), change a task and log it as one event (`change`, `log`), and commit — a fsynced
append to the event log, or the whole task file rewritten atomically after validation.

It is handed what it needs — the database's path, who is acting, where the permission rules
come from, and the file already read under the lock (a `FileView` or the loaded data) — and
knows nothing of `Store`, which opens it (`Store.transaction()`); importers, sign-off and
exchange write through it.

TinyDB is imported only when the whole file is needed: a status change (`zwgk mark`) never
loads it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

from .codec import parse_line
from .dbfile import Dumped, FileView
from .directory import Directory
from .errors import DatabaseError, InputError, PermissionDenied
from .eventfile import append_events
from .eventlog import (
    LOG_ONLY,
    apply_event,
    event_record,
    new_event,
    replays,
    validate_event,
)
from .files import events_path, open_checked
from .loading import load_database
from .logcheck import head_of, require_intact
from .model import Event, Task, record_field
from .snapshot import meta_of, tables_of
from .textutil import sanitize
from .validation import is_int, task_problem, validate

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from typing import Any

    from .context import Actor
    from .permissions import Policy
    from .tinystorage import TaskFileStorage

# Rewrite the task file once the log written since exceeds this, or an eighth of the file:
# readers then never spend more than ~1/8 extra on rolling the log forward.
CHECKPOINT_BYTES = 64 * 1024


class Transaction:
    """One locked read-modify-write. Use through `Store.transaction()`.

    Two speeds. A transaction that only calls `task_record`/`task`/`change`/`log`/`require`
    never parses the whole task file: it reads the one task line it needs from a CRC-verified
    file (`FileView`) plus the log written since, and its commit is one fsynced append to the
    event log (the write-ahead log *is* the commit; the task file is rewritten — a checkpoint —
    once enough log has piled up, see `CHECKPOINT_BYTES`). Touching `db` or `data` loads,
    validates and rolls forward the whole file, and a commit that changed it writes it back
    atomically (with a backup of the version it replaces).
    """

    def __init__(
        self,
        path: Path,
        actor: Actor,
        policy: Callable[[], Policy],
        *,
        data: dict[str, Any] | None = None,
        view: FileView | None = None,
    ) -> None:
        """`path`: the task file (held locked by the caller); `actor`: who is acting;
        `policy`: the permission rules, asked for on the first check; `data` (the whole
        database, loaded) or `view` (the verified file, not parsed): what was read."""
        self.path = path
        self.events_path = events_path(path)
        self.actor = actor
        self._policy_of = policy
        self._view = view
        self._storage: TaskFileStorage | None = None
        self._db: Any = None
        self._overlay: dict[int, dict[str, Any]] = {}  # tasks changed here (fast path)
        self._tail = b""  # logged events the task file lacks: complete lines, unparsed
        self.new_events: list[dict[str, Any]] = []
        self._policy: Policy | None = None
        if data is not None:
            self._use_full(data)
        else:
            assert view is not None
            self.meta = _writable_meta(dict(view.meta))
            require_intact(path, self.meta)  # before anything is numbered or written
            self._absorbed = int(self.meta.get("last_seq", 0))
            # The log written since the task file (up to an eighth of it: megabytes at 100,000
            # tasks), kept as one bytes object: a task's events are found in it by their
            # `"task":N,`, and only those lines are parsed — never every line of it.
            offset = int(self.meta.get("events_offset", 0))
            self._tail = _complete_lines(self.events_path, offset)
            for line in _lines_backwards(self._tail):
                rec = parse_line(line)
                if rec is not None and validate_event(rec) is None:
                    self.meta["last_seq"] = max(int(self.meta.get("last_seq", 0)), rec["seq"])
                    break

    def close(self) -> None:
        """Let go of the task file read on the fast path (its descriptor): the transaction is
        over."""
        if self._view is not None:
            self._view.close()

    # -- the whole file, loaded on demand ---------------------------------------------------
    def _use_full(self, data: dict[str, Any]) -> None:
        from tinydb import TinyDB

        from .tinystorage import TaskFileStorage

        # TinyDB builds its storage from these arguments (its documented extension point).
        self._db = TinyDB(self.path, data, storage=TaskFileStorage)
        storage = self._db.storage
        assert isinstance(storage, TaskFileStorage)
        self._storage = storage
        meta = _writable_meta(meta_of(data))
        if hasattr(self, "meta"):  # keep the seq counter this transaction already advanced
            meta["last_seq"] = max(int(meta.get("last_seq", 0)), int(self.meta["last_seq"]))
        self.meta = meta

    def _full(self) -> TaskFileStorage:
        if self._storage is None:
            data = load_database(self.path) or tables_of(None)
            for tid, rec in self._overlay.items():
                data["tasks"][str(tid)] = rec
            self._use_full(data)
            assert self._storage is not None
            if self._overlay:
                self._storage.dirty = True
        return self._storage

    @property
    def db(self) -> Any:
        """The whole database as a TinyDB instance (loads it on first use)."""
        self._full()
        return self._db

    @property
    def data(self) -> dict[str, Any]:
        return self._full().data or {}

    # -- reading ---------------------------------------------------------------------------
    def task_record(self, task_id: int) -> dict[str, Any]:
        if self._storage is not None:
            rec = self.db.table("tasks").get(doc_id=task_id)
            found = dict(rec) if rec is not None else None
        elif task_id in self._overlay:
            found = dict(self._overlay[task_id])
        else:
            assert self._view is not None
            found = self._view.task(task_id)
            if found is not None:
                for line in _lines_with(self._tail, b'"task":%d,' % task_id):
                    ev = parse_line(line)
                    if (
                        ev is not None
                        and ev.get("task") == task_id
                        and validate_event(ev) is None
                        and ev["seq"] > self._absorbed
                        and replays(ev)
                    ):
                        apply_event(found, ev)
        if found is None:
            raise InputError(f"没有编号为 {task_id} 的任务。")
        return found

    def task(self, task_id: int) -> Task:
        return Task.from_record(self.task_record(task_id))

    def plans_table(self) -> dict[str, Any]:
        """The plans (one line of a CRC-verified file on the fast path)."""
        if self._storage is None and self._view is not None:
            return self._view.table("plans")
        return self.data.get("plans", {})

    def _writable_plan(self, rec: dict[str, Any]) -> None:
        """An archived plan is read-only: no change to its tasks, undo included."""
        for plan in self.plans_table().values():
            if isinstance(plan, dict) and plan.get("title") == rec.get("plan"):
                if plan.get("state") == "已归档":
                    code = plan.get("code") or plan.get("title")
                    raise InputError(f"方案 {code} 已归档（只读），未做修改。")
                return

    def directory(self) -> Directory:
        """The unit directory (one line of a CRC-verified file on the fast path)."""
        if self._storage is None and self._view is not None:
            table = self._view.table("directory")
        else:
            table = self.data.get("directory", {})
        return Directory.from_records(table.get("1"))

    def units_table(self) -> dict[str, Any]:
        if self._storage is None and self._view is not None:
            return self._view.table("units")
        return self.data.get("units", {})

    def require(self, task_id: int | None, action: str, *, unit: str | None = None) -> None:
        """Raise PermissionDenied (and log the refusal) unless this user may do `action`.

        action: status | note | confirm | import | restore. Without a config file everyone
        may do everything; the rules are in `permissions.py`. A refusal is appended to the
        event log at once (we hold the lock), even though the transaction then aborts and
        the task file is not touched.
        """
        reason = self.refusal(task_id, action, unit=unit)
        if reason is None:
            return
        event = self.new_event(task_id, action="refused", note=reason, field=action)
        append_events(self.events_path, [event_record(event)])
        raise PermissionDenied(reason, seq=event.seq)

    def refusal(self, task_id: int | None, action: str, *, unit: str | None = None) -> str | None:
        """Why this user may not do `action` on the task, or on `unit`'s part of it (None:
        allowed). Logs nothing."""
        if self._policy is None:
            self._policy = self._policy_of()
        if not self._policy.configured:
            return None
        rec = self.task_record(task_id) if task_id is not None else None
        directory = self.directory()
        return self._policy.refusal(
            self.actor.user,
            action,
            rec,
            self.units_table(),
            part=unit,
            directory_units=directory.units_of_login(self.actor.user),
        )

    def new_event(
        self, task_id: int | None, *, action: str, note: str = "", **fields: Any
    ) -> Event:
        """An event by this user, on this host and tty, numbered next in the log."""
        return new_event(self.next_seq(), self.actor, action, task_id, note, **fields)

    def next_seq(self) -> int:
        self.meta["last_seq"] = int(self.meta.get("last_seq", 0)) + 1
        return self.meta["last_seq"]

    def log(self, event: Event) -> Event:
        """Record an event without touching a task (import summaries, carried-over history).

        Roll-forward never replays it (see `LOG_ONLY`): change tasks with `change()`.
        """
        record = event_record(event)
        record[LOG_ONLY] = True
        self.new_events.append(record)
        return event

    def change(
        self, task_id: int, changes: dict[str, Any], *, action: str, note: str = "", **extra: Any
    ) -> Event:
        """Change fields of one task and log it as one event with from -> to for each field."""
        rec = self.task_record(task_id)
        self._writable_plan(rec)
        pairs = {
            k: [record_field(rec, k), v] for k, v in changes.items() if record_field(rec, k) != v
        }
        event = self.new_event(
            task_id, action=action, note=note, field=next(iter(changes), None), **extra
        )
        event.changes = pairs
        record = event_record(event)
        apply_event(rec, record)
        problem = task_problem(str(task_id), rec)
        if problem:
            raise InputError(f"{problem}，未做修改。")
        if self._storage is not None:
            self.db.table("tasks").update(rec, doc_ids=[task_id])
        else:
            self._overlay[task_id] = rec
        self.new_events.append(record)
        event.user, event.host, event.tty = record["user"], record["host"], record["tty"]
        return event

    # -- committing --------------------------------------------------------------------------
    # (size, what to raise): a commit whose task file would be larger is refused before
    # anything is written (an import's share of what loading accepts; see `refuse_larger`).
    _size_limit: tuple[float, Callable[[int], Exception]] | None = None

    def refuse_larger(self, limit: float, error: Callable[[int], Exception]) -> None:
        """Make the commit raise `error(size)`, writing nothing, if the task file it would
        write is larger than `limit` bytes. Measured on the commit's own dump: no second one."""
        self._size_limit = (limit, error)

    # Keys of task records that hold no float (`dbfile.Dumped`'s `plain`): the ones an import
    # built itself, so their dump may take the faster encoder.
    _plain_tasks: set[int] | frozenset[int] | range = frozenset()

    def plain_tasks(self, ids: set[int] | range) -> None:
        """Say that these tasks' records (as they stand at the commit) hold only str, int,
        bool, None, lists and dicts: no float. Cleaning them at the commit keeps that."""
        self._plain_tasks = ids

    # Keys of the only tasks changed since the whole file was read (None: any may have).
    _changed_tasks: set[int] | range | None = None

    def changed_tasks(self, ids: set[int] | range) -> None:
        """Say that of the tasks only these were changed (inserted or updated through `db`)
        since the file was read: the commit checks those records and not the others, which
        were checked when read (a file zwgk wrote, or `validate` on load; logged changes are
        checked before they are replayed)."""
        self._changed_tasks = ids

    def _to_check(self) -> dict[str, Any]:
        """The data the commit validates: all of it, or with only the changed tasks."""
        data = self.data
        tasks = data.get("tasks")
        if self._changed_tasks is None or not isinstance(tasks, dict):
            return data
        changed = self._changed_tasks
        if len(changed) >= len(tasks):  # a first import: all of them (no copy of the table)
            return data
        return {**data, "tasks": {k: v for k, v in tasks.items() if _task_id(k) in changed}}

    def commit(self) -> None:
        if self._storage is None:
            self._commit_log_only()
            return
        if not self._storage.dirty and not self.new_events:
            return
        from tinydb.table import Document

        dumped = _dumped(self.data, self._plain_tasks)
        if any(e.get("action") == "import" for e in self.new_events):
            # Imported cells, unit names and file names: no control characters get stored.
            # Looked for in the dump (C-speed scans); the records are walked only if one may
            # be there (or the dump failed on one, a lone surrogate).
            from .cleanjson import may_need_cleaning

            if dumped is None or any(map(may_need_cleaning, dumped.chunks)):
                for name in ("plans", "tasks", "units"):
                    self.data[name] = _sanitize_tree(self.data.get(name, {}))
                dumped = _dumped(self.data, self._plain_tasks)
                self._changed_tasks = None  # every record is a new one now: check them all
            self._storage.dirty = True
        problems = validate(self._to_check(), limit=1)
        if problems:  # a bug upstream: refuse to write a database that would not load
            raise DatabaseError(f"这次修改会使数据库{problems[0]}，已取消，未做任何修改。")
        if dumped is None:  # raises what makes the data unwritable, as it always did
            dumped = Dumped(self.data, self._plain_tasks)
        if self._size_limit is not None:
            limit, error = self._size_limit
            size = dumped.size(self.data.get("meta"))
            if size > limit:
                raise error(size)
        if self.new_events:
            # Write-ahead: the log first, so a crash before the rename is rolled forward.
            self.meta["events_offset"] = append_events(self.events_path, self.new_events)
        self._record_log_head()
        self.db.table("meta").upsert(Document(self.meta, doc_id=1))
        self._storage.dirty = True
        # Only the meta line changed since the dump (meta is not part of the body).
        self._storage.flush(dumped.pieces(self.data.get("meta")))

    def _record_log_head(self) -> None:
        """Which log this task file was written against (see `logcheck`): kept once known, and
        adopted here by databases written before it existed."""
        if not int(self.meta.get("events_offset", 0)):
            self.meta.pop("log_head", None)
        elif not is_int(self.meta.get("log_head")):
            head = head_of(self.events_path)
            if head is not None:
                self.meta["log_head"] = head

    def commit_full(self) -> None:
        """Write the whole (loaded) task file back even if nothing in it changed."""
        self._full().dirty = True
        self.commit()

    def _commit_log_only(self) -> None:
        """The fast commit: one fsynced append to the log; checkpoint when it has grown."""
        if not self.new_events:
            return
        size = append_events(self.events_path, self.new_events)
        body = self._view.body if self._view is not None else 0
        if size - int(self.meta.get("events_offset", 0)) > max(CHECKPOINT_BYTES, body // 8):
            with contextlib.suppress(DatabaseError):  # the change is safe in the log already
                checkpoint(self.path, self.actor)


def _complete_lines(path: Path, offset: int) -> bytes:
    """The log from `offset` to the end of its last complete line (an unterminated tail is a
    write in progress or a torn crash), as `eventfile.read_tail` reads it, in one piece."""
    try:
        fd = open_checked(path, os.O_RDONLY, "修改记录")
    except FileNotFoundError:
        return b""
    try:
        size = os.fstat(fd).st_size
        parts = []
        pos = offset
        while pos < size:
            data = os.pread(fd, size - pos, pos)
            if not data:
                break
            parts.append(data)
            pos += len(data)
    finally:
        os.close(fd)
    tail = b"".join(parts)
    return tail[: tail.rfind(b"\n") + 1]


def _lines_backwards(tail: bytes) -> Iterator[bytes]:
    """The non-empty lines of `_complete_lines`, last first."""
    end = len(tail)
    while end > 0:
        start = tail.rfind(b"\n", 0, end - 1) + 1
        if end - 1 > start:
            yield tail[start : end - 1]
        end = start


def _lines_with(tail: bytes, needle: bytes) -> Iterator[bytes]:
    """The lines of `_complete_lines` that contain `needle`, in order."""
    pos = tail.find(needle)
    while pos >= 0:
        start = tail.rfind(b"\n", 0, pos) + 1
        end = tail.index(b"\n", pos)
        yield tail[start:end]
        pos = tail.find(needle, end + 1)


def checkpoint(path: Path, actor: Actor) -> None:
    """Rewrite the task file with every logged change absorbed. Call holding the lock."""
    data = load_database(path)
    if data is None:
        return
    Transaction(path, actor, _no_rules, data=data).commit_full()


def _no_rules() -> Policy:  # a checkpoint changes nothing a person asked for: nothing to check
    raise AssertionError("a checkpoint never checks permissions")


def _writable_meta(meta: dict[str, Any]) -> dict[str, Any]:
    """Meta as a transaction writes it: without the checksum fields of the file it came from."""
    meta.pop("crc", None)
    meta.pop("body", None)
    return meta


def _dumped(data: dict[str, Any], plain: set[int] | frozenset[int] | range) -> Dumped | None:
    """The data dumped, or None when it cannot be (the caller cleans or validates first)."""
    try:
        return Dumped(data, plain)
    except Exception:  # noqa: BLE001 - e.g. a lone surrogate; dumped again after the checks
        return None


def _task_id(key: str) -> int | None:
    """The id a task key names (None: not a decimal id, which validation refuses)."""
    return int(key) if key.isascii() and key.isdigit() else None


def _sanitize_tree(obj: Any) -> Any:
    if isinstance(obj, str):
        return sanitize(obj)
    if isinstance(obj, dict):
        return {k: _sanitize_tree(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_sanitize_tree(v) for v in obj]
    return obj

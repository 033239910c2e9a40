"""The one access layer for the database: every read and write of a plan goes through `Store`.

Reads take a snapshot of the file (safe without the lock, since writes are atomic renames) and
roll forward any logged events the task file does not reflect yet. Writes run in `transaction()`:
lock, fresh read, change, append events, atomic replace. Nothing is cached between calls, so
several processes on one server always act on what is on disk.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tinydb import TinyDB
from tinydb.table import Document

from . import storage
from .context import Context
from .errors import DatabaseError, InputError
from .model import DONE, Event, Plan, Task, Unit

SCHEMA = 1
TABLES = ("meta", "plans", "tasks", "units")
NOTE_LIMIT = 2000  # characters: a progress note, not an essay


def now_iso() -> str:
    return datetime.now().astimezone().isoformat(timespec="seconds")


@dataclass
class Snapshot:
    """The whole database as read at one moment."""

    plans: list[Plan]
    tasks: dict[int, Task]
    units: dict[str, Unit]
    meta: dict[str, Any]
    signature: tuple[int, int, int] = (0, 0, 0)

    @property
    def title(self) -> str:
        return self.plans[0].title if self.plans else "（空数据库）"

    def task_list(self) -> list[Task]:
        return [self.tasks[k] for k in sorted(self.tasks)]

    def alias_map(self) -> dict[str, str]:
        """Every spelling of a unit (name and aliases) -> its canonical name."""
        out: dict[str, str] = {}
        for unit in self.units.values():
            out[unit.name] = unit.name
            for alias in unit.aliases:
                out.setdefault(alias, unit.name)
        return out


def _tables_of(data: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    data = dict(data or {})
    for name in TABLES:
        table = data.get(name)
        if not isinstance(table, dict):
            data[name] = {}
    return data


def _meta(data: dict[str, Any]) -> dict[str, Any]:
    return dict(data["meta"].get("1") or {"schema": SCHEMA, "last_seq": 0, "events_offset": 0})


def apply_event(task: dict[str, Any], event: dict[str, Any]) -> None:
    """Apply one logged change to a task record (used for writes and for roll-forward)."""
    for fname, pair in (event.get("changes") or {}).items():
        if isinstance(pair, list) and len(pair) == 2:
            task[fname] = pair[1]
    task["updated_at"] = event.get("ts")
    task["updated_by"] = event.get("user")


def _roll_forward(data: dict[str, Any], events: list[dict[str, Any]], offset: int) -> None:
    """Apply events the task file has not absorbed yet (a crash between log and rename)."""
    meta = _meta(data)
    last = int(meta.get("last_seq", 0))
    for ev in events:
        seq = int(ev.get("seq", 0))
        if seq <= last:
            continue
        rec = data["tasks"].get(str(ev.get("task")))
        if rec is not None:
            apply_event(rec, ev)
        last = seq
    meta["last_seq"] = last
    meta["events_offset"] = offset
    data["meta"]["1"] = meta


class Transaction:
    """One locked read-modify-write. Use through `Store.transaction()`."""

    def __init__(self, store: Store, data: dict[str, Any]) -> None:
        self.store = store
        self._storage = storage.TransactionStorage(store.path, data)
        self.db = TinyDB(storage=lambda: self._storage)  # type: ignore[arg-type]
        self.meta = _meta(data)
        self.new_events: list[dict[str, Any]] = []

    @property
    def data(self) -> dict[str, Any]:
        return self._storage.data or {}

    def task_record(self, task_id: int) -> dict[str, Any]:
        rec = self.db.table("tasks").get(doc_id=task_id)
        if rec is None:
            raise InputError(f"没有编号为 {task_id} 的任务。")
        return dict(rec)

    def task(self, task_id: int) -> Task:
        return Task.from_record(self.task_record(task_id))

    def snapshot(self) -> Snapshot:
        return _snapshot_of(self.data)

    def require(self, task_id: int | None, action: str) -> None:
        """Raise PermissionDenied (and log the refusal) unless this user may do `action`.

        action: status | note | confirm | import | restore. Without a config file everyone
        may do everything. (Permission rules are filled in by the safety work.)
        """

    def next_seq(self) -> int:
        self.meta["last_seq"] = int(self.meta.get("last_seq", 0)) + 1
        return self.meta["last_seq"]

    def log(self, event: Event) -> Event:
        """Record an event without touching a task (import summaries, refusals)."""
        self.new_events.append(event.to_record())
        return event

    def change(
        self, task_id: int, changes: dict[str, Any], *, action: str, note: str = "", **extra: Any
    ) -> Event:
        """Change fields of one task and log it as one event with from -> to for each field."""
        rec = self.task_record(task_id)
        pairs = {k: [rec.get(k), v] for k, v in changes.items() if rec.get(k) != v}
        ctx = self.store.ctx
        field_name = next(iter(changes), None)
        event = Event(
            seq=self.next_seq(),
            ts=now_iso(),
            user=ctx.user,
            action=action,
            task=task_id,
            field=field_name,
            old=rec.get(field_name) if field_name else None,
            new=changes.get(field_name) if field_name else None,
            note=note,
            host=ctx.host,
            tty=ctx.tty,
            **extra,
        )
        event.changes = pairs
        record = event.to_record()
        apply_event(rec, record)
        self.db.table("tasks").update(rec, doc_ids=[task_id])
        self.new_events.append(record)
        return event

    def commit(self) -> None:
        if self.new_events:
            # Write-ahead: the log first, so a crash before the rename is rolled forward.
            self.meta["events_offset"] = storage.append_events(
                storage.events_path(self.store.path), self.new_events
            )
            self.db.table("meta").upsert(Document(self.meta, doc_id=1))
        self._storage.flush()


def _snapshot_of(data: dict[str, Any], signature: tuple[int, int, int] = (0, 0, 0)) -> Snapshot:
    try:
        plans = [Plan.from_record(r) for _, r in sorted(data["plans"].items(), key=_by_id)]
        tasks = {int(k): Task.from_record(r) for k, r in data["tasks"].items()}
        units = {r["name"]: Unit.from_record(r) for r in data["units"].values()}
    except (KeyError, TypeError, ValueError):
        raise DatabaseError("数据库内容不符合 zwgk 的格式，未做任何修改。") from None
    return Snapshot(plans, tasks, units, _meta(data), signature)


def _by_id(item: tuple[str, Any]) -> int:
    try:
        return int(item[0])
    except ValueError:
        return 0


class Store:
    """The database at `ctx.db_path`, its event log beside it, seeded with the bundled plan."""

    def __init__(self, ctx: Context, *, seed: bool = True) -> None:
        self.ctx = ctx
        self.path = ctx.db_path
        self.seed = seed
        self._check_path()

    # -- paths and existence -------------------------------------------------------------
    def _check_path(self) -> None:
        if self.path.is_dir():
            raise DatabaseError(f"数据库路径 {self.path} 是一个目录，请指定一个文件。")
        if self.path.is_symlink():
            raise DatabaseError(f"数据库路径 {self.path} 是一个符号链接，为安全起见拒绝使用。")

    def exists(self) -> bool:
        return self.path.exists()

    def signature(self) -> tuple[int, int, int]:
        """Changes whenever another process writes: for live reload polling."""
        sig: list[int] = []
        for p in (self.path, storage.events_path(self.path)):
            try:
                st = os.stat(p)
                sig += [st.st_mtime_ns, st.st_size]
            except FileNotFoundError:
                sig += [0, 0]
        return (sig[0], sig[1], sig[3])

    # -- reading -------------------------------------------------------------------------
    def _load_raw(self) -> dict[str, Any] | None:
        data = storage.read_json(self.path)
        if data is None:
            return None
        data = _tables_of(data)
        meta = _meta(data)
        offset = int(meta.get("events_offset", 0))
        events, end = storage.read_events(storage.events_path(self.path), offset)
        if events:
            _roll_forward(data, events, end)
        return data

    def snapshot(self) -> Snapshot:
        """The database as it is now (seeding it first if it does not exist yet)."""
        sig = self.signature()
        data = self._load_raw()
        if data is None:
            if not self.seed:
                return _snapshot_of(_tables_of(None))
            self.ensure_seeded()
            sig = self.signature()
            data = self._load_raw()
        return _snapshot_of(data or _tables_of(None), sig)

    def events(self) -> list[Event]:
        raw, _ = storage.read_events(storage.events_path(self.path), 0)
        out = []
        for rec in raw:
            try:
                out.append(Event.from_record(rec))
            except TypeError:
                continue
        return out

    # -- writing -------------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """Lock, read fresh, yield, then commit atomically (nothing is written on error)."""
        self._check_path()
        with storage.locked(self.path):
            data = self._load_raw()
            if data is None and self.seed:
                data = _tables_of(None)
                txn = Transaction(self, data)
                self._seed_into(txn)
            else:
                txn = Transaction(self, _tables_of(data))
            yield txn
            txn.commit()

    def ensure_seeded(self) -> None:
        if self.exists() or not self.seed:
            return
        with self.transaction():
            pass  # transaction() seeds a missing database

    def _seed_into(self, txn: Transaction) -> None:
        from .importing import import_into, parse_file
        from .seed import seed_path

        parsed = parse_file(seed_path())
        import_into(txn, parsed, year=None, quiet=True)

    # -- the changes people make -----------------------------------------------------------
    def set_status(self, task_id: int, status: str, note: str = "") -> Event:
        note = clean_note(note)
        with self.transaction() as txn:
            changes: dict[str, Any] = {"status": status}
            if note:
                changes["note"] = note
            if status != DONE:  # a re-opened task loses its sign-off
                changes["confirmed_by"] = None
                changes["confirmed_at"] = None
            return txn.change(task_id, changes, action="status", note=note)

    def add_note(self, task_id: int, note: str) -> Event:
        note = clean_note(note)
        if not note:
            raise InputError("备注内容为空，未做修改。")
        with self.transaction() as txn:
            return txn.change(task_id, {"note": note}, action="note", note=note)

    def undo(self) -> Event:
        """Append a compensating event for this user's newest change that is not undone yet."""
        with self.transaction() as txn:
            events, _ = storage.read_events(storage.events_path(self.path), 0)
            events += txn.new_events
            undone = {e.get("undoes") for e in events if e.get("action") == "undo"}
            for ev in reversed(events):
                if (
                    ev.get("user") == self.ctx.user
                    and ev.get("task") is not None
                    and ev.get("action") not in ("undo", "import", "refused")
                    and ev.get("seq") not in undone
                    and ev.get("changes")
                ):
                    back = {k: pair[0] for k, pair in ev["changes"].items()}
                    return txn.change(
                        int(ev["task"]), back, action="undo", note="", undoes=ev.get("seq")
                    )
        raise InputError(f"{self.ctx.user} 没有可以撤销的修改。")


def clean_note(note: str) -> str:
    from .textutil import sanitize

    note = sanitize(note or "").strip()
    if len(note) > NOTE_LIMIT:
        raise InputError(f"备注过长（{len(note)} 字），请控制在 {NOTE_LIMIT} 字以内。")
    return note

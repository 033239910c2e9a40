"""The one access layer for the database: every read and write of a plan goes through `Store`.

Reads take a snapshot of the file (safe without the lock, since writes are atomic renames) and
roll forward the logged events the task file does not reflect yet. Writes run in
`transaction()`: lock, fresh read, change, append events. Nothing is cached between calls, so
several processes on one server always act on what is on disk.

A status change or note is committed by one fsynced append to the event log (the write-ahead
log); it reads only its own task's line from the task file. The task file itself is rewritten
(atomically, with a backup of the old version) by imports and by a checkpoint once enough log
has accumulated, so a change at 10,000 tasks does not rewrite 10,000 tasks.

Every load is validated: a file whose CRC shows it is exactly what zwgk wrote was validated
before it was written; any other file is checked record by record (`validate`). A database
that does not parse or does not validate is never written; the error names the file and the
newest good backup. A transaction validates what it is about to write, so no code path can
save a database that would not load again.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from . import storage
from .context import Context
from .errors import DatabaseError, InputError, PermissionDenied
from .model import DONE, STATUSES, Event, Plan, Task, Unit, parse_status
from .textutil import sanitize

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
        if name not in data:
            data[name] = {}
    return data


# -- validation ------------------------------------------------------------------------------
_STATUS_SET = frozenset(STATUSES)
_OPTIONAL_TEXT = (
    "deadline_text",
    "deadline_kind",
    "note",
    "section",
    "updated_at",
    "updated_by",
    "confirmed_by",
    "confirmed_at",
)
_UNIT_LISTS = ("lead_units", "support_units", "guide_units")


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _doc_id(key: str) -> int | None:
    try:
        value = int(key)
    except (TypeError, ValueError):
        return None
    return value if value > 0 and str(value) == key else None


def task_problem(key: str, rec: Any) -> str | None:
    """Why one task record would not load, or None."""
    tid = _doc_id(key)
    if tid is None:
        return f"任务编号“{key}”不是正整数"
    if not isinstance(rec, dict):
        return f"任务 {key} 不是一条记录"
    if rec.get("id") != tid:
        return f"任务 {key} 的 id 字段（{rec.get('id')!r}）与编号不符"
    for name in ("plan", "group_title", "text"):
        if not isinstance(rec.get(name), str):
            return f"任务 {key} 缺少文字字段 {name}"
    group = rec.get("group")
    if group is not None and not _is_int(group):
        return f"任务 {key} 的工作任务序号不是整数"
    num = rec.get("num")
    if num is not None and not _is_int(num):
        return f"任务 {key} 的事项序号不是整数"
    status = rec.get("status", STATUSES[0])
    if status not in _STATUS_SET:
        return f"任务 {key} 的状态“{sanitize(str(status), keep_newlines=False)}”无效"
    for name in _UNIT_LISTS:
        units = rec.get(name, [])
        if not isinstance(units, list) or not all(isinstance(u, str) and u for u in units):
            return f"任务 {key} 的 {name} 不是单位名称列表"
    due = rec.get("due")
    if due is not None:
        try:
            date.fromisoformat(due)
        except (TypeError, ValueError):
            return f"任务 {key} 的完成日期“{sanitize(str(due), keep_newlines=False)}”无效"
    for name in _OPTIONAL_TEXT:
        v = rec.get(name)
        if v is not None and not isinstance(v, str):
            return f"任务 {key} 的 {name} 不是文字"
    extra = rec.get("extra")
    if extra is not None and not isinstance(extra, dict):
        return f"任务 {key} 的 extra 不是字典"
    return None


def validate(data: Any, *, limit: int | None = None) -> list[str]:
    """Problems that would make `data` unsafe to load or to write back (empty: it is fine)."""
    problems: list[str] = []

    def full() -> bool:
        return limit is not None and len(problems) >= limit

    if not isinstance(data, dict):
        return ["的内容不是 zwgk 数据库"]
    if not any(name in data for name in TABLES):
        return ["的内容不是 zwgk 数据库（没有 meta/plans/tasks/units 表）"]
    for name in TABLES:
        table = data.get(name, {})
        if not isinstance(table, dict):
            problems.append(f"的 {name} 表已损坏")
    if problems:
        return problems[:limit] if limit else problems
    meta = data.get("meta", {}).get("1")
    if meta is not None:
        if not isinstance(meta, dict):
            problems.append("的 meta 记录已损坏")
        else:
            schema = meta.get("schema", SCHEMA)
            if not _is_int(schema) or schema > SCHEMA:
                problems.append(f"的格式版本（{schema!r}）不是本程序支持的版本 {SCHEMA}")
            for name in ("last_seq", "events_offset"):
                v = meta.get(name, 0)
                if not _is_int(v) or v < 0:
                    problems.append(f"的 meta.{name} 无效")
    for key, rec in data.get("tasks", {}).items():
        if full():
            break
        problem = task_problem(key, rec)
        if problem:
            problems.append(problem)
    for key, rec in data.get("units", {}).items():
        if full():
            break
        if _doc_id(key) is None or not isinstance(rec, dict):
            problems.append(f"单位记录 {key} 已损坏")
        elif not isinstance(rec.get("name"), str) or not rec["name"]:
            problems.append(f"单位记录 {key} 没有名称")
        elif not isinstance(rec.get("aliases", []), list):
            problems.append(f"单位“{sanitize(rec['name'], keep_newlines=False)}”的别名不是列表")
    for key, rec in data.get("plans", {}).items():
        if full():
            break
        if _doc_id(key) is None or not isinstance(rec, dict):
            problems.append(f"方案记录 {key} 已损坏")
        elif not isinstance(rec.get("title"), str) or not _is_int(rec.get("year")):
            problems.append(f"方案记录 {key} 缺少标题或年份")
    return problems[:limit] if limit else problems


def corrupt_error(path: Any, problem: str) -> DatabaseError:
    """One sentence: which file, what is wrong, which backup is the newest good one."""
    from . import backup

    good = backup.newest_good(path)
    if good is not None:
        hint = (
            f"最近的完好备份是 {storage.shown(good.path)}（{good.when}），"
            "可用 zwgk doctor --restore 恢复。"
        )
    else:
        hint = "没有找到完好的备份，请用 zwgk doctor 检查。"
    err = storage.CorruptDatabase(path, problem)
    err.message = err.message.rstrip("。") + "；" + hint
    err.args = (err.message,)
    return err


def _meta(data: dict[str, Any]) -> dict[str, Any]:
    return dict(data["meta"].get("1") or {"schema": SCHEMA, "last_seq": 0, "events_offset": 0})


# Logged actions that never change a task record (roll-forward skips them).
NO_CHANGE_ACTIONS = frozenset({"refused", "import"})
# Set on records written by `Transaction.log`: an entry for the record (an import summary,
# history carried over from another database) whose effect, if any, is in the task file
# written by the same transaction — never something to replay onto a task.
LOG_ONLY = "log_only"


def replays(ev: dict[str, Any]) -> bool:
    """Whether roll-forward applies this logged event to its task."""
    return ev.get("action") not in NO_CHANGE_ACTIONS and not ev.get(LOG_ONLY)


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
        seq = ev.get("seq")
        if not _is_int(seq) or seq <= last:
            continue
        rec = data["tasks"].get(str(ev.get("task")))
        if rec is not None and replays(ev):
            apply_event(rec, ev)
        last = seq
    meta["last_seq"] = last
    meta["events_offset"] = offset
    data["meta"]["1"] = meta


# Rewrite the task file once the log written since exceeds this, or an eighth of the file:
# readers then never spend more than ~1/8 extra on rolling the log forward.
CHECKPOINT_BYTES = 64 * 1024


class Transaction:
    """One locked read-modify-write. Use through `Store.transaction()`.

    Two speeds. A transaction that only calls `task_record`/`task`/`change`/`log`/`require`
    never parses the whole task file: it reads the one task line it needs from a CRC-verified
    file (`storage.FileView`) plus the log written since, and its commit is one fsynced append
    to the event log (the write-ahead log *is* the commit; the task file is rewritten — a
    checkpoint — once enough log has piled up, see `CHECKPOINT_BYTES`). Touching `db`, `data` or
    `snapshot()` loads, validates and rolls forward the whole file, and a commit that changed
    it writes it back atomically (with a backup of the version it replaces).
    """

    def __init__(
        self,
        store: Store,
        data: dict[str, Any] | None = None,
        *,
        view: storage.FileView | None = None,
    ) -> None:
        self.store = store
        self._view = view
        self._storage: storage.TransactionStorage | None = None
        self._db: Any = None
        self._overlay: dict[int, dict[str, Any]] = {}  # tasks changed here (fast path)
        self._tail_lines: list[bytes] = []  # logged events the task file lacks
        self.new_events: list[dict[str, Any]] = []
        self._policy: Any = None
        if data is not None:
            self._use_full(data)
        else:
            assert view is not None
            self.meta = dict(view.meta)
            self.meta.pop("crc", None)
            self.meta.pop("body", None)
            # The log written since the task file: kept as bytes, parsed per task on demand.
            offset = int(self.meta.get("events_offset", 0))
            tail = storage.read_tail(storage.events_path(store.path), offset)
            self._tail_lines = tail
            for line in reversed(tail):
                rec = storage.parse_line(line)
                if rec is not None and _is_int(rec.get("seq")):
                    self.meta["last_seq"] = max(int(self.meta.get("last_seq", 0)), rec["seq"])
                    break

    # -- the whole file, loaded on demand ---------------------------------------------------
    def _use_full(self, data: dict[str, Any]) -> None:
        self._storage = storage.TransactionStorage(self.store.path, data)
        meta = _meta(data)
        meta.pop("crc", None)
        meta.pop("body", None)
        if hasattr(self, "meta"):  # keep the seq counter this transaction already advanced
            meta["last_seq"] = max(int(meta.get("last_seq", 0)), int(self.meta["last_seq"]))
        self.meta = meta

    def _full(self) -> storage.TransactionStorage:
        if self._storage is None:
            data = self.store._load_raw() or _tables_of(None)
            for tid, rec in self._overlay.items():
                data["tasks"][str(tid)] = rec
            self._use_full(data)
            assert self._storage is not None
            if self._overlay:
                self._storage.dirty = True
        return self._storage

    @property
    def db(self) -> Any:
        if self._db is None:
            from tinydb import TinyDB

            st = self._full()
            self._db = TinyDB(storage=lambda: st)  # type: ignore[arg-type]
        return self._db

    @property
    def data(self) -> dict[str, Any]:
        return self._full().data or {}

    @property
    def loaded(self) -> bool:
        """Whether the whole task file has been read into this transaction."""
        return self._storage is not None

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
                needle = b'"task":%d,' % task_id
                for line in self._tail_lines:
                    if needle not in line:
                        continue
                    ev = storage.parse_line(line)
                    if ev is not None and ev.get("task") == task_id and replays(ev):
                        apply_event(found, ev)
        if found is None:
            raise InputError(f"没有编号为 {task_id} 的任务。")
        return found

    def task(self, task_id: int) -> Task:
        return Task.from_record(self.task_record(task_id))

    def units_table(self) -> dict[str, Any]:
        if self._storage is None and self._view is not None:
            return self._view.table("units")
        return self.data.get("units", {})

    def snapshot(self) -> Snapshot:
        return _snapshot_of(self.data)

    def require(self, task_id: int | None, action: str) -> None:
        """Raise PermissionDenied (and log the refusal) unless this user may do `action`.

        action: status | note | confirm | import | restore. Without a config file everyone
        may do everything; the rules are in `permissions.py`. A refusal is appended to the
        event log at once (we hold the lock), even though the transaction then aborts and
        the task file is not touched.
        """
        reason = self.refusal(task_id, action)
        if reason is None:
            return
        record = self._event_record(task_id, action="refused", note=reason, field=action)
        storage.append_events(storage.events_path(self.store.path), [record])
        raise PermissionDenied(reason)

    def refusal(self, task_id: int | None, action: str) -> str | None:
        """Why this user may not do `action` on the task (None: allowed). Logs nothing."""
        if self._policy is None:
            self._policy = self.store.policy()
        if not self._policy.configured:
            return None
        rec = self.task_record(task_id) if task_id is not None else None
        return self._policy.refusal(self.store.ctx.user, action, rec, self.units_table())

    def _event_record(
        self, task_id: int | None, *, action: str, note: str = "", **fields: Any
    ) -> dict[str, Any]:
        ctx = self.store.ctx
        event = Event(
            seq=self.next_seq(),
            ts=now_iso(),
            user=ctx.user,
            action=action,
            task=task_id,
            note=note,
            host=ctx.host,
            tty=ctx.tty,
            **fields,
        )
        return clean_event(event.to_record())

    def next_seq(self) -> int:
        self.meta["last_seq"] = int(self.meta.get("last_seq", 0)) + 1
        return self.meta["last_seq"]

    def log(self, event: Event) -> Event:
        """Record an event without touching a task (import summaries, carried-over history).

        Roll-forward never replays it (see `LOG_ONLY`): change tasks with `change()`.
        """
        record = clean_event(event.to_record())
        record[LOG_ONLY] = True
        self.new_events.append(record)
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
        record = clean_event(event.to_record())
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

    def commit(self) -> None:
        if self._storage is None:
            self._commit_log_only()
            return
        if not self._storage.dirty and not self.new_events:
            return
        from tinydb.table import Document

        if any(e.get("action") == "import" for e in self.new_events):
            # Imported cells, unit names and file names: no control characters get stored.
            for name in ("plans", "tasks", "units"):
                self.data[name] = _sanitize_tree(self.data.get(name, {}))
            self._storage.dirty = True
        problems = validate(self.data, limit=1)
        if problems:  # a bug upstream: refuse to write a database that would not load
            raise DatabaseError(f"这次修改会使数据库{problems[0]}，已取消，未做任何修改。")
        if self.new_events:
            # Write-ahead: the log first, so a crash before the rename is rolled forward.
            self.meta["events_offset"] = storage.append_events(
                storage.events_path(self.store.path), self.new_events
            )
        self.db.table("meta").upsert(Document(self.meta, doc_id=1))
        self._storage.dirty = True
        self._storage.flush()

    def commit_full(self) -> None:
        """Write the whole (loaded) task file back even if nothing in it changed."""
        self._full().dirty = True
        self.commit()

    def _commit_log_only(self) -> None:
        """The fast commit: one fsynced append to the log; checkpoint when it has grown."""
        if not self.new_events:
            return
        size = storage.append_events(storage.events_path(self.store.path), self.new_events)
        body = self._view.body if self._view is not None else 0
        if size - int(self.meta.get("events_offset", 0)) > max(CHECKPOINT_BYTES, body // 8):
            with contextlib.suppress(DatabaseError):  # the change is safe in the log already
                self.store._checkpoint()


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
        shown = storage.shown(self.path)
        if self.path.is_symlink():
            raise DatabaseError(f"数据库路径 {shown} 是一个符号链接，为安全起见拒绝使用。")
        if self.path.is_dir():
            raise DatabaseError(f"数据库路径 {shown} 是一个目录，请指定一个文件。")
        if self.path.exists() and not self.path.is_file():
            raise DatabaseError(f"数据库路径 {shown} 不是普通文件。")

    def exists(self) -> bool:
        return self.path.exists()

    @property
    def events_path(self) -> Any:
        return storage.events_path(self.path)

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
    def _load_raw(self, raw: bytes | None = None) -> dict[str, Any] | None:
        """The whole database, validated and rolled forward; None when it does not exist."""
        try:
            if raw is None:
                raw = storage.read_bytes(self.path)
            if raw is None:
                return None
            data = storage.parse_json(self.path, raw)
        except storage.CorruptDatabase as exc:
            raise corrupt_error(self.path, exc.problem) from None
        if not storage.verified(raw):  # hand-edited, older layout, or damaged: check it all
            problems = validate(data, limit=1)
            if problems:
                raise corrupt_error(self.path, f"未通过检查（{problems[0]}）")
        data = _tables_of(data)
        meta = _meta(data)
        offset = int(meta.get("events_offset", 0))
        events, end = storage.read_events(storage.events_path(self.path), offset)
        if events:
            _roll_forward(data, events, end)
        return data

    def _missing(self) -> None:
        """A database that vanished while its backups remain is not silently re-created."""
        from . import backup

        good = backup.newest_good(self.path)
        if good is not None:
            raise DatabaseError(
                f"数据库 {storage.shown(self.path)} 不存在，但备份目录中有 "
                f"{storage.shown(good.path)}（{good.when}）：请用 zwgk doctor --restore 恢复，"
                f"或先移走 {storage.shown(backup.backup_dir(self.path))} 再新建。"
            )

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

    def events(self, task: int | None = None, *, user: str | None = None) -> list[Event]:
        """The audit trail, oldest first; `task`/`user` filter it (cheaply, before parsing)."""
        needle = None
        if task is not None:
            needle = f'"task":{int(task)},'.encode()
        elif user is not None:
            needle = storage.dump_json({"user": user})[1:-1]
        raw, _ = storage.read_events(storage.events_path(self.path), 0, contains=needle)
        out = []
        for rec in raw:
            if task is not None and rec.get("task") != task:
                continue
            if user is not None and rec.get("user") != user:
                continue
            try:
                out.append(Event.from_record(rec))
            except TypeError:
                continue
        return out

    def last_events(self, n: int) -> list[Event]:
        """The newest `n` events, oldest first, read from the end of the log."""
        out: list[Event] = []
        for rec in storage.iter_events_backwards(storage.events_path(self.path)):
            if len(out) >= n:
                break
            with contextlib.suppress(TypeError):
                out.append(Event.from_record(rec))
        return out[::-1]

    # -- permissions ---------------------------------------------------------------------
    def policy(self) -> Any:
        """The permission rules in force (see `permissions.py`); unconfigured: all allowed."""
        from .permissions import load_policy

        return load_policy(self.path)

    def may(self, task_id: int | None, action: str, snapshot: Snapshot | None = None) -> str | None:
        """None if this user may do `action` on the task, else the Chinese reason. No lock, no
        log: for greying out keys in the TUI (pass the snapshot it already holds to avoid a
        read). The real check is `Transaction.require`, called by every change."""
        policy = self.policy()
        if not policy.configured:
            return None
        if snapshot is not None:
            task = snapshot.tasks.get(task_id) if task_id is not None else None
            rec = task.to_record() if task is not None else None
            units = {str(i): u.to_record() for i, u in enumerate(snapshot.units.values(), 1)}
        else:
            raw = storage.read_bytes(self.path)
            view = storage.FileView.of(raw) if raw is not None else None
            if view is not None:
                rec = view.task(task_id) if task_id is not None else None
                units = view.table("units")
            else:
                data = self._load_raw(raw) or _tables_of(None)
                rec = data["tasks"].get(str(task_id)) if task_id is not None else None
                units = data.get("units", {})
        if task_id is not None and rec is None:
            return f"没有编号为 {task_id} 的任务。"
        return policy.refusal(self.ctx.user, action, rec, units)

    # -- writing -------------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[Transaction]:
        """Lock, read fresh, yield, then commit atomically (nothing is written on error)."""
        self._check_path()
        with storage.locked(self.path):
            raw = storage.read_bytes(self.path)
            view = storage.FileView.of(raw) if raw is not None else None
            if view is not None:
                txn = Transaction(self, view=view)
                yield txn
                txn.commit()
                return
            data = self._load_raw(raw) if raw is not None else None
            if data is None:
                self._missing()
                data = _tables_of(None)
                data["meta"]["1"] = self._fresh_meta()
                txn = Transaction(self, data)
                if self.seed:
                    self._seed_into(txn)
            else:
                txn = Transaction(self, data)
            yield txn
            txn.commit()

    def _checkpoint(self) -> None:
        """Rewrite the task file with every logged change absorbed. Call holding the lock."""
        data = self._load_raw()
        if data is None:
            return
        txn = Transaction(self, data)
        txn.meta["events_offset"] = _meta(data).get("events_offset", 0)
        txn.commit_full()

    def checkpoint(self) -> None:
        """Absorb the event log into the task file now (normally automatic)."""
        with storage.locked(self.path):
            self._checkpoint()

    def _fresh_meta(self) -> dict[str, Any]:
        """Meta for a new database: carry on the seq of an event log that already exists."""
        last = 0
        for rec in storage.iter_events_backwards(storage.events_path(self.path)):
            if _is_int(rec.get("seq")):
                last = rec["seq"]
                break
        try:
            offset = os.path.getsize(storage.events_path(self.path))
        except OSError:
            offset = 0
        return {"schema": SCHEMA, "last_seq": last, "events_offset": offset}

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
        canonical = parse_status(status) if isinstance(status, str) else None
        if canonical is None:
            raise InputError(
                f"状态“{sanitize(str(status), keep_newlines=False)}”无效，"
                f"应为 {'、'.join(STATUSES)}（或 todo/doing/blocked/done）。"
            )
        note = clean_note(note)
        with self.transaction() as txn:
            txn.require(task_id, "status")
            changes: dict[str, Any] = {"status": canonical}
            if note:
                changes["note"] = note
            if canonical != DONE:  # a re-opened task loses its sign-off
                changes["confirmed_by"] = None
                changes["confirmed_at"] = None
            return txn.change(task_id, changes, action="status", note=note)

    def add_note(self, task_id: int, note: str) -> Event:
        note = clean_note(note)
        if not note:
            raise InputError("备注内容为空，未做修改。")
        with self.transaction() as txn:
            txn.require(task_id, "note")
            return txn.change(task_id, {"note": note}, action="note", note=note)

    def undo(self) -> Event:
        """Append a compensating event for this user's newest change that is not undone yet.

        The log is read backwards from its end, so this costs the same with a long history.
        """
        user = sanitize(self.ctx.user, keep_newlines=False)
        with self.transaction() as txn:
            undone: set[Any] = set()
            for ev in storage.iter_events_backwards(storage.events_path(self.path)):
                if ev.get("action") == "undo":
                    undone.add(ev.get("undoes"))
                    continue
                if (
                    ev.get("user") == user
                    and ev.get("task") is not None
                    and ev.get("action") not in ("import", "refused")
                    and ev.get("seq") not in undone
                    and isinstance(ev.get("changes"), dict)
                    and ev["changes"]
                ):
                    task_id = int(ev["task"])
                    kind = ev.get("action") if ev.get("action") in ("note", "confirm") else "status"
                    txn.require(task_id, kind)
                    back = {
                        k: pair[0]
                        for k, pair in ev["changes"].items()
                        if isinstance(pair, list) and len(pair) == 2
                    }
                    return txn.change(task_id, back, action="undo", note="", undoes=ev.get("seq"))
        raise InputError(f"{user} 没有可以撤销的修改。")


def clean_note(note: str) -> str:
    """A note as stored: escape sequences dropped; NUL, broken UTF-8, over-long: refused."""
    note = note or ""
    if not isinstance(note, str):
        raise InputError("备注必须是文字，未做修改。")
    if "\x00" in note:
        raise InputError("备注中含有空字符（NUL），未做修改。")
    if any("\ud800" <= ch <= "\udfff" for ch in note):
        raise InputError("备注中含有无效的 UTF-8 字节，请检查终端编码（应为 UTF-8），未做修改。")
    if len(note) > NOTE_LIMIT * 4:  # do not even scan a megabyte of text
        raise InputError(f"备注过长（{len(note)} 字），请控制在 {NOTE_LIMIT} 字以内。")
    note = sanitize(note).strip()
    if len(note) > NOTE_LIMIT:
        raise InputError(f"备注过长（{len(note)} 字），请控制在 {NOTE_LIMIT} 字以内。")
    return note


_EVENT_TEXT = ("user", "host", "tty", "note", "action", "field")


def clean_event(record: dict[str, Any]) -> dict[str, Any]:
    """No control characters from $ZWGK_USER, host names, ttys or notes reach the log."""
    for name in _EVENT_TEXT:
        v = record.get(name)
        if isinstance(v, str):
            record[name] = sanitize(v, keep_newlines=name == "note")
    return record


def _sanitize_tree(obj: Any) -> Any:
    if isinstance(obj, str):
        return sanitize(obj)
    if isinstance(obj, dict):
        return {k: _sanitize_tree(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_sanitize_tree(v) for v in obj]
    return obj

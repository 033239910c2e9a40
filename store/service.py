"""What a person can ask of zwgk, once, for the command line and the app alike.

`zwgk import x.json` and the app's `/import x.json` used to orchestrate the import each in its
own way (and the app forgot exchange files); now both call `Service.import_file`. Methods
return plain results (reports, events, tasks) and raise `ZwgkError` subclasses carrying one
Chinese sentence; rendering them is the caller's business. Slow readers (openpyxl, docx,
pypinyin) are imported inside the methods that need them, so `zwgk mark` starts fast.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

from .context import Context
from .db import Snapshot, Store
from .errors import InputError
from .model import Event, Plan, Task, require_status
from .record import field, record

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from .directory_import import DirectoryReport
    from .filters import TaskFilter  # imported by the readers that need it: not `zwgk mark`
    from .importing import ImportReport
    from .transaction import Transaction

EXCHANGE_SUFFIX = ".json"  # `zwgk export x.json` writes the exchange format, import reads it


@record
class Imported:
    """An import's report and the seqs of the events it wrote (the app does not announce
    its own changes as news from colleagues)."""

    report: ImportReport
    seqs: list[int] = field(default_factory=list)


def missing_task(snap: Snapshot, task_id: int) -> InputError:
    """The one sentence for an unknown id, with the ids there are."""
    ids = sorted(snap.tasks)
    hint = f"（现有编号 {ids[0]}–{ids[-1]}）" if ids else "（数据库中没有任务）"
    return InputError(f"没有编号为 {task_id} 的任务{hint}。")


class Service:
    """The operations over one `Store` (and its `Context`: who acts, and what day it is)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    @classmethod
    def open(cls, ctx: Context, *, seed: bool = True) -> Service:
        """`seed=False`: a missing database stays empty (an import fills it with its file)."""
        return cls(Store(ctx, seed=seed))

    @property
    def today(self) -> date:
        return self.store.ctx.today

    # -- reading -------------------------------------------------------------------------
    def snapshot(self, plan: str | None = None, *, every_plan: bool = False) -> Snapshot:
        """The database now: every plan (`every_plan`), one plan (`plan`, its code), or by
        default the active ones."""
        snap = self.store.snapshot()
        return snap if every_plan else snap.only(plan)

    def task(self, task_id: int, snap: Snapshot | None = None) -> Task:
        """One task, or InputError "没有编号为 N 的任务（现有编号 a–b）。"."""
        snap = snap or self.snapshot()
        task = snap.tasks.get(task_id)
        if task is None:
            raise missing_task(snap, task_id)
        return task

    def history(self, task_id: int) -> list[Event]:
        """A task's events, oldest first."""
        return self.store.events(task=task_id)

    def tasks(self, flt: TaskFilter | None = None, snap: Snapshot | None = None) -> list[Task]:
        """The tasks a filter keeps (all of them without one), in its order."""
        snap = snap or self.snapshot()
        return flt.apply(snap, self.today) if flt else list(snap.task_list())

    def log(
        self,
        task_id: int | None = None,
        *,
        unit: str | None = None,
        user: str | None = None,
        since: date | None = None,
        until: date | None = None,
    ) -> list[Event]:
        """The audit trail, narrowed to a task, a unit's tasks, a person, or a span of days."""
        snap = self.snapshot()
        events: Iterable[Event] = self.store.events()
        if task_id is not None:
            self.task(task_id, snap)
            events = (e for e in events if e.task == task_id)
        if unit:
            from .filters import TaskFilter

            names = set(TaskFilter(units=(unit,)).resolved_units(snap))
            ids = {t.id for t in snap.task_list() if names.intersection(snap.units_of(t))}
            events = (e for e in events if e.task in ids)
        if user:
            events = (e for e in events if e.user == user)
        if since:
            events = (e for e in events if e.ts[:10] >= since.isoformat())
        if until:
            events = (e for e in events if e.ts[:10] <= until.isoformat())
        return list(events)

    # -- files ---------------------------------------------------------------------------
    def import_file(
        self,
        path: Path,
        *,
        year: int | None = None,
        title: str | None = None,
        split_subitems: bool = False,
    ) -> Imported:
        """Read a work plan (.txt .docx .xlsx .csv) or a zwgk exchange file (.json), by suffix.

        The file is read and validated in full before the database is touched: bad input
        leaves the database as it was. `year` must be a plausible plan year (2000–2100).
        `split_subitems`: numbered sub-items in one cell become tasks of their own.
        """
        if year is not None:
            from .importing import check_year

            check_year(year)
        from .importing import collector_paused

        # The collector stays off through the commit too: validating and dumping 100,000 new
        # records (which hold no cycles) set off full collections that walked them all again.
        with collector_paused():
            if path.suffix.lower() == EXCHANGE_SUFFIX:
                from .exchange import import_exchange, load

                data = load(path)
                with self.store.transaction() as txn:
                    txn.require(None, "import")
                    report = import_exchange(txn, data, str(path))
                    del data
                    _check_size(txn, path)
                    seqs = _seqs(txn.new_events)
                del txn  # see below
            else:
                from .importing import import_into, parse_file

                parsed = parse_file(path, split_subitems=split_subitems)
                with self.store.transaction() as txn:
                    txn.require(None, "import")
                    report = import_into(txn, parsed, year=year, title=title, consume=True)
                    # Nothing else in this transaction changes a task: the commit checks only
                    # the records the import changed, and dumps its new ones the fast way.
                    txn.changed_tasks(report.changed)
                    txn.plain_tasks(report.plain)
                    del parsed  # records now: not held through the commit's dump (~100 MB)
                    _check_size(txn, path)
                    seqs = _seqs(txn.new_events)
                # The database let go while the collector is still off: once it is back on,
                # its first collection would otherwise walk every record made meanwhile.
                del txn
        return Imported(report, seqs)

    def export_file(
        self,
        path: Path,
        flt: TaskFilter | None = None,
        *,
        force: bool = False,
        plan: str | None = None,
    ) -> int:
        """Write the (filtered) plan to `path`, format by suffix; the number of task rows.

        Refuses (InputError, nothing written) the database and the files beside it
        (`ExportRefused`) and an existing file unless `force` (`ExportExists`, carrying the
        absolute path: the app asks, then calls again with `force=True`). A failed write is a
        DatabaseError and leaves no partial file. `export.absolute(path)` is the path written.
        """
        from .export import export_file, export_target

        # Checked before the snapshot and the log are read: a refusal costs nothing.
        export_target(path, db_path=self.store.path, force=force)
        exchange = path.suffix.lower() == EXCHANGE_SUFFIX

        def write(snap: Snapshot) -> int:
            # Only the exchange format carries the history: the log is read for it alone.
            return export_file(
                snap,
                path,
                today=self.today,
                flt=flt,
                events=self.store.events() if exchange else None,
                db_path=self.store.path,
                force=force,
            )

        if not exchange:  # the exchange file (every task with its history) loads as before
            from .db import check_path
            from .readcache import open_cache

            # Through the read snapshot, as `zwgk list` reads: each task built from its row
            # when the export comes to it, at most `TASKS_KEPT` held, so 100,000 tasks never
            # sit in memory at once (the full load peaked at 560 MB). None: switched off, no
            # database yet, or no snapshot to be had: the database is read as before.
            cache = open_cache(self.store.path, lambda: check_path(self.store.path))
            if cache is not None:
                try:
                    return write(cache.lazy_snapshot().only(plan))
                finally:
                    cache.close()
        return write(self.snapshot(plan))

    # -- plans ----------------------------------------------------------------------------
    def task_id(self, word: str, plan: str | None = None) -> int:
        """The record id of the task a typed id names (see `resolve`); a plain number in a
        one-plan database is found without reading every task."""
        plain = word.strip().lstrip("#＃")
        if plan is None and plain.isdigit():
            found = self.store.quick_number(int(plain))
            if found is not None:
                return found
        return self.resolve(word, plan).id

    def resolve(self, word: str, plan: str | None = None, snap: Snapshot | None = None) -> Task:
        """The task a typed id names (`7`, `#7`, `宣城2020-7`; numbers in `plan` if given)."""
        from .plans import resolve

        return resolve(snap or self.snapshot(every_plan=True), word, plan)

    def set_plan(self, code: str, *, new_code: str | None = None, state: str | None = None) -> Plan:
        """Rename a plan's code or change its state (进行中 / 已归档); logged, admins only."""
        from .plans import find_plan, with_codes

        with self.store.transaction() as txn:
            txn.require(None, "import")
            table = txn.db.table("plans")
            docs = table.all()
            plans = with_codes([Plan.from_record(d) for d in docs])
            plan = find_plan(plans, code)
            changed = Plan(**{**plan.__dict__})
            if new_code is not None:
                from .plans import check_code

                changed.code = check_code(new_code, {p.code for p in plans if p is not plan})
            if state is not None:
                changed.state = state
            for doc, p in zip(docs, plans, strict=True):  # every code stored from now on
                fields = changed.to_record() if p is plan else {"code": p.code}
                table.update(fields, doc_ids=[doc.doc_id])
            what = f"方案 {plan.code}" + (f" 改名为 {changed.code}" if new_code else "")
            what += (
                f"，状态 {plan.state} → {changed.state}" if state and state != plan.state else ""
            )
            txn.log(txn.new_event(None, action="plan", note=what))
            return changed

    # -- the unit directory ---------------------------------------------------------------
    def import_directory(self, path: Path, *, force: bool = False) -> DirectoryReport:
        """Store the unit directory a file holds (admins only, like any import)."""
        from .directory_import import import_directory

        with self.store.transaction() as txn:
            txn.require(None, "import")
            return import_directory(txn, path, force=force)

    def unit(self, word: str, snap: Snapshot | None = None) -> str:
        """The one unit a typed word names (name, alias, pinyin), or InputError."""
        from .filters import TaskFilter

        snap = snap or self.snapshot()
        names = TaskFilter(units=(word,)).resolved_units(snap)
        real = [n for n in names if n in snap.directory.units] or names
        if len(real) > 1:
            raise InputError(f"“{word}”可以指 {'、'.join(real[:8])}，请写得更具体一些。")
        return real[0]

    def my_units(self, snap: Snapshot | None = None) -> list[str]:
        """The acting user's units: the unit directory's logins, else the permission file's."""
        snap = snap or self.snapshot()
        user = self.store.ctx.user
        units = snap.directory.units_of_login(user)
        if not units:
            policy = self.store.policy()
            units = policy.units_of(user) if policy.configured else []
        if not units:
            raise InputError(
                f"账号 {user} 没有登记所属单位（单位名录的“账号”列或权限文件），"
                "无法列出“我的任务”；可用 --unit 指定单位。"
            )
        return units

    def my_work(self, snap: Snapshot | None = None) -> list[Task]:
        """The open work of the acting user's units, nearest deadline first."""
        from .parts import open_work

        snap = snap or self.snapshot()
        return open_work(snap, self.my_units(snap))

    # -- changes -------------------------------------------------------------------------
    def mark(self, task_id: int, word: str, note: str = "", *, unit: str | None = None) -> Event:
        """Set a status given as any word for it (`完成`, `done`, `in-progress` …): of `unit`'s
        part of the task; without it, of the acting user's own part when the unit directory
        says which, else of the whole task."""
        status = require_status(word)
        return self.store.set_status(task_id, status, note, unit=unit, own_part=unit is None)

    def note(self, task_id: int, text: str) -> Event:
        return self.store.add_note(task_id, text)

    def undo(self) -> Event:
        """Undo this person's newest change that is not undone yet."""
        return self.store.undo()

    def confirm(self, task_id: int, note: str = "") -> Event:
        from .signoff import confirm

        return confirm(self.store, task_id, note)

    def send_back(self, task_id: int, reason: str) -> Event:
        from .signoff import send_back

        return send_back(self.store, task_id, reason)


# An import may fill the task file to this much of what loading accepts (MAX_DB_BYTES): the
# rest is room for the notes and changes that checkpoints fold in later.
IMPORT_DB_SHARE = 0.75


def _check_size(txn: Transaction, source: Path) -> None:
    """Refuse (at commit, nothing written) an import whose task file loading would refuse
    — or nearly: "已导入" followed by a database nobody can open is the worst outcome. The
    commit measures the dump it writes (dumping 100 MB a second time just to measure it cost
    seconds)."""
    from .dbfile import MAX_DB_BYTES

    limit = MAX_DB_BYTES * IMPORT_DB_SHARE

    def too_big(size: int) -> InputError:
        return InputError(
            f"导入 {source.name} 后数据库将达到 {size // 1024 // 1024} MB，超过上限 "
            f"{int(limit) // 1024 // 1024} MB，已取消，未做任何修改。"
        )

    txn.refuse_larger(limit, too_big)


def _seqs(records: Iterable[dict[str, object]]) -> list[int]:
    return [int(str(r.get("seq", 0))) for r in records]

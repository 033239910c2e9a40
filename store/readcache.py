"""The read snapshot: what the read commands need, kept beside the task file (`<db>.snap`).

`zwgk list/show/search/units` used to parse the whole task file, build a `Task` per record
and (to search) normalise every text and build pinyin tables, every time: seconds at 100,000
tasks. The read snapshot keeps that work in marshal's format, which Python loads at memory
speed, in sections (see `snapfile`) a command reads only when it needs them:

  tables   plans, units, the unit directory, meta (small)
  index    per task, in id order: id, number, plan, status, due date, group; the positions
           of the tasks each unit cell names; the cells each plan uses
  rows     each task's fields, one marshal record per task: a command builds `Task` objects
           only for the tasks it shows
  pinyin   the active plans' pinyin tables, from the keys stored in the task file
  patch    task records changed by the log since `rows` (and their `--json` texts)
  search   the active plans' prepared search index       } built by the first command that
  search_* its texts, their codes, their line indexes    }
  tallies  each unit's task counts (`zwgk units`)          } needs them, from the sections
  json     each task's `--json` text                       } above, then kept (readviews.py)

Trust: the header names the task file the snapshot was made from (`snapfile.db_key`:
device, inode, size, times, a CRC of both ends) and how far into the event log it goes (CRCs
of the log's first line and of the line ending there), beside the code version that made it.
A snapshot whose task file or log no longer match, or that is cut short, garbled, another
database's, another layout's or another Python's, is never used: the database is read as
before (`loading`: the task file TinyDB writes stays the store of record) and the snapshot is
made again. When only the log grew (a colleague marked a task) its new events are applied to
the snapshot, exactly as loading rolls them onto the task file, and the snapshot is written
again once `REWRITE_BYTES` of log have piled up. A folder that cannot be written only costs
the next reader the rebuild.

`ZWGK_NO_SNAPSHOT=1` switches it off: every command then reads the database as before (the
tests hold the snapshot's answers to exactly that).
"""

from __future__ import annotations

import contextlib
import marshal
import os
import stat
import time
import zlib
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from .files import events_path, open_checked, set_mode
from .model import Task, Unit
from .snapfile import Copied, SnapFile, bytes_key, code_fingerprint, file_key, snap_path
from .snaprows import ROW_FIELDS, STATUS_AT, no_gc, row_of, task_of, unpack_ints, unpack_plain
from .vouch import OFF_SWITCH

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from typing import Any

    from .db import Store
    from .directory import Directory
    from .lazytasks import LazyTasks
    from .model import Plan
    from .search.index import SearchIndex
    from .snapshot import Snapshot

# Log applied on top of a snapshot before it is written again: the events since are read and
# applied by every reader, which costs about as much as writing once per this much.
REWRITE_BYTES = 64 * 1024
MAKER_WAIT = 60.0  # seconds to wait for another process making the snapshot
# Tasks built from rows and kept for the next use (the rows drawn, a search's hits…): enough
# for any screen, and a bound on the memory of an app whose board counts 100,000 tasks.
TASKS_KEPT = 20_000

# Sections in the order they are written (small ones first: one read covers the header and
# usually the tables).
ORDER = (
    "tables",
    "index",
    "patch",
    "pinyin",
    "rows",
    "tallies",
    "search",
    "search_lines_key",  # what the two below were made from (readviews.`_lines_of`)
    "search_text_lines",  # the prepared search index's parts a query may not need
    "search_coded_lines",
    "search_hay",
    "search_coded_hay",
    "jindex",
    "json",
)
CORE = ("tables", "index", "patch")  # unmarshalled at once: every command needs them


def enabled() -> bool:
    return os.environ.get(OFF_SWITCH, "") in ("", "0")


class ReadCache:
    """The database as the read commands see it, from its read snapshot (`open_cache`)."""

    def __init__(self, db_path: Path, check: Callable[[], object] | None = None) -> None:
        self.path = db_path
        self.check = check  # the path checks of the ordinary read, run before it
        self.file: SnapFile | None = None  # the snapshot read (None: made in this process)
        self.header: dict[str, Any] = {}
        self.sections: dict[str, Any] = {}  # unmarshalled
        self.raw: dict[str, bytes | memoryview] = {}  # checked bytes: rows, pinyin, json
        self.dirty: set[str] = set()  # sections changed here: marshalled again when saved
        self.changed: dict[int, tuple[Any, ...]] = {}  # position -> row before this log
        self.signature: tuple[int, int, int] = (0, 0, 0)
        self.rewrite = False  # save before leaving: made here, or enough log applied
        self.savable = False  # the header's key describes what the sections hold
        self._tasks: OrderedDict[int, Task] = OrderedDict()  # by position, oldest first
        self._cols: dict[str, Sequence[int | None]] = {}
        self._context: Snapshot | None = None
        # The snapshot on disk when it no longer describes the database (`attach` said no):
        # a rebuild takes from it what it would only make again the same (`readviews`).
        self.stale: SnapFile | None = None

    # -- opening ---------------------------------------------------------------------------
    def attach(self) -> bool:
        """Use the snapshot on disk when it is whole and still describes the database."""
        found = SnapFile.open(snap_path(self.path))
        if found is None:
            return False
        self.file = found
        try:
            ok = self._check()
        except Exception:  # noqa: BLE001 - whatever is wrong with it, the database decides
            ok = False
        if not ok:
            self.file, self.sections, self.raw = None, {}, {}
            if found.header.get("code") == code_fingerprint():
                self.stale = found  # (made by this very code: its parts mean what ours do)
            else:
                found.close()
        return ok

    def _check(self) -> bool:
        from .eventfile import line_ending_at
        from .logcheck import log_problem

        assert self.file is not None
        header = self.file.header
        if header.get("code") != code_fingerprint():
            return False
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            return False  # missing or refused: the ordinary read says how
        try:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode) or file_key(fd) != header["db"]:
                return False
        finally:
            os.close(fd)
        head, end, end_crc, _ = header["log"]
        if end < header["file_meta"].get("events_offset", 0):
            return False  # it cannot lag behind the task file it was made from
        size, first, before = line_ending_at(events_path(self.path), end)
        if head is not None and (first is None or zlib.crc32(first) != head):
            return False
        if end and (head is None or before is None or zlib.crc32(before) != end_crc):
            return False
        if log_problem(self.path, header["file_meta"]) is not None:
            return False  # the ordinary read refuses this log: let it say so
        for name in CORE:
            raw = self.file.raw(name)
            if raw is None:
                return False
            self.sections[name] = marshal.loads(raw)
        for name in ("rows", "pinyin"):
            view = self.file.view(name)
            if view is None:
                return False
            self.raw[name] = view
        self._columns()
        self.header = dict(header)
        self.signature = (st.st_mtime_ns, st.st_size, size)
        self.savable = True
        if size > end:
            return self._roll_forward(end, first)
        return True

    def rebuild(self) -> bool:
        """Read the database as the commands always did and make the snapshot from it;
        False when there is no database yet (the caller's ordinary read seeds it)."""
        from .dbfile import read_bytes, settled, verified
        from .errors import DatabaseError
        from .eventfile import line_ending_at
        from .loading import load_tables
        from .snapshot import meta_of

        if self.check is not None:
            self.check()
        log = events_path(self.path)
        try:
            before = os.stat(self.path)
        except FileNotFoundError:
            return False
        log_size = _size(log)
        _, first0, _ = line_ending_at(log, 0)
        read_at = time.time_ns()
        raw = read_bytes(self.path)
        if raw is None:
            return False
        after = os.stat(self.path)
        loaded = load_tables(self.path, raw)
        if loaded is None:
            return False
        data, file_meta = loaded
        signature = (before.st_mtime_ns, before.st_size, log_size)
        meta = meta_of(data)
        end = int(meta.get("events_offset", 0))
        _, first, last = line_ending_at(log, end)
        same = _identity(before) == _identity(after) and len(raw) == after.st_size
        self.savable = same and first == first0 and (end == 0 or last is not None)
        self.header = {
            "db": bytes_key(after, raw),
            "log": (
                zlib.crc32(first) if first is not None else None,
                end,
                zlib.crc32(last) if last is not None else None,
                meta.get("events_offset", 0) != file_meta.get("events_offset", 0),
            ),
            "file_meta": file_meta,
            "db_verified": same and settled(read_at, after) and verified(raw),
        }
        self.signature = signature
        from .readviews import build_core

        try:
            with no_gc():
                built = build_core(data, meta)
        except (KeyError, TypeError, ValueError):  # as the ordinary read (`snapshot_of`) says
            raise DatabaseError("数据库内容不符合 zwgk 的格式，未做任何修改。") from None
        for name, value in built.items():
            if isinstance(value, bytes):
                self.raw[name] = value
            else:
                self.sections[name] = value
                self.dirty.add(name)
        self._columns()
        self.rewrite = True
        return True

    def _columns(self) -> None:
        index = self.sections["index"]
        self.ids = unpack_plain(index["ids"])  # sorted: positions are found by bisection
        self.row_at = unpack_plain(index["row_at"])
        self.status: list[str] = index["status"]  # changed in place by the log
        self.due: list[str | None] = index["due"]  # ISO dates
        self.plan_of: list[str] = index["plan"]  # plan titles
        self.kind: list[str] = index["kind"]  # deadline kinds (a question's 长期坚持)

    def _roll_forward(self, end: int, first: bytes | None) -> bool:
        """Apply the events logged after the snapshot, as loading rolls them onto the task
        file (`eventlog.roll_forward`); False when one changes what only a rebuild redoes."""
        from .codec import parse_line
        from .eventfile import iter_lines
        from .eventlog import apply_event, live_change, replays, validate_event

        meta = self.sections["tables"]["meta"]
        status = self.status
        patch = self.sections["patch"]["rows"]
        last = int(meta.get("last_seq", 0))
        seen = self.header["log"][3]
        new_end, last_line = end, None
        for at, line in iter_lines(events_path(self.path), end):
            new_end, last_line = at + len(line) + 1, line
            ev = parse_line(line)
            if ev is None:
                continue
            seen = True
            if validate_event(ev) is not None:
                continue
            seq = ev["seq"]
            if seq <= last:
                continue
            last = seq
            pos = self.position(ev.get("task"))
            if pos is None or not replays(ev):
                continue
            if not live_change(ev):  # a change to what the sections are built from
                return False
            old = self.row(pos)
            rec = dict(zip(ROW_FIELDS, old, strict=True))
            apply_event(rec, ev)
            new = row_of(rec)
            self.changed.setdefault(pos, old)
            patch[pos] = new
            status[pos] = new[STATUS_AT]
            self._tasks.pop(pos, None)
        if last_line is None:
            return True
        if seen:
            meta["last_seq"] = last
            meta["events_offset"] = new_end
        head = zlib.crc32(first) if first is not None else None
        self.header["log"] = (head, new_end, zlib.crc32(last_line), seen)
        self.dirty.update(("tables", "index", "patch"))
        self.rewrite = new_end - end > REWRITE_BYTES
        return True

    # -- saving ------------------------------------------------------------------------------
    def save(self) -> None:
        """Write the snapshot as it now stands (best effort; never fails a command)."""
        from .snapfile import write_snapfile

        if not self.savable:
            return
        from .readviews import patch_sections

        with no_gc():
            patch_sections(self)
        sections: dict[str, bytes | memoryview | Copied] = {}
        for name in ORDER:
            if name in self.dirty and name in self.sections:
                sections[name] = marshal.dumps(self.sections[name])
            elif name in self.raw and (self.file is None or name in self.dirty):
                sections[name] = self.raw[name]
            elif self.file is not None and name in self.file.sections:
                sections[name] = Copied(self.file, name)
        header = {**self.header, "code": code_fingerprint()}
        header.pop("sections", None)
        header.pop("version", None)
        write_snapfile(snap_path(self.path), header, sections)
        self.rewrite = False

    def close(self) -> None:
        if self.rewrite:
            self.save()
        if self.file is not None:
            self.file.close()

    # -- what the sections hold ------------------------------------------------------------
    @property
    def tables(self) -> dict[str, Any]:
        return self.sections["tables"]  # type: ignore[no-any-return]

    @property
    def size(self) -> int:
        return len(self.ids)

    def position(self, task_id: Any) -> int | None:
        """Where the task with this record id is in the id-ordered sections."""
        if not isinstance(task_id, int):
            return None
        pos = bisect_left(self.ids, task_id)
        return pos if pos < len(self.ids) and self.ids[pos] == task_id else None

    def column(self, name: str) -> Sequence[int | None]:
        """`num` or `group` per position (`snaprows.NONE` standing for None)."""
        found = self._cols.get(name)
        if found is None:
            found = self._cols[name] = unpack_ints(self.sections["index"][name])
        return found

    def cell(self, name: str) -> Sequence[int]:
        """The positions of the tasks that name `name` in one of their unit cells."""
        found = self.sections["index"]["cells"].get(name)
        return unpack_plain(found, "i") if found is not None else ()

    def row(self, pos: int) -> tuple[Any, ...]:
        found = self.sections["patch"]["rows"].get(pos)
        if found is not None:
            return found  # type: ignore[no-any-return]
        at = self.row_at
        return marshal.loads(self.raw["rows"][at[pos] : at[pos + 1]])  # type: ignore[misc,no-any-return]

    def task(self, pos: int) -> Task:
        """The task at `pos`, built from its row; the latest `TASKS_KEPT` built are kept."""
        tasks = self._tasks
        found = tasks.get(pos)
        if found is None:
            if len(tasks) >= TASKS_KEPT:  # a pass over every task (the board) keeps no more
                tasks.popitem(last=False)
            found = tasks[pos] = task_of(self.row(pos))
        return found

    def all_tasks(self, positions: range | list[int]) -> dict[int, Task]:
        """Tasks by record id for these positions (in that order)."""
        ids = self.ids
        with no_gc():
            return {ids[p]: self.task(p) for p in positions}

    def plans(self) -> list[Plan]:
        from .model import Plan
        from .plans import with_codes

        return with_codes([Plan.from_record(r) for r in self.tables["plans"]])

    def directory(self) -> Directory:
        from .directory import Directory

        return Directory.from_records(self.tables["directory"])

    def units(self, directory: Directory) -> dict[str, Unit]:
        units = {r["name"]: Unit.from_record(r) for r in self.tables["units"]}
        for unit in directory.units.values():
            units.setdefault(unit.name, unit.as_unit())
        return units

    def view_titles(self, plan: str | None) -> frozenset[str] | None:
        """The plan titles `Snapshot.only(plan)` keeps; None when it keeps everything."""
        from .plans import ARCHIVED, find_plan

        plans = self.plans()
        if plan is not None:
            return frozenset({find_plan(plans, plan).title})
        keep = [p for p in plans if p.state != ARCHIVED]
        return None if len(keep) == len(plans) else frozenset(p.title for p in keep)

    def in_view(self, titles: frozenset[str] | None) -> list[int]:
        if titles is None:
            return list(range(self.size))
        return [p for p, title in enumerate(self.plan_of) if title in titles]

    def context(self) -> Snapshot:
        """A snapshot of every plan with no tasks in it: plans, units, directory, meta."""
        if self._context is None:
            from .snapshot import Snapshot

            directory = self.directory()
            self._context = Snapshot(
                self.plans(),
                {},
                self.units(directory),
                dict(self.tables["meta"]),
                self.signature,
                directory,
            )
        return self._context

    def lazy_snapshot(self) -> Snapshot:
        """Every plan, each task built when something first asks for it (what the app holds:
        store/lazytasks.py)."""
        from .lazytasks import LazyTasks
        from .snapshot import Snapshot

        ctx = self.context()
        snap = Snapshot(
            ctx.plans, LazyTasks(self), ctx.units, dict(ctx.meta), ctx.signature, ctx.directory
        )
        for names in self.sections["index"]["plan_cells"].values():  # `Snapshot.reaching`
            snap._cells.update(names)
        return snap

    def index_of(self, tasks: LazyTasks) -> SearchIndex:
        """The search index of the app's lazily built tasks, as the read snapshot has it (no
        colleague's change applied): prepared for the active plans; for another view built
        here, matching pinyin through the tables kept (its tasks carry no pinyin keys) or,
        for a plan those do not cover (an archived one), from the task file's records."""
        from .readviews import index_in_view, pinyin_tables
        from .search.index import SearchIndex

        index = index_in_view(self, tasks.titles)
        if self.rewrite:  # made here: kept for the next process (best effort)
            self.save()
        if index is not None:
            return index
        ctx = self.context()
        reach = ctx.reach if ctx.directory else None
        tables = pinyin_tables(self, tasks.titles)
        if tables is None:
            return SearchIndex(self._from_file(tasks), ctx.units, reach)
        from .lazytasks import LazyTasks

        index = SearchIndex(LazyTasks(self, tasks.titles), ctx.units, reach)
        index.use_pinyin(tables)
        return index

    def _from_file(self, tasks: LazyTasks) -> list[Task]:
        """These tasks as the task file holds them, search keys included."""
        from .loading import load_database
        from .snapshot import snapshot_of, tables_of

        with no_gc():
            full = snapshot_of(load_database(self.path) or tables_of(None))
        return [t for k, t in full.tasks.items() if k in tasks]

    def snapshot(
        self, positions: range | list[int], plan: str | None = None, *, every_plan: bool = False
    ) -> Snapshot:
        """The snapshot the ordinary read gives (`Store.snapshot().only(plan)`), holding only
        the tasks at `positions` (all in that view): what a command shows of it is the same."""
        from .snapshot import Snapshot

        ctx = self.context()
        base = Snapshot(
            ctx.plans,
            self.all_tasks(positions),
            ctx.units,
            dict(ctx.meta),
            ctx.signature,
            ctx.directory,
        )
        snap = base if every_plan else base.only(plan)
        cells = self.sections["index"]["plan_cells"]
        titles = {p.title for p in snap.plans} if snap is not base else None
        for title, names in cells.items():  # what `Snapshot.reaching` looks through
            if titles is None or title in titles:
                snap._cells.update(names)
        return snap


def _identity(st: os.stat_result) -> tuple[int, ...]:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _size(path: Path) -> int:
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return 0


def live_snapshot(store: Store) -> Snapshot:
    """The snapshot an open app holds: over the read snapshot (made now when stale), each
    task built when first used, so 100,000 tasks open in a blink; `store.snapshot()` when
    there is none (switched off, a folder we may not write, no database yet). The rows stay
    mapped while the snapshot is in use."""
    from .db import check_path

    cache = open_cache(store.path, lambda: check_path(store.path))
    if cache is None:
        return store.snapshot()
    if cache.rewrite:  # rolled forward a long log: kept for the next process
        cache.save()
    return cache.lazy_snapshot()


def open_cache(
    db_path: Path, check: Callable[[], object] | None = None, *, rebuild: bool = True
) -> ReadCache | None:
    """The database's read snapshot, checked and rolled forward (or made now); None when it
    is switched off, when there is no database yet, or (`rebuild=False`) when it would have
    to be made. Errors reading the database are the ones the ordinary read raises (`check`:
    the checks it makes of the path first)."""
    if not enabled():
        return None
    cache = ReadCache(db_path)
    with no_gc():
        if cache.attach():
            return cache
    if not rebuild or not os.access(db_path.parent, os.W_OK | os.X_OK):
        _close(cache.stale)
        return None  # a snapshot that could not be kept is not worth making
    stale = cache.stale
    try:
        with one_maker(db_path) as first:
            if not first:  # another process made it while we waited: use theirs
                cache = ReadCache(db_path)
                with no_gc():
                    if cache.attach():
                        return cache
                _close(cache.stale)  # (the one we hold is as good)
            cache = ReadCache(db_path, check)  # the database decides; the stale file only
            cache.stale = stale  # lends the parts made from the very same texts
            if not cache.rebuild():
                return None
            from .readviews import index_in_view

            # The search index too, while the database's records are gone and this process
            # is the one making the snapshot: else the first app to open (or search) after an
            # import would make it, with every task built (~500 MB at 100,000 tasks).
            index_in_view(cache, cache.view_titles(None))
            cache.save()
            return cache
    finally:
        cache.stale = None
        _close(stale)


def _close(found: SnapFile | None) -> None:
    if found is not None:
        found.close()


@contextlib.contextmanager
def one_maker(db_path: Path) -> Iterator[bool]:
    """One process at a time makes the snapshot: after an import or a checkpoint every open
    app and every command would otherwise read 100,000 tasks at once (seconds and ~500 MB
    each). Yields True to the first (it makes it), False to each that waited for it (it
    should look again). flock(2) on `<db>.snap.lock`, released if the maker dies; any trouble
    with the lock (or a wait past `MAKER_WAIT`) and the process makes its own, as before."""
    try:
        import fcntl

        fd = open_checked(lock_file(db_path), os.O_RDONLY | os.O_CREAT, "快照锁")
    except Exception:  # noqa: BLE001 - no lock: each makes its own
        yield True
        return
    try:
        set_mode(fd)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            first = True
        except OSError:
            first = False
            deadline = time.monotonic() + MAKER_WAIT
            while True:  # sleep while the other reads the database; no CPU, no memory
                time.sleep(0.05)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        break
        yield first
    finally:
        os.close(fd)  # releases the lock


def lock_file(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".snap.lock")

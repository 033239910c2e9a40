"""From a document on disk to tasks in the database.

`parse_file` picks the reader by content and suffix and returns a `ParsedPlan`; `import_into`
merges it into a transaction: new tasks get ids, known ones (same plan, same item number) keep
their status and history while text, units and deadlines follow the new document.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from tinydb.table import Document

from .deadlines import parse_deadline
from .errors import InputError
from .eventlog import now_iso
from .forkmap import forked_map
from .importers.base import ParsedPlan, ParsedTask
from .model import TODO, Plan, Task, Unit, parse_status
from .record import MISSING, field, fields, record
from .snaprows import no_gc
from .unitsplit import build_aliases, split_joined

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from typing import Any

    from .transaction import Transaction

# Fields a revised document may change; status, notes and sign-off belong to the people.
DOCUMENT_FIELDS = (
    "plan",
    "group",
    "group_title",
    "section",
    "text",
    "lead_units",
    "support_units",
    "guide_units",
    "deadline_text",
    "due",
    "deadline_kind",
    "num",
    "subitems",  # absent from the record when empty
)


@record
class ImportReport:
    """What an import read and changed, as `zwgk import` reports it."""

    title: str
    source: str
    year: int
    groups: int = 0
    tasks: int = 0
    units: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    unparsed: list[tuple[int, str]] = field(default_factory=list)  # (task id, deadline text)
    # Ids of this plan's tasks the new document no longer has: kept (with their history), and
    # listed so a person can decide.
    missing: list[int] = field(default_factory=list)
    # For the caller's commit, not the report: the ids of the tasks this import inserted or
    # updated, and of the new ones whose records hold no float (see Transaction.changed_tasks
    # and plain_tasks; only a caller that changes nothing else in the transaction may say so).
    # (A range when the ids run without a gap, as a first import's do: no set of 100,000.)
    changed: set[int] | range = field(default_factory=set, repr=False, compare=False)
    plain: set[int] | range = field(default_factory=set, repr=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "plan": self.title,
            "source": self.source,
            "year": self.year,
            "groups": self.groups,
            "tasks": self.tasks,
            "units": self.units,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "unparsed_deadlines": [{"id": i, "deadline_text": t} for i, t in self.unparsed],
            "missing": list(self.missing),
        }


# Python's cyclic collector off while a plan is read or merged: both build hundreds of
# thousands of objects that hold no cycles, and every full collection walked them all again
# (a third of a 100,000-task import's CPU time). The read path's helper, under the name the
# import has always used.
collector_paused = no_gc


def parse_file(path: Path, *, split_subitems: bool = False) -> ParsedPlan:
    """Read any supported document into a ParsedPlan, or raise InputError naming the file.

    `split_subitems`: a cell's numbered sub-items become tasks of their own (item 7's become
    701, 702…; see importers/subitems.py) instead of sub-items of one task.
    """
    from .importers import read_plan

    with collector_paused():
        parsed = read_plan(path)
        if split_subitems:
            from .importers.subitems import split_plan

            parsed = split_plan(parsed)
    return parsed


# New tasks from which their pinyin keys are worked out by a forked child (`forkmap`): below,
# the fork and the pipe cost more than they save.
FORK_MIN = 4096

FIRST_YEAR, LAST_YEAR = 2000, 2100  # a plan's year: deadlines are dated against it


def check_year(year: int, what: str = "--year") -> int:
    """A plan year a person gave, or InputError: `--year 99999` would lose every deadline."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InputError(
            f"{what} 的年份“{year}”不合理，应为 {FIRST_YEAR}–{LAST_YEAR} 之间的年份，未做任何修改。"
        )
    return year


def plan_year(parsed: ParsedPlan, year: int | None) -> int:
    """`--year`, else a year in the title or file name, else the current year."""
    if year:
        return year
    if parsed.year:
        return parsed.year
    for text in (parsed.title, Path(parsed.source).name):
        m = re.search(r"(?<!\d)(20\d\d)(?!\d)", text or "")  # not inside a hash or id
        if m:
            return int(m.group(1))
    return date.today().year


def import_into(
    txn: Transaction,
    parsed: ParsedPlan,
    *,
    year: int | None,
    title: str | None = None,
    quiet: bool = False,
    consume: bool = False,
) -> ImportReport:
    """Merge `parsed` into the database. `consume`: the caller is done with `parsed`, whose
    tasks are then let go of one by one as they are merged (their memory goes to the records
    made from them: at 100,000 tasks the two no longer coexist whole)."""
    with collector_paused():
        return _import_into(txn, parsed, year=year, title=title, consume=consume)


def _import_into(
    txn: Transaction,
    parsed: ParsedPlan,
    *,
    year: int | None,
    title: str | None,
    consume: bool = False,
) -> ImportReport:
    from .pinyin import forget as forget_keys
    from .pinyin import key_text, only_keys, stored_keys, task_keys, unit_keys

    if not parsed.tasks:
        raise InputError(f"文件 {parsed.source} 中没有找到任何任务。")
    if year:  # an exchange file's plan year is as untrusted as `--year`
        check_year(year, f"文件 {Path(parsed.source).name} 中方案")
    y = plan_year(parsed, year)
    title = (title or parsed.title or Path(parsed.source).stem).strip()
    report = ImportReport(title=title, source=parsed.source, year=y)

    tasks_table = txn.db.table("tasks")
    # Read only (TinyDB's documents are copies already): no second copy of every task.
    existing: dict[int, dict[str, Any]] = {int(d.doc_id): d for d in tasks_table.all()}
    mine = {tid: rec for tid, rec in existing.items() if rec.get("plan") == title}
    other_ids = [tid for tid in existing if tid not in mine]
    offset = max(other_ids, default=0)

    # `区财政局及区审计局`: two units when the database knows both (the plan's own were split
    # when it was read).
    split_joined(parsed, _known_units(txn))
    aliases = _aliases(txn, parsed)
    nums = [t.num for t in parsed.tasks]
    use_nums = all(n is not None for n in nums) and len(set(nums)) == len(nums)
    numbers = [
        pt.num if use_nums and pt.num is not None else i for i, pt in enumerate(parsed.tasks, 1)
    ]
    ids = _match_ids(parsed, numbers, mine, use_nums)
    report.missing = sorted(set(mine) - set(ids.values()))

    unit_names: set[str] = set()
    groups: set[tuple[int | None, str]] = set()
    updates: dict[int, dict[str, Any]] = {}
    defaults, factories = _new_task_defaults()
    # The fields a document record does not fill (the same every time): made fresh per task.
    fresh = [(name, factory) for name, factory in factories if name not in _RECORD_FIELDS]
    last_id = max([*existing, offset])  # kept as ids are handed out, not recomputed per task
    new_ids: set[int] = set()
    plain: set[int] = set()  # new records holding no float (Transaction.plain_tasks)
    document_record = _DocumentRecords(title, y, aliases)

    count = len(parsed.tasks)

    def new_key(pt: ParsedTask) -> str:
        """`key_text` of the record a new task becomes (only what it reads)."""
        canon = document_record.shared_canon
        return key_text(
            {
                "text": pt.text,
                "group_title": pt.group_title,
                "lead_units": canon(pt.lead_units),
                "support_units": canon(pt.support_units),
                "guide_units": canon(pt.guide_units),
            }
        )

    # The new tasks' pinyin keys (a third of a first import's CPU time) depend on nothing
    # else: with enough of them, a forked child works them out while this loop runs.
    fresh_tasks = [pt for index, pt in enumerate(parsed.tasks) if index not in ids]
    keys_at_once = forked_map(new_key, fresh_tasks, fork=len(fresh_tasks) >= FORK_MIN)
    del fresh_tasks  # the helper's list now: let go of as their keys arrive

    def each_task() -> Iterator[ParsedTask]:
        if not consume:
            yield from parsed.tasks
            return
        pending = parsed.tasks[::-1]
        parsed.tasks.clear()
        while pending:
            yield pending.pop()

    def merged(new_keys: Iterator[str]) -> Iterator[Document]:
        """Each task of the document merged: the new ones yielded, as TinyDB is to store them
        (handed over one at a time, so no list holds a second copy of them all); the changed
        fields of known ones kept in `updates`."""
        nonlocal last_id
        for index, pt in enumerate(each_task()):
            num = numbers[index]
            tid = ids.get(index)
            if tid is None:  # a new task: its own number as id, unless another plan holds it
                tid = num + offset
                if tid in existing or tid in new_ids:
                    tid = last_id + 1
            rec = document_record(pt, num)
            old = existing.get(tid)
            # The pinyin keys are a function of the text, group title and units (for one
            # KEYS_VERSION): a re-imported task whose inputs did not change keeps its own.
            if old is None:
                rec["extra"] = stored_keys(next(new_keys))
            elif (
                old is not None
                and only_keys(old)
                and all(old.get(k) == rec[k] for k in _KEY_INPUTS)
            ):
                rec["extra"] = old["extra"]
            else:
                rec["extra"] = task_keys(rec)
            groups.add((rec["group"], rec["group_title"]))
            unit_names.update(rec["lead_units"], rec["support_units"], rec["guide_units"])
            if rec["deadline_kind"] == "unknown" and rec["deadline_text"]:
                report.unparsed.append((tid, rec["deadline_text"]))
            if old is None:
                new = Document(defaults, doc_id=tid)
                new.update(rec)
                new["id"] = tid
                for name, factory in fresh:  # fresh lists and dicts, never shared
                    new[name] = factory()
                if not new["subitems"]:
                    del new["subitems"]  # like `parts`: most tasks have none
                if pt.status and (status := parse_status(pt.status)):
                    new["status"] = status
                new_ids.add(tid)
                if type(num) is int and (rec["group"] is None or type(rec["group"]) is int):
                    plain.add(tid)  # the rest is strings, lists and dicts by construction
                if tid > last_id:
                    last_id = tid
                yield new  # counted below: report.added is len(new_ids)
            else:
                # All fields alike (most tasks of a re-import): one comparison made in C.
                same = (
                    list(map(old.get, _ALWAYS_COMPARED)) == [rec[k] for k in _ALWAYS_COMPARED]
                    and old.get("subitems", []) == rec["subitems"]
                )
                changed = (
                    {}
                    if same
                    else {
                        k: rec[k]
                        for k in _COMPARED
                        if old.get(k, [] if k == "subitems" else None) != rec[k]
                    }
                )
                if changed:
                    updates[tid] = changed
                    report.updated += 1
                else:
                    report.unchanged += 1

    # One table write for all inserts and one for all updates: TinyDB rewrites the whole table
    # per call, so per-task calls make a 10k-task import quadratic. A task without a match
    # is new (its id is one nobody holds), so whether anything is inserted is known now.
    with keys_at_once as new_keys:
        if len(ids) < count:
            # TinyDB's documented API: one table write
            tasks_table.insert_multiple(merged(new_keys))
        else:
            for _ in merged(new_keys):
                raise AssertionError("every task was matched, none is new")
    report.added = len(new_ids)
    report.changed = _compact(new_ids | set(updates))
    report.plain = _compact(plain)
    if report.plain == report.changed:  # a first import: one collection of ids, not two
        report.plain = report.changed
    forget_keys()
    if updates:
        # update() with a callable and doc_ids (TinyDB's documented batch form) writes the table
        # once; the callable sees the bare record, whose "id" is its doc id (validation checks).
        tasks_table.update(_apply_update(updates), doc_ids=list(updates))
    _merge_units(txn, unit_names, aliases, unit_keys)
    _upsert_plan(txn, Plan(title=title, year=y, source=Path(parsed.source).name))
    report.groups = len(groups)
    report.tasks = count
    report.units = len(unit_names)
    if report.added or report.updated:
        name = Path(parsed.source).name
        note = f"导入 {name}：新增 {report.added} 项，更新 {report.updated} 项"
        txn.log(txn.new_event(None, action="import", note=note))
    return report


# The keys of a record `_DocumentRecords` makes, with the one `task_keys` adds: what a
# re-import compares.
_COMPARED = (*DOCUMENT_FIELDS, "extra")
_RECORD_FIELDS = frozenset(_COMPARED)
_ALWAYS_COMPARED = tuple(k for k in _COMPARED if k != "subitems")  # keys every record has


# What `task_keys` reads from a record.
_KEY_INPUTS = ("text", "group_title", "lead_units", "support_units", "guide_units")


def _compact(ids: set[int]) -> set[int] | range:
    """`ids` as a range when they run without a gap (the same membership), else as they are."""
    if ids and max(ids) - min(ids) + 1 == len(ids):
        return range(min(ids), max(ids) + 1)
    return ids


def _apply_update(updates: dict[int, dict[str, Any]]) -> Any:
    def apply(rec: dict[str, Any]) -> None:
        rec.update(updates[rec["id"]])
        if not rec.get("subitems"):
            rec.pop("subitems", None)

    return apply


def _known_units(txn: Transaction) -> set[str]:
    """Unit names and aliases the database already has."""
    out: set[str] = set()
    for doc in txn.db.table("units").all():
        out.add(doc["name"])
        out.update(doc.get("aliases", []))
    return out


def _match_ids(
    parsed: ParsedPlan, numbers: list[int], mine: dict[int, dict[str, Any]], use_nums: bool
) -> dict[int, int]:
    """Task index in the document -> id of the same task already in the database.

    Numbered documents match by item number. Without numbers the position is all there is, so
    an unchanged text is matched first: a task inserted mid-table does not shift the others.
    """
    by_num = {rec.get("num"): tid for tid, rec in mine.items()}
    out: dict[int, int] = {}
    used: set[int] = set()
    if not use_nums:
        by_text: dict[str, int] = {}
        for known, rec in sorted(mine.items()):
            by_text.setdefault(rec.get("text", ""), known)
        for index, pt in enumerate(parsed.tasks):
            tid = by_text.get(pt.text)
            if tid is not None and tid not in used:
                out[index] = tid
                used.add(tid)
    for index, num in enumerate(numbers):
        tid = by_num.get(num)
        if index not in out and tid is not None and tid not in used:
            out[index] = tid
            used.add(tid)
    return out


_NONE: list[str] = []  # read only


class _DocumentRecords:
    """The document's part of a task record, for each task of one import.

    A plan repeats a few deadline phrases and unit lists on thousands of rows, so what they
    become (date, kind; canonical names) is worked out once per distinct phrase or list.
    """

    def __init__(self, title: str, year: int, aliases: dict[str, str]) -> None:
        self.title, self.year, self.aliases = title, year, aliases
        self._deadlines: dict[str, tuple[str, str | None, str]] = {}
        self._units: dict[tuple[str, ...], list[str]] = {}

    def __call__(self, pt: ParsedTask, num: int) -> dict[str, Any]:
        deadline, due, kind = self._deadline(pt.deadline_text)
        return {
            "plan": self.title,
            "group": pt.group,
            "group_title": pt.group_title,
            "section": pt.section,
            "text": pt.text,
            "lead_units": self.canon(pt.lead_units),
            # Most support cells and many guide cells are empty: no call for those.
            "support_units": self.canon(pt.support_units) if pt.support_units else [],
            "guide_units": self.canon(pt.guide_units) if pt.guide_units else [],
            "deadline_text": deadline,
            "due": due,
            "deadline_kind": kind,
            "num": num,
            "subitems": list(pt.subitems),
        }

    def _deadline(self, text: str) -> tuple[str, str | None, str]:
        """(the phrase, due date, kind): the phrase as first met, so the records share one
        string per phrase instead of holding each row's own copy."""
        found = self._deadlines.get(text)
        if found is None:
            dl = parse_deadline(text, self.year)
            found = self._deadlines[text] = (text, dl.due.isoformat() if dl.due else None, dl.kind)
        return found

    def canon(self, units: list[str]) -> list[str]:
        """Canonical names (aliases followed), each once, in the document's order; a new list
        for every task (records are changed in place later)."""
        return list(self.shared_canon(units)) if units else []

    def shared_canon(self, units: list[str]) -> list[str]:
        """`canon`, as remembered: read only (for the pinyin keys)."""
        if not units:  # most support cells, many guide cells
            return _NONE
        key = tuple(units)
        found = self._units.get(key)
        if found is None:
            found = self._units[key] = list(dict.fromkeys(self.aliases.get(u, u) for u in units))
        return found


def _new_task_defaults() -> tuple[dict[str, Any], list[tuple[str, Any]]]:
    """A new task's record before the document fills it: status, notes etc. at their defaults,
    in the model's field order; and the fields whose default is made fresh per task (lists,
    dicts), which the caller fills with `factory()` so no two records share one."""
    out: dict[str, Any] = {}
    factories: list[tuple[str, Any]] = []
    for f in fields(Task):
        if f.default is not MISSING:
            out[f.name] = f.default
        elif f.default_factory is not MISSING:
            out[f.name] = None  # a placeholder that keeps the key's place in the record
            factories.append((f.name, f.default_factory))
    out["status"] = TODO
    return out, factories


def _aliases(txn: Transaction, parsed: ParsedPlan) -> dict[str, str]:
    """This document's aliases, then those the database already knows (earlier plans), with
    chains followed (`各街道办事处` -> `各街道办` -> `各街道`)."""
    known = {
        alias: doc["name"]
        for doc in txn.db.table("units").all()
        for alias in doc.get("aliases", [])
        if alias != doc["name"]
    }
    merged = {**known, **build_aliases(parsed)}
    out: dict[str, str] = {}
    for alias in merged:
        name, hops = alias, 0
        while name in merged and hops < 8:  # a cycle cannot loop forever
            name, hops = merged[name], hops + 1
        if name != alias:
            out[alias] = name
    return out


def _merge_units(
    txn: Transaction, names: set[str], aliases: dict[str, str], unit_keys: Any
) -> None:
    table = txn.db.table("units")
    known = {d["name"]: (int(d.doc_id), d.get("aliases", [])) for d in table.all()}
    inserts: list[dict[str, Any]] = []
    updates: dict[str, dict[str, Any]] = {}  # by unit name
    for name in sorted(names):
        own = {a for a, c in aliases.items() if c == name and a != name}
        full, initials = unit_keys(name)
        if name in known:
            had = known[name][1]
            # Keep aliases earlier plans taught; add this document's.
            own.update(had)
            updates[name] = {"aliases": sorted(own), "pinyin": full, "initials": initials}
        else:
            inserts.append(
                Unit(name=name, aliases=sorted(own), pinyin=full, initials=initials).to_record()
            )
    if updates:  # one table write; the callable sees the bare record, so match it by name
        ids = [known[name][0] for name in updates]
        table.update(lambda rec: rec.update(updates[rec["name"]]), doc_ids=ids)
    if inserts:
        table.insert_multiple(inserts)


def _upsert_plan(txn: Transaction, plan: Plan) -> None:
    from .plans import ARCHIVED, derive_code, with_codes

    table = txn.db.table("plans")
    known = with_codes([Plan.from_record(d) for d in table.all()])
    for doc, had in zip(table.all(), known, strict=True):
        if doc.get("title") == plan.title:
            if had.state == ARCHIVED:
                raise InputError(f"方案 {had.code} 已归档（只读），未导入；如需更新请先恢复。")
            fields = {"year": plan.year, "source": plan.source, "code": had.code}
            table.update(fields, doc_ids=[doc.doc_id])
            return
    plan.imported_at = now_iso()
    plan.code = derive_code(plan.title, plan.year, {p.code for p in known})
    table.insert(plan.to_record())

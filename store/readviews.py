"""What the read commands ask of a read snapshot (`readcache`), answered from its sections.

Every answer is the one the ordinary read gives, made with the same code wherever that code
is cheap: a command's tasks are picked from the snapshot's columns (a superset, where a unit
filter needs the directory), then `TaskFilter.apply`, `Snapshot.task_json`, the search index
and the statistics run as always, over a `Snapshot` holding only those tasks. What is kept
ready in the snapshot is made by that same code, once: the search index, each unit's
counts (due dates kept, so "overdue as of today" is a bisection), each task's `--json`
text (`overdue` left to fill in). Each function returns None when it cannot answer (another
view of the plans than the one kept, a filter it does not know): the caller then reads the
database the ordinary way.
"""

from __future__ import annotations

import marshal
from array import array
from bisect import bisect_left, insort
from collections.abc import Callable, Sequence
from datetime import date
from functools import partial
from itertools import islice

from .lazytasks import TaskSequence
from .lighttyping import cast
from .model import BLOCKED, DOING, DONE, ROLES, TODO, Task
from .snaprows import ROW_FIELDS, no_gc, optional, pack_ints, row_of, task_of, unpack_plain

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from typing import IO, Any, Protocol

    from .filters import TaskFilter
    from .readcache import ReadCache
    from .search.index import SearchIndex
    from .search.pinyin_match import PinyinTables
    from .snapshot import Snapshot
    from .stats import UnitCount


# -- made from the database (readcache.rebuild) ----------------------------------------------
def build_core(data: dict[str, Any], meta: dict[str, Any]) -> dict[str, Any]:
    """The sections every command reads, from the database as loaded (records, not `Task`s:
    100,000 of those cost a second and 180 MB). KeyError/TypeError/ValueError: a record
    `Task.from_record` would refuse too."""
    from .model import Plan
    from .plans import ARCHIVED
    from .search.pinyin_match import tables_of_extras
    from .snapshot import by_record_id

    records = {int(k): r for k, r in data["tasks"].items()}
    ids = sorted(records)
    same: dict[str, str] = {}  # one object per distinct string: marshal stores it once
    dues: dict[str, str] = {}  # as stored -> as `date.isoformat` writes it

    def one(text: str) -> str:
        return same.setdefault(text, text)

    def iso(text: str) -> str:
        found = dues.get(text)
        if found is None:
            found = dues[text] = one(date.fromisoformat(text).isoformat())
        return found

    at = {name: i for i, name in enumerate(ROW_FIELDS)}
    num_at, plan_at, status_at, due_at = at["num"], at["plan"], at["status"], at["due"]
    group_at, kind_at = at["group"], at["deadline_kind"]
    unit_at = (at["lead_units"], at["support_units"], at["guide_units"])
    plans = [Plan.from_record(r) for _, r in sorted(data["plans"].items(), key=by_record_id)]
    active = {p.title for p in plans if p.state != ARCHIVED}
    every = len(active) == len(plans)
    rows = bytearray()
    row_at = [0]  # where each row starts in `rows`, and where the last ends
    num: list[int | None] = []
    plan: list[str] = []
    status: list[str] = []
    due: list[str | None] = []
    kind: list[str] = []
    group: list[int | None] = []
    cells: dict[str, list[int]] = {}
    plan_cells: dict[str, dict[str, None]] = {}
    undated = date.max.toordinal() + 1
    ranked: list[tuple[int, int]] = []  # (due date, id) of the active plans' tasks: rank order
    for pos, tid in enumerate(ids):
        row = row_of(records[tid])
        rows += marshal.dumps(row)
        row_at.append(len(rows))
        num.append(row[num_at])
        title = one(row[plan_at])
        plan.append(title)
        status.append(one(row[status_at]))
        day = iso(row[due_at]) if row[due_at] else None
        due.append(day)
        kind.append(one(row[kind_at]))
        group.append(row[group_at])
        names = dict.fromkeys(n for i in unit_at for n in row[i])
        for name in names:
            cells.setdefault(one(name), []).append(pos)
        plan_cells.setdefault(title, {}).update(names)
        if every or title in active:
            ranked.append((date.fromisoformat(day).toordinal() if day else undated, tid))
    ranked.sort()
    tables = tables_of_extras(records[tid].get("extra") for _, tid in ranked)
    titles = None if every else sorted(active)
    return {
        "tables": {
            "plans": [r for _, r in sorted(data["plans"].items(), key=by_record_id)],
            "units": list(data["units"].values()),
            "directory": data.get("directory", {}).get("1"),
            "meta": dict(meta),
        },
        "index": {
            "ids": pack_ints(ids),
            "num": pack_ints(num),
            "plan": plan,
            "status": status,
            "due": due,
            "kind": kind,
            "group": pack_ints(group),
            "cells": {name: array("i", found).tobytes() for name, found in cells.items()},
            "plan_cells": {t: list(names) for t, names in plan_cells.items()},
            "row_at": pack_ints(row_at),
        },
        "patch": {"rows": {}, "json": {}},
        "rows": bytes(rows),
        "pinyin": marshal.dumps(
            {
                "titles": titles,
                "tables": (tables.classes, tables.table, tables.readings, tables.sounds),
            }
        ),
    }


def _titles(kept: Any) -> frozenset[str] | None:
    return None if kept is None else frozenset(kept)


def _kept(cache: ReadCache, name: str) -> Any:
    """A section made earlier (by this process, or read from the file), None if there is
    none or it is damaged."""
    if name in cache.sections:
        return cache.sections[name]
    if name in cache.raw:  # taken from the snapshot this one replaces (`_lines_of`)
        cache.sections[name] = value = marshal.loads(cache.raw[name])
        return value
    if cache.file is None or name not in cache.file.sections:
        return None
    raw = cache.file.raw(name)
    if raw is None:
        return None
    cache.sections[name] = value = marshal.loads(raw)
    return value


def _made(cache: ReadCache, name: str, value: Any) -> Any:
    cache.sections[name] = value
    cache.dirty.add(name)
    cache.rewrite = True
    return value


def patch_sections(cache: ReadCache) -> None:
    """Before saving: bring the sections kept in the file up to the log just applied."""
    if not cache.changed or cache.file is None:
        return
    if "tallies" in cache.file.sections:
        tallies(cache)
    if "jindex" in cache.file.sections:
        json_texts(cache)


# -- `zwgk list` -------------------------------------------------------------------------------
def select(cache: ReadCache, flt: TaskFilter, plan: str | None, today: date) -> list[int] | None:
    """Positions of the tasks `Service.tasks(flt, snapshot(plan))` lists, in its order."""
    if flt.role not in (*ROLES, "any"):
        return None  # the ordinary read says what is wrong
    titles = cache.view_titles(plan)
    ctx = cache.context()
    sets = flt.unit_sets(ctx.units)
    if sets:
        view = cache.snapshot([], plan)  # `reaching` looks through the view's cells
        wanted: set[int] | None = None
        for names in sets:
            words = set(names)
            if view.directory:
                for unit in names:
                    direct, collective = view.reaching(unit)
                    words |= direct | collective
            found = {p for w in words for p in cache.cell(w)}
            wanted = found if wanted is None else wanted & found
        plans = cache.plan_of
        positions = [p for p in sorted(wanted or ()) if titles is None or plans[p] in titles]
    else:
        positions = cache.in_view(titles)
    status, due = cache.status, cache.due
    if flt.statuses:
        positions = [p for p in positions if status[p] in flt.statuses]
    if flt.overdue:
        iso = today.isoformat()
        positions = [p for p in positions if _late(due[p], status[p], iso)]
    if flt.dated:
        lo = flt.due_from.isoformat() if flt.due_from else None
        hi = flt.due_to.isoformat() if flt.due_to else None
        positions = [
            p
            for p in positions
            if (d := due[p]) is not None and (lo is None or d >= lo) and (hi is None or d <= hi)
        ]
    if flt.ids:
        ids, wanted_ids = cache.ids, set(flt.ids)
        positions = [p for p in positions if ids[p] in wanted_ids]
    if flt.group is not None:
        group = cache.column("group")
        positions = [p for p in positions if optional(group[p]) == flt.group]
    if not sets and not flt.by_due:
        return positions  # the columns answered exactly what `TaskFilter.matches` asks
    tasks = flt.apply(cache.snapshot(positions, plan), today)
    return [cache.position(t.id) or 0 for t in tasks]


def _late(due: str | None, status: str, today: str) -> bool:
    """`Task.overdue` from the columns (ISO dates compare as the dates do)."""
    return due is not None and due < today and status != DONE


# -- `zwgk show` ------------------------------------------------------------------------------
def task_position(cache: ReadCache, word: str, plan: str | None) -> int | None:
    """The position of the task `Service.task_id(word, plan)` names; None when that is not
    exactly one task (the ordinary read then says why)."""
    from .plans import _KEY, ARCHIVED, find_plan

    plain = word.strip().lstrip("#＃")
    nums = cache.column("num")
    if plan is None and plain.isdigit() and len(cache.tables["plans"]) == 1:
        number = int(plain)  # `Store.quick_number`: the record id is the number
        pos = cache.position(number)
        if pos is not None and optional(nums[pos]) in (None, number):
            return pos
    m = _KEY.match(word.strip())
    if m is None:
        return None
    number = int(m.group("n"))
    code = m.group("code") or plan
    plans = cache.plans()
    if code is not None:
        chosen = {find_plan(plans, code).code}
    else:
        chosen = {p.code for p in plans if p.state != ARCHIVED} or {p.code for p in plans}
    codes = {p.title: p.code for p in plans}
    first = plans[0].code if plans else ""
    titles = cache.plan_of
    # the task's number is its `num`, or its id when it has none (`plans.task_number`)
    numbered = [p for p, n in enumerate(nums) if n == number]
    unnumbered = cache.position(number)
    if unnumbered is not None and optional(nums[unnumbered]) is None:
        numbered.append(unnumbered)
    found = [p for p in numbered if (codes.get(titles[p]) or first) in chosen]
    return found[0] if len(found) == 1 else None


def label_of(cache: ReadCache) -> Callable[[int | None], str]:
    """`Service.snapshot().label_of`: how the active plans name a task by its record id."""

    def label(task_id: int | None) -> str:
        pos = cache.position(task_id)
        return cache.snapshot([pos] if pos is not None else []).label_of(task_id)

    return label


# -- `zwgk units` -----------------------------------------------------------------------------
_ROLE_AT = {"lead": 1, "support": 2, "guide": 3}


def tallies(cache: ReadCache) -> dict[str, Any]:
    """Per unit of the active plans: [aliases, lead, support, guide, by status, done, due
    dates of its open parts (sorted)] — `stats.unit_counts` without today."""
    from_file = "tallies" not in cache.sections
    kept = _kept(cache, "tallies")
    ctx = cache.context()
    by_parts = ctx if ctx.directory else None
    if kept is not None:
        if from_file and cache.changed:  # as it was before the log just applied
            titles = _titles(kept["titles"])
            counts = kept["units"]
            for pos, old in cache.changed.items():
                if titles is None or cache.plan_of[pos] in titles:
                    _tally(counts, task_of(old), by_parts, -1)
                    _tally(counts, cache.task(pos), by_parts, 1)
            cache.dirty.add("tallies")
        return kept  # type: ignore[no-any-return]
    titles = cache.view_titles(None)
    counts = {
        u.name: [list(u.aliases), 0, 0, 0, dict.fromkeys((TODO, DOING, BLOCKED, DONE), 0), 0, []]
        for u in ctx.units.values()
    }
    for pos in cache.in_view(titles):
        _tally(counts, cache.task(pos), by_parts, 1, sort=False)
    for entry in counts.values():
        entry[6].sort()
    value = {"titles": sorted(titles) if titles is not None else None, "units": counts}
    return _made(cache, "tallies", value)  # type: ignore[no-any-return]


def _tally(
    counts: dict[str, list[Any]],
    task: Task,
    by_parts: Snapshot | None,
    sign: int,
    *,
    sort: bool = True,
) -> None:
    """Add (sign 1) or take back (-1) one task, as `stats.unit_counts` counts it."""
    from .stats import _unit_roles  # the one definition of who a task counts for

    seen: set[str] = set()
    for name, role, part in _unit_roles(task, by_parts):
        entry = counts.get(name)
        if entry is None:
            entry = counts[name] = [[], 0, 0, 0, dict.fromkeys((TODO, DOING, BLOCKED, DONE), 0)]
            entry += [0, []]
        entry[_ROLE_AT[role]] += sign
        if name in seen:
            continue
        seen.add(name)
        status = task.status if part is None else part
        by_status = entry[4]
        by_status[status] = by_status.get(status, 0) + sign
        entry[5] += sign * (status == DONE)
        if task.due is not None and status != DONE:
            day = task.due.isoformat()
            if sign < 0:
                entry[6].remove(day)
            elif sort:
                insort(entry[6], day)
            else:
                entry[6].append(day)


def unit_counts(
    cache: ReadCache, today: date, changed: dict[int, Task] | None = None
) -> list[UnitCount] | None:
    """`stats.unit_counts(Service.snapshot(), today)`; with `changed`, the tasks a colleague's
    change replaced since the snapshot was read (the app's `LazyTasks.changed`)."""
    from .stats import UnitCount

    state = tallies(cache)
    titles = _titles(state["titles"])
    if titles != cache.view_titles(None):
        return None
    units = state["units"]
    if changed:  # a copy, moved by the changed tasks (old version out, new one in)
        units = {k: [list(v[0]), *v[1:4], dict(v[4]), v[5], list(v[6])] for k, v in units.items()}
        ctx = cache.context()
        by_parts = ctx if ctx.directory else None
        for task_id, task in changed.items():
            pos = cache.position(task_id)
            if pos is not None and (titles is None or cache.plan_of[pos] in titles):
                _tally(units, cache.task(pos), by_parts, -1)
                _tally(units, task, by_parts, 1)
    day = today.isoformat()
    counts = {
        name: UnitCount(
            name,
            list(aliases),
            lead,
            support,
            guide,
            done,
            bisect_left(dues, day),
            by_status=dict(by_status),
        )
        for name, (aliases, lead, support, guide, by_status, done, dues) in units.items()
    }
    directory = cache.context().directory
    if directory:  # collective words stand for their members now
        for word in [n for n in counts if directory.covered_kind(n) and not counts[n].total]:
            del counts[word]
    return sorted(counts.values(), key=lambda c: (-c.total, c.name))


# -- `zwgk search` ----------------------------------------------------------------------------
if TYPE_CHECKING:

    class TaskSource(Protocol):
        def task(self, p: int) -> Task: ...


class Ranked(TaskSequence):
    """The tasks of a prepared search index in its rank order (or of an answer, `ask/pool.py`),
    each built when first used."""

    def __init__(self, cache: TaskSource, rank: Sequence[int]) -> None:
        self.cache = cache
        self.rank = rank

    def __len__(self) -> int:
        return len(self.rank)

    def at(self, i: int) -> Task:
        return self.cache.task(self.rank[i])


def search_index(cache: ReadCache, plan: str | None, *, lazy: bool = False) -> SearchIndex | None:
    """The index `store.search` builds for `Service.snapshot(plan)`, prepared beforehand;
    None for a view of the plans other than the one kept (the active plans). `lazy`: for a
    process that runs one query and ends (`zwgk search`), and only while `cache` is open:
    the parts of the index a query may not need are read when it first does."""
    return index_in_view(cache, cache.view_titles(plan), lazy=lazy)


def pinyin_tables(cache: ReadCache, titles: frozenset[str] | None) -> PinyinTables | None:
    """The pinyin tables kept for the active plans when they cover the plans `titles`."""
    from .search.pinyin_match import PinyinTables

    kept = marshal.loads(cache.raw["pinyin"])
    covered = _titles(kept["titles"])
    if covered is None or (titles is not None and titles <= covered):
        return PinyinTables(*kept["tables"])
    return None


def search_part(key: str) -> str:
    """The section holding the prepared index's part `key` (`SearchIndex.LATER`): the texts,
    their codes and their line indexes each have one, so that a query reads only those it
    uses (`zwgk search zcjd` none of them)."""
    return "search_" + key


LINES_KEY = "search_lines_key"  # what the line index sections were made from
LINE_PARTS = ("search_text_lines", "search_coded_lines")


def _lines_of(cache: ReadCache, key: str) -> dict[str, bytes] | None:
    """The line index sections of the snapshot being replaced, when they were made from the
    texts `key` names (`SearchIndex.lines_key`) and are whole; else None (made again)."""
    stale = cache.stale
    if stale is None:
        return None
    raw = stale.raw(LINES_KEY)
    try:
        if raw is None or marshal.loads(raw) != key:
            return None
    except (EOFError, ValueError, TypeError):
        return None
    lent = {name: stale.raw(name) for name in LINE_PARTS}
    if any(part is None for part in lent.values()):
        return None
    return lent  # type: ignore[return-value]


def index_in_view(
    cache: ReadCache, titles: frozenset[str] | None, *, lazy: bool = False
) -> SearchIndex | None:
    """`search_index` of the plans `titles` (None: every plan). A long-lived reader (the app)
    loads every part now and keeps no section's bytes (`lazy` False)."""
    from .search.index import LATER, SearchIndex
    from .search.pinyin_match import PinyinTables

    state = _kept(cache, "search")
    if state is None:
        kept = marshal.loads(cache.raw["pinyin"])
        if _titles(kept["titles"]) != titles:
            return None
        ctx = cache.context()
        with no_gc():  # what the index reads of each task, not a whole `Task` per row
            entries = [_Entry(cache.row(p)) for p in cache.in_view(titles)]
        index = SearchIndex(
            cast("list[Task]", entries), ctx.units, ctx.reach if ctx.directory else None
        )
        index.use_pinyin(PinyinTables(*kept["tables"]))
        lines_key = index.lines_key()
        lent = _lines_of(cache, lines_key)
        try:
            state = index.prepared(line_indexes=lent is None)
        except OverflowError:  # ids beyond 64 bits: searched the ordinary way
            return None
        state["rank"] = array("i", [cache.position(t.id) or 0 for t in index.tasks]).tobytes()
        state["titles"] = kept["titles"]
        for key in LATER:
            value = state.pop(key)
            if lent is not None and search_part(key) in lent:
                cache.raw[search_part(key)] = lent[search_part(key)]
            else:
                _made(cache, search_part(key), value)
        _made(cache, LINES_KEY, lines_key)
        _made(cache, "search", state)
    if _titles(state["titles"]) != titles:
        return None
    later: dict[str, Callable[[], Any]] = {}
    parts: dict[str, Any] = {}
    for key in LATER:
        name = search_part(key)
        if lazy and name not in cache.sections:
            later[key] = partial(_kept, cache, name)
        else:  # None when damaged: `from_prepared` makes it again
            parts[key] = _kept(cache, name)
    rank = unpack_plain(state["rank"], "i")
    status = cache.status
    return SearchIndex.from_prepared(
        {**state, **parts}, Ranked(cache, rank), [status[p] for p in rank], later
    )


_AT = {name: ROW_FIELDS.index(name) for name in ROW_FIELDS}


class _Entry:
    """The fields of a task's row a search index is built from (ids, texts, groups, due
    dates, units), without the rest of a `Task`: the snapshot maker indexes 100,000 rows,
    and a `Task` each cost ~9 µs and ~1 KB more (`units` is `Task.units`, which `reach`
    and the unit positions call)."""

    __slots__ = ("id", "text", "group", "group_title", "due", *(f"{r}_units" for r in ROLES))
    units = Task.units

    def __init__(self, row: tuple[Any, ...]) -> None:
        self.id = row[_AT["id"]]
        self.text = row[_AT["text"]]
        self.group = row[_AT["group"]]
        self.group_title = row[_AT["group_title"]]
        due = row[_AT["due"]]
        self.due = date.fromisoformat(due) if due else None
        self.lead_units = row[_AT["lead_units"]]
        self.support_units = row[_AT["support_units"]]
        self.guide_units = row[_AT["guide_units"]]


# -- `zwgk list --json` -------------------------------------------------------------------------
SEP = b",\n  "  # between two objects of the printed list: kept after each text


def json_texts(
    cache: ReadCache,
) -> tuple[bytes | memoryview, Sequence[int], Sequence[int], dict[int, tuple[bytes, int]]] | None:
    """Each task's `--json` text (all plans, id order), each followed by `SEP`: the bytes,
    where each text starts (one more for the end), where its `overdue` value is (-1: none),
    and the texts of tasks changed since. None when a task's text would depend on the day in
    more than its `overdue`."""
    from .jsontext import fragment

    patch = cache.sections["patch"]["json"]
    kept = _kept(cache, "jindex")
    raw = cache.raw.get("json")
    if kept is not None and raw is None and cache.file is not None:
        raw = cache.file.view("json")
        if raw is not None and cache.changed:
            ctx = cache.context()
            for pos in cache.changed:
                text, where = fragment(ctx.task_json(cache.task(pos), date.min))
                patch[pos] = (text + SEP, where)
            cache.dirty.add("patch")
    if kept is not None and raw is not None:
        cache.raw["json"] = raw
        return raw, unpack_plain(kept["at"]), unpack_plain(kept["ov"]), patch
    ctx = cache.context()
    dated = list(islice((p for p in range(cache.size) if cache.due[p] is not None), 20))
    if not _only_overdue_varies(ctx, [cache.task(p) for p in [*dated, *range(min(5, cache.size))]]):
        return None
    # One task at a time, none kept (a list of 100,000 built tasks was ~400 MB), the texts
    # written into one buffer (a list of them, then joined, held both at once).
    buf = bytearray()
    at, ov = [0], []
    with no_gc():
        for p in range(cache.size):
            text, where = fragment(ctx.task_json(task_of(cache.row(p)), date.min))
            buf += text
            buf += SEP
            ov.append(where)
            at.append(len(buf))
    raw = memoryview(buf)
    cache.raw["json"] = raw
    cache.dirty.add("json")
    patch.clear()
    cache.dirty.add("patch")
    _made(cache, "jindex", {"at": pack_ints(at), "ov": pack_ints(ov)})
    return raw, at, ov, patch


def _only_overdue_varies(ctx: Snapshot, sample: list[Task]) -> bool:
    """Whether the `--json` objects of a sample of the tasks (some with a due date, the
    first few) differ between two days only in `overdue`: then a text kept from one day
    serves every day."""
    for task in sample:
        early = ctx.task_json(task, date.min)
        late = ctx.task_json(task, date.max)
        early.pop("overdue", None)
        late.pop("overdue", None)
        if early != late:
            return False
    return True


def print_json(cache: ReadCache, positions: list[int], today: date, out: IO[bytes]) -> bool:
    """Write what `render.print_json([snap.task_json(t, today) for t in tasks])` writes for
    the tasks at `positions`; False (nothing written) when the texts cannot be had.

    Neighbouring texts are written as one slice of the kept bytes: the loop only stops at a
    task overdue today (its `false` becomes `true`) or changed since (its text is new)."""
    texts = json_texts(cache)
    if texts is None:
        return False
    raw, at, ov, patch = texts
    if not positions:
        out.write(b"[]\n")
        return True
    view = memoryview(raw)
    status, due = cache.status, cache.due
    day = today.isoformat()
    pieces: list[bytes | memoryview] = [b"[\n  "]
    start = end = 0  # the run of `view` gathered so far
    for pos in positions:
        if len(pieces) > 4096:
            out.writelines(pieces)
            pieces.clear()
        found = patch.get(pos) if patch else None
        if found is not None:
            pieces.append(view[start:end])
            start = end = 0
            text, where = found
            if where >= 0 and _late(due[pos], status[pos], day):
                pieces += [text[:where], b"true", text[where + 5 :]]
            else:
                pieces.append(text)
            continue
        a = at[pos]
        if a != end:
            pieces.append(view[start:end])
            start = a
        end = at[pos + 1]
        where = ov[pos]
        if where >= 0 and _late(due[pos], status[pos], day):
            pieces.append(view[start : a + where])
            pieces.append(b"true")
            start = a + where + 5
    pieces.append(view[start:end])
    while not len(pieces[-1]):
        pieces.pop()
    pieces[-1] = pieces[-1][: -len(SEP)]  # the last object is followed by the list's end
    pieces.append(b"\n]\n")
    out.writelines(pieces)
    return True

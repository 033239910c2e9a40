"""The zwgk exchange format: a JSON file holding a plan with its statuses and its history.

`export_json` writes it (`zwgk export x.json`), `import_exchange` reads it back
(`zwgk import x.json`). Layout (UTF-8, Chinese unescaped):

    {"format": "zwgk-exchange", "version": 1, "exported_at": ISO, "today": "YYYY-MM-DD",
     "plans":  [{"title", "year", "source", "imported_at"}],
     "units":  [{"name", "aliases", "pinyin", "initials"}],
     "tasks":  [task records: id, plan, group, group_title, section, text, lead_units,
                support_units, guide_units, deadline_text, due, deadline_kind, num, status,
                note, updated_at, updated_by, confirmed_by, confirmed_at],
     "events": [event records: seq, ts, user, action, task, changes, note, undoes, …]}

`write` streams the file a record at a time: the text `json.dumps(…, indent=1)` gives for the
whole file, byte for byte, without the whole in memory (that was 480 MB above the loaded
database at 100,000 tasks).

Importing goes through the ordinary importer for the document part (ids, units, deadlines,
re-import by item number), then restores the people's part (status, notes, sign-off) and
appends the history with fresh sequence numbers. Events already present are skipped, so
importing the same file twice changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path

from .errors import InputError
from .eventfile import read_events
from .eventlog import now_iso
from .importers.base import ParsedPlan, ParsedTask
from .model import STATUSES, Event, Plan, Task
from .record import fields

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from typing import IO, Any

    from .importing import ImportReport
    from .snapshot import Snapshot
    from .transaction import Transaction

FORMAT = "zwgk-exchange"
VERSION = 1

# What belongs to the people rather than the document: restored from the file.
PEOPLE_FIELDS = (
    "status",
    "note",
    "updated_at",
    "updated_by",
    "confirmed_by",
    "confirmed_at",
)


# A task's fields in the order `Task.to_record` (record.asdict) gives them.
TASK_FIELDS = tuple(f.name for f in fields(Task))


def task_record(task: Task) -> dict[str, Any]:
    """`task.to_record()` without `extra` (search keys are recomputed on import), its values
    shared rather than copied: asdict deep-copies every list and dict, two thirds of the time
    of a .json export, for a record that is only dumped (tests hold the two equal)."""
    rec = {name: getattr(task, name) for name in TASK_FIELDS}
    del rec["extra"]
    rec["due"] = task.due.isoformat() if task.due else None
    if not task.parts:
        del rec["parts"]
    if not task.subitems:
        del rec["subitems"]
    return rec


def write(
    out: IO[str],
    snap: Snapshot,
    tasks: Iterable[Task],
    events: Iterable[Event] | None,
    today: date,
) -> None:
    """The exchange file of `tasks` (with the plans, units and history they need) onto `out`:
    the text of `json.dumps(file, ensure_ascii=False, indent=1)` and a newline, written a
    record at a time."""
    chosen = tasks if isinstance(tasks, list) else list(tasks)
    ids = {t.id for t in chosen}
    plans = {t.plan for t in chosen}
    unit_names = {u for t in chosen for u in t.units()}
    head = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": now_iso(),
        "today": today.isoformat(),
    }
    out.write("{")
    for key, value in head.items():
        out.write(f"\n {_json(key)}: {_json(value)},")
    lists: list[tuple[str, Iterator[dict[str, Any]]]] = [
        ("plans", (p.to_record() for p in snap.plans if p.title in plans or not chosen)),
        ("units", (u.to_record() for n, u in sorted(snap.units.items()) if n in unit_names)),
        ("tasks", (task_record(t) for t in chosen)),
        (
            "events",
            (
                e.to_record()
                for e in (events or [])
                if (e.task in ids) or (e.task is None and e.action == "import")
            ),
        ),
    ]
    for n, (key, records) in enumerate(lists):
        out.write(f"\n {_json(key)}: [")
        sep = "\n  "
        for rec in records:
            # The record as it sits two levels in: every line of its own dump indented twice
            # (strings hold no raw newline: JSON escapes it).
            out.write(sep)
            out.write(json.dumps(rec, ensure_ascii=False, indent=1).replace("\n", "\n  "))
            sep = ",\n  "
        out.write("]" if sep == "\n  " else "\n ]")
        out.write("," if n < len(lists) - 1 else "")
    out.write("\n}\n")


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def looks_like_exchange(path: Path) -> bool:
    """True for a .json file that claims to be ours (cheap sniff of the first bytes)."""
    if path.suffix.lower() != ".json":
        return False
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    return b'"format"' in head and FORMAT.encode() in head


# JSON expands in memory: a 32 MB file of `[],` is ten million lists. Bound the bytes and,
# by counting separators (an upper bound on values, strings included), the objects.
MAX_EXCHANGE_BYTES = 32 * 1024 * 1024
MAX_EXCHANGE_ITEMS = 3_000_000  # a 10,000-task plan with 100,000 events has ~1.5 million


def load(path: Path) -> dict[str, Any]:
    """Read and validate an exchange file; InputError (exit 2) naming the file otherwise."""
    from .importers.limits import MAX_CELL_CHARS

    try:
        size = path.stat().st_size
        if size > MAX_EXCHANGE_BYTES:
            raise InputError(
                f"文件 {path} 过大（{size // 1024 // 1024} MB），交换文件不应超过 "
                f"{MAX_EXCHANGE_BYTES // 1024 // 1024} MB。"
            )
        raw = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"找不到文件 {path}。") from None
    except OSError as exc:
        raise InputError(f"无法读取文件 {path}：{exc.strerror}。") from None
    if raw.count(b",") + raw.count(b":") + raw.count(b"[") > MAX_EXCHANGE_ITEMS:
        raise InputError(f"文件 {path} 中的条目超过 {MAX_EXCHANGE_ITEMS} 个，拒绝导入。")
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise InputError(f"文件 {path} 不是有效的 JSON（应为 zwgk export 导出的文件）。") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InputError(f"文件 {path} 不是 zwgk 导出的交换文件（缺少 format: {FORMAT}）。")
    if int(data.get("version") or 0) > VERSION:
        raise InputError(f"文件 {path} 的格式版本较新（{data.get('version')}），请升级 zwgk。")
    tasks = data.get("tasks")
    if not isinstance(tasks, list) or not tasks:
        raise InputError(f"文件 {path} 中没有任何任务。")
    for i, rec in enumerate(tasks, start=1):
        if not isinstance(rec, dict) or not isinstance(rec.get("text"), str):
            raise InputError(f"文件 {path} 第 {i} 个任务格式不正确（缺少 text）。")
        longest = max((len(v) for v in rec.values() if isinstance(v, str)), default=0)
        if longest > MAX_CELL_CHARS:
            raise InputError(
                f"文件 {path} 第 {i} 个任务有一项长达 {longest} 字，超过上限 {MAX_CELL_CHARS} 字。"
            )
        if rec.get("status") not in STATUSES:
            raise InputError(f"文件 {path} 第 {i} 个任务的状态“{rec.get('status')}”无效。")
    for key in ("plans", "units", "events"):
        if not isinstance(data.get(key, []), list):
            raise InputError(f"文件 {path} 的 {key} 应为列表。")
    return data


def _units(rec: dict[str, Any], key: str) -> list[str]:
    value = rec.get(key) or []
    return [str(u) for u in value] if isinstance(value, list) else []


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _event_key(rec: dict[str, Any]) -> str:
    """Identity of an event across databases (seq numbers differ, content does not)."""
    return json.dumps(
        [rec.get("ts"), rec.get("user"), rec.get("action"), rec.get("changes"), rec.get("note")],
        ensure_ascii=False,
        sort_keys=True,
    )


def import_exchange(txn: Transaction, data: dict[str, Any], source: str) -> ImportReport:
    """Merge an exchange file into the database inside `txn`."""
    from .importing import import_into

    plans = [Plan.from_record(p) for p in data.get("plans", []) if isinstance(p, dict)]
    years = {p.title: p.year for p in plans}
    units = [u for u in data.get("units", []) if isinstance(u, dict) and u.get("name")]
    aliases = {
        str(a): str(u["name"]) for u in units for a in (u.get("aliases") or []) if a != u["name"]
    }
    by_plan: dict[str, list[dict[str, Any]]] = {}
    for rec in data["tasks"]:
        by_plan.setdefault(str(rec.get("plan") or Path(source).stem), []).append(rec)

    id_map: dict[int, int] = {}
    report: ImportReport | None = None
    logged_before = len(txn.new_events)
    for title, recs in by_plan.items():
        parsed = ParsedPlan(title=title, source=source, aliases=dict(aliases))
        for rec in recs:
            parsed.tasks.append(
                ParsedTask(
                    num=_int_or_none(rec.get("num")) or _int_or_none(rec.get("id")),
                    text=rec["text"],
                    group=_int_or_none(rec.get("group")),
                    group_title=str(rec.get("group_title") or ""),
                    section=str(rec.get("section") or ""),
                    lead_units=_units(rec, "lead_units"),
                    support_units=_units(rec, "support_units"),
                    guide_units=_units(rec, "guide_units"),
                    deadline_text=str(rec.get("deadline_text") or ""),
                    subitems=[s for s in rec.get("subitems") or [] if isinstance(s, str)],
                )
            )
        part = import_into(txn, parsed, year=years.get(title), title=title, quiet=True)
        # Which database id did each exported task get? Same plan, same item number.
        table = txn.db.table("tasks")
        by_num = {d.get("num"): int(d.doc_id) for d in table.all() if d.get("plan") == title}
        for rec, pt in zip(recs, parsed.tasks, strict=True):
            old_id = _int_or_none(rec.get("id"))
            new_id = by_num.get(pt.num)
            if old_id is not None and new_id is not None:
                id_map[old_id] = new_id
        report = part if report is None else _merge_reports(report, part)
    assert report is not None

    # import_into logged its own summary; it goes after the history it brings.
    summaries = txn.new_events[logged_before:]
    del txn.new_events[logged_before:]

    _restore_people(txn, data["tasks"], id_map)
    _append_history(txn, data.get("events", []), id_map)

    if summaries or report.added or report.updated:
        note = (
            f"导入 {Path(source).name}（zwgk 交换文件）：新增 {report.added} 项，"
            f"更新 {report.updated} 项"
        )
        txn.log(txn.new_event(None, action="import", note=note))
    return report


def _merge_reports(a: ImportReport, b: ImportReport) -> ImportReport:
    a.groups += b.groups
    a.tasks += b.tasks
    a.units += b.units
    a.added += b.added
    a.updated += b.updated
    a.unchanged += b.unchanged
    a.unparsed += b.unparsed
    return a


def _restore_people(
    txn: Transaction, records: list[dict[str, Any]], id_map: dict[int, int]
) -> None:
    """Status, notes and sign-off from the file, unless the database has newer ones."""
    table = txn.db.table("tasks")
    for rec in records:
        new_id = id_map.get(_int_or_none(rec.get("id")) or -1)
        if new_id is None:
            continue
        current = table.get(doc_id=new_id)
        if current is None:
            continue
        theirs = str(rec.get("updated_at") or "")
        ours = str(current.get("updated_at") or "")
        if ours and ours >= theirs:
            continue  # the database's state is as new or newer: keep it
        changes = {k: rec.get(k) for k in PEOPLE_FIELDS if current.get(k) != rec.get(k)}
        if changes:
            table.update(changes, doc_ids=[new_id])


def _append_history(txn: Transaction, events: list[Any], id_map: dict[int, int]) -> None:
    existing, _ = read_events(txn.events_path, 0)
    known = {_event_key(e) for e in existing}
    seq_map: dict[int, int] = {}
    for raw in events:
        if not isinstance(raw, dict):
            continue
        key = _event_key(raw)
        if key in known:
            continue
        known.add(key)
        try:
            event = Event.from_record(raw)
        except TypeError:
            continue
        if event.task is not None:
            mapped = id_map.get(int(event.task))
            if mapped is None:
                continue
            event.task = mapped
        old_seq = event.seq
        event.seq = txn.next_seq()
        seq_map[old_seq] = event.seq
        if event.undoes is not None:
            event.undoes = seq_map.get(event.undoes, event.undoes)
        txn.log(event)

"""Exports written as they are made (issue 14, part 2): the same bytes as the whole-file
writers they replaced, and memory that grows far slower than the file.

The .json reference here is the exchange writer as it was before it was streamed: the whole
file built as one dict (`task.to_record()` for each task) and dumped at once.
"""

from __future__ import annotations

import json
import tracemalloc
from datetime import date
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from test_export_golden import TODAY, cases, golden_snapshot

from zwgk.store import exchange
from zwgk.store.export import export_file
from zwgk.store.model import Event, Task
from zwgk.store.snapshot import Snapshot

NOW = "2021-06-01T09:30:00+08:00"


def reference_json(snap: Snapshot, tasks: list[Task], events: list[Event], today: date) -> bytes:
    """What `zwgk export x.json` wrote before it was streamed."""
    ids = {t.id for t in tasks}
    plans = {t.plan for t in tasks}
    unit_names = {u for t in tasks for u in t.units()}
    records = []
    for t in tasks:
        rec = t.to_record()
        rec.pop("extra", None)
        records.append(rec)
    data = {
        "format": exchange.FORMAT,
        "version": exchange.VERSION,
        "exported_at": NOW,
        "today": today.isoformat(),
        "plans": [p.to_record() for p in snap.plans if p.title in plans or not tasks],
        "units": [u.to_record() for n, u in sorted(snap.units.items()) if n in unit_names],
        "tasks": records,
        "events": [
            e.to_record()
            for e in events
            if (e.task in ids) or (e.task is None and e.action == "import")
        ],
    }
    return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def history(snap: Snapshot) -> list[Event]:
    """A season's audit trail: changes with old and new values (lists, None, a part's unit),
    an undo, an import summary, and events of tasks the filtered cases leave out."""
    events = [Event(1, "2021-01-05T09:00:00+08:00", "张三", "import", note="导入 甲区.docx")]
    for seq, task in enumerate(list(snap.tasks.values())[::37], start=2):
        events.append(
            Event(
                seq,
                f"2021-03-{seq % 28 + 1:02d}T10:00:00+08:00",
                "李四",
                "status",
                task=task.id,
                changes={"status": ["未开始", task.status], "note": ["", task.note]},
                field="status",
                note='第一行\n第二行 "引号" & <尖括号>',
                unit="甘棠街道" if seq % 3 == 0 else None,
            )
        )
    events.append(Event(len(events) + 1, NOW, "王五", "undo", task=events[-1].task, undoes=2))
    return events


@pytest.mark.parametrize("case", ["full", "one_plan_filtered", "plain", "wide", "empty"])
def test_json_is_byte_for_byte_the_whole_file_dump(case: str, tmp_path: Path) -> None:
    snap, flt = cases()[case]
    events = history(snap)
    tasks = flt.apply(snap, TODAY) if flt else snap.task_list()
    out = tmp_path / "out.json"
    with mock.patch.object(exchange, "now_iso", return_value=NOW):
        assert export_file(snap, out, today=TODAY, flt=flt, events=events) == len(tasks)
    assert out.read_bytes() == reference_json(snap, tasks, events, TODAY)


def test_task_record_is_to_record_without_extra() -> None:
    """The exchange's shallow record holds what `Task.to_record` (asdict) gives, key for key
    and in its order — parts, sub-items and dates included."""
    snap = golden_snapshot(300)
    tasks = snap.task_list()
    assert any(t.parts for t in tasks) and any(t.subitems for t in tasks)
    assert any(t.due for t in tasks) and any(t.due is None for t in tasks)
    for task in tasks:
        task.extra = {"search": ["key"]}
        want: dict[str, Any] = task.to_record()
        del want["extra"]
        got = exchange.task_record(task)
        assert list(got) == list(want) and got == want


def traced_peak(snap: Snapshot, out: Path) -> int:
    """Bytes allocated at the export's peak (a first export warms imports and caches)."""
    export_file(snap, out, today=TODAY, force=True)
    tracemalloc.start()
    try:
        export_file(snap, out, today=TODAY, force=True)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_text_exports_hold_little_of_the_file(tmp_path: Path) -> None:
    """.json, .csv and .md go to the file as they are made. At 5,000 tasks the .json is
    about 5 MB and its export's peak under half of it (it was ten times the file); a .csv or
    .md export holds its megabyte of file buffer and little else (it was 6-8 MB)."""
    snap = golden_snapshot(5000)
    for suffix, limit in ((".json", None), (".csv", 2_000_000), (".md", 2_000_000)):
        out = tmp_path / f"out{suffix}"
        peak = traced_peak(snap, out)
        size = out.stat().st_size
        assert peak < (limit or size // 2), (suffix, peak, size)


def test_xlsx_memory_per_task_is_small(tmp_path: Path) -> None:
    """The workbook's rows are streamed and the matrix keeps two machine ints a part: from
    1,000 to 5,000 tasks what the export holds grows by about 1 KB a task (it was 3.5 KB,
    most of it batches of matrix rows and a tuple a part)."""
    small = traced_peak(golden_snapshot(1000), tmp_path / "small.xlsx")
    big = traced_peak(golden_snapshot(5000), tmp_path / "big.xlsx")
    assert (big - small) / 4000 < 1500, (small, big)

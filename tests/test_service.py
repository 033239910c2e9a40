"""store/service.py: the operations the command line and the app share."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SEED_TODAY, Runner, json_of

from zwgk.store.context import Context
from zwgk.store.db import Store
from zwgk.store.errors import InputError
from zwgk.store.filters import TaskFilter
from zwgk.store.service import Service


@pytest.fixture
def service(store: Store) -> Service:
    return Service(store)


def test_task_lookup_names_the_ids_there_are(service: Service) -> None:
    assert service.task(7).id == 7
    with pytest.raises(InputError, match="没有编号为 99 的任务（现有编号 1–29）。"):
        service.task(99)


def test_mark_takes_any_word_and_history_follows(service: Service) -> None:
    event = service.mark(7, "in-progress", "起草中")
    assert event.changes["status"] == ["未开始", "进行中"]
    service.note(7, "已报送")
    assert [e.action for e in service.history(7)] == ["status", "note"]
    assert service.undo().undoes == service.history(7)[1].seq
    with pytest.raises(InputError, match="状态“bogus”无效"):
        service.mark(7, "bogus")


def test_export_then_import_json_round_trips(service: Service, tmp_path: Path) -> None:
    service.mark(3, "done", "已印发")
    out = tmp_path / "x.json"
    assert service.export_file(out) == 29
    other = Service.open(Context(tmp_path / "other.json", SEED_TODAY, user="li"), seed=False)
    imported = other.import_file(out)
    assert imported.report.tasks == 29 and imported.seqs
    assert other.task(3).status == "已完成"


def test_filtered_export_and_tasks(service: Service, tmp_path: Path) -> None:
    flt = TaskFilter(group=4)
    assert [t.id for t in service.tasks(flt)] == [7, 8]
    assert service.export_file(tmp_path / "g.csv", flt) == 2


def test_cli_imports_a_file_it_exported(zwgk: Runner, tmp_path: Path) -> None:
    zwgk("mark", "5", "done")
    out = tmp_path / "x.json"
    assert zwgk("export", str(out)).returncode == 0
    proc = zwgk("--db", str(tmp_path / "new.json"), "import", str(out), "--json")
    assert proc.returncode == 0 and json_of(proc)["tasks"] == 29  # type: ignore[index]
    shown = json_of(zwgk("--db", str(tmp_path / "new.json"), "show", "5", "--json"))
    assert shown["status"] == "已完成"  # type: ignore[index]


def test_one_filter_for_flags_views_and_search(store: Store) -> None:
    """A search's filters and the same TaskFilter applied task by task keep the same tasks."""
    from zwgk.store.search import SearchIndex, parse_query

    snap = store.snapshot()
    index = SearchIndex.from_snapshot(snap)
    for query in ("逾期", "unit:编办", "status:未开始 due:<30", "#7 #8", "due:>2021-01-01"):
        flt = parse_query(query, SEED_TODAY).filter
        by_task = {t.id for t in flt.apply(snap, SEED_TODAY)}
        by_bits = {h.task.id for h in index.search(query, today=SEED_TODAY, limit=100).hits}
        assert by_task == by_bits, query

"""`Service.export_file` through the read snapshot writes what the full load writes.

The export reads the read snapshot (`<db>.snap`, store/readcache.py) when it can: each task
built from its row as a pass comes to it, at most `TASKS_KEPT` of them kept. Here a generated
two-plan ledger (bench/bench_export.py: sections, a unit directory, parts, sign-offs) is
exported both ways — with the snapshot, and with it switched off (`ZWGK_NO_SNAPSHOT=1`, the
database loaded as before) — after a colleague's changes that the snapshot has to roll
forward from the log, and the files must be the same: the workbook through the golden test's
`dump_xlsx`, .csv and .md byte for byte. Few tasks kept and narrow matrix sheets make every
pass rebuild tasks and cross sheet boundaries.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest
from test_export_golden import dump_xlsx

from zwgk.store import export, readcache
from zwgk.store.context import Context
from zwgk.store.filters import TaskFilter
from zwgk.store.readcache import OFF_SWITCH, ReadCache, open_cache
from zwgk.store.service import Service

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
from bench_export import write_db  # noqa: E402

TODAY = date(2021, 6, 1)
TASKS = 600

Case = tuple[str | None, TaskFilter | None]
CASES: dict[str, Case] = {
    "all": (None, None),
    "one_plan": ("乙市2022", None),
    "unit": (None, TaskFilter(units=("各街道",), notes=("单位：各街道",))),
    "overdue_of_a_plan": ("甲区2021", TaskFilter(overdue=True, notes=("仅逾期",))),
}


@pytest.fixture
def ledger(tmp_path: Path) -> Path:
    """The generated ledger, its read snapshot made, then changed by a colleague (in the log
    only: the snapshot is trusted and rolled forward, not made again)."""
    db = tmp_path / "ledger.json"
    write_db(db, TASKS)
    cache = open_cache(db)
    assert cache is not None
    cache.close()
    colleague = Service.open(Context(db, TODAY, user="colleague"))
    colleague.mark(3, "done", "已上报")
    colleague.mark(TASKS - 2, "blocked", "等待批复")
    colleague.note(400, "=材料已报送")
    colleague.confirm(3)
    found = ReadCache(db)
    assert found.attach() and found.changed  # used as it is, the new events applied
    assert found.file is not None
    found.file.close()
    return db


def exported(db: Path, out: Path, case: Case) -> int:
    plan, flt = case
    service = Service.open(Context(db, TODAY, user="exporter"))
    return service.export_file(out, flt, plan=plan)


def full_loads(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Each whole-database load (`Service.snapshot`) from now on, appended as it happens."""
    loads: list[object] = []
    full_load = Service.snapshot

    def counted(self: Service, *args: object, **kwargs: object) -> object:
        loads.append(args)
        return full_load(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Service, "snapshot", counted)
    return loads


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_export_through_the_snapshot_is_the_full_loads(
    ledger: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setattr(readcache, "TASKS_KEPT", 7)  # every pass builds its tasks again
    monkeypatch.setattr(export, "EXCEL_COLUMNS", len(export.MATRIX_FIXED) + 97)  # many sheets
    loads = full_loads(monkeypatch)
    for suffix in (".xlsx", ".csv", ".md"):
        lazy, full = tmp_path / f"lazy{suffix}", tmp_path / f"full{suffix}"
        monkeypatch.delenv(OFF_SWITCH, raising=False)
        rows = exported(ledger, lazy, CASES[name])
        assert not loads  # read through the snapshot, not loaded whole
        monkeypatch.setenv(OFF_SWITCH, "1")
        assert exported(ledger, full, CASES[name]) == rows
        assert loads  # the ordinary read
        loads.clear()
        if suffix == ".xlsx":
            assert dump_xlsx(lazy) == dump_xlsx(full)
        else:
            assert lazy.read_bytes() == full.read_bytes()
    assert rows > 0


def test_the_exchange_file_still_loads_the_database(
    ledger: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loads = full_loads(monkeypatch)
    exported(ledger, tmp_path / "x.json", (None, None))
    assert loads


def test_an_archived_plan_is_left_out_the_same(
    ledger: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default view (active plans only) narrows the lazily built tasks as the full load's."""
    Service.open(Context(ledger, TODAY, user="admin")).set_plan("乙市2022", state="已归档")
    monkeypatch.setattr(readcache, "TASKS_KEPT", 7)
    for suffix in (".xlsx", ".csv"):
        lazy, full = tmp_path / f"lazy{suffix}", tmp_path / f"full{suffix}"
        monkeypatch.delenv(OFF_SWITCH, raising=False)
        rows = exported(ledger, lazy, (None, None))
        monkeypatch.setenv(OFF_SWITCH, "1")
        assert exported(ledger, full, (None, None)) == rows == TASKS * 6 // 10
        if suffix == ".xlsx":
            assert dump_xlsx(lazy) == dump_xlsx(full)
        else:
            assert lazy.read_bytes() == full.read_bytes()

"""Putting a unit directory into the database: `zwgk directory import FILE`.

A re-import replaces the directory with the file's (updating units, adding new ones); a unit
the file no longer lists is removed only when no task holds progress it recorded, unless the
person says `--force` — its recorded parts stay in the tasks either way, so nothing is lost.
"""

from __future__ import annotations

from pathlib import Path

from .directory import Directory, read_directory
from .errors import InputError
from .record import field, record
from .transaction import Transaction

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from typing import Any

DIRECTORY_TABLE = "directory"


@record
class DirectoryReport:
    """What a unit directory import added, updated and removed."""

    source: str
    units: int
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    kinds: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "units": self.units,
            "added": self.added,
            "updated": self.updated,
            "removed": self.removed,
            "kinds": self.kinds,
        }


def stored_directory(txn: Transaction) -> Directory:
    return Directory.from_records(txn.data.get(DIRECTORY_TABLE, {}).get("1"))


def units_with_progress(txn: Transaction) -> dict[str, int]:
    """Unit -> how many tasks hold progress that unit recorded (its parts)."""
    out: dict[str, int] = {}
    for rec in txn.data.get("tasks", {}).values():
        for unit in rec.get("parts") or {}:
            out[unit] = out.get(unit, 0) + 1
    return out


def import_directory(txn: Transaction, path: Path, *, force: bool = False) -> DirectoryReport:
    """Read `path` and store it as the directory, within the caller's transaction."""
    new = read_directory(path)
    old = stored_directory(txn)
    removed = sorted(set(old.units) - set(new.units))
    busy = units_with_progress(txn)
    blocking = [u for u in removed if busy.get(u)]
    if blocking and not force:
        listed = "、".join(f"{u}（{busy[u]} 项）" for u in blocking[:5])
        more = f"等 {len(blocking)} 个单位" if len(blocking) > 5 else ""
        raise InputError(
            f"新名录中没有 {listed}{more}，但这些单位已登记了任务进展；"
            "确认要移除请加 --force（已登记的进展仍保留在任务中）。"
        )
    report = DirectoryReport(str(path), len(new.units), removed=removed)
    for name, unit in new.units.items():
        if name not in old.units:
            report.added.append(name)
        elif old.units[name] != unit:
            report.updated.append(name)
        report.kinds[unit.kind] = report.kinds.get(unit.kind, 0) + 1
    from tinydb.table import Document

    txn.db.table(DIRECTORY_TABLE).upsert(Document(new.to_records(), doc_id=1))
    what = f"导入单位名录 {path.name}：共 {report.units} 个单位"
    changes = f"，新增 {len(report.added)}，更新 {len(report.updated)}，移除 {len(removed)}"
    txn.log(txn.new_event(None, action="directory", note=what + changes))
    return report

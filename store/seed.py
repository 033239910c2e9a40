"""How a database that does not exist yet begins: empty, then the bundled plan loaded into it.

`Store.transaction()` calls this where it finds no task file (under the lock, so two first
users cannot both create it): `refuse_if_backups_remain`, then `empty_database`, then `plant`
the plan shipped with zwgk (unless the store was opened with `seed=False`).
"""

from __future__ import annotations

from pathlib import Path

from .errors import DatabaseError
from .eventfile import complete_size, last_seq
from .files import events_path, shown
from .logcheck import head_of
from .snapshot import tables_of
from .validation import SCHEMA

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from typing import Any

    from .transaction import Transaction

SEED_NAME = "seed_plan.txt"


def seed_path() -> Path:
    from importlib import resources  # pulls in tempfile and random: not on `zwgk mark`

    return Path(str(resources.files("zwgk.data").joinpath(SEED_NAME)))


def refuse_if_backups_remain(db_path: Path) -> None:
    """A database that vanished while its backups remain is not silently re-created."""
    from .backup import backup_dir, newest_good

    good = newest_good(db_path)
    if good is not None:
        raise DatabaseError(
            f"数据库 {shown(db_path)} 不存在，但备份目录中有 "
            f"{shown(good.path)}（{good.when}）：请用 zwgk doctor --restore 恢复，"
            f"或先移走 {shown(backup_dir(db_path))} 再新建。"
        )


def empty_database(db_path: Path) -> dict[str, Any]:
    """The four tables, empty; meta carries on the seq of an event log that already exists."""
    log = events_path(db_path)
    offset = complete_size(log)  # a torn last line is cut by the next append: not absorbed
    data = tables_of(None)
    meta: dict[str, Any] = {"schema": SCHEMA, "last_seq": last_seq(log), "events_offset": offset}
    head = head_of(log) if offset else None
    if head is not None:
        meta["log_head"] = head
    data["meta"]["1"] = meta
    return data


def plant(txn: Transaction) -> None:
    """Load the bundled plan into a new database's first transaction."""
    from .importing import import_into, parse_file  # the importers only when seeding

    import_into(txn, parse_file(seed_path()), year=None, quiet=True)

"""The read path: a task file read, checked and rolled forward with the event log.

A file whose CRC shows it is exactly what zwgk wrote was validated before it was written; any
other file is checked record by record (`validate`). A database that does not parse or does
not validate is refused with one sentence naming the file and the newest good backup; a log
that is not the one the task file expects (`logcheck`) is refused too, naming `zwgk doctor`.
`Store` reads through here, and so does a `Transaction` that needs the whole file.
"""

from __future__ import annotations

import os
from pathlib import Path

from .dbfile import CorruptDatabase, FileView, open_db, parse_json, read_all, read_bytes, verified
from .eventfile import read_events
from .eventlog import roll_forward
from .files import events_path, shown
from .logcheck import require_intact
from .snapshot import meta_of, tables_of
from .validation import validate

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from typing import Any


def read_file(
    path: Path, trusted: tuple[int, ...] | None = None
) -> tuple[bytes | None, FileView | None]:
    """(None, a view of its lines) for a task file whose CRC verifies: nothing more of it is
    read than the lines asked for; (its bytes, None) for any other file; (None, None) when
    there is none. `trusted`: see `FileView.open`."""
    fd = open_db(path)
    if fd is None:
        return None, None
    view = None
    try:
        view = FileView.open(path, fd, trusted)
        if view is not None:
            return None, view
        return read_all(fd), None
    finally:
        if view is None:
            os.close(fd)


def load_database(path: Path, raw: bytes | None = None) -> dict[str, Any] | None:
    """The whole database, validated and rolled forward; None when it does not exist.

    `raw`: the file's bytes when the caller has read them already.
    """
    loaded = load_tables(path, raw)
    return None if loaded is None else loaded[0]


def load_tables(
    path: Path, raw: bytes | None = None
) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """`load_database`, and the meta record as the task file holds it (before the log is
    rolled forward: what the log is checked against)."""
    try:
        if raw is None:
            raw = read_bytes(path)
        if raw is None:
            return None
        data = parse_json(path, raw)
    except CorruptDatabase as exc:
        raise corrupt_error(path, exc.problem) from None
    if not verified(raw):  # hand-edited, older layout, or damaged: check it all
        problems = validate(data, limit=1)
        if problems:
            raise corrupt_error(path, f"未通过检查（{problems[0]}）")
    data = tables_of(data)
    meta = meta_of(data)
    require_intact(path, meta)  # a log emptied or swapped: say so, never roll forward wrongly
    offset = int(meta.get("events_offset", 0))
    events, end = read_events(events_path(path), offset)
    if events:
        roll_forward(data, events, end)
    return data, meta


def corrupt_error(path: Path, problem: str) -> CorruptDatabase:
    """One sentence: which file, what is wrong, which backup is the newest good one."""
    from .backup import newest_good  # only on the error path: keeps shutil off `zwgk mark`

    good = newest_good(path)
    if good is not None:
        hint = (
            f"最近的完好备份是 {shown(good.path)}（{good.when}），可用 zwgk doctor --restore 恢复。"
        )
    else:
        hint = "没有找到完好的备份，请用 zwgk doctor 检查。"
    err = CorruptDatabase(path, problem)
    err.message = err.message.rstrip("。") + "；" + hint
    err.args = (err.message,)
    return err

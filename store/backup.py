"""Rotating backups beside the database: `<db>.backups/`.

The task file is rewritten (a checkpoint: imports, and whenever enough changes have piled up
in the event log, see `transaction.CHECKPOINT_BYTES`) by renaming a new file over it, so the file being
replaced is never written again. Just before the rename, `keep_previous` hard-links it into
the backup directory: no bytes are copied, and after the rename the link is the only name of
the previous version. (When a hard link is impossible — another filesystem, or a kernel that
protects links to other people's files — the file is copied instead.) Changes made since a
backup are in the append-only event log; `zwgk doctor --restore` replays them.

Kept: the last `KEEP_RECENT` versions (`<name>.YYYYmmdd-HHMMSS-ffffff.json`, named by the
time the version was written) and, for each of the last `KEEP_DAYS` days, the version that
day's first rewrite replaced, i.e. the state the day began with
(`<name>.daily-YYYY-MM-DD.json`). Hard links share their bytes, and the total size is
further capped by `BUDGET_BYTES` (oldest dropped first; the newest version is always kept).

Backups are best effort: failing to make one never stops a change from being saved; `zwgk
doctor` says how old the newest backup is.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

from .dbfile import read_json
from .errors import DatabaseError
from .files import DIR_MODE, set_mode
from .record import record
from .validation import validate

KEEP_RECENT = 10
KEEP_DAYS = 30
BUDGET_BYTES = 1024 * 1024 * 1024  # 1 GiB for all backups of one database together


def backup_dir(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".backups")


@record(frozen=True)
class Backup:
    """One backup copy of the task file, with what `prune` keeps it by."""

    path: Path
    mtime: float
    size: int
    daily: bool

    @property
    def when(self) -> str:
        return datetime.fromtimestamp(self.mtime).strftime("%Y-%m-%d %H:%M:%S")


def list_backups(db_path: Path) -> list[Backup]:
    """All backups of the database, newest first."""
    prefix = db_path.name + "."
    out: list[Backup] = []
    try:
        entries = list(os.scandir(backup_dir(db_path)))
    except OSError:
        return []
    for entry in entries:
        name = entry.name
        if not (name.startswith(prefix) and name.endswith(".json")) or name.endswith(".tmp"):
            continue
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not entry.is_file(follow_symlinks=False):
            continue
        daily = name[len(prefix) :].startswith("daily-")
        out.append(Backup(Path(entry.path), st.st_mtime, st.st_size, daily))
    out.sort(key=lambda b: (b.mtime, not b.daily, b.path.name), reverse=True)
    return out


def _link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst, follow_symlinks=False)
    except OSError:
        tmp = dst.with_name(dst.name + ".tmp")
        shutil.copy2(src, tmp, follow_symlinks=False)
        os.replace(tmp, dst)


def keep_previous(db_path: Path, *, now: datetime | None = None) -> Path | None:
    """Link the current database file into the backup directory and rotate. Best effort."""
    try:
        st = os.stat(db_path, follow_symlinks=False)
    except OSError:
        return None
    try:
        return _keep(db_path, st, now or datetime.now())
    except OSError:
        return None


def _keep(db_path: Path, st: os.stat_result, now: datetime) -> Path:
    bdir = backup_dir(db_path)
    if not bdir.is_dir():
        bdir.mkdir(mode=DIR_MODE, exist_ok=True)
        set_mode(bdir, DIR_MODE)
    written = datetime.fromtimestamp(st.st_mtime)
    stamp = written.strftime("%Y%m%d-%H%M%S-%f")
    target = bdir / f"{db_path.name}.{stamp}.json"
    n = 1
    while os.path.lexists(target):
        target = bdir / f"{db_path.name}.{stamp}-{n}.json"
        n += 1
    _link_or_copy(db_path, target)
    # The day's backup is the version the day's first write replaced (the state the day
    # began with): one link per day, nothing to do on later writes.
    daily = bdir / f"{db_path.name}.daily-{now.date().isoformat()}.json"
    if not os.path.lexists(daily):
        _link_or_copy(target, daily)
    rotate(db_path, today=now.date())
    return target


def rotate(db_path: Path, *, today: date | None = None) -> list[Path]:
    """Drop backups beyond the limits; returns what was removed."""
    today = today or date.today()
    all_backups = list_backups(db_path)
    recent = [b for b in all_backups if not b.daily]
    dailies = sorted((b for b in all_backups if b.daily), key=lambda b: b.path.name, reverse=True)
    oldest_day = (today - timedelta(days=KEEP_DAYS - 1)).isoformat()
    drop = recent[KEEP_RECENT:]
    keep_daily: list[Backup] = []
    for b in dailies:
        day = b.path.name[len(db_path.name) + len(".daily-") :][:10]
        if len(keep_daily) < KEEP_DAYS and day >= oldest_day:
            keep_daily.append(b)
        else:
            drop.append(b)
    kept = [b for b in all_backups if b not in drop]
    # Bytes shared by hard links count once; an inode is freed when its last link goes.
    ino: dict[Path, tuple[int, int]] = {}
    links: dict[tuple[int, int], int] = {}
    sizes: dict[tuple[int, int], int] = {}
    for b in kept:
        with contextlib.suppress(OSError):
            st = os.stat(b.path, follow_symlinks=False)
            file_id = (st.st_dev, st.st_ino)
            ino[b.path] = file_id
            links[file_id] = links.get(file_id, 0) + 1
            sizes[file_id] = st.st_size
    total = sum(sizes.values())
    newest = ino.get(kept[0].path) if kept else None
    for b in sorted(kept, key=lambda b: b.mtime):
        if total <= BUDGET_BYTES:
            break
        key = ino.get(b.path)
        if key is None or key == newest:
            continue
        drop.append(b)
        links[key] -= 1
        if links[key] == 0:
            total -= sizes[key]
    removed = []
    for b in drop:
        with contextlib.suppress(OSError):
            os.unlink(b.path)
            removed.append(b.path)
    return removed


def check_file(path: Path) -> str | None:
    """None when `path` holds a database that loads and validates, else the problem."""
    try:
        data = read_json(path)
        if data is None:
            return "文件不存在"
        problems = validate(data, limit=1)
    except DatabaseError as exc:
        return getattr(exc, "problem", exc.message)
    return problems[0] if problems else None


def newest_good(db_path: Path) -> Backup | None:
    """The newest backup that loads and validates."""
    seen: set[tuple[int, int]] = set()
    for b in list_backups(db_path):
        try:
            st = os.stat(b.path)
        except OSError:
            continue
        key = (st.st_dev, st.st_ino)
        if key in seen:
            continue
        seen.add(key)
        if check_file(b.path) is None:
            return b
    return None

"""`zwgk doctor`: check the database, its event log, backups and permission file; restore.

`check` never writes anything. `restore` (admins only when a permission file is in force)
keeps the broken file aside as `<db>.broken-YYYYmmdd-HHMMSS`, puts the newest good backup in
place and rolls it forward with the event log, so changes made after that backup are kept
(status and notes; an import made after the backup has to be run again). `--repair` (the log
emptied, swapped or holding bad lines) is `logrepair`'s.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from datetime import datetime
from pathlib import Path

from . import backup
from .codec import parse_line
from .context import Context
from .db import Store
from .dbfile import CorruptDatabase, atomic_write_bytes, read_bytes, read_json, tmp_prefix, verified
from .errors import DatabaseError, PermissionDenied, ZwgkError
from .eventfile import append_events, iter_events_backwards, iter_lines, last_seq
from .eventlog import event_record, new_event, replays, validate_event
from .files import events_path, fsync_dir, open_checked, set_mode, shown
from .lock import locked
from .logcheck import log_problem
from .record import field, record
from .snapshot import meta_of, tables_of
from .textutil import sanitize
from .validation import UNIT_LISTS, is_int, validate

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from typing import Any

OK, WARN, ERROR = "ok", "warn", "error"
MAX_REPORTED = 20  # problems of one kind listed one by one; the rest are counted


@record
class Finding:
    """One thing `zwgk doctor` found, with how serious it is and where."""

    level: str
    area: str  # database | events | backups | permissions | files
    message: str

    def to_json(self) -> dict[str, str]:
        return {"level": self.level, "area": self.area, "message": self.message}


@record
class Report:
    """Everything `zwgk doctor` checked and found."""

    db_path: Path
    findings: list[Finding] = field(default_factory=list)
    tasks: int = 0
    events: int = 0
    damaged_lines: list[int] = field(default_factory=list)
    invalid_lines: list[int] = field(default_factory=list)
    log_problem: str | None = None
    pending_events: int = 0
    backups: int = 0
    newest_backup: str | None = None
    newest_good_backup: str | None = None
    permissions: str = ""
    db_ok: bool = False

    @property
    def ok(self) -> bool:
        return not any(f.level == ERROR for f in self.findings)

    def add(self, level: str, area: str, message: str) -> None:
        self.findings.append(Finding(level, area, message))

    def to_json(self) -> dict[str, Any]:
        return {
            "db": str(self.db_path),
            "ok": self.ok,
            "database_ok": self.db_ok,
            "tasks": self.tasks,
            "events": self.events,
            "damaged_event_lines": self.damaged_lines,
            "invalid_event_lines": self.invalid_lines,
            "log_problem": self.log_problem,
            "pending_events": self.pending_events,
            "backups": self.backups,
            "newest_backup": self.newest_backup,
            "newest_good_backup": self.newest_good_backup,
            "permissions": self.permissions,
            "findings": [f.to_json() for f in self.findings],
        }


def check(db_path: Path) -> Report:
    """Everything `zwgk doctor` prints; reads only."""
    rep = Report(db_path)
    data = _check_database(rep)
    _check_events(rep, data)
    _check_backups(rep)
    _check_permissions(rep, data)
    _check_files(rep)
    return rep


def _check_database(rep: Report) -> dict[str, Any] | None:
    path = rep.db_path
    if path.is_symlink():
        rep.add(ERROR, "database", f"数据库路径 {shown(path)} 是符号链接，zwgk 拒绝使用。")
        return None
    if not path.exists():
        rep.add(WARN, "database", f"数据库 {shown(path)} 不存在（首次使用时会自动创建）。")
        return None
    try:
        data = read_json(path)
    except CorruptDatabase as exc:
        rep.add(ERROR, "database", f"数据库 {shown(path)} {exc.problem}。")
        return None
    except DatabaseError as exc:
        rep.add(ERROR, "database", exc.message)
        return None
    assert data is not None
    with contextlib.suppress(DatabaseError):
        raw = read_bytes(path)
        if raw is not None and not verified(raw):
            rep.add(
                WARN,
                "database",
                "数据库的校验和不符或缺失（可能被手工修改过，或由旧版本写入）：已逐项检查，"
                "下次整理（checkpoint）时会重写。",
            )
    problems = validate(data, limit=MAX_REPORTED + 1)
    for p in problems[:MAX_REPORTED]:
        rep.add(ERROR, "database", f"数据库{p}。" if p.startswith("的") else f"数据库中{p}。")
    if len(problems) > MAX_REPORTED:
        rep.add(ERROR, "database", "还有更多问题未列出。")
    if problems:
        return None
    data = tables_of(data)
    rep.db_ok = True
    rep.tasks = len(data["tasks"])
    # Cross-checks that do not stop loading: units named by tasks but missing from the table.
    known = set()
    for rec in data["units"].values():
        known.add(rec["name"])
        known.update(a for a in rec.get("aliases") or [] if isinstance(a, str))
    missing: dict[str, list[str]] = {}
    for key, rec in data["tasks"].items():
        for role in UNIT_LISTS:
            for u in rec.get(role) or []:
                if u not in known:
                    missing.setdefault(u, []).append(key)
    for name, keys in list(missing.items())[:MAX_REPORTED]:
        rep.add(
            WARN,
            "database",
            f"单位“{sanitize(name, keep_newlines=False)}”（任务 {'、'.join(keys[:5])}）不在单位表中。",
        )
    hostile = _control_text(data)
    if hostile:
        where = "、".join(hostile[:5])
        rep.add(
            WARN,
            "database",
            f"数据库中有 {len(hostile)} 处文字含控制字符或终端转义序列（{where}），"
            "显示时会被过滤；来源多半是手工修改的文件。",
        )
    rep.add(OK, "database", f"数据库 {shown(path)} 可以正常读取：{rep.tasks} 项任务。")
    return data


def _control_text(data: dict[str, Any]) -> list[str]:
    """Where strings in the database would need cleaning before reaching a terminal."""
    found: list[str] = []

    def walk(obj: Any, where: str) -> None:
        if isinstance(obj, str):
            if sanitize(obj) != obj:
                found.append(where)
        elif isinstance(obj, dict):
            for v in obj.values():
                walk(v, where)
        elif isinstance(obj, list):
            for v in obj:
                walk(v, where)

    for table, label in (("tasks", "任务 #"), ("units", "单位记录 "), ("plans", "方案记录 ")):
        for key, rec in data.get(table, {}).items():
            walk(rec, f"{label}{key}")
    return list(dict.fromkeys(found))


def _check_events(rep: Report, data: dict[str, Any] | None) -> None:
    path = events_path(rep.db_path)
    if path.is_symlink():
        rep.add(ERROR, "events", f"修改记录 {shown(path)} 是符号链接，zwgk 拒绝使用。")
        return
    meta = meta_of(data) if data is not None else {}
    if data is not None:
        try:
            rep.log_problem = log_problem(rep.db_path, meta)
        except DatabaseError as exc:  # a FIFO or a folder at the log's path
            rep.add(ERROR, "events", exc.message)
            return
        if rep.log_problem:
            rep.add(
                ERROR,
                "events",
                f"修改记录{rep.log_problem}：任务文件已并入到第 {meta.get('last_seq', 0)} 号修改，"
                "之后保存的修改可能已经丢失，现在暂停读写。可用 zwgk doctor --repair 修复"
                "（另存这份修改记录，从任务文件的状态重新开始，并说明哪些修改无法找回）。",
            )
    try:
        scan = scan_log(path, meta)
    except FileNotFoundError:
        rep.add(OK, "events", "还没有修改记录。")
        return
    except DatabaseError as exc:
        rep.add(ERROR, "events", exc.message)
        return
    rep.events = scan.events
    rep.damaged_lines = scan.damaged
    rep.invalid_lines = [no for no, _ in scan.invalid]
    rep.pending_events = scan.pending
    tasks = data["tasks"] if data is not None else None
    unknown_tasks = {t for t in scan.tasks if tasks is not None and str(t) not in tasks}
    if scan.damaged:
        lines = "、".join(str(n) for n in scan.damaged[:MAX_REPORTED])
        more = " 等" if len(scan.damaged) > MAX_REPORTED else ""
        rep.add(
            ERROR,
            "events",
            f"修改记录中有 {len(scan.damaged)} 行已损坏（第 {lines}{more} 行），读取时跳过；"
            "可用 zwgk doctor --repair 移到隔离文件。",
        )
    if scan.invalid:
        shown_lines = "；".join(f"第 {no} 行{why}" for no, why in scan.invalid[:5])
        more = " 等" if len(scan.invalid) > 5 else ""
        rep.add(
            ERROR,
            "events",
            f"修改记录中有 {len(scan.invalid)} 条记录内容无效（{shown_lines}{more}），读取时跳过；"
            "可用 zwgk doctor --repair 移到隔离文件。",
        )
    if scan.disorder:
        rep.add(ERROR, "events", f"修改记录的序号不是递增的：{'；'.join(scan.disorder[:5])}。")
    if scan.torn:
        rep.add(WARN, "events", "修改记录末尾有一行未写完（写入时中断），下次修改时会自动截去。")
    if unknown_tasks:
        ids = "、".join(str(t) for t in sorted(unknown_tasks, key=str)[:10])
        rep.add(WARN, "events", f"修改记录提到数据库中没有的任务：{ids}。")
    if data is not None and int(meta.get("last_seq", 0)) > scan.last_seq and scan.events:
        rep.add(
            WARN,
            "events",
            f"数据库记录的最新序号 {meta.get('last_seq')} 大于修改记录中的 {scan.last_seq}："
            "修改记录可能被截短。",
        )
    if scan.pending and not rep.log_problem:
        rep.add(OK, "events", f"有 {scan.pending} 条修改尚未并入任务文件，读取时自动补上。")
    if not scan.damaged and not scan.invalid and not scan.disorder:
        rep.add(OK, "events", f"修改记录中的记录都完好：{scan.events} 条，序号递增。")


@record
class LogScan:
    """One streamed pass over the log: what is good, what is not, where."""

    events: int = 0  # lines that parse
    damaged: list[int] = field(default_factory=list)  # line numbers that do not parse
    invalid: list[tuple[int, str]] = field(default_factory=list)  # (line, why) not trusted
    disorder: list[str] = field(default_factory=list)
    tasks: set[Any] = field(default_factory=set)
    pending: int = 0
    last_seq: int = 0
    torn: bool = False
    bad_spans: list[tuple[int, int]] = field(default_factory=list)  # (offset, length) to move


def scan_log(path: Path, meta: dict[str, Any]) -> LogScan:
    """Stream the log once, checking every line (memory stays bounded at any length)."""
    scan = LogScan()
    absorbed = int(meta.get("last_seq", 0))
    no = 0
    prev_end = 0
    fd = open_checked(path, os.O_RDONLY, "修改记录")  # FileNotFoundError when there is none
    size = os.fstat(fd).st_size
    os.close(fd)
    for at, line in iter_lines(path):
        no += at - prev_end + 1  # blank lines between are single newlines
        prev_end = at + len(line) + 1
        if not line.strip():
            continue
        rec = parse_line(line)
        if rec is None:
            scan.damaged.append(no)
            scan.bad_spans.append((at, len(line) + 1))
            continue
        scan.events += 1
        why = validate_event(rec)
        if why is not None:
            scan.invalid.append((no, why))
            scan.bad_spans.append((at, len(line) + 1))
            continue
        seq = rec["seq"]
        if seq <= scan.last_seq:
            scan.disorder.append(f"第 {no} 行（序号 {seq}，前一条 {scan.last_seq}）")
            scan.bad_spans.append((at, len(line) + 1))
            continue
        scan.last_seq = seq
        if meta and seq > absorbed:
            scan.pending += 1
        if rec.get("task") is not None:
            scan.tasks.add(rec["task"])
    scan.torn = prev_end < size
    return scan


def _check_backups(rep: Report) -> None:
    all_b = backup.list_backups(rep.db_path)
    rep.backups = len(all_b)
    if not all_b:
        rep.add(
            WARN,
            "backups",
            f"还没有备份（每次重写数据库文件前自动保存在 {shown(backup.backup_dir(rep.db_path))}）。",
        )
        return
    rep.newest_backup = str(all_b[0].path)
    good = backup.newest_good(rep.db_path)
    if good is None:
        rep.add(ERROR, "backups", f"{len(all_b)} 个备份都无法读取。")
        return
    rep.newest_good_backup = str(good.path)
    rep.add(
        OK,
        "backups",
        f"{len(all_b)} 个备份，最近的完好备份：{shown(good.path)}（{good.when}）。",
    )


def _check_permissions(rep: Report, data: dict[str, Any] | None) -> None:
    from .permissions import ConfigError, load_policy

    try:
        policy = load_policy(rep.db_path)
    except ConfigError as exc:
        rep.permissions = exc.message
        rep.add(ERROR, "permissions", exc.message)
        return
    rep.permissions = policy.describe()
    if not policy.configured:
        rep.add(WARN, "permissions", policy.describe() + "。")
        return
    rep.add(OK, "permissions", policy.describe() + "。")
    if data is not None:
        units = data.get("units", {})
        names = set(db_names(units))
        for login in sorted(policy.users):
            for u in policy.units_of(login, units):
                if u not in names:
                    rep.add(
                        WARN,
                        "permissions",
                        f"权限文件中用户 {sanitize(login, keep_newlines=False)} 的单位"
                        f"“{sanitize(u, keep_newlines=False)}”不在数据库的单位表中。",
                    )


def db_names(units: dict[str, Any]) -> list[str]:
    return [r["name"] for r in units.values() if isinstance(r, dict) and "name" in r]


def _check_files(rep: Report) -> None:
    path = rep.db_path
    for p in (path, events_path(path)):
        with contextlib.suppress(OSError):
            mode = os.stat(p, follow_symlinks=False).st_mode & 0o777
            if mode & 0o007:
                rep.add(
                    WARN, "files", f"{shown(p)} 的权限为 {mode:o}，其他用户也能访问（应为 660）。"
                )
            elif mode & 0o060 != 0o060:
                rep.add(
                    WARN, "files", f"{shown(p)} 的权限为 {mode:o}，同组同事不能写入（应为 660）。"
                )
    with contextlib.suppress(OSError):
        stale = [
            e.name
            for e in os.scandir(path.parent)
            if e.name.startswith(tmp_prefix(path)) and e.name.endswith(".tmp")
        ]
        if stale:
            rep.add(
                WARN, "files", f"有 {len(stale)} 个中断写入留下的临时文件，下次修改时自动清理。"
            )


# -- restore ---------------------------------------------------------------------------------
@record
class RestoreResult:
    """What `zwgk doctor --restore` did, and where the broken file went."""

    restored: bool
    message: str
    backup: str | None = None
    broken_copy: str | None = None
    replayed: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "restored": self.restored,
            "message": self.message,
            "backup": self.backup,
            "broken_copy": self.broken_copy,
            "replayed_events": self.replayed,
        }


def append_refusal(ctx: Context, reason: str) -> None:
    """Log a refused restore; the database may be unreadable, so the seq comes from the log."""
    path = events_path(ctx.db_path)
    event = new_event(last_seq(path) + 1, ctx, "refused", note=reason, field="restore")
    append_events(path, [event_record(event)])


def restore(ctx: Context) -> RestoreResult:
    """Put the newest good backup in place of a broken (or missing) database."""
    from .permissions import load_policy

    path = ctx.db_path
    if path.is_symlink() or path.is_dir():
        raise DatabaseError(f"数据库路径 {shown(path)} 不是普通文件，无法恢复到这里。")
    with locked(path):
        policy = load_policy(path)
        reason = policy.refusal(ctx.user, "restore", None)
        if reason:
            append_refusal(ctx, reason)
            raise PermissionDenied(reason)
        problem = backup.check_file(path) if path.exists() else "不存在"
        if problem is None:
            return RestoreResult(False, f"数据库 {shown(path)} 完好，无需恢复。")
        good = backup.newest_good(path)
        if good is None:
            raise DatabaseError(f"数据库 {shown(path)} {problem}，但没有找到完好的备份，无法恢复。")
        aside = None
        if path.exists():
            stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
            aside = path.with_name(f"{path.name}.broken-{stamp}")
            n = 1
            while aside.exists():
                aside = path.with_name(f"{path.name}.broken-{stamp}-{n}")
                n += 1
            try:
                os.link(path, aside)
            except OSError:
                shutil.copy2(path, aside)
            set_mode(aside)
        atomic_write_bytes(path, good.path.read_bytes())
        fsync_dir(path.parent)
    # Roll forward and record the restore in a normal transaction (takes the lock again).
    restored = read_json(path) or {}
    since = int(meta_of(tables_of(restored)).get("last_seq", 0))
    replayed = imports = 0
    for rec in iter_events_backwards(events_path(path)):
        seq = rec.get("seq")
        if not is_int(seq) or seq <= since:
            break
        if rec.get("action") == "import":
            imports += 1
        elif replays(rec):
            replayed += 1
    store = Store(ctx, seed=False)
    note = f"从备份 {good.path.name} 恢复" + (f"，损坏的文件另存为 {aside.name}" if aside else "")
    try:
        with store.transaction() as txn:
            txn.log(txn.new_event(None, action="restore", note=note))
    except ZwgkError:
        pass  # the restore itself is done; the log line is a courtesy
    msg = f"已从备份 {shown(good.path)}（{good.when}）恢复数据库 {shown(path)}"
    if aside:
        msg += f"，损坏的文件另存为 {shown(aside)}"
    if replayed:
        msg += f"；备份之后的 {replayed} 条修改已从修改记录中补上"
    msg += "。"
    if imports:
        msg += f"注意：备份之后有 {imports} 次导入，请重新导入。"
    return RestoreResult(True, msg, str(good.path), str(aside) if aside else None, replayed)


# -- which configuration and database (printed before the checks) --------------------------
HUMAN_UID_MIN = 1000  # login.defs UID_MIN on Debian/Ubuntu/RHEL: below are system accounts


def login_accounts() -> list[str]:
    """People who can log in here (uid ≥ 1000 with a real shell): more than one means a
    server that several colleagues share."""
    import pwd

    out = []
    for p in pwd.getpwall():
        if p.pw_uid < HUMAN_UID_MIN or p.pw_uid == 65534:
            continue
        if p.pw_shell.endswith(("nologin", "false")):
            continue
        out.append(p.pw_name)
    return out


def config_findings(db_path: Path, user: str) -> list[Finding]:
    """Which configuration, database and acting user are in use; warns when a machine with
    several login accounts has no shared configuration (each then has a private database)."""
    from .config import SYSTEM_CONFIG, ConfigError, env_user_allowed, load_config

    out: list[Finding] = []
    try:
        cfg = load_config()
    except ConfigError as exc:
        return [Finding(ERROR, "config", exc.message)]
    if cfg.source is None:
        accounts = login_accounts()
        if len(accounts) > 1:
            out.append(
                Finding(
                    WARN,
                    "config",
                    f"没有系统配置 {shown(SYSTEM_CONFIG)}，而这台机器有 {len(accounts)} 个登录用户："
                    "每人使用各自的个人数据库，互相看不到修改；请按 README“服务器部署”运行 "
                    "zwgk init --shared。",
                )
            )
        else:
            out.append(Finding(OK, "config", f"没有系统配置 {shown(SYSTEM_CONFIG)}：个人使用。"))
    elif cfg.database is not None:  # cfg.shared, spelt out so the type checker sees it
        who = "可用 ZWGK_USER 指定用户" if cfg.allow_env_user else "用户一律为系统登录名"
        out.append(
            Finding(
                OK,
                "config",
                f"系统配置 {shown(cfg.source)}：共享数据库 {shown(cfg.database)}，{who}。",
            )
        )
        if cfg.database != db_path:
            out.append(
                Finding(
                    WARN,
                    "config",
                    f"当前打开的不是共享数据库，而是 {shown(db_path)}（--db 或 ZWGK_DB 指定）。",
                )
            )
    else:
        out.append(
            Finding(
                OK, "config", f"配置文件 {shown(cfg.source)} 未指定共享数据库（只含权限规则）。"
            )
        )
    out.append(Finding(OK, "config", f"数据库：{shown(db_path)}。"))
    env_user = bool((os.environ.get("ZWGK_USER") or "").strip())
    if env_user and not env_user_allowed():
        how = "系统登录名（共享配置不允许用 ZWGK_USER 指定）"
    else:
        how = "ZWGK_USER" if env_user else "系统登录名"
    out.append(Finding(OK, "config", f"当前用户：{shown(user)}（{how}）。"))
    return out

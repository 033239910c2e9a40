"""`zwgk doctor`: check the database, its event log, backups and permission file; restore.

`check` never writes anything. `restore` (admins only when a permission file is in force)
keeps the broken file aside as `<db>.broken-YYYYmmdd-HHMMSS`, puts the newest good backup in
place and rolls it forward with the event log, so changes made after that backup are kept
(status and notes; an import made after the backup has to be run again).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from . import backup
from .codec import parse_line
from .context import Context
from .db import Store
from .dbfile import CorruptDatabase, atomic_write_bytes, read_bytes, read_json, tmp_prefix, verified
from .errors import DatabaseError, PermissionDenied, ZwgkError
from .eventfile import append_events, iter_events_backwards, last_seq
from .eventlog import event_record, new_event, replays
from .files import events_path, fsync_dir, set_mode, shown
from .lock import locked
from .model import Event
from .snapshot import meta_of, tables_of
from .textutil import sanitize
from .validation import UNIT_LISTS, is_int, validate

OK, WARN, ERROR = "ok", "warn", "error"
MAX_REPORTED = 20  # problems of one kind listed one by one; the rest are counted


@dataclass
class Finding:
    level: str
    area: str  # database | events | backups | permissions | files
    message: str

    def to_json(self) -> dict[str, str]:
        return {"level": self.level, "area": self.area, "message": self.message}


@dataclass
class Report:
    db_path: Path
    findings: list[Finding] = field(default_factory=list)
    tasks: int = 0
    events: int = 0
    damaged_lines: list[int] = field(default_factory=list)
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
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        rep.add(OK, "events", "还没有修改记录。")
        return
    except OSError as exc:
        rep.add(ERROR, "events", f"无法读取修改记录 {shown(path)}：{exc.strerror}。")
        return
    meta = meta_of(data) if data is not None else {}
    tasks = data["tasks"] if data is not None else None
    last_seq = 0
    disorder: list[str] = []
    unknown_tasks: set[Any] = set()
    bad_fields: list[int] = []
    complete = raw.rfind(b"\n") + 1
    for no, line in enumerate(raw[:complete].split(b"\n")[:-1], start=1):
        if not line.strip():
            continue
        rec = parse_line(line)
        if rec is None:
            rep.damaged_lines.append(no)
            continue
        rep.events += 1
        try:
            Event.from_record(rec)
        except TypeError:
            bad_fields.append(no)
            continue
        seq = rec.get("seq")
        if not is_int(seq) or seq <= last_seq:
            disorder.append(f"第 {no} 行（序号 {seq!r}，前一条 {last_seq}）")
        else:
            last_seq = seq
        if data is not None and is_int(seq) and seq > int(meta.get("last_seq", 0)):
            rep.pending_events += 1
        if tasks is not None and rec.get("task") is not None and str(rec["task"]) not in tasks:
            unknown_tasks.add(rec["task"])
    if rep.damaged_lines:
        lines = "、".join(str(n) for n in rep.damaged_lines[:MAX_REPORTED])
        more = " 等" if len(rep.damaged_lines) > MAX_REPORTED else ""
        rep.add(
            ERROR,
            "events",
            f"修改记录中有 {len(rep.damaged_lines)} 行已损坏（第 {lines}{more} 行），读取时跳过。",
        )
    if bad_fields:
        rep.add(
            ERROR,
            "events",
            f"修改记录中有 {len(bad_fields)} 条缺少必要字段（第 {bad_fields[0]} 行起）。",
        )
    if disorder:
        rep.add(ERROR, "events", f"修改记录的序号不是递增的：{'；'.join(disorder[:5])}。")
    if complete < len(raw):
        rep.add(WARN, "events", "修改记录末尾有一行未写完（写入时中断），下次修改时会自动截去。")
    if unknown_tasks:
        ids = "、".join(str(t) for t in sorted(unknown_tasks, key=str)[:10])
        rep.add(WARN, "events", f"修改记录提到数据库中没有的任务：{ids}。")
    if data is not None and int(meta.get("last_seq", 0)) > last_seq and rep.events:
        rep.add(
            WARN,
            "events",
            f"数据库记录的最新序号 {meta.get('last_seq')} 大于修改记录中的 {last_seq}：修改记录可能被截短。",
        )
    if rep.pending_events:
        rep.add(OK, "events", f"有 {rep.pending_events} 条修改尚未并入任务文件，读取时自动补上。")
    if not rep.damaged_lines and not disorder:
        rep.add(OK, "events", f"修改记录完好：{rep.events} 条，序号递增。")


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
@dataclass
class RestoreResult:
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


def _append_refusal(ctx: Context, reason: str) -> None:
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
            _append_refusal(ctx, reason)
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
    elif cfg.shared:
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

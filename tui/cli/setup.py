"""`zwgk init`: create a database on purpose, and for a server the shared folder and the system
configuration that points everyone at it.

Everything that can be checked is checked before anything is created (the group, an existing
different configuration, whether the configuration may be written), and each step says what it
did as it goes, so a failure half-way leaves a readable account of what exists.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from zwgk.store import config as sysconfig
from zwgk.store.context import Context
from zwgk.store.errors import DatabaseError, InputError, PermissionDenied
from zwgk.store.files import fsync_dir, shown

Say = Callable[[str], None]
SHARED_DIR_MODE = 0o2770  # setgid: new files belong to the group; the group writes; others nothing
CONFIG_MODE = 0o644  # names paths only, and every user must read it


def init_personal(ctx: Context, say: Say) -> None:
    """A database at the resolved path (`--db`, `$ZWGK_DB`, …), creating its folder."""
    path = ctx.db_path
    if path.exists():
        say(f"数据库 {shown(path)} 已存在（{_task_count(ctx)} 项任务），未做改动。")
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseError(f"无法创建目录 {shown(path.parent)}（{exc.strerror}）。") from None
    say(f"已新建数据库 {shown(path)}（载入内置方案，{_task_count(ctx)} 项任务）。")


def init_shared(ctx: Context, group: str, *, force: bool, say: Say) -> None:
    db = ctx.db_path
    folder = db.parent
    target = config_target()
    gid = _group_id(group)
    text = sysconfig.render_config(db)
    existing = _existing_config(target)
    if existing is not None and existing != text and not force:
        raise InputError(
            f"配置文件 {shown(target)} 已存在且内容不同；确要改为共享数据库 {shown(db)}，"
            f"请加 --force（原文件会另存一份），未做任何修改。"
        )
    _require_writable(target)
    if os.getuid() != 0 and gid not in (os.getgid(), *os.getgroups()):
        raise PermissionDenied(
            f"你不在用户组 {shown(group)} 中，不能把目录交给该组：请用 root 运行，未做任何修改。"
        )
    _make_folder(folder, gid, group, say)
    _seed(ctx, gid, group, say)
    _write_config(target, text, existing, db, say)
    if target != sysconfig.SYSTEM_CONFIG:
        say(f"注意：配置写在 ZWGK_CONFIG 指定的 {shown(target)}，只对设置了该变量的会话生效。")
    say(
        f"权限文件：把各单位的登录名写入 {shown(folder / 'zwgk.toml')} 后生效"
        f"（格式见 README“权限”）；在此之前组内成员都可以修改所有任务。"
    )
    say(
        f"下一步：usermod -aG {shown(group)} 登录名 把同事加入用户组（重新登录后生效），"
        f"再运行 zwgk doctor 检查。"
    )


def config_target() -> Path:
    """Where the configuration goes: `$ZWGK_CONFIG` if set, else `/etc/zwgk/config.toml`."""
    env = os.environ.get(sysconfig.ENV_CONFIG, "").strip()
    return Path(env).expanduser().absolute() if env else sysconfig.SYSTEM_CONFIG


def _group_id(group: str) -> int:
    import grp

    try:
        return grp.getgrnam(group).gr_gid
    except KeyError:
        raise InputError(
            f"用户组 {shown(group)} 不存在：请先运行 groupadd {shown(group)}，未做任何修改。"
        ) from None


def _existing_config(target: Path) -> str | None:
    if not os.path.lexists(target):
        return None
    if target.is_symlink() or not target.is_file():
        raise InputError(f"配置文件位置 {shown(target)} 不是普通文件，请先移走，未做任何修改。")
    try:
        return target.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise DatabaseError(f"无法读取配置文件 {shown(target)}（{exc.strerror}）。") from None


def _require_writable(target: Path) -> None:
    """The configuration's folder (or the nearest existing one above it) must be writable."""
    where = target.parent
    while not where.exists() and where != where.parent:
        where = where.parent
    if not os.access(where, os.W_OK | os.X_OK):
        raise PermissionDenied(
            f"没有权限写入配置文件 {shown(target)}：请用 root 运行（sudo zwgk init …），"
            f"或用环境变量 ZWGK_CONFIG 指定可写的位置，未做任何修改。"
        )


def _make_folder(folder: Path, gid: int, group: str, say: Say) -> None:
    if os.path.lexists(folder) and (folder.is_symlink() or not folder.is_dir()):
        raise InputError(f"{shown(folder)} 已存在但不是目录，未做任何修改。")
    new = not folder.exists()
    try:
        if new:
            folder.parent.mkdir(parents=True, exist_ok=True)
            os.mkdir(folder, 0o700)  # closed until it belongs to the group
        os.chown(folder, -1, gid)
        os.chmod(folder, SHARED_DIR_MODE)
    except OSError as exc:
        raise DatabaseError(f"无法设置目录 {shown(folder)}（{exc.strerror}）。") from None
    owner = _user_name(folder.stat().st_uid)
    say(
        f"{'已新建' if new else '已设置'}目录 {shown(folder)}：所有者 {owner}，属组 {shown(group)}，"
        f"权限 2770（组内成员可读写，新文件自动归属该组，其他用户不能访问）。"
    )
    for above in folder.parents:
        with contextlib.suppress(OSError):
            if not above.stat().st_mode & stat.S_IXOTH:
                say(
                    f"注意：上级目录 {shown(above)} 不允许其他用户进入，组内同事将无法打开数据库"
                    f"（可用 chmod o+x {shown(above)}）。"
                )


def _seed(ctx: Context, gid: int, group: str, say: Say) -> None:
    db = ctx.db_path
    existed = db.exists()
    count = _task_count(ctx)  # opening a missing database creates and seeds it
    for path in [db.parent, *_tree(db.parent)]:
        with contextlib.suppress(OSError):  # every file zwgk made here belongs to the group
            st = os.lstat(path)
            if st.st_gid != gid:
                os.lchown(path, -1, gid)
            if stat.S_ISDIR(st.st_mode) and path != db.parent:
                os.chmod(path, 0o2770)
    if existed:
        say(f"数据库 {shown(db)} 已存在（{count} 项任务），保留原有数据，属组设为 {shown(group)}。")
    else:
        say(
            f"已新建数据库 {shown(db)}（载入内置方案，{count} 项任务），"
            f"文件权限 660，属组 {shown(group)}。"
        )


def _tree(folder: Path) -> list[Path]:
    out: list[Path] = []
    for root, dirs, names in os.walk(folder):
        out += [Path(root, n) for n in [*dirs, *names]]
    return out


def _write_config(target: Path, text: str, existing: str | None, db: Path, say: Say) -> None:
    if existing == text:
        say(f"配置文件 {shown(target)} 已是这些内容，未改动。")
        return
    try:
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o755)
        if existing is not None:
            kept = target.with_name(f"{target.name}.bak-{datetime.now():%Y%m%d-%H%M%S}")
            os.link(target, kept)
            say(f"原配置文件另存为 {shown(kept)}。")
        tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, CONFIG_MODE)
        try:
            os.fchmod(fd, CONFIG_MODE)  # whatever the umask: every user must read it
            os.write(fd, text.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
        fsync_dir(target.parent)
    except OSError as exc:
        raise DatabaseError(f"无法写入配置文件 {shown(target)}（{exc.strerror}）。") from None
    say(
        f"已写入系统配置 {shown(target)}：database = {shown(db)}，"
        f"allow_env_user = false（修改记录中的用户一律为系统登录名）。"
    )


def _task_count(ctx: Context) -> int:
    from zwgk.store.db import Store

    return len(Store(ctx).snapshot().tasks)


def _user_name(uid: int) -> str:
    import pwd

    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return str(uid)

"""The system-wide configuration: which database a server shares, and whom to believe.

One TOML file, `$ZWGK_CONFIG` if set (it must then exist), else `/etc/zwgk/config.toml` if
there is one. `zwgk init --shared DIR --group GROUP` writes it::

    database = "/srv/zwgk/zwgk.json"      # the shared database (a "shared configuration")
    permissions = "/srv/zwgk/zwgk.toml"   # optional: the permission file, if not beside it
    allow_env_user = false                # $ZWGK_USER may name the acting person (tests)

Relative paths are taken from the configuration file's folder. A file that holds permission
rules (`admins`, `[users]`, `[units]`) and none of the keys above is a permission file in the
older layout, still read as such (see `permissions.py`).

Every failure to read it is a `ConfigError` (one Chinese sentence naming the file and, for a
syntax error, the line): the caller fails closed — changes are refused, `$ZWGK_USER` ignored.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from .errors import DatabaseError
from .files import shown
from .record import record

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from typing import Any

SYSTEM_CONFIG = Path("/etc/zwgk/config.toml")
ENV_CONFIG = "ZWGK_CONFIG"
CONFIG_KEYS = ("database", "permissions", "allow_env_user")
RULE_KEYS = ("admins", "users", "units")  # a permission file's keys (the older layout)
BOM = b"\xef\xbb\xbf"


class ConfigError(DatabaseError):
    """A configuration or permission file exists but cannot be used: changes are refused."""


@record(frozen=True)
class Config:
    """The configuration in force; `source` None means there is none (a personal set-up)."""

    source: Path | None = None
    database: Path | None = None
    permissions: Path | None = None
    allow_env_user: bool = False
    has_rules: bool = False  # the file itself holds permission rules (the older layout)
    trusted: bool = False  # the acting user cannot rewrite it (so allow_env_user counts)
    system: bool = False  # it is the machine's /etc/zwgk/config.toml, not $ZWGK_CONFIG

    @property
    def shared(self) -> bool:
        """A server set-up: one database for everyone, the OS login is the acting person."""
        return self.database is not None


def config_path() -> Path | None:
    """The configuration file in force: `$ZWGK_CONFIG` (must exist), else the system file."""
    env = os.environ.get(ENV_CONFIG, "").strip()
    if env:
        path = Path(env).expanduser()
        if not os.path.lexists(path):
            raise ConfigError(
                f"环境变量 {ENV_CONFIG} 指向的配置文件 {shown(path)} 不存在，为安全起见拒绝修改。"
            )
        return path
    return SYSTEM_CONFIG if os.path.lexists(SYSTEM_CONFIG) else None


def load_config() -> Config:
    """The configuration in force (an empty `Config` when there is none). Not cached: a
    long-running app and in-process tests see an edited file at once; it is a few lines."""
    path = config_path()
    return Config() if path is None else parse_config_file(path)


def read_toml(path: Path, what: str) -> dict[str, Any]:
    """A TOML file that must be a regular file (a directory or a dangling symlink is an error,
    never "no file"); a UTF-8 BOM is accepted. Errors: one sentence with the file and line."""
    import tomllib

    try:
        st = os.stat(path)  # follows a symlink: a dangling one is FileNotFoundError here
    except FileNotFoundError:
        if os.path.islink(path):
            raise ConfigError(
                f"{what} {shown(path)} 是一个指向不存在文件的符号链接，为安全起见拒绝修改。"
            ) from None
        raise ConfigError(f"{what} {shown(path)} 不存在，为安全起见拒绝修改。") from None
    except OSError as exc:
        raise ConfigError(
            f"无法读取{what} {shown(path)}（{exc.strerror}），为安全起见拒绝修改。"
        ) from None
    if not stat.S_ISREG(st.st_mode):
        kind = "是一个目录，不是文件" if stat.S_ISDIR(st.st_mode) else "不是普通文件"
        raise ConfigError(f"{what} {shown(path)} {kind}，为安全起见拒绝修改。")
    try:
        with open(path, "rb") as fh:
            raw = fh.read(1 << 20)  # a configuration, not a data file
    except OSError as exc:
        raise ConfigError(
            f"无法读取{what} {shown(path)}（{exc.strerror}），为安全起见拒绝修改。"
        ) from None
    raw = raw.removeprefix(BOM)  # Windows editors add one; it is not a syntax error
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(
            f"{what} {shown(path)} 不是 UTF-8 编码，请另存为 UTF-8 后再试，为安全起见拒绝修改。"
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{what} {shown(path)} {_where(str(exc))}格式有误，为安全起见拒绝修改。"
        ) from None


def _where(message: str) -> str:
    """tomllib's English position ("at line 3, column 7") as words: `第 3 行第 7 列`."""
    m = re.search(r"line (\d+), column (\d+)", message)
    if m:
        return f"第 {m.group(1)} 行第 {m.group(2)} 列"
    return "末尾" if "end of document" in message else ""


def parse_config_file(path: Path) -> Config:
    data = read_toml(path, "配置文件")
    unknown = [k for k in data if k not in CONFIG_KEYS and k not in RULE_KEYS]
    if unknown:
        names = "、".join(shown(k) for k in unknown)
        raise ConfigError(
            f"配置文件 {shown(path)} 中有无法识别的设置 {names}"
            f"（可用：{'、'.join(CONFIG_KEYS)}），为安全起见拒绝修改。"
        )
    database = _path_value(data, "database", path)
    permissions = _path_value(data, "permissions", path)
    allow = data.get("allow_env_user", False)
    if not isinstance(allow, bool):
        raise ConfigError(
            f"配置文件 {shown(path)} 中 allow_env_user 应为 true 或 false，为安全起见拒绝修改。"
        )
    # No configuration key at all: a permission file in the older layout (an empty one admits
    # no one, as it always did).
    has_rules = any(k in data for k in RULE_KEYS) or not any(k in data for k in CONFIG_KEYS)
    if has_rules and permissions is not None:
        raise ConfigError(
            f"配置文件 {shown(path)} 既指定了权限文件 permissions，又直接写了权限规则，"
            f"请只保留一处，为安全起见拒绝修改。"
        )
    return Config(
        source=path,
        database=database,
        permissions=permissions,
        allow_env_user=allow,
        has_rules=has_rules,
        trusted=_trusted(path),
        system=path == SYSTEM_CONFIG,
    )


def _path_value(data: dict[str, Any], key: str, source: Path) -> Path | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(
            f"配置文件 {shown(source)} 中 {key} 应为文件路径（字符串），为安全起见拒绝修改。"
        )
    path = Path(value.strip()).expanduser()
    return path if path.is_absolute() else source.parent / path


def _trusted(path: Path) -> bool:
    """Root may believe anything; anyone else only a file they could not have rewritten."""
    if os.getuid() == 0:
        return True
    return not os.access(path, os.W_OK) and not os.access(path.parent, os.W_OK)


def system_is_shared() -> bool:
    """Whether this machine's own `/etc/zwgk/config.toml` names a shared database (a broken
    one counts as shared: whom to believe is decided failing closed)."""
    if not os.path.lexists(SYSTEM_CONFIG):
        return False
    try:
        return parse_config_file(SYSTEM_CONFIG).shared
    except ConfigError:
        return True


def env_user_allowed() -> bool:
    """Whether `$ZWGK_USER` may name the acting person.

    Without a shared configuration (a personal database, the test suite) it may. With one —
    in force, or on this machine even when `$ZWGK_CONFIG` points elsewhere — only if the
    configuration says `allow_env_user = true` in a file the user cannot rewrite.
    """
    try:
        cfg = load_config()
    except ConfigError:
        return False
    if cfg.shared or (not cfg.system and system_is_shared()):
        return cfg.allow_env_user and cfg.trusted
    return True


def render_config(database: Path, permissions: Path | None = None) -> str:
    """The text `zwgk init --shared` writes."""
    lines = [
        "# zwgk 系统配置（由 zwgk init --shared 生成）。见 README“服务器部署”。",
        "# 共享数据库：所有用户都使用这个数据库。",
        f"database = {_toml_string(str(database))}",
        "# 权限文件：不写时使用数据库所在目录下的 zwgk.toml（存在时生效）。",
    ]
    if permissions is not None:
        lines.append(f"permissions = {_toml_string(str(permissions))}")
    else:
        lines.append(f"# permissions = {_toml_string(str(database.parent / 'zwgk.toml'))}")
    lines += [
        "# 修改记录中的用户一律为系统登录名；仅测试时才改为 true（允许 ZWGK_USER 指定）。",
        "allow_env_user = false",
    ]
    return "\n".join(lines) + "\n"


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'

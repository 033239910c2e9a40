"""Where the database lives, who is acting, and what day it is."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from .errors import InputError
from .record import field, record
from .textutil import one_line

TYPE_CHECKING = False  # mypy reads Actor; `typing` costs every command ~4 ms

USER_LIMIT = 64  # characters of a user name kept in the audit trail


def default_db_path() -> Path:
    # platformdirs is imported here, not at module level, to keep `zwgk list` start-up lean.
    from platformdirs import user_data_dir

    return Path(user_data_dir("zwgk", appauthor=False)) / "zwgk.json"


def resolve_db_path(cli_value: str | None, *, create: bool = False) -> Path:
    """`--db PATH`, else `$ZWGK_DB`, else the configuration's `database` (a shared server),
    else zwgk.json in the user data directory.

    A named path whose folder does not exist is refused (a typo must not quietly start a fresh
    database), unless `create` (`zwgk init`, which makes it on purpose).
    """
    raw = cli_value or os.environ.get("ZWGK_DB")
    if raw:
        source = "--db" if cli_value else "ZWGK_DB"
        path = Path(raw).expanduser()
        if not create:
            _require_folder(path, f"{source} 指定的数据库 {_shown(path)}")
        return path
    from .config import load_config

    cfg = load_config()
    if cfg.database is not None:
        if not create:
            _require_folder(
                cfg.database, f"配置文件 {_shown(cfg.source)} 指定的数据库 {_shown(cfg.database)}"
            )
        return cfg.database
    return default_db_path()


def _shown(path: object) -> str:
    return one_line(str(path))


def _require_folder(path: Path, what: str) -> None:
    try:
        ok = path.parent.is_dir()
    except OSError:  # a folder we may not enter: the open that follows says so precisely
        return
    if not ok:
        raise InputError(
            f"{what} 所在的目录不存在：请检查路径，或用 zwgk init 新建数据库，未做任何修改。"
        )


def parse_day(text: str, source: str = "--today") -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InputError(
            f"{source} 的日期“{text}”无法识别，请写成 YYYY-MM-DD，例如 2021-06-30。"
        ) from None


def resolve_today(cli_value: str | None) -> date:
    """`--today YYYY-MM-DD`, else `$ZWGK_TODAY`, else the system date."""
    if cli_value:
        return parse_day(cli_value)
    env = os.environ.get("ZWGK_TODAY")
    if env:
        return parse_day(env, "ZWGK_TODAY")
    return date.today()


def os_login() -> str:
    """The login of the real uid, from the passwd database ($USER/$LOGNAME are not asked:
    they are the user's to set)."""
    import pwd

    try:
        return pwd.getpwuid(os.getuid()).pw_name
    except KeyError:  # no passwd entry (containers): the uid is still who it was
        return f"uid{os.getuid()}"


def clean_user(name: str) -> str:
    """A user name as the audit trail keeps it: one line, no escape sequences, not too long."""
    return one_line(name).strip()[:USER_LIMIT].strip()


def current_user() -> str:
    """`$ZWGK_USER` where it may be believed (see `config.env_user_allowed`), else the OS login.
    Cleaned here, once: every event, updated_by and confirmed_by comes from this name."""
    env = clean_user(os.environ.get("ZWGK_USER") or "")
    if env:
        from .config import env_user_allowed

        if env_user_allowed():
            return env
    return clean_user(os_login()) or f"uid{os.getuid()}"


def current_terminal() -> str:
    for fd in (0, 1, 2):
        try:
            return os.ttyname(fd)
        except OSError:
            continue
    return ""


if TYPE_CHECKING:
    from typing import Protocol

    class Actor(Protocol):
        """Who makes a change, as every logged event records it (a `Context` is one)."""

        user: str
        host: str
        tty: str


@record
class Context:
    """Everything a command needs to know about who, where and when."""

    db_path: Path
    today: date
    user: str = field(default_factory=current_user)
    host: str = field(default_factory=lambda: os.uname().nodename)  # no socket import
    tty: str = field(default_factory=current_terminal)

    def __post_init__(self) -> None:
        # A user handed in by a caller (the app, tests) is cleaned like the one we determine.
        self.user = clean_user(self.user) or current_user()

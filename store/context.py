"""Where the database lives, who is acting, and what day it is."""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Protocol

from .errors import InputError


def default_db_path() -> Path:
    # platformdirs is imported here, not at module level, to keep `zwgk list` start-up lean.
    from platformdirs import user_data_dir

    return Path(user_data_dir("zwgk", appauthor=False)) / "zwgk.json"


def resolve_db_path(cli_value: str | None) -> Path:
    """`--db PATH`, else `$ZWGK_DB`, else zwgk.json in the user data directory."""
    raw = cli_value or os.environ.get("ZWGK_DB")
    return Path(raw).expanduser() if raw else default_db_path()


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


def current_user() -> str:
    """`$ZWGK_USER`, else the OS login."""
    env = os.environ.get("ZWGK_USER")
    if env and env.strip():
        return env.strip()
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry (containers): fall back to the uid
        return f"uid{os.getuid()}"


def current_terminal() -> str:
    for fd in (0, 1, 2):
        try:
            return os.ttyname(fd)
        except OSError:
            continue
    return ""


class Actor(Protocol):
    """Who makes a change, as every logged event records it (a `Context` is one)."""

    user: str
    host: str
    tty: str


@dataclass
class Context:
    """Everything a command needs to know about who, where and when."""

    db_path: Path
    today: date
    user: str = field(default_factory=current_user)
    host: str = field(default_factory=lambda: os.uname().nodename)  # no socket import
    tty: str = field(default_factory=current_terminal)

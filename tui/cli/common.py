"""Helpers shared by the subcommand modules."""

from __future__ import annotations

import argparse

from store.context import Context
from store.db import Store
from store.errors import InputError


def open_store(ctx: Context, *, seed: bool = True) -> Store:
    return Store(ctx, seed=seed)


def add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="输出 UTF-8 JSON")


def task_id(text: str) -> int:
    """A task id as typed: `7` or `#7`."""
    raw = text.strip().lstrip("#＃")
    try:
        value = int(raw)
    except ValueError:
        raise InputError(f"任务编号“{text}”无效，应为数字，例如 7 或 #7。") from None
    if value <= 0:
        raise InputError(f"任务编号“{text}”无效，应为正整数。")
    return value


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"“{text}”不是整数") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"“{text}”不能为负数")
    return value

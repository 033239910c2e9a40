"""Helpers shared by the subcommand modules."""

from __future__ import annotations

import argparse

from zwgk.store.context import Context
from zwgk.store.db import Store
from zwgk.store.errors import InputError
from zwgk.store.filters import TaskFilter


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


def add_filter_args(parser: argparse.ArgumentParser) -> None:
    """The task filters `list` and `export` share."""
    parser.add_argument("--unit", help="单位：全称、简称、别名或拼音首字母（如 qxxb）")
    parser.add_argument("--role", default="any", choices=["lead", "support", "guide", "any"])
    parser.add_argument("--status", help="未开始/进行中/受阻/已完成 或 todo/doing/blocked/done")
    parser.add_argument("--overdue", action="store_true", help="只看逾期")
    parser.add_argument("--due-within", type=positive_int, metavar="DAYS", help="今天起 N 天内到期")
    parser.add_argument("--group", type=positive_int, metavar="N", help="第 N 项工作任务")


def filter_from_args(args: argparse.Namespace) -> TaskFilter:
    return TaskFilter(
        unit=args.unit,
        role=args.role,
        status=args.status,
        overdue=args.overdue,
        due_within=args.due_within,
        group=args.group,
    )

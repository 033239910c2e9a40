"""Helpers shared by the subcommand modules."""

from __future__ import annotations

import argparse
import contextlib
import re
from collections.abc import Iterator
from datetime import date

from zwgk.store.context import Context
from zwgk.store.errors import InputError
from zwgk.store.model import OVERDUE_WORDS, ROLE_WORDS, require_status

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from zwgk.store.filters import TaskFilter
    from zwgk.store.readcache import ReadCache


@contextlib.contextmanager
def read_cache(ctx: Context, *, rebuild: bool = True) -> Iterator[ReadCache | None]:
    """The database's read snapshot (store/readcache.py) for one command, written back if it
    changed; None when switched off (ZWGK_NO_SNAPSHOT=1), before the database exists, or
    (`rebuild=False`) when it is not up to date: the command then reads the database the
    ordinary way."""
    from zwgk.store.readcache import open_cache

    def check() -> None:  # what `Store` checks first, when the database must be read
        from zwgk.store.db import check_path

        check_path(ctx.db_path)

    cache = open_cache(ctx.db_path, check, rebuild=rebuild)
    try:
        yield cache
    finally:
        if cache is not None:
            cache.close()


def add_json(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="输出 UTF-8 JSON")


def task_id(text: str) -> str:
    """A task id as typed: `7`, `#7` or `宣城2020-7` (a plan's code and its own number);
    looked up by `Service.task_id`, with `--plan`."""
    raw = text.strip()
    m = re.match(r"^[#＃]?(?:.+?[-－])?(\d{1,9})$", raw)
    if m is None:
        raise InputError(
            f"任务编号“{text}”无效，应为数字或 方案代码-编号，例如 7、#7 或 宣城2020-7。"
        )
    if int(m.group(1)) <= 0:
        raise InputError(f"任务编号“{text}”无效，应为正整数。")
    return raw


def add_plan(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--plan", metavar="CODE", help="方案代码（zwgk plans 查看）")


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
    add_plan(parser)


def filter_from_args(args: argparse.Namespace, today: date) -> TaskFilter:
    """`--unit --role --status --overdue --due-within --group` as the one filter object."""
    from zwgk.store.filters import TaskFilter, add_days  # not loaded for `zwgk mark`

    status = (args.status or "").strip()
    overdue = bool(args.overdue) or status in OVERDUE_WORDS
    statuses = (require_status(status),) if status and status not in OVERDUE_WORDS else ()
    notes = []  # what was asked, as the exported ledger repeats it
    if args.unit:
        role = ROLE_WORDS.get(args.role, "")
        notes.append(f"单位：{args.unit}{'（' + role + '）' if role else ''}")
    if args.status:
        notes.append(f"状态：{args.status}")
    if args.overdue:
        notes.append("仅逾期")
    if args.due_within is not None:
        notes.append(f"{args.due_within} 天内到期")
    if args.group is not None:
        notes.append(f"第 {args.group} 项工作任务")
    within = args.due_within
    return TaskFilter(
        units=(args.unit,) if args.unit else (),
        role=args.role,
        statuses=statuses,
        overdue=overdue,
        due_from=today if within is not None else None,
        due_to=add_days(today, within) if within is not None else None,
        group=args.group,
        notes=tuple(notes),
    )

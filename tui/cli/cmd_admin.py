"""`zwgk doctor [--restore | --repair] [--json]`: check the database; restore the newest good
backup; repair the event log (a log emptied or swapped, bad lines moved to quarantine).

`zwgk init [--shared DIR --group GROUP] [--force]`: create a database on purpose — a personal
one at the usual place (or `--db`), or the one a server's staff share, with the system
configuration that points everyone at it.
"""

from __future__ import annotations

import argparse

from zwgk.store.context import Context

from . import render
from .common import add_json

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from typing import Any

LEVEL_MARK = {"ok": "[正常]", "warn": "[注意]", "error": "[错误]"}


def register(sub: argparse._SubParsersAction[Any]) -> None:
    p = sub.add_parser(
        "doctor",
        help="检查数据库、修改记录、备份和权限文件；--restore 恢复备份；--repair 修复修改记录",
    )
    what = p.add_mutually_exclusive_group()
    what.add_argument(
        "--restore",
        action="store_true",
        help="数据库损坏时，另存损坏的文件并恢复最近的完好备份（有权限文件时仅限管理员）",
    )
    what.add_argument(
        "--repair",
        action="store_true",
        help="修改记录被清空、截短、替换或有坏行时修复：另存原记录、隔离坏行、"
        "与任务文件重新对齐，并说明哪些修改无法找回（有权限文件时仅限管理员）",
    )
    add_json(p)
    p.set_defaults(func=cmd_doctor)
    register_init(sub)


def cmd_doctor(args: argparse.Namespace, ctx: Context) -> int:
    from zwgk.store import doctor

    if args.repair:
        from zwgk.store import logrepair

        fixed = logrepair.repair(ctx)
        report = doctor.check(ctx.db_path)
        if args.json:
            render.print_json({"repair": fixed.to_json(), "check": report.to_json()})
        else:
            render.out(fixed.message)
        return 0 if report.ok else 1
    if args.restore:
        result = doctor.restore(ctx)
        report = doctor.check(ctx.db_path)
        if args.json:
            render.print_json({"restore": result.to_json(), "check": report.to_json()})
        else:
            render.out(result.message)
        return 0 if report.db_ok else 1
    report = doctor.check(ctx.db_path)
    setup = doctor.config_findings(ctx.db_path, ctx.user)
    if args.json:
        render.print_json({**report.to_json(), "config": [f.to_json() for f in setup]})
    else:
        for f in [*setup, *report.findings]:
            render.out(f"{LEVEL_MARK.get(f.level, '')} {f.message}")
        if report.ok:
            render.out("检查完毕：没有发现错误。")
        elif report.newest_good_backup and not report.db_ok:
            render.out("检查完毕：数据库有错误，可用 zwgk doctor --restore 恢复最近的完好备份。")
        elif report.db_ok and any(
            f.area == "events" and f.level == "error" for f in report.findings
        ):
            render.out("检查完毕：修改记录有错误，可用 zwgk doctor --repair 修复。")
        else:
            render.out("检查完毕：发现错误，见上。")
    return 0 if report.ok else 1


# -- zwgk init ---------------------------------------------------------------------------------
def register_init(sub: argparse._SubParsersAction[Any]) -> None:
    p = sub.add_parser(
        "init",
        help="新建数据库；--shared DIR --group GROUP 为服务器新建共享数据库并写入系统配置",
    )
    p.add_argument("--shared", metavar="DIR", help="共享数据库的目录（如 /srv/zwgk）")
    p.add_argument("--group", metavar="GROUP", help="共用数据库的用户组（如 zwgk）")
    p.add_argument("--force", action="store_true", help="覆盖内容不同的已有系统配置")
    p.set_defaults(func=cmd_init)


def cmd_init(args: argparse.Namespace, ctx: Context) -> int:
    from zwgk.store.errors import InputError

    if args.shared is None:
        if args.group:
            raise InputError("--group 只能与 --shared DIR 一起使用。")
        from .setup import init_personal

        init_personal(ctx, render.out)
    else:
        if not args.group:
            raise InputError("zwgk init --shared DIR 还需要 --group GROUP（共用数据库的用户组）。")
        from .setup import init_shared

        init_shared(ctx, args.group, force=args.force, say=render.out)
    return 0

"""`zwgk plans` and `zwgk plan show|rename|archive|activate CODE`: the plans in the database."""

from __future__ import annotations

import argparse

from zwgk.store.context import Context
from zwgk.store.model import DONE, Plan
from zwgk.store.plans import ACTIVE, ARCHIVED, find_plan
from zwgk.store.service import Service
from zwgk.store.snapshot import Snapshot
from zwgk.store.textutil import one_line

from . import render
from .common import add_json

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from typing import Any


def register(sub: argparse._SubParsersAction[Any]) -> None:
    p = sub.add_parser("plans", help="全部方案：代码、标题、年份、任务数、状态")
    add_json(p)
    p.set_defaults(func=cmd_plans)
    p = sub.add_parser("plan", help="一个方案：查看、改代码、归档（只读）或恢复")
    psub = p.add_subparsers(dest="plan_command", metavar="COMMAND", required=True)
    q = psub.add_parser("show", help="查看方案")
    q.add_argument("code", metavar="CODE")
    add_json(q)
    q.set_defaults(func=cmd_show)
    q = psub.add_parser("rename", help="修改方案代码")
    q.add_argument("code", metavar="CODE")
    q.add_argument("new", metavar="NEW")
    q.set_defaults(func=cmd_rename)
    q = psub.add_parser("archive", help="归档：只读，不再出现在默认视图中")
    q.add_argument("code", metavar="CODE")
    q.set_defaults(func=cmd_archive)
    q = psub.add_parser("activate", help="恢复为进行中")
    q.add_argument("code", metavar="CODE")
    q.set_defaults(func=cmd_activate)


def plan_json(snap: Snapshot, plan: Plan) -> dict[str, Any]:
    tasks = [t for t in snap.tasks.values() if t.plan == plan.title]
    return {
        "code": plan.code,
        "title": plan.title,
        "year": plan.year,
        "source": plan.source,
        "imported_at": plan.imported_at,
        "state": plan.state,
        "tasks": len(tasks),
        "done": sum(t.status == DONE for t in tasks),
    }


def cmd_plans(args: argparse.Namespace, ctx: Context) -> int:
    snap = Service.open(ctx).snapshot(every_plan=True)
    rows = [plan_json(snap, p) for p in snap.plans]
    if args.json:
        render.print_json(rows)
        return 0
    for r in rows:
        render.out(
            f"{render.fit(r['code'], 14)} {r['year']} {render.fit(r['state'], 6)}"
            f" {r['done']:>4}/{r['tasks']:<4} {one_line(r['title'])}"
        )
    active = sum(r["state"] == ACTIVE for r in rows)
    render.out(
        f"共 {len(rows)} 个方案，进行中 {active} 个。任务编号写作 方案代码-编号，如 {_example(rows)}。"
    )
    return 0


def _example(rows: list[dict[str, Any]]) -> str:
    return f"{rows[0]['code']}-1" if rows else "宣城2020-3"


def cmd_show(args: argparse.Namespace, ctx: Context) -> int:
    snap = Service.open(ctx).snapshot(every_plan=True)
    data = plan_json(snap, find_plan(snap.plans, args.code))
    if args.json:
        render.print_json(data)
        return 0
    render.out(f"{data['code']}  《{one_line(data['title'])}》")
    render.out(
        f"年份 {data['year']}  状态 {data['state']}  任务 {data['tasks']} 项（已完成 {data['done']}）"
    )
    render.out(
        f"来源 {one_line(data['source']) or '-'}  导入于 {data['imported_at'][:16].replace('T', ' ') or '-'}"
    )
    return 0


def cmd_rename(args: argparse.Namespace, ctx: Context) -> int:
    plan = Service.open(ctx).set_plan(args.code, new_code=args.new)
    render.out(f"已将方案代码改为 {plan.code}（《{one_line(plan.title)}》）。")
    return 0


def cmd_archive(args: argparse.Namespace, ctx: Context) -> int:
    plan = Service.open(ctx).set_plan(args.code, state=ARCHIVED)
    render.out(
        f"方案 {plan.code} 已归档：只读，不再出现在默认视图中（zwgk plan activate {plan.code} 恢复）。"
    )
    return 0


def cmd_activate(args: argparse.Namespace, ctx: Context) -> int:
    plan = Service.open(ctx).set_plan(args.code, state=ACTIVE)
    render.out(f"方案 {plan.code} 已恢复为进行中。")
    return 0

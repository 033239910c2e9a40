"""`zwgk directory …`: the unit directory (单位名录) — import it, list it, show one unit, check it."""

from __future__ import annotations

import argparse
from pathlib import Path

from zwgk.store.context import Context
from zwgk.store.service import Service
from zwgk.store.textutil import one_line

from . import render
from .common import add_json

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from typing import Any

KIND_ORDER = ("街道", "乡镇", "部门", "社区", "其他")


def register(sub: argparse._SubParsersAction[Any]) -> None:
    p = sub.add_parser("directory", help="单位名录：导入、查看、检查（各街道、各部门的真实单位）")
    dsub = p.add_subparsers(dest="directory_command", metavar="COMMAND", required=True)
    q = dsub.add_parser("import", help="导入单位名录（.csv .xlsx .txt）")
    q.add_argument("file", type=Path)
    q.add_argument("--force", action="store_true", help="移除已登记进展的单位时也执行")
    add_json(q)
    q.set_defaults(func=cmd_import)
    q = dsub.add_parser("list", help="全部单位：类别、别名、账号")
    add_json(q)
    q.set_defaults(func=cmd_list)
    q = dsub.add_parser("show", help="一个单位：别名、账号、负责的任务数")
    q.add_argument("unit")
    add_json(q)
    q.set_defaults(func=cmd_show)
    q = dsub.add_parser("check", help="找出看起来相同却未合并的单位名称")
    add_json(q)
    q.set_defaults(func=cmd_check)


def cmd_import(args: argparse.Namespace, ctx: Context) -> int:
    report = Service.open(ctx).import_directory(args.file, force=args.force)
    if args.json:
        render.print_json(report.to_json())
        return 0
    kinds = "，".join(f"{k} {n} 个" for k, n in sorted(report.kinds.items(), key=_kind_order))
    render.out(f"已导入单位名录 {one_line(args.file.name)}：共 {report.units} 个单位（{kinds}）。")
    render.out(
        f"新增 {len(report.added)} 个，更新 {len(report.updated)} 个，移除 {len(report.removed)} 个。"
    )
    if report.removed:
        render.out("已移除：" + "、".join(report.removed))
    return 0


def _kind_order(item: tuple[str, int]) -> int:
    return KIND_ORDER.index(item[0]) if item[0] in KIND_ORDER else len(KIND_ORDER)


def cmd_list(args: argparse.Namespace, ctx: Context) -> int:
    directory = Service.open(ctx).snapshot().directory
    units = sorted(directory.units.values(), key=lambda u: (_kind_order((u.kind, 0)), u.name))
    if args.json:
        render.print_json([u.to_record() for u in units])
        return 0
    if not units:
        render.out(
            "还没有单位名录。用 zwgk directory import 名录.csv 导入（示例见 data/example_directory.csv）。"
        )
        return 0
    render.out(f"{render.fit('单位', 16)} {render.fit('类别', 4)} {render.fit('别名', 30)} 账号")
    for u in units:
        aliases = "、".join(u.aliases) or "-"
        logins = ",".join(u.logins) or "-"
        render.out(
            f"{render.fit(u.name, 16)} {render.fit(u.kind, 4)} {render.fit(aliases, 30)} {one_line(logins)}"
        )
    words = "、".join(f"{w}→{k}" for w, k in directory.collective.items())
    render.out(f"共 {len(units)} 个单位。统称：{words}")
    return 0


def cmd_show(args: argparse.Namespace, ctx: Context) -> int:
    service = Service.open(ctx)
    snap = service.snapshot()
    name = service.unit(args.unit, snap)
    unit = snap.directory.units.get(name)
    reached = [(t, r, v) for t in snap.task_list() for u, r, v in snap.reach(t) if u == name]
    data = {
        "name": name,
        "kind": unit.kind if unit else None,
        "aliases": list(unit.aliases) if unit else list(snap.units[name].aliases),
        "logins": list(unit.logins) if unit else [],
        "in_directory": unit is not None,
        "tasks": len(reached),
        "by_role": {
            r: sum(1 for _, role, _ in reached if role == r) for r in ("lead", "support", "guide")
        },
        "via": sorted({v for _, _, v in reached if v}),
    }
    if args.json:
        render.print_json(data)
        return 0
    render.out(f"{one_line(name)}（{data['kind'] or '不在名录中'}）")
    if data["aliases"]:
        render.out("别名：" + "、".join(one_line(a) for a in data["aliases"]))
    if data["logins"]:
        render.out("账号：" + ",".join(one_line(a) for a in data["logins"]))
    roles = data["by_role"]
    via = f"（经 {'、'.join(data['via'])}）" if data["via"] else ""
    render.out(
        f"负责任务 {data['tasks']} 项{via}：牵头 {roles['lead']}、配合 {roles['support']}、指导 {roles['guide']}。"
    )
    return 0


def cmd_check(args: argparse.Namespace, ctx: Context) -> int:
    snap = Service.open(ctx).snapshot()
    directory = snap.directory
    plan_names = {u for t in snap.task_list() for u in t.units()}
    pairs = directory.look_alikes(plan_names)
    unknown = sorted(
        n for n in plan_names if directory.expand(n) == [(n, None)] and n not in directory.units
    )
    if args.json:
        render.print_json({"look_alike": [list(p) for p in pairs], "not_in_directory": unknown})
        return 0
    if not directory:
        render.out("还没有单位名录：方案中的单位名称都按原样使用。")
    for a, b in pairs:
        render.out(
            f"看起来相同但未合并：{one_line(a)} / {one_line(b)}（如是同一单位，请在名录中把其一写为别名）"
        )
    if unknown:
        render.out("方案中有、名录中没有的名称：" + "、".join(one_line(n) for n in unknown))
    if not pairs and not unknown:
        render.out("没有发现问题：方案中的单位都能在名录中找到。")
    return 0

"""Supervision commands: export, stats, digest, and completion sign-off (confirm / sendback).

zwgk export FILE [--force] [--unit U] [--role R] [--status S] [--overdue] [--due-within N] [--group N]
zwgk stats [--json]
zwgk digest [--unit U] [--since DATE] [--no-record]
zwgk confirm ID [--note TEXT]
zwgk sendback ID --reason TEXT        (alias: zwgk reject)
"""

from __future__ import annotations

import argparse
from pathlib import Path

from zwgk.store.context import Context
from zwgk.store.describe import task_ref
from zwgk.store.export import absolute
from zwgk.store.files import shown
from zwgk.store.filters import TaskFilter
from zwgk.store.service import Service

from . import render
from .common import add_filter_args, add_json, add_plan, filter_from_args, task_id

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from typing import Any


def register(sub: argparse._SubParsersAction[Any]) -> None:
    p = sub.add_parser("export", help="导出进度台账（.xlsx .csv .md .json，按后缀）")
    p.add_argument("file", type=Path, metavar="FILE", help="目标文件：.xlsx .csv .md 或 .json")
    p.add_argument("--force", action="store_true", help="目标文件已存在时覆盖它")
    add_filter_args(p)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("stats", help="统计：各单位（牵头/指导）、各工作任务、各月份的完成情况")
    add_plan(p)
    add_json(p)
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("digest", help="每日提醒（纯文本，适合 cron 发送）")
    p.add_argument("--unit", help="只看该单位（默认所有单位）")
    p.add_argument(
        "--since",
        metavar="YYYY-MM-DD",
        help="列出此后的变化（默认上次生成摘要的时间；指定时不更新记录）",
    )
    p.add_argument("--no-record", action="store_true", help="不记录本次生成时间（预览用）")
    add_plan(p)
    p.set_defaults(func=cmd_digest)

    p = sub.add_parser("confirm", help="办结确认：确认一项已完成的任务")
    p.add_argument("id", type=task_id, metavar="ID")
    add_plan(p)
    p.add_argument("--note", default="", help="确认意见")
    p.set_defaults(func=cmd_confirm)

    p = sub.add_parser("sendback", aliases=["reject"], help="退回：已完成的任务退回为进行中")
    p.add_argument("id", type=task_id, metavar="ID")
    add_plan(p)
    p.add_argument("--reason", required=True, help="退回原因（必填）")
    p.set_defaults(func=cmd_sendback)


def cmd_export(args: argparse.Namespace, ctx: Context) -> int:
    flt = filter_from_args(args, ctx.today)
    target = absolute(args.file)  # shown in full: the person sees exactly where it went
    rows = Service.open(ctx).export_file(
        target, flt if flt != TaskFilter() else None, force=args.force, plan=args.plan
    )
    render.out(f"已导出 {rows} 项任务到 {shown(target)}")
    return 0


# -- stats -----------------------------------------------------------------------------------
STAT_HEADS = ("总数", "已完成", "进行中", "受阻", "逾期", "完成率")
NAME_CELLS = 26


def _stat_row(name: str, c: Any) -> str:
    nums = (c.total, c.done, c.doing, c.blocked, c.overdue)
    return (
        render.fit(name, NAME_CELLS)
        + "".join(f"{n:>7}" for n in nums)
        + render.rjust(f"{c.rate * 100:.1f}%", 8)
    )


def _stat_head(title: str) -> str:
    return (
        render.fit(title, NAME_CELLS)
        + "".join(render.rjust(h, 7) for h in STAT_HEADS[:-1])
        + render.rjust(STAT_HEADS[-1], 8)
    )


def stats_lines(st: Any) -> list[str]:
    t = st.totals
    lines = [
        render.fit(f"《{st.plan}》", 80).rstrip(),
        f"截至 {st.today.isoformat()}：共 {t.total} 项，已完成 {t.done} 项（已确认 {t.confirmed} 项），"
        f"逾期 {t.overdue} 项，完成率 {t.rate * 100:.1f}%",
    ]
    for role, label in (
        ("lead", "按单位（牵头）"),
        ("support", "按单位（配合）"),
        ("guide", "按单位（指导）"),
    ):
        rows = [u for u in st.units if u.roles[role].total]
        if not rows:
            continue
        rows.sort(key=lambda u: (-u.roles[role].total, u.name))
        lines += ["", _stat_head(label)]
        lines += [_stat_row(u.name, u.roles[role]) for u in rows]
    lines += ["", _stat_head("按工作任务")]
    for g in st.groups:
        lines.append(_stat_row(f"{g.group if g.group is not None else '-'} {g.title}", g.counts))
    lines += ["", _stat_head("按完成时间（月）")]
    for m in st.months:
        lines.append(_stat_row(m.month or "无固定期限", m.counts))
    return lines


def cmd_stats(args: argparse.Namespace, ctx: Context) -> int:
    from zwgk.store.stats import of_snapshot

    st = of_snapshot(Service.open(ctx).snapshot(args.plan), ctx.today)
    if args.json:
        render.print_json(st.to_json())
        return 0
    for line in stats_lines(st):
        render.out(line)
    return 0


# -- digest ----------------------------------------------------------------------------------
def cmd_digest(args: argparse.Namespace, ctx: Context) -> int:
    from zwgk.store import digest
    from zwgk.store.eventlog import now_iso

    service = Service.open(ctx)
    store = service.store
    snap = service.snapshot(args.plan)
    units = TaskFilter(units=(args.unit,)).resolved_units(snap) if args.unit else None
    key = digest.state_key(units)
    started = digest.parse_since(now_iso())
    if args.since:
        since = digest.parse_since(args.since)
    else:
        since = digest.last_digest(ctx.db_path, key) or digest.default_since(ctx.today)
    d = digest.build(snap, store.events(), ctx.today, since, units)
    for line in digest.render(d):
        render.out(line)
    if not args.since and not args.no_record:
        digest.record_digest(ctx.db_path, key, started)
    return 0


# -- sign-off --------------------------------------------------------------------------------
def cmd_confirm(args: argparse.Namespace, ctx: Context) -> int:
    service = Service.open(ctx)
    event = service.confirm(service.task_id(args.id, args.plan), args.note)
    when = (event.changes.get("confirmed_at") or [None, ""])[1] or ""
    render.out(
        f"已办结确认 {task_ref(event.task, service.snapshot().label_of)}：{event.user} {when[:16].replace('T', ' ')}。如需撤销：zwgk undo"
    )
    return 0


def cmd_sendback(args: argparse.Namespace, ctx: Context) -> int:
    service = Service.open(ctx)
    event = service.send_back(service.task_id(args.id, args.plan), args.reason)
    render.out(
        f"已退回 {task_ref(event.task, service.snapshot().label_of)}：状态 已完成 → 进行中，原因：{event.note}。如需撤销：zwgk undo"
    )
    return 0

"""Everyday commands: list, show, mark, note, undo, log, units, search."""

from __future__ import annotations

import argparse
from datetime import date
from typing import Any

from zwgk.store.context import Context, parse_day
from zwgk.store.db import Snapshot, Store
from zwgk.store.describe import describe_event, event_line
from zwgk.store.errors import InputError
from zwgk.store.filters import TaskFilter, filter_tasks, unit_counts
from zwgk.store.model import STATUSES, Event, Task, parse_status
from zwgk.store.textutil import sanitize

from . import render
from .common import add_filter_args, add_json, filter_from_args, open_store, positive_int, task_id


def register(sub: argparse._SubParsersAction[Any]) -> None:
    p = sub.add_parser("list", help="列出任务（可按单位、状态、期限筛选）")
    add_filter_args(p)
    add_json(p)
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("show", help="查看一项任务及其历史")
    p.add_argument("id", type=task_id)
    add_json(p)
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("mark", help="标记任务状态")
    p.add_argument("id", type=task_id)
    p.add_argument("status", help="未开始/进行中/受阻/已完成 或 todo/doing/blocked/done")
    p.add_argument("--note", default="", help="进展说明")
    p.set_defaults(func=cmd_mark)

    p = sub.add_parser("note", help="为任务添加进展备注")
    p.add_argument("id", type=task_id)
    p.add_argument("text", nargs="+")
    p.set_defaults(func=cmd_note)

    p = sub.add_parser("undo", help="撤销自己最近的一次修改")
    p.set_defaults(func=cmd_undo)

    p = sub.add_parser("log", help="修改记录（谁在何时改了什么）")
    p.add_argument("id", nargs="?", type=task_id)
    p.add_argument("--unit", help="只看该单位的任务")
    p.add_argument("--user", help="只看该用户的修改")
    p.add_argument("--since", type=lambda s: parse_day(s, "--since"), metavar="YYYY-MM-DD")
    p.add_argument("--until", type=lambda s: parse_day(s, "--until"), metavar="YYYY-MM-DD")
    add_json(p)
    p.set_defaults(func=cmd_log)

    p = sub.add_parser("units", help="各单位及其任务数")
    add_json(p)
    p.set_defaults(func=cmd_units)

    p = sub.add_parser("search", help="搜索任务（模糊匹配、拼音、单位、筛选词）")
    p.add_argument("query", nargs="+")
    p.add_argument("--limit", type=positive_int, default=20)
    add_json(p)
    p.set_defaults(func=cmd_search)


# -- read commands ---------------------------------------------------------------------------
def cmd_list(args: argparse.Namespace, ctx: Context) -> int:
    snap = open_store(ctx).snapshot()
    tasks = filter_tasks(snap, ctx.today, filter_from_args(args))
    if args.json:
        render.print_json([t.to_json(ctx.today) for t in tasks])
        return 0
    colour = render.use_colour()
    for task in tasks:
        render.out(render.task_line(task, ctx.today, colour=colour))
    overdue = sum(t.overdue(ctx.today) for t in tasks)
    render.out(f"共 {len(tasks)} 项，其中逾期 {overdue} 项（今天 {ctx.today.isoformat()}）")
    return 0


def task_history(store: Store, task_id: int) -> list[Event]:
    return [e for e in store.events() if e.task == task_id]


def cmd_show(args: argparse.Namespace, ctx: Context) -> int:
    store = open_store(ctx)
    task = _task(store.snapshot(), args.id)
    history = task_history(store, task.id)
    if args.json:
        data = task.to_json(ctx.today)
        data["history"] = [e.to_record() for e in history]
        render.print_json(data)
        return 0
    for line in task_card(task, ctx.today):
        render.out(line)
    render.out("历史：" if history else "历史：（无修改）")
    for e in history:
        render.out("  " + event_line(e))
    return 0


def task_card(task: Task, today: date) -> list[str]:
    s = sanitize
    due = task.due.isoformat() if task.due else render.due_label(task, today)
    lines = [
        f"#{task.id} {render.GLYPHS.get(task.status, '')} {task.status}"
        + ("（逾期）" if task.overdue(today) else ""),
        f"工作任务：{task.group or ''} {s(task.group_title)}",
        f"具体事项：{s(task.text)}",
        f"主体责任单位：{s('、'.join(task.lead_units)) or '-'}",
    ]
    if task.support_units:
        lines.append(f"配合单位：{s('、'.join(task.support_units))}")
    lines.append(f"指导责任单位：{s('、'.join(task.guide_units)) or '-'}")
    lines.append(f"完成时间：{s(task.deadline_text) or '-'}（{due}）")
    if task.note:
        lines.append(f"最新进展：{s(task.note)}")
    if task.updated_at:
        lines.append(f"更新：{task.updated_at} {task.updated_by or ''}")
    if task.confirmed_by:
        lines.append(f"办结确认：{task.confirmed_by} {task.confirmed_at or ''}")
    return lines


def _task(snap: Snapshot, tid: int) -> Task:
    task = snap.tasks.get(tid)
    if task is None:
        ids = sorted(snap.tasks)
        hint = f"（现有编号 {ids[0]}–{ids[-1]}）" if ids else "（数据库中没有任务）"
        raise InputError(f"没有编号为 {tid} 的任务{hint}。")
    return task


def cmd_log(args: argparse.Namespace, ctx: Context) -> int:
    store = open_store(ctx)
    snap = store.snapshot()
    events = store.events()
    if args.id is not None:
        _task(snap, args.id)
        events = [e for e in events if e.task == args.id]
    if args.unit:
        names = set(TaskFilter(unit=args.unit).resolved_units(snap))
        ids = {t.id for t in snap.task_list() if names.intersection(t.units())}
        events = [e for e in events if e.task in ids]
    if args.user:
        events = [e for e in events if e.user == args.user]
    if args.since:
        events = [e for e in events if e.ts[:10] >= args.since.isoformat()]
    if args.until:
        events = [e for e in events if e.ts[:10] <= args.until.isoformat()]
    if args.json:
        render.print_json([e.to_record() for e in events])
        return 0
    for e in events:
        render.out(event_line(e))
    render.out(f"共 {len(events)} 条记录")
    return 0


UNIT_COLUMNS = ("牵头", "配合", "指导", "完成", "逾期")


def cmd_units(args: argparse.Namespace, ctx: Context) -> int:
    snap = open_store(ctx).snapshot()
    counts = unit_counts(snap, ctx.today)
    if args.json:
        render.print_json([c.to_json() for c in counts])
        return 0
    render.out(render.fit("单位", 24) + "".join(render.rjust(h, 7) for h in UNIT_COLUMNS))
    for c in counts:
        render.out(
            render.fit(c.name, 24)
            + "".join(f"{n:>7}" for n in (c.lead, c.support, c.guide, c.done, c.overdue))
        )
    render.out(f"共 {len(counts)} 个单位")
    return 0


def cmd_search(args: argparse.Namespace, ctx: Context) -> int:
    from zwgk.store.search import search

    query = " ".join(args.query)
    snap = open_store(ctx).snapshot()
    result = search(snap, query, today=ctx.today, limit=args.limit)
    if args.json:
        rows = []
        for hit in result.hits:
            data = hit.task.to_json(ctx.today)
            data["score"] = round(float(hit.score), 2)
            data["spans"] = [list(s) for s in hit.spans]
            rows.append(data)
        render.print_json(rows)
        return 0
    if not result.hits:
        hint = f"，您是不是要找“{result.suggestion}”？" if result.suggestion else "。"
        render.out(f"没有找到与“{sanitize(query, keep_newlines=False)}”相关的任务{hint}")
        return 0
    colour = render.use_colour()
    for hit in result.hits:
        render.out(search_line(hit.task, hit.spans, ctx.today, colour))
    render.out(f"找到 {result.total} 项，显示前 {len(result.hits)} 项")
    return 0


def search_line(task: Task, spans: list[tuple[int, int]], today: date, colour: bool) -> str:
    """A hit in 80 columns; on a terminal its matched characters are bold red, on a pipe plain."""
    head = f"{task.id:>4} {render.GLYPHS.get(task.status, '[?]')} "
    due = render.paint(
        render.fit(render.due_label(task, today), 15), render.light(task, today), colour
    )
    text = render.fit(task.text, 80 - render.width(head) - 16, pad=False)
    if colour:
        shown = len(text)  # spans past a cut are simply not drawn
        for start, end in sorted(spans, reverse=True):
            if start < min(end, shown):
                end = min(end, shown)
                text = f"{text[:start]}{render.BOLD}{render.RED}{text[start:end]}{render.RESET}{text[end:]}"
    return f"{head}{due} {text}"


# -- write commands --------------------------------------------------------------------------
def cmd_mark(args: argparse.Namespace, ctx: Context) -> int:
    status = parse_status(args.status)
    if status is None:
        raise InputError(
            f"状态“{args.status}”无效，应为 {'、'.join(STATUSES)}（或 todo/doing/blocked/done）。"
        )
    store = open_store(ctx)
    event = store.set_status(args.id, status, args.note)
    render.out(change_summary(event))
    return 0


def cmd_note(args: argparse.Namespace, ctx: Context) -> int:
    store = open_store(ctx)
    event = store.add_note(args.id, " ".join(args.text))
    render.out(change_summary(event))
    return 0


def cmd_undo(args: argparse.Namespace, ctx: Context) -> int:
    store = open_store(ctx)
    event = store.undo()
    render.out(f"已撤销第 {event.undoes} 号修改：{describe_event(event)}")
    return 0


def change_summary(e: Event) -> str:
    if not e.changes:
        return f"#{e.task} 没有变化（已是该状态）。"
    return f"已保存：{describe_event(e)}。如需撤销：zwgk undo"

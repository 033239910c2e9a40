"""Everyday commands: list, show, mark, note, undo, log, units, search."""

from __future__ import annotations

import argparse
import sys
from datetime import date

from zwgk.store.context import Context, parse_day
from zwgk.store.describe import describe_event, event_line, task_ref
from zwgk.store.errors import InputError
from zwgk.store.model import require_status
from zwgk.store.textutil import one_line

from . import term
from .common import (
    add_filter_args,
    add_json,
    add_plan,
    filter_from_args,
    positive_int,
    read_cache,
    task_id,
)

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from typing import Any

    from zwgk.store.describe import Label
    from zwgk.store.model import Event, Task
    from zwgk.store.readcache import ReadCache
    from zwgk.store.service import Service
    from zwgk.store.snapshot import Snapshot

    Subparsers = argparse._SubParsersAction[Any]


def service_of(ctx: Context) -> Service:
    """The ordinary way to the database (imported only by the commands that take it: a read
    answered from the read snapshot never loads the write path)."""
    from zwgk.store.service import Service

    return Service.open(ctx)


def add_list(sub: Subparsers) -> None:
    p = sub.add_parser("list", help="列出任务（可按单位、状态、期限筛选）")
    add_filter_args(p)
    p.add_argument("--mine", action="store_true", help="本人所在单位尚未完成的任务（按期限排列）")
    add_json(p)
    p.set_defaults(func=cmd_list)


def add_show(sub: Subparsers) -> None:
    p = sub.add_parser("show", help="查看一项任务及其历史")
    p.add_argument("id", type=task_id, metavar="ID")
    add_plan(p)
    add_json(p)
    p.set_defaults(func=cmd_show)


def add_mark(sub: Subparsers) -> None:
    p = sub.add_parser("mark", help="标记任务状态")
    p.add_argument("id", type=task_id, metavar="ID")
    add_plan(p)
    p.add_argument(
        "status", metavar="STATUS", help="未开始/进行中/受阻/已完成 或 todo/doing/blocked/done"
    )
    p.add_argument("--note", default="", help="进展说明")
    p.add_argument("--unit", help="只标记该单位负责的部分（默认：本人账号在单位名录中对应的单位）")
    p.set_defaults(func=cmd_mark)


def add_note(sub: Subparsers) -> None:
    p = sub.add_parser("note", help="为任务添加进展备注")
    p.add_argument("id", type=task_id, metavar="ID")
    add_plan(p)
    # REMAINDER: the note is everything after the id, even words that start with `-`.
    p.add_argument("text", nargs=argparse.REMAINDER, metavar="TEXT", help="备注内容（可以“-”开头）")
    p.set_defaults(func=cmd_note)


def add_undo(sub: Subparsers) -> None:
    p = sub.add_parser("undo", help="撤销自己最近的一次修改")
    p.set_defaults(func=cmd_undo)


def add_log(sub: Subparsers) -> None:
    p = sub.add_parser("log", help="修改记录（谁在何时改了什么）")
    p.add_argument("id", nargs="?", type=task_id, metavar="ID")
    add_plan(p)
    p.add_argument("--unit", help="只看该单位的任务")
    p.add_argument("--user", help="只看该用户的修改")
    p.add_argument("--since", type=lambda s: parse_day(s, "--since"), metavar="YYYY-MM-DD")
    p.add_argument("--until", type=lambda s: parse_day(s, "--until"), metavar="YYYY-MM-DD")
    add_json(p)
    p.set_defaults(func=cmd_log)


def add_units(sub: Subparsers) -> None:
    p = sub.add_parser("units", help="各单位及其任务数")
    add_json(p)
    p.set_defaults(func=cmd_units)


def add_search(sub: Subparsers) -> None:
    p = sub.add_parser("search", help="搜索任务（模糊匹配、拼音、单位、筛选词）")
    p.add_argument("query", nargs="+", metavar="QUERY")
    p.add_argument("--limit", type=positive_int, default=20)
    add_plan(p)
    add_json(p)
    p.set_defaults(func=cmd_search)


# Each command's parser, in the order `zwgk --help` lists them: `zwgk mark 7 done` builds
# only its own (main.build_parser), the help and errors of that parser being the same.
COMMANDS = {
    "list": add_list,
    "show": add_show,
    "mark": add_mark,
    "note": add_note,
    "undo": add_undo,
    "log": add_log,
    "units": add_units,
    "search": add_search,
}


def register(sub: Subparsers) -> None:
    for add in COMMANDS.values():
        add(sub)


# -- read commands ---------------------------------------------------------------------------
# Each answers from the read snapshot (store/readcache.py, store/readviews.py) when it can,
# else reads the database the ordinary way; the output is the same either way. Each imports
# render (task lines and cards: store/present.py) itself, which a change never needs.
def cmd_list(args: argparse.Namespace, ctx: Context) -> int:
    from zwgk.store.readviews import print_json, select

    from . import render

    flt = filter_from_args(args, ctx.today)
    with read_cache(ctx) as cache:
        found = None if cache is None or args.mine else select(cache, flt, args.plan, ctx.today)
        if cache is not None and found is not None:
            if args.json:
                sys.stdout.flush()
                if print_json(cache, found, ctx.today, sys.stdout.buffer):
                    return 0
            snap = cache.snapshot(found, args.plan)
            tasks = [cache.task(p) for p in found]
    if found is None:
        service = service_of(ctx)
        snap = service.snapshot(args.plan)
        tasks = service.tasks(flt, snap)
        if args.mine:  # the acting user's unit's open work, nearest deadline first
            mine = {t.id for t in service.my_work(snap)}
            tasks = sorted(
                (t for t in tasks if t.id in mine), key=lambda t: (t.due or date.max, t.id)
            )
    if args.json:
        render.print_json([snap.task_json(t, ctx.today) for t in tasks])
        return 0
    colour = render.use_colour()
    lines = [render.task_line(t, ctx.today, colour=colour, label=snap.label(t)) for t in tasks]
    overdue = sum(t.overdue(ctx.today) for t in tasks)
    lines.append(f"共 {len(tasks)} 项，其中逾期 {overdue} 项（今天 {ctx.today.isoformat()}）")
    if flt.units and snap.directory:
        lines += reached_lines(snap, flt.resolved_units(snap), tasks)
    render.out("\n".join(lines))  # one write: stdout may be unbuffered
    return 0


def reached_lines(snap: Snapshot, units: list[str], tasks: list[Task]) -> list[str]:
    """`甘棠街道：经 各街道 26 项` — which way each real unit is responsible for the listed tasks."""
    lines = []
    for unit in units[:5]:
        direct, collective = snap.reaching(unit)
        counts: dict[str, int] = {}
        for task in tasks:
            cells = task.units()
            if not direct.isdisjoint(cells):
                counts["直接列名"] = counts.get("直接列名", 0) + 1
            else:
                for word in collective.intersection(cells):
                    counts[f"经 {word}"] = counts.get(f"经 {word}", 0) + 1
        if counts and set(counts) != {"直接列名"}:
            ways = "，".join(f"{way} {n} 项" for way, n in counts.items())
            lines.append(f"{one_line(unit)}：{ways}")
    return lines


def cmd_show(args: argparse.Namespace, ctx: Context) -> int:
    from zwgk.store.present import history_lines, parts_line, task_card
    from zwgk.store.readviews import task_position

    from . import render

    with read_cache(ctx) as cache:
        pos = task_position(cache, args.id, args.plan) if cache is not None else None
        if cache is not None and pos is not None:
            snap = cache.snapshot([pos], every_plan=True)
            task = cache.task(pos)
    if pos is None:
        service = service_of(ctx)
        snap = service.snapshot(every_plan=True)  # an archived plan's task can still be shown
        task = snap.tasks[service.task_id(args.id, args.plan)]
    from zwgk.store.db import Store

    history = Store(ctx).events(task=task.id)  # `Service.history`
    if args.json:
        data = snap.task_json(task, ctx.today)
        data["history"] = [e.to_record() for e in history]
        render.print_json(data)
        return 0
    card = task_card(task, ctx.today, terse=True, label=snap.label(task))
    if snap.directory:
        card.append(parts_line(snap.parts(task)))
    for line in render.card(card + history_lines(history, snap.label_of)):
        render.out(line)
    return 0


def cmd_log(args: argparse.Namespace, ctx: Context) -> int:
    from . import render

    events = service_of(ctx).log(
        service_of(ctx).task_id(args.id, args.plan) if args.id else None,
        unit=args.unit,
        user=args.user,
        since=args.since,
        until=args.until,
    )
    if args.json:
        render.print_json([e.to_record() for e in events])
        return 0
    label = service_of(ctx).snapshot().label_of
    for e in events:
        render.out(event_line(e, label))
    render.out(f"共 {len(events)} 条记录")
    return 0


UNIT_COLUMNS = ("牵头", "配合", "指导", "完成", "逾期")


def cmd_units(args: argparse.Namespace, ctx: Context) -> int:
    from zwgk.store.readviews import unit_counts

    from . import render

    with read_cache(ctx) as cache:
        counts = unit_counts(cache, ctx.today) if cache is not None else None
    if counts is None:
        from zwgk.store.stats import unit_counts as counted

        counts = counted(service_of(ctx).snapshot(), ctx.today)
    if args.json:
        render.print_json([c.to_json() for c in counts])
        return 0
    lines = [render.fit("单位", 24) + "".join(render.rjust(h, 7) for h in UNIT_COLUMNS)]
    for c in counts:
        lines.append(
            render.fit(c.name, 24)
            + "".join(f"{n:>7}" for n in (c.lead, c.support, c.guide, c.done, c.overdue))
        )
    lines.append(f"共 {len(counts)} 个单位")
    render.out("\n".join(lines))
    return 0


def cmd_search(args: argparse.Namespace, ctx: Context) -> int:
    from zwgk.store.readviews import search_index

    from . import render

    query = " ".join(args.query)
    with read_cache(ctx) as cache:
        index = search_index(cache, args.plan, lazy=True) if cache is not None else None
        if cache is not None and index is not None:
            result = index.search(query, today=ctx.today, limit=args.limit)
            hits = [cache.position(hit.task.id) for hit in result.hits]
            snap = cache.snapshot([p for p in hits if p is not None], args.plan)
    if index is None:
        from zwgk.store.search import search

        snap = service_of(ctx).snapshot(args.plan)
        result = search(snap, query, today=ctx.today, limit=args.limit)
    if args.json:
        render.print_json([hit.to_json(ctx.today, snap) for hit in result.hits])
        return 0
    if not result.hits:
        hint = f"，您是不是要找“{result.suggestion}”？" if result.suggestion else "。"
        render.out(f"没有找到与“{one_line(query)}”相关的任务{hint}")
        return 0
    colour = render.use_colour()
    lines = [
        search_line(h.task, h.spans, ctx.today, colour, snap.label(h.task)) for h in result.hits
    ]
    lines.append(f"找到 {result.total} 项，显示前 {len(result.hits)} 项")
    render.out("\n".join(lines))
    return 0


def search_line(
    task: Task, spans: list[tuple[int, int]], today: date, colour: bool, label: str | None = None
) -> str:
    """A hit in 80 columns; on a terminal its matched characters are bold red, on a pipe plain."""
    from zwgk.store.present import due_label

    from . import render

    head = render.task_head(task, label)
    due = render.paint(render.fit(due_label(task, today), 15), render.light(task, today), colour)
    text = render.fit(task.text, 80 - render.width(head) - 16, pad=False)
    if colour:
        shown = len(text)  # spans past a cut are simply not drawn
        for start, end in sorted(spans, reverse=True):
            if start < min(end, shown):
                end = min(end, shown)
                text = f"{text[:start]}{render.BOLD}{render.RED}{text[start:end]}{render.RESET}{text[end:]}"
    return f"{head}{due} {text}"


# -- write commands --------------------------------------------------------------------------
# A change names its task from the read snapshot when that is up to date (a change never
# waits for one to be made: the ordinary read is the fallback). Ids and plans are what the
# snapshot was checked against, and a change of status leaves them as they were.
def cmd_mark(args: argparse.Namespace, ctx: Context) -> int:
    status = require_status(args.status)  # before the database is opened
    service = service_of(ctx)
    quick = quick_task(service, args)
    if quick is not None:
        event = service.mark(quick[0], status, args.note, unit=args.unit)
        term.out(change_summary(event, label=quick[1]))
        return 0
    with read_cache(ctx, rebuild=False) as cache:
        task = changed_task(cache, service, args)
        event = service.mark(task, status, args.note, unit=args.unit)
        term.out(change_summary(event, service, cache))
    return 0


def cmd_note(args: argparse.Namespace, ctx: Context) -> int:
    words = args.text[1:] if args.text[:1] == ["--"] else args.text  # `note 3 -- -x` too
    if not words:
        raise InputError("缺少备注内容，例如：zwgk note 3 已完成初稿。")
    service = service_of(ctx)
    quick = quick_task(service, args)
    if quick is not None:
        event = service.note(quick[0], " ".join(words))
        term.out(change_summary(event, label=quick[1]))
        return 0
    with read_cache(ctx, rebuild=False) as cache:
        event = service.note(changed_task(cache, service, args), " ".join(words))
        term.out(change_summary(event, service, cache))
    return 0


def cmd_undo(args: argparse.Namespace, ctx: Context) -> int:
    service = service_of(ctx)
    event = service.undo()
    with read_cache(ctx, rebuild=False) as cache:
        label = labels(service, cache)
    term.out(f"已撤销第 {event.undoes} 号修改：{describe_event(event, label)}")
    return 0


def quick_task(service: Service, args: argparse.Namespace) -> tuple[int, Label] | None:
    """The record id of the task a plain number names, and its label, from two lines of the
    task file (`Store.quick_task`: one plan, numbered as stored) — no snapshot, new or kept, is
    read; None: ask `changed_task`."""
    plain = args.id.strip().lstrip("#＃")
    if args.plan is not None or not plain.isdigit():
        return None
    return service.store.quick_task(int(plain))


def changed_task(cache: ReadCache | None, service: Service, args: argparse.Namespace) -> int:
    """The record id of the task `args.id` (with `--plan`) names, as `Service.task_id`."""
    from zwgk.store.readviews import task_position

    pos = task_position(cache, args.id, args.plan) if cache is not None else None
    if cache is None or pos is None:
        return service.task_id(args.id, args.plan)
    return cache.ids[pos]


def labels(service: Service, cache: ReadCache | None = None) -> Label:
    """How the active plans name tasks (`Snapshot.label_of`)."""
    if cache is None:
        return service.snapshot().label_of
    from zwgk.store.readviews import label_of

    return label_of(cache)


def change_summary(
    e: Event,
    service: Service | None = None,
    cache: ReadCache | None = None,
    *,
    label: Label | None = None,
) -> str:
    """`已保存：#7 状态 …`; given the service (or the `label` it would give), the task is named
    as people type it (the key `宣城2020-3` while several plans are active)."""
    if label is None and service is not None:
        label = labels(service, cache)
    if not e.changes:
        return f"{task_ref(e.task, label)} 没有变化（已是该状态）。"
    return f"已保存：{describe_event(e, label)}。如需撤销：zwgk undo"

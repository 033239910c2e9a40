"""`zwgk ask 区编办负责哪些任务`: a question in plain Chinese, answered in one sentence."""

from __future__ import annotations

import argparse

from zwgk.store.context import Context

from . import render
from .common import add_json, add_plan, read_cache

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from typing import Any

    from zwgk.store.ask import Answer
    from zwgk.store.snapshot import Snapshot


def register(sub: argparse._SubParsersAction[Any]) -> None:
    p = sub.add_parser(
        "ask",
        help="用一句话提问（如：区编办负责哪些任务、网信办的逾期任务有几项）",
        description="用日常说法提问，不必加空格：单位、牵头/配合/指导、状态、逾期、"
        "本月/下个月/2021年6月底前/30天内、第7项、几项、关键词。只查询，不修改数据。",
    )
    # REMAINDER: a question may contain anything, even words that start with `-`.
    p.add_argument("question", nargs="+", metavar="TEXT", help="问题，例如：哪些任务逾期了")
    add_plan(p)
    add_json(p)
    p.set_defaults(func=cmd_ask)


def cmd_ask(args: argparse.Namespace, ctx: Context) -> int:
    """Answered from the read snapshot's prepared index when it has one (as `zwgk search`
    is): only the tasks printed are built. Else from the database, the ordinary way."""
    from zwgk.store.ask import ask
    from zwgk.store.ask.cached import cached_pool

    question = " ".join(args.question)
    with read_cache(ctx) as cache:
        found = cached_pool(cache, args.plan) if cache is not None else None
        if found is not None:
            snap, pool = found
            answer = ask(snap, question, today=ctx.today, plan=args.plan, pool=pool)
            return _print(args, ctx, snap, answer)
    from zwgk.store.service import Service  # the write path, loaded only when needed

    snap = Service.open(ctx).snapshot(args.plan)
    return _print(args, ctx, snap, ask(snap, question, today=ctx.today, plan=args.plan))


def _print(args: argparse.Namespace, ctx: Context, snap: Snapshot, answer: Answer) -> int:
    if args.json:
        from zwgk.store.jsontext import dumps  # json.dumps's text, faster

        render.out(dumps(answer.to_json()))
        return 0
    render.out(answer.answer)
    colour = render.use_colour()
    if len(answer.tasks) > 1:
        lines = [
            render.task_line(task, ctx.today, colour=colour, label=snap.label(task))
            for task in answer.tasks
        ]
        render.out("\n".join(lines))
    line = answer.understood_line()
    if line:
        render.out(render.paint(f"（理解为：{line}）", render.DIM, colour))
    return 0

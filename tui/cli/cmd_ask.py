"""`zwgk ask 区编办负责哪些任务`: a question in plain Chinese, answered in one sentence."""

from __future__ import annotations

import argparse
from typing import Any

from zwgk.store.context import Context
from zwgk.store.service import Service

from . import render
from .common import add_json, add_plan


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
    from zwgk.store.ask import ask

    question = " ".join(args.question)
    snap = Service.open(ctx).snapshot(args.plan)
    answer = ask(snap, question, today=ctx.today, plan=args.plan)
    if args.json:
        render.print_json(answer.to_json())
        return 0
    render.out(answer.answer)
    colour = render.use_colour()
    if len(answer.tasks) > 1:
        for task in answer.tasks:
            render.out(render.task_line(task, ctx.today, colour=colour, label=snap.label(task)))
    line = answer.understood_line()
    if line:
        render.out(render.paint(f"（理解为：{line}）", render.DIM, colour))
    return 0

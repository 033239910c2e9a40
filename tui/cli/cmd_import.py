"""`zwgk import FILE`: read a work-plan document into the database."""

from __future__ import annotations

import argparse
from pathlib import Path

from zwgk.store.context import Context
from zwgk.store.service import Service
from zwgk.store.textutil import one_line, sanitize

from . import render
from .common import add_json

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from typing import Any

    from zwgk.store.importing import ImportReport


def register(sub: argparse._SubParsersAction[Any]) -> None:
    p = sub.add_parser("import", help="导入工作方案（.txt .docx .xlsx .csv .json）")
    p.add_argument("file", type=Path, metavar="FILE")
    p.add_argument("--year", type=int, help="没有写年份的期限按此年份计算")
    p.add_argument("--plan", help="方案名称（默认取文件标题）")
    p.add_argument(
        "--split-subitems",
        action="store_true",
        help="一格内的编号小项（1.…2.…）各作一项任务，编号为 原序号×100+小项号（如 701、702）",
    )
    add_json(p)
    p.set_defaults(func=cmd_import)


def cmd_import(args: argparse.Namespace, ctx: Context) -> int:
    # seed=False: a missing database holds only the imported file.
    imported = Service.open(ctx, seed=False).import_file(
        args.file, year=args.year, title=args.plan, split_subitems=args.split_subitems
    )
    from zwgk.store import warmup

    warmup.start(ctx.db_path)  # the read snapshot made again, while people get on with it
    if args.json:
        render.print_json(imported.report.to_json())
        return 0
    for line in summary_lines(imported.report):
        render.out(line)
    return 0


def summary_lines(report: ImportReport) -> list[str]:
    # File names and cells come from outside: nothing in them may drive the terminal.
    title, source = one_line(report.title), sanitize(Path(report.source).name)
    lines = [
        f"已导入《{title}》（{source}，年份 {report.year}）",
        f"工作任务 {report.groups} 项，具体事项 {report.tasks} 项，涉及单位 {report.units} 个",
        f"新增 {report.added} 项，更新 {report.updated} 项，未变 {report.unchanged} 项",
    ]
    if report.unparsed:
        lines.append(f"以下 {len(report.unparsed)} 项的完成时间未能识别，已原样保留：")
        lines += [f"  #{tid} {one_line(text)}" for tid, text in report.unparsed]
    if report.missing:
        ids = "、".join(f"#{i}" for i in report.missing)
        lines.append(f"新文件中已没有以下 {len(report.missing)} 项，已保留原状态：{ids}")
    return lines

"""`zwgk import FILE`: read a work-plan document into the database."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from zwgk.store.context import Context

from . import render
from .common import add_json, open_store

if TYPE_CHECKING:
    from zwgk.store.importing import ImportReport


def register(sub: argparse._SubParsersAction[Any]) -> None:
    p = sub.add_parser("import", help="导入工作方案（.txt .docx .xlsx .csv .json）")
    p.add_argument("file", type=Path)
    p.add_argument("--year", type=int, help="没有写年份的期限按此年份计算")
    p.add_argument("--plan", help="方案名称（默认取文件标题）")
    add_json(p)
    p.set_defaults(func=cmd_import)


def cmd_import(args: argparse.Namespace, ctx: Context) -> int:
    if args.file.suffix.lower() == ".json":
        return import_json(args, ctx)
    # Imported here: the readers pull in openpyxl/docx/pypinyin, which `zwgk list` never needs.
    from zwgk.store.importing import import_into, parse_file

    # Parse fully before touching the database: bad input leaves the file untouched.
    parsed = parse_file(args.file)
    store = open_store(ctx, seed=False)  # a missing database holds only the imported file
    with store.transaction() as txn:
        txn.require(None, "import")
        report = import_into(txn, parsed, year=args.year, title=args.plan)
    print_report(report, as_json=args.json)
    return 0


def print_report(report: ImportReport, *, as_json: bool) -> None:
    if as_json:
        render.print_json(report.to_json())
        return
    for line in summary_lines(report):
        render.out(line)


def import_json(args: argparse.Namespace, ctx: Context) -> int:
    """A zwgk exchange file (`zwgk export x.json`): the plan, statuses and history."""
    from zwgk.store.exchange import import_exchange, load

    data = load(args.file)  # validated before the database is touched
    store = open_store(ctx, seed=False)
    with store.transaction() as txn:
        txn.require(None, "import")
        report = import_exchange(txn, data, str(args.file))
    print_report(report, as_json=args.json)
    return 0


def summary_lines(report: ImportReport) -> list[str]:
    from zwgk.store.textutil import sanitize

    # File names and cells come from outside: nothing in them may drive the terminal.
    title, source = sanitize(report.title, keep_newlines=False), sanitize(Path(report.source).name)
    lines = [
        f"已导入《{title}》（{source}，年份 {report.year}）",
        f"工作任务 {report.groups} 项，具体事项 {report.tasks} 项，涉及单位 {report.units} 个",
        f"新增 {report.added} 项，更新 {report.updated} 项，未变 {report.unchanged} 项",
    ]
    if report.unparsed:
        lines.append(f"以下 {len(report.unparsed)} 项的完成时间未能识别，已原样保留：")
        lines += [
            f"  #{tid} {sanitize(text, keep_newlines=False)}" for tid, text in report.unparsed
        ]
    if report.missing:
        ids = "、".join(f"#{i}" for i in report.missing)
        lines.append(f"新文件中已没有以下 {len(report.missing)} 项，已保留原状态：{ids}")
    return lines

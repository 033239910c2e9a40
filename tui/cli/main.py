"""`zwgk`: no command opens the TUI; subcommands give the same data to scripts.

Each group of subcommands lives in its own module with a `register(subparsers)` function;
handlers take (args, ctx) and return an exit code. Errors become one Chinese sentence.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

from zwgk.store.context import Context, resolve_db_path, resolve_today
from zwgk.store.errors import ZwgkError
from zwgk.store.textutil import sanitize

# Modules that add subcommands, in the order `zwgk --help` lists them.
COMMAND_MODULES = (
    "zwgk.tui.cli.cmd_tasks",
    "zwgk.tui.cli.cmd_import",
    "zwgk.tui.cli.cmd_report",
    "zwgk.tui.cli.cmd_admin",
    "zwgk.tui.cli.cmd_directory",
)
# Which module owns each command, so `zwgk mark` loads and builds only what it runs.
COMMAND_OWNERS = {
    **dict.fromkeys(
        ("list", "show", "mark", "note", "undo", "log", "units", "search"), "zwgk.tui.cli.cmd_tasks"
    ),
    "import": "zwgk.tui.cli.cmd_import",
    **dict.fromkeys(
        ("export", "stats", "digest", "confirm", "sendback", "reject"), "zwgk.tui.cli.cmd_report"
    ),
    **dict.fromkeys(("doctor", "init"), "zwgk.tui.cli.cmd_admin"),
    "directory": "zwgk.tui.cli.cmd_directory",
}
GLOBAL_OPTIONS_WITH_VALUE = ("--db", "--today")


class ChineseParser(argparse.ArgumentParser):
    """argparse that reports usage errors in one Chinese sentence with exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"zwgk：参数有误（{message}）。用 zwgk --help 查看用法。\n")
        raise SystemExit(2)


def command_in(argv: Sequence[str]) -> str | None:
    """The subcommand named in argv (skipping global options), or None."""
    skip = False
    for token in argv:
        if skip:
            skip = False
        elif token in GLOBAL_OPTIONS_WITH_VALUE:
            skip = True
        elif not token.startswith("-"):
            return token
    return None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole parser, or (for a known command) only the module that owns it."""
    parser = ChineseParser(
        prog="zwgk",
        description="政务公开工作方案进度跟踪。不带命令时打开终端界面。",
    )
    parser.add_argument("--db", metavar="PATH", help="数据库文件（默认 $ZWGK_DB 或用户数据目录）")
    parser.add_argument(
        "--today", metavar="YYYY-MM-DD", help="以此日期计算逾期（默认 $ZWGK_TODAY 或今天）"
    )
    parser.add_argument(
        "--no-mouse", action="store_true", help="终端界面不捕获鼠标，便于选中复制文字"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=ChineseParser)
    owner = COMMAND_OWNERS.get(command or "")
    for name in (owner,) if owner else COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def _utf8_stdio() -> None:
    # Over SSH with LANG=C Python may pick ASCII; our output is Chinese, always UTF-8.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(encoding="utf-8", errors="replace")


def main(argv: Sequence[str] | None = None) -> int:
    _utf8_stdio()
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(command_in(argv))
    try:
        # Inside the try: argument types (task ids, dates) raise our errors while parsing.
        args = parser.parse_args(argv)
        ctx = Context(db_path=database_for(args), today=resolve_today(args.today))
        if not args.command:
            return open_tui(ctx, mouse=not args.no_mouse)
        return int(args.func(args, ctx) or 0)
    except ZwgkError as exc:
        # Messages quote file names and cells: never let them drive the terminal.
        sys.stderr.write(f"zwgk：{sanitize(exc.message, keep_newlines=False)}\n")
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("zwgk：已中断，未做修改。\n")
        return 130
    except BrokenPipeError:  # `zwgk list | head`
        return 0


def database_for(args: argparse.Namespace) -> Path:
    """The database this run acts on (see `resolve_db_path` for the precedence). `zwgk init`
    may create the folder, and with `--shared DIR` it names the database itself."""
    if args.command != "init":
        return resolve_db_path(args.db)
    shared = getattr(args, "shared", None)
    if shared:
        return Path(shared).expanduser().absolute() / "zwgk.json"
    return resolve_db_path(args.db, create=True)


def open_tui(ctx: Context, *, mouse: bool) -> int:
    from zwgk.tui.app import run  # here, not at the top: subcommands never load Textual

    return int(run(ctx, mouse=mouse) or 0)


if __name__ == "__main__":
    raise SystemExit(main())

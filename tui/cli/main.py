"""`zwgk`: no command opens the TUI; subcommands give the same data to scripts.

Each group of subcommands lives in its own module with a `register(subparsers)` function
(and may name each command's own, `COMMANDS`, so that a run builds only the parser it uses);
handlers take (args, ctx) and return an exit code. Errors become one Chinese sentence: ours
(`ZwgkError`), argparse's (translated while parsing, see `chinese_argparse`), and any OS
refusal that reaches this boundary (a folder we may not enter: exit 3, no traceback).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import re
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from zwgk.store.context import Context, resolve_db_path, resolve_today
from zwgk.store.errors import DatabaseError, InputError, ZwgkError
from zwgk.store.textutil import sanitize

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from typing import Any

# Modules that add subcommands, in the order `zwgk --help` lists them.
COMMAND_MODULES = (
    "zwgk.tui.cli.cmd_tasks",
    "zwgk.tui.cli.cmd_ask",
    "zwgk.tui.cli.cmd_import",
    "zwgk.tui.cli.cmd_report",
    "zwgk.tui.cli.cmd_admin",
    "zwgk.tui.cli.cmd_directory",
    "zwgk.tui.cli.cmd_plans",
)
# Which module owns each command, so `zwgk mark` loads and builds only what it runs.
COMMAND_OWNERS = {
    **dict.fromkeys(
        ("list", "show", "mark", "note", "undo", "log", "units", "search"), "zwgk.tui.cli.cmd_tasks"
    ),
    "ask": "zwgk.tui.cli.cmd_ask",
    "import": "zwgk.tui.cli.cmd_import",
    **dict.fromkeys(
        ("export", "stats", "digest", "confirm", "sendback", "reject"), "zwgk.tui.cli.cmd_report"
    ),
    **dict.fromkeys(("doctor", "init"), "zwgk.tui.cli.cmd_admin"),
    "directory": "zwgk.tui.cli.cmd_directory",
    **dict.fromkeys(("plans", "plan"), "zwgk.tui.cli.cmd_plans"),
}
GLOBAL_OPTIONS_WITH_VALUE = ("--db", "--today")
GLOBAL_WITH_VALUE = ("--db=", "--today=")
GLOBAL_FLAGS = ("--no-mouse",)


# argparse's own words (it looks each up through gettext's `_` when it needs it), in Chinese.
ARGPARSE_ZH = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "show this help message and exit": "显示本帮助并退出",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "expected one argument": "需要一个值",
    "expected at most one argument": "最多只能有一个值",
    "expected at least one argument": "至少需要一个值",
    "expected %s argument": "需要 %s 个值",
    "expected %s arguments": "需要 %s 个值",
    "invalid choice: %(value)r (choose from %(choices)s)": "“%(value)s”无效（可选：%(choices)s）",
    "invalid %(type)s value: %(value)r": "值“%(value)s”无效",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 不明确，可能是 %(matches)s",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "ignored explicit argument %r": "不接受值“%s”",
    "one of the arguments %s is required": "必须给出以下参数之一：%s",
    "unknown parser %(parser_name)r (choices: %(choices)s)": "没有命令“%(parser_name)s”（可用：%(choices)s）",
    "unexpected option string: %s": "意外的选项：%s",
}
# Positional names as argparse shows them (their metavars), worded for a person.
ARG_NAMES = {
    "ID": "任务编号 ID",
    "STATUS": "状态 STATUS",
    "TEXT": "备注内容 TEXT",
    "FILE": "文件 FILE",
    "QUERY": "搜索内容 QUERY",
    "COMMAND": "命令 COMMAND",
}
# Options whose value is free text: `--note -已上报` means the note "-已上报", never an option.
TEXT_OPTIONS = {"mark": ("--note",), "confirm": ("--note",), "sendback": ("--reason",)}
TEXT_OPTIONS["reject"] = TEXT_OPTIONS["sendback"]


def _zh(message: str) -> str:
    return ARGPARSE_ZH.get(message, message)


def _zh_plural(singular: str, plural: str, n: int) -> str:
    return _zh(singular if n == 1 else plural)


@contextlib.contextmanager
def chinese_argparse() -> Iterator[None]:
    """argparse speaks Chinese while our parser is built and used, then is left as it was
    (argparse calls the module's gettext functions `_` and `ngettext` each time)."""
    saved = argparse._, argparse.ngettext  # type: ignore[attr-defined]
    argparse._, argparse.ngettext = _zh, _zh_plural  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved  # type: ignore[attr-defined]


# Options whose value is words a person chose, which may start with `-`.
FREE_TEXT_OPTIONS = ("--note", "--reason", "--unit", "--user", "--plan", "--db")
# Commands whose positional words are free text, which may start with `-`.
FREE_TEXT_COMMANDS = ("zwgk note", "zwgk search")


class TerminalWidth(argparse.HelpFormatter):
    """argparse's formatter, told the terminal's width the way it would find it itself
    (`shutil.get_terminal_size`), without importing shutil (and bz2, lzma) on every run."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:  # fmt: skip
        if width is None:
            width = terminal_columns() - 2
        super().__init__(prog, indent_increment, max_help_position, width)


def terminal_columns(fallback: int = 80) -> int:
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or fallback


class ChineseParser(argparse.ArgumentParser):
    """argparse that reports usage errors in one Chinese sentence with exit code 2."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", TerminalWidth)
        super().__init__(*args, **kwargs)

    def format_help(self) -> str:
        # The section headings end in argparse's own ASCII colon: `选项:` -> `选项：`.
        return re.sub(r"^(\S[^\n]*):$", r"\1：", super().format_help(), flags=re.MULTILINE)

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(
            f"zwgk：参数有误：{explain(message, self.prog)}。用 zwgk --help 查看用法。\n"
        )
        raise SystemExit(2)


def explain(message: str, prog: str) -> str:
    """argparse's (translated) message, with names a person knows and, where a value that
    starts with `-` was taken for an option, how to write it."""
    message = sanitize(message, keep_newlines=False).rstrip("。")
    if "（可选：" in message:  # `'list', 'show'` -> `list、show`
        head, _, choices = message.partition("（可选：")
        names = re.sub(r"'([^']*)'", r"\1", choices).replace(", ", "、")
        message = f"{head}（可选：{names}"
        message = re.sub(
            r"^参数 COMMAND：“(.*)”无效（可选：", r"没有“\1”这个命令（可用命令：", message
        )
    if message.startswith("缺少必需的参数"):
        message = re.sub(r"\b[A-Z]+\b", lambda m: ARG_NAMES.get(m.group(), m.group()), message)
    m = re.match(r"参数 (--[\w-]+)：需要一个值", message)
    if m and m.group(1) in FREE_TEXT_OPTIONS:
        option = m.group(1)
        return f"{message}；如果内容以“-”开头，请写成 {option}=-内容"
    if message.startswith("缺少必需的参数") and prog in FREE_TEXT_COMMANDS:
        return f"{message}；如果内容以“-”开头，请在它前面加 --，例如 {prog} -- -内容"
    if re.match(r"无法识别的参数：-[^-]", message):
        return f"{message}；如果这是以“-”开头的文字，请在它前面单独写一个 --"
    return message


def command_in(argv: Sequence[str], *, strict: bool = False) -> str | None:
    """The subcommand named in argv (skipping global options), or None. `strict`: None as well
    when anything else comes before it (`-h`, an abbreviated option…): the whole parser then
    decides what it means (`zwgk -h mark` lists every command)."""
    skip = False
    for token in argv:
        if skip:
            skip = False
        elif token in GLOBAL_OPTIONS_WITH_VALUE:
            skip = True
        elif not token.startswith("-"):
            return token
        elif strict and token not in GLOBAL_FLAGS and not token.startswith(GLOBAL_WITH_VALUE):
            return None
    return None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole parser, or for a known command only its own subparser (`zwgk mark 7 done`
    neither imports the other command modules nor builds their parsers); the subparser's
    help, usage and errors are the same either way."""
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
    if owner is None:
        for name in COMMAND_MODULES:
            importlib.import_module(name).register(sub)
        return parser
    module = importlib.import_module(owner)
    one = getattr(module, "COMMANDS", {}).get(command)  # a module may only register them all
    if one is not None:
        one(sub)
    else:
        module.register(sub)
    return parser


def _utf8_stdio() -> None:
    # Over SSH with LANG=C Python may pick ASCII; our output is Chinese, always UTF-8.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(encoding="utf-8", errors="replace")


def glue_text_values(argv: list[str]) -> list[str]:
    """`mark 3 done --note -已上报` -> `… --note=-已上报`: a note may start with `-`."""
    options = TEXT_OPTIONS.get(command_in(argv) or "", ())
    out: list[str] = []
    i = 0
    while i < len(argv):
        token = argv[i]
        if token == "--":
            return out + argv[i:]
        if token in options and i + 1 < len(argv) and argv[i + 1].startswith("-"):
            out.append(f"{token}={argv[i + 1]}")
            i += 2
            continue
        out.append(token)
        i += 1
    return out


def database_path(raw: str | None, *, create: bool = False) -> Path:
    try:
        return resolve_db_path(raw, create=create)
    except RuntimeError:  # `~nouser/x.json`: Path.expanduser finds no such home
        raise InputError(
            f"数据库路径 {raw or '$ZWGK_DB'} 无法解析：“~”后面的用户不存在，请写出完整路径。"
        ) from None


def os_error(exc: OSError) -> DatabaseError:
    """An OS refusal no layer below turned into a sentence: name the file, say why."""
    from zwgk.store.files import os_reason

    where = f" {exc.filename}" if exc.filename else ""  # sanitized with the whole message
    return DatabaseError(f"无法访问{where}：{os_reason(exc)}，未做任何修改。")


def main(argv: Sequence[str] | None = None) -> int:
    _utf8_stdio()
    argv = glue_text_values(list(sys.argv[1:] if argv is None else argv))
    try:
        # Inside the try: argument types (task ids, dates) raise our errors while parsing.
        with chinese_argparse():
            args = build_parser(command_in(argv, strict=True)).parse_args(argv)
        ctx = Context(db_path=database_for(args), today=resolve_today(args.today))
        if not args.command:
            return open_tui(ctx, mouse=not args.no_mouse)
        return int(args.func(args, ctx) or 0)
    except OSError as exc:
        if isinstance(exc, BrokenPipeError):  # `zwgk list | head`
            return 0
        return _report(os_error(exc))
    except ZwgkError as exc:
        return _report(exc)
    except KeyboardInterrupt:
        sys.stderr.write("zwgk：已中断，未做修改。\n")
        return 130


def _report(exc: ZwgkError) -> int:
    # Messages quote file names and cells: never let them drive the terminal.
    sys.stderr.write(f"zwgk：{sanitize(exc.message, keep_newlines=False)}\n")
    return exc.exit_code


def database_for(args: argparse.Namespace) -> Path:
    """The database this run acts on (see `resolve_db_path` for the precedence). `zwgk init`
    may create the folder, and with `--shared DIR` it names the database itself."""
    if args.command != "init":
        return database_path(args.db)
    shared = getattr(args, "shared", None)
    if shared:
        return Path(shared).expanduser().absolute() / "zwgk.json"
    return database_path(args.db, create=True)


def open_tui(ctx: Context, *, mouse: bool) -> int:
    from zwgk.tui.app import run  # here, not at the top: subcommands never load Textual

    return int(run(ctx, mouse=mouse) or 0)


if __name__ == "__main__":
    raise SystemExit(main())

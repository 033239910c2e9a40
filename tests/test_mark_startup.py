"""`zwgk mark` starts fast: it builds only its own parser and loads only what a change uses.

No timings here (they would flake on a busy machine): what the gain rests on is checked
instead. The parser of one command says exactly what the whole parser says (help, usage,
errors, exit codes), and a mark in a fresh interpreter imports none of the modules that only
reading, searching, importing, exporting or the app need (bench/bench_mark.py has the times).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from zwgk.store.db import Store
from zwgk.tui.cli import main as cli

# argv that stop in the parser (help, or a usage error): the output must not depend on
# whether the whole parser or only the named command's was built.
PARSER_ONLY = [
    ["-h"],
    ["--help"],
    ["-h", "mark"],
    ["--today", "2020-12-15", "-h"],
    ["mark", "-h"],
    ["mark"],
    ["mark", "3"],
    ["mark", "abc", "done"],
    ["mark", "3", "done", "--bogus"],
    ["mark", "3", "done", "-x"],
    ["mark", "3", "done", "--note"],
    ["mark", "3", "done", "--unit"],
    ["--db", "x.json", "mark", "--help"],
    ["--db=x.json", "--no-mouse", "mark", "-h"],
    ["--no-such-option", "mark", "-h"],
    ["note"],
    ["note", "-h"],
    ["show", "-h"],
    ["list", "--role", "boss"],
    ["search"],
    ["log", "--since", "yesterday"],
    ["nosuchcommand"],
    ["mrk", "3", "done"],
    ["export", "-h"],
    ["plan", "-h"],
]


def run_main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """main()'s exit code and output for argv that never reach the database."""
    try:
        code = cli.main(argv)
    except SystemExit as exc:  # help (0) and argparse's usage errors (2)
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("argv", PARSER_ONLY, ids=" ".join)
def test_one_commands_parser_says_what_the_whole_parser_says(
    argv: list[str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("ZWGK_DB", os.devnull + ".never-opened")
    built: list[str | None] = []
    real = cli.build_parser

    def recording(command: str | None = None) -> argparse.ArgumentParser:
        built.append(command)
        return real(command)

    monkeypatch.setattr(cli, "build_parser", recording)
    own = run_main(argv, capsys)
    monkeypatch.setattr(cli, "build_parser", lambda command=None: real(None))
    whole = run_main(argv, capsys)
    assert own == whole
    assert own[0] in (0, 2) and (own[1] or own[2])
    assert "Traceback" not in own[2]
    if argv[:1] == ["mark"]:
        assert built == ["mark"]  # the fast path really was taken
    if argv[:1] in (["-h"], ["--help"]):
        assert built == [None]  # `zwgk -h` lists every command
        for command in cli.COMMAND_OWNERS:
            assert command in own[1]


def test_mark_help_is_the_full_parsers_byte_for_byte(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The three outputs the issue names, compared with the whole parser's own output."""
    monkeypatch.setenv("COLUMNS", "80")
    for argv in (["mark", "-h"], ["mark"], ["-h"]):
        own = run_main(argv, capsys)
        with cli.chinese_argparse():
            whole = cli.build_parser(None)
            try:
                whole.parse_args(argv)
            except SystemExit as exc:
                code = int(exc.code or 0)
        assert own == (code, *capsys.readouterr())
    assert "用法：zwgk mark [-h] [--plan CODE]" in run_main(["mark", "-h"], capsys)[1]


# Modules a change has no use for: reading many tasks, searching, the read snapshot, the
# task-line code, importing and exporting, the app, and the third-party libraries behind them.
NOT_FOR_A_CHANGE = [
    "zwgk.store.lazytasks",
    "zwgk.store.readcache",
    "zwgk.store.readviews",
    "zwgk.store.snaprows",
    "zwgk.store.present",
    "zwgk.store.filters",
    "zwgk.store.unitnames",
    "zwgk.store.search",
    "zwgk.store.stats",
    "zwgk.store.importing",
    "zwgk.store.export",
    "zwgk.store.pinyin",
    "zwgk.store.seed",
    "zwgk.tui.app",
    "zwgk.tui.cli.render",
    "zwgk.tui.cli.cmd_report",
    "zwgk.tui.cli.cmd_import",
    "zwgk.tui.cli.cmd_admin",
    "textual",
    "rich",
    "tinydb",
    "openpyxl",
    "docx",
    "pypinyin",
    "rapidfuzz",
    "dateutil",
    "platformdirs",
    "filelock",
    "shutil",
    "tempfile",
    "subprocess",
    "dataclasses",  # with `inspect`, ~18 ms: store declares its classes with store/record.py
    "inspect",
    "typing",  # ~4 ms: modules on this path name typing's types under TYPE_CHECKING only
]


def modules_after(argv: list[str], env: dict[str, str]) -> tuple[int, str, set[str]]:
    """Run main(argv) in a fresh interpreter: its exit code, output, and the modules loaded."""
    code = (
        "import json, sys, io, contextlib\n"
        "from zwgk.tui.cli.main import main\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        f"    rc = main({argv!r})\n"
        "print(json.dumps([rc, out.getvalue(), sorted(sys.modules)]))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    rc, out, modules = json.loads(proc.stdout)
    return rc, out, set(modules)


@pytest.mark.parametrize(
    "argv",
    [["mark", "3", "进行中"], ["mark", "#4", "done", "--note", "已上报"], ["note", "5", "初稿"]],
    ids=" ".join,
)
def test_a_change_loads_nothing_it_does_not_use(store: Store, argv: list[str]) -> None:
    store.ensure_seeded()  # as people meet it: the database exists
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZWGK_")}
    env.update(ZWGK_DB=str(store.path), ZWGK_USER="tester", ZWGK_TODAY="2020-12-15")
    rc, out, modules = modules_after(argv, env)
    assert rc == 0 and out.startswith("已保存：")
    loaded = sorted(
        m for m in modules for name in NOT_FOR_A_CHANGE if m == name or m.startswith(name + ".")
    )
    assert loaded == [], f"`zwgk {' '.join(argv)}` imported {loaded}"
    assert {"zwgk.store.transaction", "zwgk.store.lock"} <= modules  # it did change the file


@pytest.mark.parametrize(
    "argv",
    [["search", "zcjd"], ["search", "公开", "机制"], ["list", "--unit", "区编办"], ["show", "3"]],
    ids=" ".join,
)
def test_a_read_command_loads_no_dataclass_or_typing_machinery(
    store: Store, argv: list[str]
) -> None:
    """`dataclasses` brings `inspect`, `ast`, `dis` and `tokenize` (~18 ms), `typing` ~4 ms:
    much of a read command whose peers (`task`, `fzf`) finish in 20-80 ms."""
    store.ensure_seeded()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZWGK_")}
    env.update(ZWGK_DB=str(store.path), ZWGK_USER="tester", ZWGK_TODAY="2020-12-15")
    rc, out, modules = modules_after(argv, env)
    assert rc == 0 and out.strip()
    assert "zwgk.store.model" in modules
    assert not {"dataclasses", "inspect", "typing", "typing_extensions"} & modules


def test_the_guard_sees_what_a_read_command_loads(store: Store, tmp_path: Path) -> None:
    """The same look at sys.modules finds the read path's modules when they are loaded."""
    store.ensure_seeded()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZWGK_")}
    env.update(ZWGK_DB=str(store.path), ZWGK_USER="tester", ZWGK_TODAY="2020-12-15")
    rc, out, modules = modules_after(["list", "--status", "进行中"], env)
    assert rc == 0 and "共" in out
    assert {"zwgk.tui.cli.render", "zwgk.store.present", "zwgk.store.filters"} <= modules

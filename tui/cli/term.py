"""Plain terminal output for the command line: ANSI colours, lines, JSON.

Apart from render.py (task lines and cards, which need store/present.py and what it imports)
so that a change (`zwgk mark 7 done`) says what it did without loading any of that.
render.py re-exports all of this: the command modules use `render.out` and the like.
"""

from __future__ import annotations

import json
import os
import sys

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from typing import Any

RED, YELLOW, BLUE, GREEN, BOLD, DIM, RESET = (
    "\x1b[31m",
    "\x1b[33m",
    "\x1b[34m",
    "\x1b[32m",
    "\x1b[1m",
    "\x1b[2m",
    "\x1b[0m",
)


def use_colour(stream: Any = None) -> bool:
    stream = stream or sys.stdout
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def paint(text: str, colour: str, on: bool) -> str:
    return f"{colour}{text}{RESET}" if on and colour else text


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def out(line: str = "") -> None:
    sys.stdout.write(line + "\n")

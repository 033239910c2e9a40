"""Terminal output for the command line: double-width aware columns, the three lights, JSON.

No Textual or Rich here: `zwgk list` must start fast, and East Asian width is all we need.
What to show comes from store/present.py (shared with the app); this module only turns it
into plain text or ANSI colours.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import date
from typing import Any

from zwgk.store.model import LIGHT_BLUE, LIGHT_RED, LIGHT_YELLOW, Task
from zwgk.store.present import CardLine, due_label, glyph
from zwgk.store.textwidth import char_width, fit, rjust, text_width

RED, YELLOW, BLUE, GREEN, BOLD, DIM, RESET = (
    "\x1b[31m",
    "\x1b[33m",
    "\x1b[34m",
    "\x1b[32m",
    "\x1b[1m",
    "\x1b[2m",
    "\x1b[0m",
)

LIGHT_COLOURS = {LIGHT_RED: RED, LIGHT_YELLOW: YELLOW, LIGHT_BLUE: BLUE}
width = text_width  # the name the command modules use

__all__ = ["char_width", "fit", "rjust", "width"]


def use_colour(stream: Any = None) -> bool:
    stream = stream or sys.stdout
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


def paint(text: str, colour: str, on: bool) -> str:
    return f"{colour}{text}{RESET}" if on and colour else text


def light(task: Task, today: date) -> str:
    """The ANSI colour of a task's light, or "" when it shows none."""
    return LIGHT_COLOURS.get(task.light(today) or "", "")


def task_head(task: Task, label: str | None = None) -> str:
    """`   7 [x] `: the task's number (or key, `宣城2020-7`, with several plans) and glyph
    that start a list or search line."""
    return f"{label or task.id:>4} {glyph(task, signoff=False)} "


def task_line(
    task: Task, today: date, total: int = 80, colour: bool = False, label: str | None = None
) -> str:
    """One task in 80 columns: number or key, glyph, due, text, lead units."""
    due = fit(due_label(task, today), 15)
    lead = "、".join(task.lead_units)
    lead_cells = min(16, max(8, width(lead)))
    head = task_head(task, label)
    text_cells = total - width(head) - 1 - 15 - 1 - lead_cells
    line = (
        f"{head}{paint(due, light(task, today), colour)} "
        f"{fit(task.text, text_cells)} {fit(lead, lead_cells)}"
    )
    return line.rstrip()


def card(lines: list[CardLine]) -> list[str]:
    """A card (store/present.py) as plain lines: the command line prints cards uncoloured."""
    return [line.plain for line in lines]


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def out(line: str = "") -> None:
    sys.stdout.write(line + "\n")

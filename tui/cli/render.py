"""Terminal output for the command line: double-width aware columns, the three lights, JSON.

No Textual or Rich here: `zwgk list` must start fast, and East Asian width is all we need.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import date
from typing import Any

from zwgk.store.model import BLOCKED, DOING, DONE, LIGHT_BLUE, LIGHT_RED, LIGHT_YELLOW, TODO, Task
from zwgk.store.textwidth import char_width, fit, rjust, text_width

# ASCII glyphs: they survive LANG=C, monochrome terminals and "ambiguous = wide" settings.
GLYPHS = {TODO: "[ ]", DOING: "[~]", BLOCKED: "[!]", DONE: "[x]"}
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


def due_label(task: Task, today: date) -> str:
    if task.due is None:
        kinds = {"ongoing": "长期", "recurring": "定期", "unknown": "未识别", "none": "-"}
        return kinds.get(task.deadline_kind, "-")
    label = task.due.isoformat()
    if task.overdue(today):
        label += " 逾期"
    return label


def task_line(task: Task, today: date, total: int = 80, colour: bool = False) -> str:
    """One task in 80 columns: id, glyph, due, text, lead units."""
    due = fit(due_label(task, today), 15)
    lead = "、".join(task.lead_units)
    lead_cells = min(16, max(8, width(lead)))
    text_cells = total - 5 - 1 - 4 - 15 - 1 - lead_cells - 1
    line = (
        f"{task.id:>4} {GLYPHS.get(task.status, '[?]')} "
        f"{paint(due, light(task, today), colour)} {fit(task.text, text_cells)} "
        f"{fit(lead, lead_cells)}"
    )
    return line.rstrip()


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def out(line: str = "") -> None:
    sys.stdout.write(line + "\n")

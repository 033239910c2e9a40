"""Terminal output for the command line: double-width aware columns, the three lights, JSON.

No Textual or Rich here: `zwgk list` must start fast, and East Asian width is all we need.
What to show comes from store/present.py (shared with the app); this module only turns it
into plain text or ANSI colours. The colours, lines and JSON themselves are term.py's
(re-exported here), which a change prints through without loading present.
"""

from __future__ import annotations

from datetime import date

from zwgk.store.model import LIGHT_BLUE, LIGHT_RED, LIGHT_YELLOW, Task
from zwgk.store.present import CardLine, due_label, glyph
from zwgk.store.textwidth import char_width, fit, rjust, text_width

from .term import BLUE, BOLD, DIM, GREEN, RED, RESET, YELLOW, out, paint, print_json, use_colour

LIGHT_COLOURS = {LIGHT_RED: RED, LIGHT_YELLOW: YELLOW, LIGHT_BLUE: BLUE}
width = text_width  # the name the command modules use

__all__ = [  # what the command modules use from here besides the task lines
    "BLUE", "BOLD", "DIM", "GREEN", "RED", "RESET", "YELLOW",
    "char_width", "fit", "out", "paint", "print_json", "rjust", "use_colour", "width",
]  # fmt: skip


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

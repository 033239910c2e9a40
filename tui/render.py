"""Rich `Text` for what the app shows of tasks and units: list rows, task cards, unit cards.

One function per thing rendered; what to show (glyphs, labels, due phrases, the card's lines)
comes from store/present.py, shared with the command line, so both look alike. Only Rich here
(no Textual widgets), so the transcript, the detail pane and the list share one look.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from rich.text import Text

from zwgk.store.describe import Label
from zwgk.store.model import DONE, LIGHT_YELLOW, Event, Task
from zwgk.store.present import (
    LIGHT_MARKS,
    LIGHT_STYLES,
    ROLE_LABELS,
    STATUS_STYLES,
    CardLine,
    due_label,
    glyph,
    history_lines,
    parts_line,
    progress_bar,
)
from zwgk.store.present import task_card as card_lines
from zwgk.store.snapshot import Snapshot
from zwgk.store.textutil import one_line
from zwgk.store.textwidth import fit, text_width

MATCH_STYLE = "bold underline"


def status_text(task: Task) -> Text:
    return Text(f"{glyph(task)} {task.status}", style=STATUS_STYLES.get(task.status, ""))


def task_row(
    task: Task,
    today: date,
    spans: Iterable[tuple[int, int]] = (),
    text_cells: int | None = None,
    *,
    label: str | None = None,
    label_cells: int = 4,
) -> Text:
    """One list row: the task's label (`Snapshot.label`: its number, or its key while several
    plans are shown; by default the record id) right-aligned in `label_cells`, glyph, due
    (lit), text with matched characters marked, lead units."""
    row = Text(no_wrap=True, overflow="crop", end="")
    name = str(task.id) if label is None else label
    row.append(" " * max(0, label_cells - text_width(name)) + name + " ", style="dim")
    row.append(glyph(task), style=STATUS_STYLES.get(task.status, ""))
    row.append(" ")
    lit, due = task.light(today) or "", due_label(task)
    # Beside the colour, a mark for monochrome terminals: ! overdue, * due within 7 days.
    row.append(due + LIGHT_MARKS.get(lit, ""), style=LIGHT_STYLES.get(lit, ""))
    row.append(" " * max(1, 12 - text_width(due + LIGHT_MARKS.get(lit, ""))))
    text = one_line(task.text)
    start = len(row.plain)
    if text_cells is not None:
        text = fit(text, text_cells, pad=False)
        spans = ()
    row.append(text)
    if len(text) == len(task.text):
        for a, b in spans:
            a, b = max(0, int(a)), min(len(text), int(b))
            if a < b:
                row.stylize(MATCH_STYLE, start + a, start + b)
    lead = "、".join(task.lead_units)
    if lead and text_cells is None:
        row.append("  " + one_line(lead), style="dim")
    return row


def label_cells(labels: Iterable[str]) -> int:
    """Columns for a list's labels: 4 for numbers, the longest key's width for keys."""
    return max([4, *(text_width(name) for name in labels)])


def card_text(lines: list[CardLine]) -> Text:
    """Card lines (store/present.py) as Rich text: labels bold, pieces in their styles."""
    out = Text()
    for i, line in enumerate(lines):
        if i:
            out.append("\n")
        if line.label:
            out.append(line.label, style="bold")
        for piece in line.pieces:
            out.append(piece.text, style=piece.style)
    out.rstrip()
    return out


def task_card(
    task: Task,
    today: date,
    history: list[Event] | None = None,
    snap: Snapshot | None = None,
    *,
    label: str | None = None,
    label_of: Label | None = None,
) -> Text:
    """Everything about one task: text, units by role, deadline verbatim and as a date, each
    unit's part (given a snapshot with a unit directory), history. `label` names the task in
    the head (default: `snap.label`), `label_of` the tasks of the history's events."""
    if label is None and snap is not None:
        label = snap.label(task)
    lines = card_lines(task, today, label=label)
    if snap is not None and snap.directory:
        lines.append(parts_line(snap.parts(task)))
    if history is not None:
        lines += history_lines(history, label_of or (snap.label_of if snap is not None else None))
    return card_text(lines)


CARD_ROWS = 50  # tasks a unit card lists per role; the task list beside it shows them all


def unit_card(name: str, aliases: list[str], snap: Snapshot, today: date, width: int = 78) -> Text:
    """A unit: its tasks by role (and the collective words that reach it), done and overdue
    counts by its own part of each task, a progress bar."""
    out = Text()
    out.append(one_line(name), style="bold")
    if aliases:
        out.append(f"（又称：{'、'.join(one_line(a) for a in aliases)}）", style="dim")
    out.append("\n")
    roles: dict[int, tuple[str, str | None]] = {}  # task id -> (role, via), first role wins
    mine: list[Task] = []
    for t in snap.naming(name):
        for unit, role, via in snap.reach(t) if snap.directory else _raw_reach(t):
            if unit == name and t.id not in roles:
                roles[t.id] = (role, via)
                mine.append(t)
    own = {t.id: _own_status(snap, t, name) for t in mine}
    done = sum(s == DONE for s in own.values())
    overdue = sum(t.due is not None and t.due < today and own[t.id] != DONE for t in mine)
    soon = sum(t.light(today) == LIGHT_YELLOW and own[t.id] != DONE for t in mine)
    out.append(f"共 {len(mine)} 项  已完成 {done}  ")
    out.append(f"逾期 {overdue}", style="bold red" if overdue else "")
    out.append("  ")
    out.append(f"7天内到期 {soon}", style="yellow" if soon else "")
    out.append("\n完成进度 " + progress_bar(done, len(mine)) + "\n")
    for role, label in ROLE_LABELS:
        in_role = [t for t in mine if roles[t.id][0] == role]
        if not in_role:
            continue
        vias = "、".join(dict.fromkeys(v for t in in_role if (v := roles[t.id][1])))
        via = f"，经 {one_line(vias)}" if vias else ""
        out.append(f"{label}（{len(in_role)} 项{via}）：\n", style="bold")
        shown = in_role[:CARD_ROWS]
        labels = [snap.label(t) for t in shown]
        cells = label_cells(labels)
        for t, name in zip(shown, labels, strict=True):
            out.append("  ")
            row = task_row(
                t, today, text_cells=max(10, width - 19 - cells), label=name, label_cells=cells
            )
            out.append_text(row)
            out.append("\n")
        if len(in_role) > len(shown):
            out.append(f"  ……另有 {len(in_role) - len(shown)} 项，见任务列表\n", style="dim")
    out.rstrip()
    return out


def _raw_reach(task: Task) -> list[tuple[str, str, str | None]]:
    return [(u, role, None) for role, _ in ROLE_LABELS for u in task.units(role)]


def _own_status(snap: Snapshot, task: Task, unit: str) -> str:
    """The unit's own part's status where it has a part, else the task's."""
    if snap.directory:
        for part in snap.parts(task):
            if part.unit == unit:
                return part.status
    return task.status

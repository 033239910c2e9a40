"""How tasks are shown, once, for the command line and the app: glyphs, labels, due phrases,
and the task card as structured lines.

Plain Python (no Rich, no Textual: `zwgk list` must start fast). Styles are names ("bold",
"red", "dim"…): tui/cli/render.py turns them into plain text or ANSI, tui/render.py into Rich
`Text`. Glyphs are ASCII (`[ ]` `[~]` `[!]` `[x]`): they survive LANG=C, monochrome terminals
and "ambiguous width = wide" settings. Colours are the 16 ANSI ones so they read over ssh.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from .describe import Label, event_line
from .filters import add_days
from .model import (
    BLOCKED,
    DOING,
    DONE,
    KIND_NONE,
    KIND_ONGOING,
    KIND_RECURRING,
    KIND_UNKNOWN,
    LIGHT_BLUE,
    LIGHT_RED,
    LIGHT_YELLOW,
    TODO,
    Event,
    Task,
)
from .record import record
from .textutil import one_line, sanitize

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from .parts import Part

GLYPHS = {TODO: "[ ]", DOING: "[~]", BLOCKED: "[!]", DONE: "[x]"}
SIGNED_OFF_GLYPH = "[X]"  # done and confirmed (办结确认)
UNKNOWN_GLYPH = "[?]"
STATUS_STYLES = {TODO: "", DOING: "cyan", BLOCKED: "bold magenta", DONE: "green"}
# How the three lights (`Task.light`) look: a colour, and a mark for monochrome terminals.
LIGHT_STYLES = {LIGHT_RED: "bold red", LIGHT_YELLOW: "yellow", LIGHT_BLUE: "bright_blue"}
LIGHT_MARKS = {LIGHT_RED: "!", LIGHT_YELLOW: "*"}
KIND_LABELS = {KIND_ONGOING: "长期", KIND_RECURRING: "定期", KIND_UNKNOWN: "未识别", KIND_NONE: "-"}
ROLE_LABELS = (("lead", "主体责任单位"), ("support", "配合单位"), ("guide", "指导责任单位"))


def glyph(task: Task, *, signoff: bool = True) -> str:
    """`[x]` done; with `signoff`, `[X]` once the completion is confirmed (办结确认)."""
    if signoff and task.status == DONE and task.confirmed_by:
        return SIGNED_OFF_GLYPH
    return GLYPHS.get(task.status, UNKNOWN_GLYPH)


def light_style(task: Task, today: date) -> str:
    """The style of the task's light (`Task.light`), or "" when it shows none."""
    return LIGHT_STYLES.get(task.light(today) or "", "")


def due_label(task: Task, today: date | None = None) -> str:
    """`2020-12-31` or `长期`; given `today`, an overdue date says so: `2020-08-31 逾期`."""
    if task.due is None:
        return KIND_LABELS.get(task.deadline_kind, "-")
    label = task.due.isoformat()
    return label + " 逾期" if today is not None and task.overdue(today) else label


def due_phrase(task: Task, today: date) -> str:
    """`2020-12-31，还有 12 天` / `逾期 3 天` / `长期`."""
    if task.due is None:
        return KIND_LABELS.get(task.deadline_kind, "-")
    days = (task.due - today).days
    if task.status == DONE:
        return task.due.isoformat()
    if days < 0:
        return f"{task.due.isoformat()}，逾期 {-days} 天"
    if days == 0:
        return f"{task.due.isoformat()}，今天到期"
    return f"{task.due.isoformat()}，还有 {days} 天"


def due_counts(facts: Iterable[tuple[str, str | None]], today: date) -> tuple[int, int]:
    """How many tasks are overdue (red light) and due within 7 days (yellow light), from
    (status, ISO due date) per task (`lazytasks.task_facts`: no task need be built)."""
    overdue = soon = 0
    day, week = today.isoformat(), add_days(today, 7).isoformat()
    for status, due in facts:
        if due is None or status == DONE:
            continue
        if due < day:
            overdue += 1
        elif due <= week:
            soon += 1
    return overdue, soon


def progress_bar(done: int, total: int, cells: int = 20) -> str:
    """`[########------------]  40%` in ASCII: block characters are ambiguous width."""
    if total <= 0:
        return "[" + "-" * cells + "]   -"
    filled = round(cells * done / total)
    return f"[{'#' * filled}{'-' * (cells - filled)}] {round(100 * done / total):>3}%"


def short_time(ts: str | None) -> str:
    """`2020-12-15T09:30:12+08:00` -> `2020-12-15 09:30`."""
    return (ts or "")[:16].replace("T", " ")


# -- the task card ---------------------------------------------------------------------------
@record(frozen=True)
class Piece:
    """A run of text in one style, a part of a card line."""

    text: str
    style: str = ""


@record(frozen=True)
class CardLine:
    """One line of a card: a label (shown bold, may be "") and styled pieces of value."""

    label: str
    pieces: tuple[Piece, ...] = ()

    @property
    def plain(self) -> str:
        return self.label + "".join(p.text for p in self.pieces)


def _line(label: str, *pieces: str | Piece) -> CardLine:
    return CardLine(label, tuple(p if isinstance(p, Piece) else Piece(p) for p in pieces))


def task_card(
    task: Task, today: date, *, terse: bool = False, label: str | None = None
) -> list[CardLine]:
    """Everything about one task: text, units by role, deadline verbatim and as a date.
    `label` is how the head names the task (`Snapshot.label`: `7` or `宣城2020-7`); by
    default its record id.

    `terse` is the wording `zwgk show` has always printed (which scripts may read): ISO
    timestamps, the due date without a countdown, `（逾期）` in the head line, multi-line
    notes kept. Otherwise the app's: countdowns, short times, sign-off state.
    """
    text = sanitize if terse else one_line
    lines = [_head(task, today, terse=terse, label=label)]
    if terse:
        lines.append(_line("工作任务：", f"{task.group or ''} {text(task.group_title)}"))
    else:
        group = f"{task.group} " if task.group is not None else ""
        lines.append(_line("工作任务：", group + text(task.group_title)))
    lines.append(_line("具体事项：", text(task.text)))
    for n, item in enumerate(task.subitems, start=1):  # the cell's own numbered sub-items
        lines.append(_line(f"  {n}. ", text(item)))
    for role, label in ROLE_LABELS:
        names = task.units(role)
        if names or role != "support":
            lines.append(_line(f"{label}：", text("、".join(names)) or "-"))
    lit = light_style(task, today)
    due = due_label(task) if terse else due_phrase(task, today)
    deadline = text(task.deadline_text) or "-"
    lines.append(_line("完成时间：", f"{deadline}（", Piece(due, "" if terse else lit), "）"))
    if task.note:
        lines.append(_line("最新进展：", text(task.note)))
    if task.updated_at:
        when = task.updated_at if terse else short_time(task.updated_at)
        lines.append(_line("更新：", f"{text(when)} {text(task.updated_by)}"))
    if task.confirmed_by:
        when = (task.confirmed_at or "") if terse else short_time(task.confirmed_at)
        lines.append(_line("办结确认：", f"{text(task.confirmed_by)} {text(when)}"))
    return lines


def parts_line(parts: list[Part]) -> CardLine:
    """`各单位进展 3/7：甘棠街道 已完成 11-02 · 湓浦街道 进行中 · …` (recorded parts first)."""
    leads = [p for p in parts if p.role == "lead"] or parts
    done = sum(p.status == DONE for p in leads)
    pieces: list[str | Piece] = []
    for p in sorted(parts, key=lambda p: (p.updated_at is None, p.role != "lead")):
        if pieces:
            pieces.append(Piece(" · ", "dim"))
        when = f" {p.updated_at[5:10]}" if p.updated_at else ""
        pieces.append(
            Piece(f"{one_line(p.unit)} {p.status}{when}", STATUS_STYLES.get(p.status, ""))
        )
    return _line(f"各单位进展 {done}/{len(leads)}：", *pieces)


def _head(task: Task, today: date, *, terse: bool, label: str | None = None) -> CardLine:
    """`#7 [ ] 未开始（逾期）` (terse) or `#7 [x] 已完成  已办结确认` with styles; a key
    (`宣城2020-7`) is shown without the `#`."""
    name = f"#{task.id}" if label is None else (f"#{label}" if label.isdigit() else label)
    if terse:
        overdue = "（逾期）" if task.overdue(today) else ""
        return _line("", f"{name} {glyph(task, signoff=False)} {task.status}{overdue}")
    pieces = [
        Piece(f"{name} ", "bold"),
        Piece(f"{glyph(task)} {task.status}", STATUS_STYLES.get(task.status, "")),
    ]
    lit = light_style(task, today)
    if task.overdue(today):
        pieces.append(Piece("  逾期", lit))
    elif lit:
        pieces.append(Piece("  临近期限", lit))
    if task.confirmed_by:
        pieces.append(Piece("  已办结确认", "green"))
    elif task.status == DONE:
        pieces.append(Piece("  待确认", "dim"))
    return CardLine("", tuple(pieces))


def history_lines(history: list[Event], label: Label | None = None) -> list[CardLine]:
    """`历史：` then one indented line per event (undos dimmed), or `历史：（无修改）`."""
    if not history:
        return [_line("历史：", "（无修改）")]
    return [
        CardLine("历史："),
        *(
            _line("", Piece("  " + event_line(e, label), "dim" if e.action == "undo" else ""))
            for e in history
        ),
    ]

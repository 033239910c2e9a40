"""Rich `Text` for tasks and units: list rows, task cards, unit cards, the three lights.

Only Rich here (no Textual widgets), so the transcript, the detail pane and the list share one
look. Glyphs are ASCII (`[ ]` `[~]` `[!]` `[x]`): they survive LANG=C, monochrome terminals and
"ambiguous width = wide" settings. Colours are the 16 ANSI ones so they read over plain ssh.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from rich.cells import cell_len
from rich.text import Text

from zwgk.store.describe import clean, describe_event, event_line
from zwgk.store.model import (
    BLOCKED,
    DOING,
    DONE,
    LIGHT_BLUE,
    LIGHT_RED,
    LIGHT_YELLOW,
    TODO,
    Event,
    Task,
)

GLYPHS = {TODO: "[ ]", DOING: "[~]", BLOCKED: "[!]", DONE: "[x]"}
STATUS_STYLES = {TODO: "", DOING: "cyan", BLOCKED: "bold magenta", DONE: "green"}
# How the three lights (`Task.light`) look: a colour, and a mark for monochrome terminals.
LIGHT_STYLES = {LIGHT_RED: "bold red", LIGHT_YELLOW: "yellow", LIGHT_BLUE: "bright_blue"}
LIGHT_MARKS = {LIGHT_RED: "!", LIGHT_YELLOW: "*"}
MATCH_STYLE = "bold underline"
KIND_LABELS = {"ongoing": "长期", "recurring": "定期", "unknown": "未识别", "none": "-"}
ROLE_NAMES = (("lead", "主体责任单位"), ("support", "配合单位"), ("guide", "指导责任单位"))


def light_style(task: Task, today: date) -> str:
    """The Rich style of the task's light (`Task.light`), or "" when it shows none."""
    return LIGHT_STYLES.get(task.light(today) or "", "")


def due_counts(tasks: Iterable[Task], today: date) -> tuple[int, int]:
    """How many tasks are overdue (red light) and due within 7 days (yellow light)."""
    overdue = soon = 0
    for t in tasks:
        lit = t.light(today)
        overdue += lit == LIGHT_RED
        soon += lit == LIGHT_YELLOW
    return overdue, soon


def due_label(task: Task) -> str:
    return task.due.isoformat() if task.due else KIND_LABELS.get(task.deadline_kind, "-")


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


def pad(text: str, cells: int) -> str:
    return text + " " * max(0, cells - cell_len(text))


def fit(text: str, cells: int) -> str:
    """Cut to at most `cells` columns, marking a cut with `..` (`…` is ambiguous width)."""
    if cell_len(text) <= cells:
        return text
    out, used = [], 0
    for ch in text:
        w = cell_len(ch)
        if used + w > cells - 2:
            break
        out.append(ch)
        used += w
    return "".join(out) + ".."


def glyph(task: Task) -> str:
    """`[x]` done, `[X]` done and signed off (办结确认)."""
    if task.status == DONE and task.confirmed_by:
        return "[X]"
    return GLYPHS.get(task.status, "[?]")


def status_text(task: Task) -> Text:
    return Text(f"{glyph(task)} {task.status}", style=STATUS_STYLES.get(task.status, ""))


def task_row(
    task: Task, today: date, spans: Iterable[tuple[int, int]] = (), text_cells: int | None = None
) -> Text:
    """One list row: id, glyph, due (lit), text with matched characters marked, lead units."""
    row = Text(no_wrap=True, overflow="crop", end="")
    row.append(f"{task.id:>4} ", style="dim")
    row.append(glyph(task), style=STATUS_STYLES.get(task.status, ""))
    row.append(" ")
    lit, due = task.light(today) or "", due_label(task)
    # Beside the colour, a mark for monochrome terminals: ! overdue, * due within 7 days.
    row.append(due + LIGHT_MARKS.get(lit, ""), style=LIGHT_STYLES.get(lit, ""))
    row.append(" " * max(1, 12 - cell_len(due + LIGHT_MARKS.get(lit, ""))))
    text = clean(task.text)
    start = len(row.plain)
    if text_cells is not None:
        text = fit(text, text_cells)
        spans = ()
    row.append(text)
    if len(text) == len(task.text):
        for a, b in spans:
            a, b = max(0, int(a)), min(len(text), int(b))
            if a < b:
                row.stylize(MATCH_STYLE, start + a, start + b)
    lead = "、".join(task.lead_units)
    if lead and text_cells is None:
        row.append("  " + clean(lead), style="dim")
    return row


event_text = describe_event  # the name the screens use


def task_card(task: Task, today: date, history: list[Event] | None = None) -> Text:
    """Everything about one task: text, units by role, deadline verbatim and as a date, history."""
    out = Text()
    out.append(f"#{task.id} ", style="bold")
    out.append_text(status_text(task))
    lit = light_style(task, today)
    if task.overdue(today):
        out.append("  逾期", style=lit)
    elif lit:
        out.append("  临近期限", style=lit)
    if task.confirmed_by:
        out.append("  已办结确认", style="green")
    elif task.status == DONE:
        out.append("  待确认", style="dim")
    out.append("\n")
    group = f"{task.group} " if task.group is not None else ""
    out.append("工作任务：", style="bold")
    out.append(f"{group}{clean(task.group_title)}\n")
    out.append("具体事项：", style="bold")
    out.append(clean(task.text) + "\n")
    for role, label in ROLE_NAMES:
        names = task.units(role)
        if names or role != "support":
            out.append(f"{label}：", style="bold")
            out.append(("、".join(clean(n) for n in names) or "-") + "\n")
    out.append("完成时间：", style="bold")
    out.append(clean(task.deadline_text) or "-")
    out.append("（")
    out.append(due_phrase(task, today), style=lit)
    out.append("）\n")
    if task.note:
        out.append("最新进展：", style="bold")
        out.append(clean(task.note) + "\n")
    if task.updated_at:
        out.append("更新：", style="bold")
        out.append(f"{task.updated_at.replace('T', ' ')[:16]} {clean(task.updated_by)}\n")
    if task.confirmed_by:
        out.append("办结确认：", style="bold")
        out.append(
            f"{clean(task.confirmed_by)} {(task.confirmed_at or '')[:16].replace('T', ' ')}\n"
        )
    if history is not None:
        out.append("历史：", style="bold")
        if not history:
            out.append("（无修改）")
        for e in history:
            out.append("\n  " + event_line(e), style="dim" if e.action == "undo" else "")
    out.rstrip()
    return out


def progress_bar(done: int, total: int, cells: int = 20) -> str:
    """`[########------------]  40%` in ASCII: block characters are ambiguous width."""
    if total <= 0:
        return "[" + "-" * cells + "]   -"
    filled = round(cells * done / total)
    return f"[{'#' * filled}{'-' * (cells - filled)}] {round(100 * done / total):>3}%"


def unit_card(
    name: str, aliases: list[str], tasks: list[Task], today: date, width: int = 78
) -> Text:
    """A unit: its tasks by role, done and overdue counts, a progress bar."""
    out = Text()
    out.append(clean(name), style="bold")
    if aliases:
        out.append(f"（又称：{'、'.join(clean(a) for a in aliases)}）", style="dim")
    out.append("\n")
    mine = [t for t in tasks if name in t.units()]
    done = sum(t.status == DONE for t in mine)
    overdue, soon = due_counts(mine, today)
    out.append(f"共 {len(mine)} 项  已完成 {done}  ")
    out.append(f"逾期 {overdue}", style="bold red" if overdue else "")
    out.append("  ")
    out.append(f"7天内到期 {soon}", style="yellow" if soon else "")
    out.append("\n完成进度 " + progress_bar(done, len(mine)) + "\n")
    for role, label in ROLE_NAMES:
        in_role = [t for t in mine if name in t.units(role)]
        if not in_role:
            continue
        out.append(f"{label}（{len(in_role)} 项）：\n", style="bold")
        for t in in_role:
            out.append("  ")
            out.append_text(task_row(t, today, text_cells=max(10, width - 23)))
            out.append("\n")
    out.rstrip()
    return out

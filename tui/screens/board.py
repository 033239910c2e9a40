"""看板: a unit scoreboard and a deadline timeline, for the supervision office at a glance.

`BoardScreen(snapshot, today)` is pushed by the main app (`/stats`, `看板`, or its key) and closed
with Esc or q; `r` switches the scoreboard between lead, guide and all roles.

Bars are drawn with coloured *spaces* and the labels with ASCII and Chinese only: block and
box-drawing characters are "ambiguous width" in East Asian terminals and would break the
columns on a Chinese console. Every row also prints its numbers, so it reads without colour.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import date
from pathlib import Path

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from zwgk.store.db import Snapshot
from zwgk.store.model import Task
from zwgk.store.stats import Counts, Stats, Tally, UnitStats, month_key, month_range
from zwgk.store.textwidth import fit, pad
from zwgk.tui.live import LiveData
from zwgk.tui.messages import SnapshotChanged

ROLE_CYCLE = ("lead", "guide", "any")
ROLE_LABELS = {"lead": "牵头", "guide": "指导", "support": "配合", "any": "全部角色"}

DONE_BG = Style(bgcolor="green")
OVERDUE_BG = Style(bgcolor="red")
OPEN_BG = Style(bgcolor="blue")
TRACK_BG = Style(bgcolor="grey23")
DIM = Style(dim=True)
NOW = Style(bold=True, reverse=True)


def _fit(text: str, cells: int) -> str:
    """Cut to `cells` columns (marked `..`, never the ambiguous-width `…`) and pad to it."""
    return pad(fit(text, cells), cells)


# -- the scoreboard --------------------------------------------------------------------------
NAME_CELLS = 12
TAIL_CELLS = 38  # " 12/26  46% 进行3  受阻1  逾期 12"


def _counts(unit: UnitStats, role: str) -> Counts:
    return unit.any if role == "any" else unit.roles[role]


def scoreboard_text(stats: Stats, role: str, width: int, cursor: int | None = None) -> Text:
    """One row per unit: name, a progress bar (done / overdue / open), done/total, rate, how
    many are in progress or blocked, 逾期. The row at `cursor` is shown reversed (Enter opens
    that unit's tasks)."""
    out = Text(no_wrap=True, overflow="crop")
    units = stats.ranked(role)
    if not units:
        out.append(f"（没有担任{ROLE_LABELS[role]}的单位）", style=DIM)
        return out
    bar_cells = max(8, width - NAME_CELLS - TAIL_CELLS - 2)
    for i, unit in enumerate(units):
        c = _counts(unit, role)
        if i:
            out.append("\n")
        mark = ">" if i == cursor else " "  # visible without colour too
        out.append(mark + _fit(unit.name, NAME_CELLS - 1) + " ", style=NOW if i == cursor else "")
        done = round(c.done * bar_cells / c.total) if c.total else 0
        late = round((c.done + c.overdue) * bar_cells / c.total) - done if c.total else 0
        if c.overdue and not late:
            late = 1  # an overdue task never disappears in the rounding
            done = min(done, bar_cells - 1)
        out.append(" " * done, style=DONE_BG)
        out.append(" " * late, style=OVERDUE_BG)
        out.append(" " * (bar_cells - done - late), style=TRACK_BG)
        ratio = f"{c.done}/{c.total}"
        out.append(f" {ratio:>6} {round(c.rate * 100):>3}% ")
        out.append(f"进行{c.doing:<3}", style=Style(color="cyan") if c.doing else DIM)
        out.append(
            f"受阻{c.blocked:<3}", style=Style(color="magenta", bold=True) if c.blocked else DIM
        )
        out.append(
            _fit(f"逾期 {c.overdue}", 9),
            style=Style(color="red", bold=True) if c.overdue else DIM,
        )
    return out


# -- the timeline ----------------------------------------------------------------------------
AXIS_CELLS = 4
MIN_COL, MAX_COL = 3, 5


def month_counts(tasks: Iterable[Task], today: date) -> dict[str, Counts]:
    """Tasks per month of due date ("YYYY-MM"; undated tasks are left out)."""
    per: dict[str, Counts] = {}
    for t in tasks:
        if t.due:
            key = month_key(t.due)
            counts = per.get(key)
            if counts is None:
                counts = per[key] = Counts()
            counts.add(t, today)
    return per


def timeline_months(tasks: list[Task], today: date, width: int) -> tuple[list[str], int]:
    """Which months get a column, and how wide each column is."""
    return chart_months({month_key(t.due) for t in tasks if t.due}, today, width)


def chart_months(dated_months: Iterable[str], today: date, width: int) -> tuple[list[str], int]:
    """`timeline_months` from the months that have tasks."""
    this = month_key(today)
    dated = sorted({*dated_months, this})
    avail = max(MIN_COL, width - AXIS_CELLS)
    months = month_range(dated[0], dated[-1])
    if len(months) * MIN_COL > avail:  # too long a span: only months that have tasks
        months = dated
    if len(months) * MIN_COL > avail:  # still too many: a window that keeps this month
        keep = avail // MIN_COL
        start = max(0, min(months.index(this) - keep // 2, len(months) - keep))
        months = months[start : start + keep]
    col = max(MIN_COL, min(MAX_COL, avail // max(1, len(months))))
    return months, col


def timeline_text(tasks: list[Task], today: date, width: int, height: int = 6) -> Text:
    """Tasks per month of due date as upright bars: done, overdue and open stacked."""
    return timeline_chart(month_counts(tasks, today), today, width, height)


def timeline_chart(
    by_month: Mapping[str, Counts], today: date, width: int, height: int = 6
) -> Text:
    """`timeline_text` from the tasks counted per month of due date (`month_counts`, or the
    months of the board's `Stats`)."""
    months, col = chart_months(by_month, today, width)
    empty = Counts()
    per = {m: by_month.get(m, empty) for m in months}
    top = max((c.total for c in per.values()), default=0)
    rows = max(3, min(height, top or 1))
    scale = rows / top if top > rows else 1.0
    this = month_key(today)

    def heights(c: Counts) -> tuple[int, int, int]:
        """Cumulative heights of done, done+overdue, all: a non-empty part keeps a row."""
        parts = [c.done, c.overdue, c.total - c.done - c.overdue]
        total = max(sum(p > 0 for p in parts), round(c.total * scale))
        rows_of = [round(p * scale) if p else 0 for p in parts]
        rows_of = [max(1, r) if p else 0 for r, p in zip(rows_of, parts, strict=True)]
        while sum(rows_of) > total:  # take the excess from the largest part
            i = max(range(3), key=lambda k: rows_of[k])
            rows_of[i] -= 1
        while sum(rows_of) < total:
            i = max(range(3), key=lambda k: parts[k] * scale - rows_of[k])
            rows_of[i] += 1
        return rows_of[0], rows_of[0] + rows_of[1], sum(rows_of)

    bar = col - 1
    out = Text(no_wrap=True, overflow="crop")
    for level in range(rows + 1, 0, -1):  # the extra top row holds the tallest bar's count
        label = str(top) if level == rows and top else ("0" if level == 1 and not top else "")
        out.append(f"{label:>{AXIS_CELLS - 1}} ", style=DIM)
        for m in months:
            c = per[m]
            h_done, h_late, h_all = heights(c)
            if level <= h_done:
                out.append(" " * bar, style=DONE_BG)
            elif level <= h_late:
                out.append(" " * bar, style=OVERDUE_BG)
            elif level <= h_all:
                out.append(" " * bar, style=OPEN_BG)
            elif level == h_all + 1 and c.total:
                out.append(f"{c.total:^{bar}}"[:bar], style=Style(bold=True))
            else:
                out.append(" " * bar)
            out.append(" ")
        out.append("\n")
    # Month numbers, the years where they change, and the marker under this month.
    out.append(" " * AXIS_CELLS)
    for m in months:
        text = f"{int(m[5:]):>{bar}}"[:bar] + " "
        out.append(text, style=NOW if m == this else "")
    out.append("\n" + " " * AXIS_CELLS)
    cells = [" "] * (len(months) * col)
    shown = ""
    for i, m in enumerate(months):
        # The year where it changes; "22" when a full "2022" would run off the right edge.
        label = m[:4] if i * col + 4 <= len(cells) else m[2:4]
        spot = cells[i * col : i * col + len(label)]
        if m[:4] != shown and len(spot) == len(label) and all(c == " " for c in spot):
            cells[i * col : i * col + len(label)] = list(label)
        shown = m[:4]
    year_row = "".join(cells)
    out.append(year_row.rstrip(), style=DIM)
    out.append("\n" + " " * AXIS_CELLS)
    i = months.index(this) if this in months else -1
    if i >= 0:
        out.append(" " * (i * col + bar - 1) + "^", style=Style(bold=True))
        out.append(f" 本月（{int(this[5:])}月）", style=Style(bold=True))
    return out


def legend_text() -> Text:
    out = Text(no_wrap=True, overflow="crop")
    for style, label in ((DONE_BG, "已完成"), (OVERDUE_BG, "逾期"), (OPEN_BG, "未到期")):
        out.append("  ", style=style)
        out.append(f" {label}  ")
    out.append("数字为当月到期任务数", style=DIM)
    return out


# -- the screen ------------------------------------------------------------------------------
def board_tally(snapshot: Snapshot, today: date) -> Tally:
    """What the board shows, counted over every task: units and months (no groups, which
    it does not show: 70,000 of them at 100,000 tasks)."""
    tally = Tally(today, snapshot, by_group=False, by_month=True)
    tasks = snapshot.tasks
    for tid in tasks:
        tally.add(tasks[tid])
    return tally


def dated_months(stats: Stats) -> dict[str, Counts]:
    """The timeline's counts: each month of due date that has tasks."""
    return {m.month: m.counts for m in stats.months if m.month is not None}


def redraw_lines(widget: Static, text: Text) -> None:
    """Show `text` in a `height: auto` Static; the screen is laid out again only when its
    number of lines changes (a colleague's change moves a count, not a row), else the
    widget alone is repainted."""
    lines = text.plain.count("\n") + 1
    widget.update(text, layout=lines != getattr(widget, "_lines", None))
    widget._lines = lines  # type: ignore[attr-defined]


class Scoreboard(Static):
    """The unit scoreboard; redrawn to its own width, with a cursor on one unit."""

    def __init__(self, stats: Stats, role: str = "lead", **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.stats = stats
        self.role = role
        self.cursor = 0

    @property
    def units(self) -> list[str]:
        return [u.name for u in self.stats.ranked(self.role)]

    def move(self, step: int) -> None:
        self.cursor = max(0, min(len(self.units) - 1, self.cursor + step))
        self.redraw()

    def on_mount(self) -> None:
        self.redraw()

    def on_resize(self) -> None:
        self.redraw()

    def redraw(self) -> None:
        self.cursor = max(0, min(len(self.units) - 1, self.cursor))
        width = self.content_size.width or 78
        redraw_lines(self, scoreboard_text(self.stats, self.role, width, self.cursor))


class Timeline(Static):
    """The deadline timeline; redrawn to its own width."""

    def __init__(self, by_month: Mapping[str, Counts], today: date, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.by_month = by_month
        self.today = today
        self.chart_rows = 6

    def on_mount(self) -> None:
        self.redraw()

    def on_resize(self) -> None:
        self.redraw()

    def redraw(self) -> None:
        width = self.content_size.width or 78
        redraw_lines(self, timeline_chart(self.by_month, self.today, width, self.chart_rows))


class BoardScreen(Screen[str | None]):
    """Unit scoreboard and deadline timeline for one snapshot; dismissed with the unit whose
    tasks the person asked to see (Enter on its row), or None."""

    CSS_PATH = Path(__file__).with_name("board.tcss")
    BINDINGS = [
        Binding("escape", "close", "关闭"),
        Binding("q", "close", "关闭", show=False),
        Binding("r", "next_role", "切换角色"),
        # priority: the scrolling body would otherwise take ↑↓ for itself
        Binding("down,j", "move(1)", "下一个单位", show=False, priority=True),
        Binding("up,k", "move(-1)", "上一个单位", show=False, priority=True),
        Binding("enter", "open_unit", "查看单位任务", priority=True),
    ]

    def __init__(
        self, snapshot: Snapshot, today: date, *, role: str = "lead", live: LiveData | None = None
    ) -> None:
        super().__init__()
        self.live = live  # when given, the board follows the database (live reload)
        self.snapshot = snapshot
        self.today = today
        self.role = role
        self.tally = board_tally(snapshot, today)
        self.stats = self.tally.stats(snapshot.title)

    def compose(self) -> ComposeResult:
        yield Static(self._title(), id="board-title")
        with VerticalScroll(id="board-body"):
            yield Static(self._score_caption(), id="score-caption", classes="caption")
            yield Scoreboard(self.stats, self.role, id="scoreboard")
            yield Static(self._time_caption(), id="time-caption", classes="caption")
            yield Timeline(dated_months(self.stats), self.today, id="timeline")
            yield Static(legend_text(), id="board-legend")
        yield Static(
            Text(
                "↑↓ 选单位  Enter 看该单位的任务  r 切换 牵头/指导/全部  Esc/q 关闭",
                no_wrap=True,
                overflow="crop",
            ),
            id="board-keys",
        )

    # -- text of the fixed lines ----------------------------------------------------------
    def _title(self) -> Text:
        t = self.stats.totals
        d = self.today
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append("看板  ", style=Style(bold=True))
        text.append(f"截至 {d.year}年{d.month}月{d.day}日  共{t.total}项 ")
        text.append(f"完成{t.done}", style=Style(color="green"))
        text.append(f"（确认{t.confirmed}） ")
        text.append(f"逾期{t.overdue}", style=Style(color="red", bold=bool(t.overdue)))
        text.append(f"  完成率{round(t.rate * 100)}%")
        return text

    def _score_caption(self) -> Text:
        return Text(
            f"单位记分牌（{ROLE_LABELS[self.role]}）  按逾期数排序", no_wrap=True, overflow="crop"
        )

    def _time_caption(self) -> Text:
        last = self.stats.months[-1] if self.stats.months else None
        undated = last.counts.total if last is not None and last.month is None else 0
        extra = f"  另有无固定期限 {undated} 项" if undated else ""
        return Text(f"完成时间分布（按月）{extra}", no_wrap=True, overflow="crop")

    # -- actions --------------------------------------------------------------------------
    def action_close(self) -> None:
        self.dismiss(None)

    def action_move(self, step: int) -> None:
        board = self.query_one("#scoreboard", Scoreboard)
        board.move(step)
        body = self.query_one("#board-body", VerticalScroll)
        row = board.region.y - body.region.y + int(body.scroll_y) + board.cursor
        if not body.scroll_y <= row < body.scroll_y + body.size.height:
            body.scroll_to(y=max(0, row - 2), animate=False)

    def action_open_unit(self) -> None:
        units = self.query_one("#scoreboard", Scoreboard).units
        if units:
            self.dismiss(units[self.query_one("#scoreboard", Scoreboard).cursor])

    def on_mount(self) -> None:
        if self.live is not None:
            self.live.changed.subscribe(self, self.snapshot_changed)
            if self.live.snapshot is not self.snapshot:  # a change came before we listened
                self.update_data(self.live.snapshot, self.live.today)
        self.fit_chart()

    def snapshot_changed(self, change: SnapshotChanged) -> None:
        if not change.problem:
            changed = change.changed_since(self.snapshot, self.today)
            self.update_data(change.snapshot, change.today, changed)

    def on_resize(self) -> None:
        self.fit_chart()

    def fit_chart(self) -> None:
        """Give the timeline the rows the scoreboard leaves free (3..8), so 80×24 fits."""
        units = max(1, len(self.stats.ranked(self.role)))
        fixed = 2 + 1 + units + 2 + 4 + 1  # title+keys, caption, rows, gap+caption, axes, legend
        rows = max(3, min(8, self.size.height - fixed)) if self.size.height else 6
        timeline = self.query_one("#timeline", Timeline)
        if timeline.chart_rows != rows:
            timeline.chart_rows = rows
            timeline.redraw()

    def action_next_role(self) -> None:
        self.role = ROLE_CYCLE[(ROLE_CYCLE.index(self.role) + 1) % len(ROLE_CYCLE)]
        board = self.query_one("#scoreboard", Scoreboard)
        board.role = self.role
        board.redraw()
        self.query_one("#score-caption", Static).update(self._score_caption())
        self.fit_chart()

    def update_data(
        self, snapshot: Snapshot, today: date, changed: Collection[int] | None = None
    ) -> None:
        """Show a newer snapshot (live reload) without closing the board. `changed`: the ids
        of the tasks that differ from the snapshot shown (as of the same today), whose old
        versions are taken out of the numbers and new ones put in — a colleague's change
        costs what its tasks touch, not a count of every task. None: count everything."""
        if changed is not None and today == self.tally.today:
            old, new = self.snapshot.tasks, snapshot.tasks
            try:
                for tid in changed:
                    self.tally.replace(old.get(tid), new.get(tid))
            except KeyError:  # a bucket the old version was never in: never lose the board
                changed = None
        if changed is None or today != self.tally.today:
            self.tally = board_tally(snapshot, today)
        self.snapshot, self.today = snapshot, today
        self.stats = self.tally.stats(snapshot.title)
        board = self.query_one("#scoreboard", Scoreboard)
        board.stats = self.stats
        board.redraw()
        timeline = self.query_one("#timeline", Timeline)
        timeline.by_month, timeline.today = dated_months(self.stats), today
        timeline.redraw()
        self.fit_chart()
        # One line each (`height: 1`): repainted, never a reason to lay the screen out.
        self.query_one("#board-title", Static).update(self._title(), layout=False)
        self.query_one("#time-caption", Static).update(self._time_caption(), layout=False)

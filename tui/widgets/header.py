"""The header line: the current plan's title (or "N 个方案" while showing several), the database that is open, today, and the counts that matter;
repaints on every change and fits itself to the width."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from zwgk.store.lazytasks import Counts, task_counts
from zwgk.store.model import BLOCKED, DOING, DONE
from zwgk.store.textutil import one_line as clean
from zwgk.store.textwidth import char_width, text_width
from zwgk.tui.live import LiveData
from zwgk.tui.messages import SnapshotChanged


def counts_text(counts: Counts, today: date) -> Text:
    """`2021-06-01  共N 已完成… 进行中… 受阻… 逾期…` from `lazytasks.task_counts`, which the
    header asks on every change: at 100,000 tasks it counts the rows once and then moves
    only the changed tasks between counts."""
    by_status, overdue = counts
    done, doing, blocked = by_status[DONE], by_status[DOING], by_status[BLOCKED]
    out = Text(f"{today.isoformat()}  共{by_status.total()} ")
    out.append(f"已完成{done} ", style="green")
    out.append(f"进行中{doing} ", style="cyan")
    out.append(f"受阻{blocked} ", style="magenta")
    out.append(f"逾期{overdue}", style="bold red" if overdue else "")
    return out


# ASCII, not "…": that is East Asian ambiguous width (two cells in some CJK terminals), and
# not the table cut mark "..", which in a path would read as the parent folder.
ELLIPSIS = "..."
TITLE_MIN = 12  # cells of the plan title kept before the database path is shortened further
DB_MAX = 40  # cells: the path is context, the counts are what people look at


def short_path(path: Path | str, cells: int) -> str:
    """The database path in at most `cells` columns: `~` for the home folder, then
    `~/.../zwgk.json`, else cut from the left (`...zwgk/zwgk.json`). "" when nothing fits."""
    text = clean(str(path))
    home = os.path.expanduser("~")
    if home not in ("", "/", "~") and (text == home or text.startswith(home + "/")):
        text = "~" + text[len(home) :]
    if text_width(text) <= cells:
        return text
    name = clean(Path(text).name)
    if text.startswith("~/") and text_width(name) + 6 <= cells:
        return f"~/{ELLIPSIS}/{name}"
    room = cells - len(ELLIPSIS)
    if room < 4:
        return ""
    tail: list[str] = []
    used = 0
    for ch in reversed(text):
        used += char_width(ch)
        if used > room:
            break
        tail.append(ch)
    return ELLIPSIS + "".join(reversed(tail))


def repaint(widget: Static, text: Text, shown: str | None) -> str:
    """Update a `width: auto` line only if its text moved, and lay the screen out only if its
    width moved (a layout repaints all of it: most of what a colleague's change cost the app).
    Returns the text now shown."""
    if text.plain != shown:
        resized = shown is None or text_width(text.plain) != text_width(shown)
        widget.update(text, layout=resized)
    return text.plain


class StatusHeader(Horizontal):
    """One line: the title on the left (cut to fit), the database (shortened), today and counts
    on the right."""

    DEFAULT_CSS = """
    StatusHeader #header-title.-plans {
        text-wrap: nowrap;
        text-overflow: clip;
    }
    StatusHeader #header-db {
        width: auto;
        height: 1;
        padding: 0 0 0 1;
    }
    """

    def __init__(self, live: LiveData, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.live = live
        self._widths = (0, 0)  # cells of the title and the counts as last painted
        # What each line shows (None: not painted yet), so a change repaints only what moved.
        self._title: str | None = None
        self._counts: str | None = None
        self._path: str | None = None
        self._behind: SnapshotChanged | None = None  # the last change while hidden

    def compose(self) -> ComposeResult:
        yield Static(id="header-title")
        yield Static(id="header-db")
        yield Static(id="header-counts")

    def on_resize(self) -> None:
        self.fit_database()

    def fit_database(self) -> None:
        """Give the path what the counts and a readable part of the title leave."""
        width = self.size.width
        if not width:
            return
        title, counts = self._widths
        room = width - (counts + 2) - (min(title, TITLE_MIN) + 2) - 1
        label = short_path(self.live.ctx.db_path, min(room, DB_MAX))
        widget = self.query_one("#header-db", Static)
        self._path = repaint(widget, Text(label, no_wrap=True, overflow="crop"), self._path)

    def catch_up(self) -> None:
        """Shown again: paint the last change that came while hidden."""
        behind, self._behind = self._behind, None
        if behind is not None:
            self.snapshot_changed(behind)

    def on_mount(self) -> None:
        self.live.changed.subscribe(self, self.snapshot_changed)
        self.snapshot_changed(SnapshotChanged(self.live.snapshot, self.live.today))

    def snapshot_changed(self, change: SnapshotChanged) -> None:
        if self.is_mounted and not self.screen.is_active:
            self._behind = change  # under the board or a dialog: painted when shown (`catch_up`)
            return
        snap = change.snapshot
        # The current plan's title; showing several plans at once, how many and their codes.
        name = snap.title
        if len(snap.plans) > 1:
            name = f"{len(snap.plans)} 个方案：" + "、".join(p.code for p in snap.plans)
        title = Text(clean(name), no_wrap=True, overflow="crop")
        widget = self.query_one("#header-title", Static)
        # "2 个方案：…" is cut at the edge, not wrapped at its space (a title has no spaces).
        widget.set_class(len(snap.plans) > 1, "-plans")
        # A colleague's change moves one count: what did not change is not updated (`repaint`).
        if title.plain != self._title:
            self._title = title.plain
            widget.update(title, layout=False)  # `width: 1fr; height: 1`: its text never sizes it
        counts = counts_text(task_counts(snap.tasks, change.today), change.today)
        widths = (text_width(title.plain), text_width(counts.plain))
        self._counts = repaint(self.query_one("#header-counts", Static), counts, self._counts)
        if widths != self._widths or self._path is None:
            self._widths = widths
            self.fit_database()

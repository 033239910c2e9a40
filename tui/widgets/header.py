"""The header line: plan title, today, and the counts that matter; repaints on every change."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from zwgk.store.model import BLOCKED, DOING, DONE, Task
from zwgk.store.textutil import one_line as clean
from zwgk.tui.live import LiveData
from zwgk.tui.messages import SnapshotChanged


def counts_text(tasks: list[Task], today: date) -> Text:
    done = sum(t.status == DONE for t in tasks)
    doing = sum(t.status == DOING for t in tasks)
    blocked = sum(t.status == BLOCKED for t in tasks)
    overdue = sum(t.overdue(today) for t in tasks)
    out = Text(f"{today.isoformat()}  共{len(tasks)} ")
    out.append(f"已完成{done} ", style="green")
    out.append(f"进行中{doing} ", style="cyan")
    out.append(f"受阻{blocked} ", style="magenta")
    out.append(f"逾期{overdue}", style="bold red" if overdue else "")
    return out


class StatusHeader(Horizontal):
    """One line: the title on the left (cut to fit), today and counts on the right."""

    def __init__(self, live: LiveData, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.live = live

    def compose(self) -> ComposeResult:
        yield Static(id="header-title")
        yield Static(id="header-counts")

    def on_mount(self) -> None:
        self.live.changed.subscribe(self, self.snapshot_changed)
        self.snapshot_changed(SnapshotChanged(self.live.snapshot, self.live.today))

    def snapshot_changed(self, change: SnapshotChanged) -> None:
        snap = change.snapshot
        title = Text(clean(snap.title), no_wrap=True, overflow="crop")
        self.query_one("#header-title", Static).update(title)
        counts = counts_text(list(snap.tasks.values()), change.today)
        self.query_one("#header-counts", Static).update(counts)

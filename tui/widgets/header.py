"""The header line: plan title, today, and the counts that matter."""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual.containers import Horizontal
from textual.widgets import Static

from zwgk.store.model import BLOCKED, DOING, DONE, Task


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

    def compose(self):  # type: ignore[no-untyped-def]
        yield Static(id="header-title")
        yield Static(id="header-counts")

    def update(self, title: str, tasks: list[Task], today: date) -> None:
        self.query_one("#header-title", Static).update(Text(title, no_wrap=True, overflow="crop"))
        self.query_one("#header-counts", Static).update(counts_text(tasks, today))

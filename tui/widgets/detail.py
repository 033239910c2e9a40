"""The detail pane: the highlighted task's card, scrollable."""

from __future__ import annotations

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static


class DetailPane(VerticalScroll, can_focus=False):
    def compose(self):  # type: ignore[no-untyped-def]
        yield Static(id="detail-body")

    def show(self, card: Text | str) -> None:
        self.query_one("#detail-body", Static).update(card)
        self.scroll_home(animate=False)

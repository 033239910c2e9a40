"""A one-line pane title that repaints without a layout pass (Static.update reflows the screen)."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget


class PaneTitle(Widget):
    DEFAULT_CSS = """
    PaneTitle {
        height: 1;
        width: 1fr;
    }
    """

    text: reactive[str] = reactive("", layout=False)
    """The title; changing it repaints this line only."""

    def __init__(self, text: str = "", **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.set_reactive(PaneTitle.text, text)

    def render(self) -> Text:
        return Text(self.text, no_wrap=True, overflow="crop")

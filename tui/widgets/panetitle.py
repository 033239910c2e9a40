"""A one-line pane title that repaints without a layout pass (Static.update reflows the screen).

The title of the pane with focus is marked without colour: `> [任务 29 项]`, reversed and bold
(app.tcss `.-focused`), so focus shows at 16 colours and in monochrome too. No box drawing:
those characters are ambiguous width on CJK terminals.
"""

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
    focused: reactive[bool] = reactive(False, layout=False)
    """Its pane has focus: marked `> [title]`."""

    def __init__(self, text: str = "", **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.set_reactive(PaneTitle.text, text)

    def watch_focused(self, focused: bool) -> None:
        self.set_class(focused, "-focused")

    def render(self) -> Text:
        text = f"> [{self.text}]" if self.focused else self.text
        return Text(text, no_wrap=True, overflow="crop")

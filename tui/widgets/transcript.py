"""The conversation: questions and answers, newest at the bottom."""

from __future__ import annotations

from rich.console import RenderableType
from rich.text import Text
from textual.widgets import RichLog


class Transcript(RichLog):
    """A RichLog that follows new lines only while the reader is at the bottom.

    `plain` keeps the text of every entry for tests and for copying.
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(wrap=True, markup=False, highlight=False, min_width=20, **kwargs)  # type: ignore[arg-type]
        self.plain: list[str] = []

    @property
    def at_bottom(self) -> bool:
        return self.scroll_y >= self.max_scroll_y - 1

    def say(self, content: RenderableType | str, style: str = "") -> None:
        """Add an answer."""
        text = Text(content, style=style) if isinstance(content, str) else content
        self.plain.append(text.plain if isinstance(text, Text) else str(text))
        self.write(text, width=self._width(), scroll_end=self.at_bottom or not self.lines)

    def ask(self, line: str) -> None:
        """Echo what the person typed."""
        text = Text("> ", style="bold")
        text.append(line, style="bold")
        self.plain.append("> " + line)
        self.write(text, width=self._width(), scroll_end=True)

    def _width(self) -> int | None:
        """Wrap at the visible width (Rich measures CJK text too narrow otherwise)."""
        width = self.scrollable_content_region.width
        return width if self._size_known and width > 0 else None

    def text(self) -> str:
        return "\n".join(self.plain)

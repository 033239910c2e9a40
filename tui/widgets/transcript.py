"""The conversation: questions and answers, newest at the bottom.

A ScrollView over wrapped lines (RichLog would pull in rich.pretty and attrs at start-up for
nothing). Entries are kept as Rich `Text` and wrapped again when the pane changes width
(terminal resized, detail pane toggled); Rich wraps CJK text by cell width.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.text import Text
from textual.events import Resize
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from zwgk.tui.widgets.virtualsize import set_virtual_size

MAX_ENTRIES = 2000


class Transcript(ScrollView, can_focus=False):
    """Follows new lines only while the reader is at the bottom. `plain` keeps every entry's
    text for tests and for copying."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.plain: list[str] = []
        self.entries: list[Text] = []
        self.lines: list[Strip] = []
        self._wrapped_at = 0

    @property
    def at_bottom(self) -> bool:
        return self.scroll_y >= self.max_scroll_y - 1

    def _wrap(self, text: Text, width: int) -> list[Strip]:
        console = self.app.console
        options = console.options.update(width=width, no_wrap=False, overflow="fold")
        return [
            Strip(Segment.apply_style(line, None))
            for line in console.render_lines(text, options, pad=False, new_lines=False)
        ]

    def _add(self, text: Text, plain: str, follow: bool) -> None:
        self.plain.append(plain)
        self.entries.append(text)
        if len(self.entries) > MAX_ENTRIES:
            del self.entries[: -MAX_ENTRIES // 2]
            self._rewrap(force=True)
            return
        width = self.scrollable_content_region.width
        if width > 0 and self._wrapped_at == width:
            self.lines.extend(self._wrap(text, width))
            self._update_size()
        else:
            self._rewrap(force=True)
        if follow:
            self._follow()
        self.refresh()

    def _follow(self) -> None:
        """Show the newest line (virtual_size is already updated, so no layout is needed)."""
        height = self.scrollable_content_region.height
        self.set_scroll(None, max(0, len(self.lines) - height))

    def say(self, content: Text | str, style: str = "") -> None:
        """Add an answer."""
        text = Text(content, style=style) if isinstance(content, str) else content
        self._add(text, text.plain, self.at_bottom or not self.lines)

    def ask(self, line: str) -> None:
        """Echo what the person typed."""
        self._add(Text("> " + line, style="bold"), "> " + line, True)

    def text(self) -> str:
        return "\n".join(self.plain)

    def _update_size(self) -> None:
        set_virtual_size(self, Size(self._wrapped_at, len(self.lines)))

    def on_resize(self, event: Resize) -> None:
        self._rewrap()

    def _rewrap(self, force: bool = False) -> None:
        width = self.scrollable_content_region.width
        if width <= 0 or (width == self._wrapped_at and not force):
            return
        follow = self.at_bottom
        self._wrapped_at = width
        self.lines = [strip for entry in self.entries for strip in self._wrap(entry, width)]
        self._update_size()
        if follow:
            self._follow()
        self.refresh()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = int(self.scroll_offset.y) + y
        style = self.rich_style
        if 0 <= index < len(self.lines):
            return self.lines[index].apply_style(style).crop_extend(0, width, style)
        return Strip.blank(width, style)

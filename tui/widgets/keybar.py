"""The bottom key hints: one line, chosen by what has focus.

Textual's Footer builds a widget per key (dozens of DOM nodes to style at start-up and on every
focus change); this is one widget that repaints one line.
"""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

from zwgk.tui.actions import key_hints

# Generated from the action registry: the key bar shows what `ACTIONS` marks with `bar`.
HINTS: dict[str, tuple[tuple[str, str], ...]] = {
    "prompt": key_hints("prompt"),
    "list": key_hints("list"),
}


def hint_text(hints: tuple[tuple[str, str], ...]) -> Text:
    out = Text(no_wrap=True, overflow="crop")
    for key, label in hints:
        out.append(key, style="bold")
        out.append(f" {label}  ")
    return out


class KeyBar(Widget):
    DEFAULT_CSS = """
    KeyBar {
        height: 1;
        width: 1fr;
        dock: bottom;
    }
    """

    mode: reactive[str] = reactive("prompt", layout=False)
    """Which set of hints to show: prompt or list."""

    def render(self) -> Text:
        return hint_text(HINTS.get(self.mode, HINTS["prompt"]))

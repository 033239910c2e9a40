"""A one-line `Input` that keeps every line of a paste (Textual's keeps only the first)."""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.message import Message
from textual.widgets import Input


def one_line(text: str) -> tuple[str, int]:
    """Pasted text as one line (its non-blank lines joined by a space), and how many lines."""
    lines = [line.strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    return " ".join(lines), len(lines)


class OneLineInput(Input):
    """A paste of several lines is taken whole, joined into one line, and `LinesJoined` says
    so (a note pasted from a document must not lose its second line without a word)."""

    @dataclass
    class LinesJoined(Message):
        """Pasted lines were joined into one (how many), so the prompt can say so."""

        input: OneLineInput
        lines: int

        @property
        def control(self) -> OneLineInput:
            return self.input

    def take(self, text: str) -> None:
        """Insert typed or pasted text at the cursor (replacing a selection), as one line."""
        line, count = one_line(text) if ("\n" in text or "\r" in text) else (text, 1)
        if not line:
            return
        selection = self.selection
        if selection.is_empty:
            self.insert_text_at_cursor(line)
        else:
            self.replace(line, *selection)
        if count > 1:
            self.post_message(self.LinesJoined(self, count))

    def _on_paste(self, event: events.Paste) -> None:
        event.stop()
        event.prevent_default()
        self.take(event.text)

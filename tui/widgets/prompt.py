"""The one-line chat prompt: history with Up/Down, Tab completion, `?` for help when empty."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual import events
from textual.message import Message

from zwgk.tui.actions import bindings_for
from zwgk.tui.chat import SLASH_COMMANDS, common_prefix, completions
from zwgk.tui.history import History
from zwgk.tui.widgets.oneline import OneLineInput


class PromptInput(OneLineInput):
    """Textual's own Input (so the terminal's IME popup follows the cursor), plus chat keys;
    a paste of several lines is kept whole (`OneLineInput`)."""

    BINDINGS = bindings_for("prompt")

    @dataclass
    class FocusList(Message):
        """Down (not walking history) or Tab with nothing to complete: go to the list."""

    @dataclass
    class HelpRequested(Message):
        """`?` typed into an empty prompt."""

    def __init__(
        self,
        history: History,
        words: Callable[[], list[str]] | None = None,
        keys: Callable[[], dict[str, str]] | None = None,
        **kwargs: object,
    ) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.history = history
        self.words = words or (lambda: [])
        self.keys = keys or (lambda: {})
        self._cycle: list[str] = []
        self._cycle_index = 0
        self._cycle_base = ""

    # -- history ---------------------------------------------------------------------------
    def action_history_previous(self) -> None:
        line = self.history.previous(self.value)
        if line is not None:
            self._set(line)

    def action_history_next(self) -> None:
        if not self.history.walking:
            self.post_message(self.FocusList())
            return
        line = self.history.next()
        if line is not None:
            self._set(line)

    def _set(self, value: str) -> None:
        self.value = value
        self.cursor_position = len(value)

    def prefill(self, line: str) -> None:
        """Start a line for the person to finish (the palette's /import, /export, /today)."""
        self._set(line)
        self.focus()

    # -- completion ------------------------------------------------------------------------
    def candidates(self, token: str) -> list[str]:
        if token.startswith("/"):
            return [c for c in SLASH_COMMANDS if c.startswith(token) and c != token]
        return completions(token, self.words(), self.keys())

    def action_complete(self) -> None:
        value = self.value
        if self._cycle and value == self._cycle_base + self._cycle[self._cycle_index]:
            self._cycle_index = (self._cycle_index + 1) % len(self._cycle)
            self._set(self._cycle_base + self._cycle[self._cycle_index])
            return
        self._cycle = []
        head, sep, token = value.rpartition(" ")
        base = head + sep
        found = self.candidates(token) if token else []
        if not found:
            self.post_message(self.FocusList())
            return
        if len(found) == 1:
            self._set(base + found[0] + ("" if found[0].startswith("/") else ""))
            return
        prefix = common_prefix(found)
        if len(prefix) > len(token) and prefix.lower().startswith(token.lower()):
            self._set(base + prefix)
            return
        # Nothing more in common: Tab cycles through the candidates.
        self._cycle, self._cycle_index, self._cycle_base = found, 0, base
        self._set(base + found[0])

    async def _on_key(self, event: events.Key) -> None:
        if event.character == "?" and not self.value:
            event.stop()
            event.prevent_default()
            self.post_message(self.HelpRequested())
            return
        await super()._on_key(event)

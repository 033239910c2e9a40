"""The yes/no question before a change of the record (as Frogmouth's `YesNoDialog`).

A list key that changes data (s d b r 空格 c u) only opens this dialog; Enter or y confirms,
Esc or n cancels. The dialog must not be answered by typing that ran on into it: someone who
thought the prompt had focus and typed `by the way` or `d⏎` is typing, not answering. So an
answer counts only after a short pause (`TypingGuard`); anything typed into the dialog before
that, or any other character, cancels it and hands the typed text back to the prompt.
"""

from __future__ import annotations

from textual import _time, events
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

GUARD_SECONDS = 0.4
"""Quiet time before a key counts as an answer: longer than the gap between two typed keys,
shorter than reading one line."""


class TypingGuard:
    """Tells a deliberate answer from typing that carried on into a dialog.

    `typed` is what to give back to the prompt if it was typing: the key that opened the
    dialog plus what followed it. A key is `deliberate` when no key came in the `seconds`
    before it (keys carry their arrival time, so a burst stays a burst on a slow machine).
    """

    def __init__(self, typed: str = "", seconds: float = GUARD_SECONDS) -> None:
        self.typed = typed
        self.seconds = seconds
        self.last = _time.get_time()

    def deliberate(self, event: events.Event) -> bool:
        quiet = event.time - self.last >= self.seconds
        self.last = max(self.last, event.time)
        return quiet


class ConfirmChange(ModalScreen[bool]):
    """`把 #7 标记为 已完成？` — True to go ahead. `handed_back` holds typing to give back."""

    GUARD = GUARD_SECONDS

    def __init__(self, question: str, detail: str = "", typed: str = "") -> None:
        super().__init__()
        self.question = question
        self.detail = detail
        self.guard = TypingGuard(typed, self.GUARD)
        self.handed_back = ""
        self._answered = False

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Label(self.question, id="confirm-question")
            if self.detail:
                yield Label(self.detail, id="confirm-detail")
            yield Label("Enter 或 y 确认，Esc 或 n 取消", id="confirm-keys")

    def answer(self, yes: bool) -> None:
        if not self._answered:  # keys already queued behind the answer change nothing
            self._answered = True
            self.dismiss(yes)

    def hand_back(self, text: str) -> None:
        """It was typing: cancel, and let the prompt have every character of it."""
        if not self._answered:
            self.handed_back = self.guard.typed + text
        self.answer(False)

    def on_key(self, event: events.Key) -> None:
        deliberate = self.guard.deliberate(event)
        char = event.character if event.is_printable else None
        if event.key == "escape":
            self.answer(False)
        elif event.key == "enter":
            if deliberate:
                self.answer(True)
            # else: Enter right after the key that opened this is typing: wait for a real one
        elif char in ("y", "Y"):
            if deliberate:
                self.answer(True)
            else:
                self.guard.typed += char  # `by…`: decided by the next key
        elif char in ("n", "N") and deliberate:
            self.answer(False)
        elif char is not None:
            self.hand_back(char)
        else:
            return  # other keys (F1, Ctrl+Q…) keep their meaning
        event.stop()
        event.prevent_default()

    def on_paste(self, event: events.Paste) -> None:
        event.stop()
        self.hand_back(event.text)

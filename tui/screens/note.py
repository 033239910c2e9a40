"""A one-line prompt for a progress note (key `n`).

Opened by the list's `n`, it is not fed by typing that ran on from the list (like the yes/no
dialog, screens/confirm.py): `nice⏎` typed while the list had focus must not save the note `ice`.
A first key that comes right after the dialog opened cancels it and hands everything typed
back to the prompt.
"""

from __future__ import annotations

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from zwgk.tui.screens.confirm import GUARD_SECONDS, TypingGuard
from zwgk.tui.widgets.oneline import OneLineInput


class NoteInput(OneLineInput):
    """The note's field: its first key asks the dialog whether it is typing that ran on."""

    async def _on_key(self, event: events.Key) -> None:
        dialog = self.screen
        if isinstance(dialog, NotePrompt) and dialog.ran_on(event):
            event.stop()
            event.prevent_default()
            return
        await super()._on_key(event)

    def _on_paste(self, event: events.Paste) -> None:
        dialog = self.screen
        if isinstance(dialog, NotePrompt) and dialog.ran_on(event, event.text):
            event.stop()
            event.prevent_default()
            return
        super()._on_paste(event)


class NotePrompt(ModalScreen[str | None]):
    """Enter saves the note, Esc cancels (dismisses with None). `handed_back`: typing that
    ran on into the dialog, for the prompt."""

    BINDINGS = [Binding("escape", "cancel", "取消")]
    GUARD = GUARD_SECONDS

    def __init__(self, task_id: int, typed: str = "", shown: str | None = None) -> None:
        super().__init__()
        self.task_id = task_id
        self.name_shown = shown or f"#{task_id}"  # `#7` or the key `宣城2020-7`
        # Opened by a key on the list, it may be typing that ran on; opened by `7 备注` or the
        # palette, it was asked for, and the note may be typed at once.
        self.guard = TypingGuard(typed, self.GUARD) if typed else None
        self.handed_back = ""

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"为 {self.name_shown} 添加进展备注（Enter 保存，Esc 取消）：")
            yield NoteInput(id="note-input", placeholder="例如：已印发制度文件")
            yield Label("", id="note-joined")

    def on_mount(self) -> None:
        field = self.query_one(Input)
        field.cursor_blink = False
        field.focus()

    def ran_on(self, event: events.Event, text: str = "") -> bool:
        """True (and the dialog closes) when the first key is typing that ran on."""
        guard, self.guard = self.guard, None  # only the first key is in question
        if (
            guard is None
            or guard.deliberate(event)
            or not isinstance(event, events.Key | events.Paste)
        ):
            return False
        if isinstance(event, events.Key):
            if event.key == "escape":
                return False
            text = event.character if event.is_printable and event.character else ""
        self.handed_back = guard.typed + text
        self.dismiss(None)
        return True

    @on(OneLineInput.LinesJoined)
    def joined(self, event: OneLineInput.LinesJoined) -> None:
        self.query_one("#note-joined", Label).update(
            f"粘贴的 {event.lines} 行已合并为一行（以空格分隔），全部保存。"
        )

    @on(Input.Submitted)
    def save(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)

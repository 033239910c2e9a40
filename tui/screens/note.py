"""A one-line prompt for a progress note (key `n`)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class NotePrompt(ModalScreen[str | None]):
    """Enter saves the note, Esc cancels (dismisses with None)."""

    BINDINGS = [Binding("escape", "cancel", "取消")]

    def __init__(self, task_id: int) -> None:
        super().__init__()
        self.task_id = task_id

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"为 #{self.task_id} 添加进展备注（Enter 保存，Esc 取消）：")
            yield Input(id="note-input", placeholder="例如：已印发制度文件")

    def on_mount(self) -> None:
        field = self.query_one(Input)
        field.cursor_blink = False
        field.focus()

    @on(Input.Submitted)
    def save(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)

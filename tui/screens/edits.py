"""Changes to tasks: status, notes, 办结确认 and undo, from chat commands and the list's keys.

Every change is confirmed in the transcript (before -> after, and how to undo it) and reloads the
snapshot at once. `TaskEdits` is a part of `MainScreen` (which inherits it), not a screen of its
own; the list's key bindings (`screen.mark(...)`, `screen.cycle` ...) land on its actions.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

from zwgk.store.describe import describe_event as event_text
from zwgk.store.errors import ZwgkError
from zwgk.store.model import DOING, DONE, TODO, Event
from zwgk.store.signoff import confirm
from zwgk.store.textutil import one_line as clean
from zwgk.tui.screens.parts import ScreenPart

CYCLE = {TODO: DOING, DOING: DONE, DONE: TODO}
UNDO_HINT = "撤销：按 u 或输入 /undo"


class TaskEdits(ScreenPart):
    """Writes a change through the store and says what changed."""

    def mark(self, task_id: int, status: str, note: str = "") -> None:
        if self.task_by_id(task_id) is None:
            self.missing(task_id)
            return
        self.changed(self.store.set_status(task_id, status, note))

    def changed(self, event: Event) -> None:
        """A change of ours was written: confirm it with before -> after and how to undo."""
        self.my_seqs.add(event.seq)
        if not event.changes:
            self.say(f"#{event.task} 没有变化（已是该状态）。", "dim")
        else:
            note = f"（备注：{clean(event.note)}）" if event.note and event.action != "note" else ""
            if event.action == "note":
                text = Text(f"已保存 #{event.task} 进展：{clean(event.note)}。{UNDO_HINT}")
            else:
                text = Text(f"已保存：{event_text(event)}{note}。{UNDO_HINT}")
            self.say(text, "green")
        self.reload_now()

    def _with_task(self) -> int | None:
        task_id = self.tasks_widget.task_id
        if task_id is None:
            self.warn("列表中没有选中的任务。")
        return task_id

    def _guard(self, fn: Any, *args: Any) -> None:
        try:
            fn(*args)
        except ZwgkError as exc:
            self.warn(exc.message)

    def action_mark(self, status: str) -> None:
        task_id = self._with_task()
        if task_id is not None:
            self._guard(self.mark, task_id, status)

    def action_cycle(self) -> None:
        task_id = self._with_task()
        task = self.task_by_id(task_id) if task_id is not None else None
        if task is not None:
            self._guard(self.mark, task.id, CYCLE.get(task.status, DOING))

    def action_note(self) -> None:
        task_id = self._with_task()
        if task_id is not None:
            self.ask_note(task_id)

    def ask_note(self, task_id: int) -> None:
        if self.task_by_id(task_id) is None:
            self.missing(task_id)
            return
        from zwgk.tui.screens.note import NotePrompt

        def done(note: str | None) -> None:
            if note and note.strip():
                self._guard(lambda: self.changed(self.store.add_note(task_id, note)))
            elif note is not None:
                self.warn("备注内容为空，未做修改。")

        self.app.push_screen(NotePrompt(task_id), done)

    def action_undo(self) -> None:
        try:
            event = self.store.undo()
        except ZwgkError as exc:
            self.warn(exc.message)
            return
        self.my_seqs.add(event.seq)
        self.say(f"已撤销第 {event.undoes} 号修改：{event_text(event)}。", "green")
        self.reload_now()

    def action_confirm(self) -> None:
        task_id = self._with_task()
        if task_id is not None:
            self._guard(self.confirm, task_id, "")

    def confirm(self, task_id: int, note: str) -> None:
        self.changed(confirm(self.store, task_id, note))

"""The detail pane: the highlighted task's card with its history, scrollable.

It owns what it shows: `task_id` is set by whoever follows the list's highlight, and the pane
repaints itself — 50 ms after the last change, so holding ↓ does not build a card per row — and
again when the snapshot changes. Nothing is painted while the pane is hidden.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Static

from zwgk.store.errors import ZwgkError
from zwgk.store.textutil import one_line as clean
from zwgk.tui.live import LiveData
from zwgk.tui.messages import SnapshotChanged
from zwgk.tui.render import task_card

DEBOUNCE = 0.05  # seconds


class DetailPane(VerticalScroll, can_focus=False):
    task_id: reactive[int | None] = reactive(None, init=False)
    """The task shown; None shows a hint."""

    def __init__(self, live: LiveData, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.live = live
        self._timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="detail-body")

    def on_mount(self) -> None:
        self.live.changed.subscribe(self, self.snapshot_changed)

    def watch_task_id(self) -> None:
        self.paint_soon()

    def snapshot_changed(self, change: SnapshotChanged) -> None:
        self.paint_soon()

    @property
    def pending(self) -> bool:
        """A repaint is waiting for its debounce (tests wait on this, not on a sleep)."""
        return self._timer is not None

    def paint_soon(self) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE, self.paint)

    def paint(self) -> None:
        """Paint now (when the pane becomes visible, or after the debounce)."""
        self._timer = None
        box = self.parent
        if isinstance(box, Widget) and not box.display:
            return  # painted when the pane is shown
        task = self.live.full.tasks.get(self.task_id) if self.task_id is not None else None
        if task is None:
            self.show(Text("（没有选中的任务）", style="dim"))
            return
        history = [e for e in self.live.events() if e.task == task.id]
        card = task_card(
            task,
            self.live.today,
            history,
            self.live.full,
            label=self.live.label(task),
            label_of=self.live.label_of,
        )
        refusal = self.refusal(task.id)
        if refusal:
            card.append(f"\n只读：{clean(refusal)}", style="dim")
        self.show(card)

    def refusal(self, task_id: int) -> str | None:
        """Why this user may not change the task's status (a permission file is in force)."""
        try:
            return self.live.store.may(task_id, "status", snapshot=self.live.full)
        except ZwgkError as exc:
            return exc.message

    def show(self, card: Text | str) -> None:
        self.query_one("#detail-body", Static).update(card)
        self.scroll_home(animate=False)

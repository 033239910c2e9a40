"""The task list: an OptionList refilled with at most `LIMIT` rows (ListView is far too slow)."""

from __future__ import annotations

from datetime import date

from textual.binding import Binding
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from store.model import Task

from .cards import task_row

LIMIT = 200


class TaskList(OptionList):
    """Rows are tasks; option ids are task ids as strings. Keys act on the highlighted task."""

    BINDINGS = [
        Binding("j", "cursor_down", "下移", show=False),
        Binding("k", "cursor_up", "上移", show=False),
        Binding("s", "screen.mark('进行中')", "进行中"),
        Binding("d", "screen.mark('已完成')", "完成"),
        Binding("b", "screen.mark('受阻')", "受阻"),
        Binding("r", "screen.mark('未开始')", "未开始", show=False),
        Binding("space", "screen.cycle", "切换", show=False),
        Binding("n", "screen.note", "备注"),
        Binding("u", "screen.undo", "撤销"),
        Binding("c", "screen.confirm", "确认", show=False),
        Binding("v", "screen.toggle_detail", "详情", show=False),
        Binding("escape", "screen.focus_input", "输入", show=False),
    ]

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.ids: list[int] = []
        self.total = 0
        self.label = ""

    @property
    def task_id(self) -> int | None:
        """The highlighted task's id."""
        if self.highlighted is None or not 0 <= self.highlighted < len(self.ids):
            return None
        return self.ids[self.highlighted]

    def show(
        self,
        tasks: list[Task],
        today: date,
        spans: dict[int, list[tuple[int, int]]] | None = None,
        *,
        keep: int | None = None,
        total: int | None = None,
    ) -> None:
        """Replace the rows; keep the highlight on task `keep` when it is still listed."""
        spans = spans or {}
        shown = tasks[:LIMIT]
        self.total = len(tasks) if total is None else total
        self.ids = [t.id for t in shown]
        self.set_options(
            [Option(task_row(t, today, spans.get(t.id, ())), id=str(t.id)) for t in shown]
        )
        if keep is not None and keep in self.ids:
            self.highlighted = self.ids.index(keep)
        elif self.ids:
            self.highlighted = 0
        more = f"，显示前 {len(shown)} 项" if self.total > len(shown) else ""
        self.label = f"任务 {self.total} 项{more}"

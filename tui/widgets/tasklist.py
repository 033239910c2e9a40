"""The task list: a virtual list that renders only the rows on screen.

ListView takes seconds at 1,000 rows and even OptionList lays out every option on each refill
(about 1 ms per CJK row); this widget keeps plain `Task` objects and builds a row's `Text` only
when that row is painted, so refilling it on every keystroke costs the same at 10 or 10,000 rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import Protocol

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from zwgk.store.lazytasks import TaskSequence, find_id, id_at
from zwgk.store.model import Task
from zwgk.tui.actions import bindings_for
from zwgk.tui.widgets.virtualsize import set_virtual_size

from ..render import label_cells, task_row

LIMIT = 200  # search hits shown per keystroke
# Rows at each end whose labels set the label column's width: every label of a 100,000-row
# list would cost a keystroke 70 ms; ids (and keys) grow along the list, so its ends tell.
LABEL_SAMPLE = 200


class HasSpans(Protocol):
    """What the list highlights in a row's text (a search `Hit`, whose spans are lazy)."""

    @property
    def spans(self) -> Sequence[tuple[int, int]]: ...


class TaskList(ScrollView, can_focus=True):
    """Rows are tasks. Keys act on the highlighted task (the screen owns the actions).

    Typing is not for the list: a printable key that is not one of its keys, a paste, and
    every key after them until the list is focused again, go to the prompt (`TypedOn`), so
    someone who thought the prompt had focus just keeps typing there.
    """

    BINDINGS = bindings_for("list")

    COMPONENT_CLASSES = {"tasklist--cursor"}

    DEFAULT_CSS = """
    TaskList > .tasklist--cursor {
        background: $block-cursor-blurred-background;
    }
    TaskList:focus > .tasklist--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: bold;
    }
    """

    highlighted: reactive[int | None] = reactive(None, always_update=True)
    """Index of the highlighted row, or None when the list is empty."""

    class _TaskMessage(Message):
        """About one task of the list; `control` lets `@on(..., "#tasks")` match the list."""

        def __init__(self, tasks: TaskList, task_id: int | None) -> None:
            super().__init__()
            self.tasks = tasks
            self.task_id = task_id

        @property
        def control(self) -> TaskList:
            return self.tasks

    class Highlighted(_TaskMessage):
        """The highlight moved; `task_id` is None when the list is empty."""

    class TypedOn(Message):
        """Text typed or pasted on the list, for the prompt."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    class Selected(_TaskMessage):
        """Enter or a double click on a row."""

        task_id: int

        def __init__(self, tasks: TaskList, task_id: int) -> None:
            super().__init__(tasks, task_id)

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        # A list, or a lazy sequence (store/lazytasks.py): rows are built as they are drawn.
        self.tasks: Sequence[Task] = []
        self.spans: Mapping[int, HasSpans] = {}  # a search's hits by task id
        self.today = date.today()
        self.labeler: Callable[[Task], str] | None = None  # how a row names its task (None: id)
        # the same label from the task's id alone when it can be read without building the
        # task (None: ask `labeler`): the label column's width samples 400 rows per fill
        self.id_labeler: Callable[[int], str | None] | None = None
        self._labels: dict[int, str] = {}  # labels of the rows drawn so far
        self.label_cells = 4
        self.total = 0
        self.label = ""
        self._rows: dict[int, Text] = {}
        self._typing = False  # handing keys to the prompt until the list is focused again

    # -- content -------------------------------------------------------------------------------
    @property
    def ids(self) -> list[int]:
        """The listed tasks' ids, in order (without building lazily listed tasks)."""
        return [id_at(self.tasks, i) for i in range(len(self.tasks))]

    def find(self, task_id: int) -> int | None:
        """The row of task `task_id`, None when it is not listed."""
        return find_id(self.tasks, task_id)

    @property
    def option_count(self) -> int:
        return len(self.tasks)

    @property
    def task_id(self) -> int | None:
        """The highlighted task's id."""
        i = self.highlighted
        if i is None or not 0 <= i < len(self.tasks):
            return None
        return id_at(self.tasks, i)

    def row_text(self, index: int) -> Text:
        row = self._rows.get(index)
        if row is None:
            task = self.tasks[index]
            label = self.label_of(index)
            row = self._rows[index] = task_row(
                task,
                self.today,
                hit.spans if (hit := self.spans.get(task.id)) is not None else (),
                label=label,
                label_cells=self.label_cells,
            )
        return row

    def label_of(self, index: int) -> str | None:
        """How row `index` names its task (made on first use); None: by its id."""
        if self.labeler is None:
            return None
        found = self._labels.get(index)
        if found is None:
            if self.id_labeler is not None and isinstance(self.tasks, TaskSequence):
                found = self.id_labeler(self.tasks.id_at(index))
            if found is None:
                found = self.labeler(self.tasks[index])
            self._labels[index] = found
        return found

    def show(
        self,
        tasks: Sequence[Task],
        today: date,
        spans: Mapping[int, HasSpans] | None = None,
        *,
        keep: int | None = None,
        total: int | None = None,
        stay: bool = False,
        label: Callable[[Task], str] | None = None,
        label_id: Callable[[int], str | None] | None = None,
    ) -> None:
        """Replace the rows (each named by `label`: its number or key); keep the highlight on
        task `keep` when it is still listed, else (with `stay`, for a reload) at the same
        place, else on the first row."""
        self.tasks = tasks
        # Labels are made for the rows drawn, not for 100,000 tasks on every repaint; the
        # column is as wide as the widest label among the first and last rows.
        self.labeler, self.id_labeler, self._labels = label, label_id, {}
        ends = (
            range(len(self.tasks))
            if len(self.tasks) <= 2 * LABEL_SAMPLE
            else ([*range(LABEL_SAMPLE), *range(len(self.tasks) - LABEL_SAMPLE, len(self.tasks))])
        )
        self.label_cells = label_cells(self.label_of(i) or "" for i in ends) if label else 4
        self.spans = spans or {}
        self.today = today
        self._rows = {}
        self.total = len(tasks) if total is None else total
        more = f"，显示前 {len(tasks)} 项" if self.total > len(tasks) else ""
        self.label = f"任务 {self.total} 项{more}"
        set_virtual_size(self, Size(self.size.width, len(self.tasks)))
        previous = self.highlighted
        index = None
        if keep is not None:
            index = self.find(keep)
            if index is None and stay and previous is not None and self.tasks:
                # The kept task left this view (e.g. marked done in 逾期): stay at its place.
                index = min(previous, len(self.tasks) - 1)
        if index is None and self.tasks:
            index = 0
        if index is None or index == 0:
            self.scroll_to(y=0, animate=False, immediate=True)
        self.highlighted = index
        self.refresh()

    # -- cursor --------------------------------------------------------------------------------
    def validate_highlighted(self, value: int | None) -> int | None:
        if value is None or not self.tasks:
            return None
        return max(0, min(len(self.tasks) - 1, value))

    def watch_highlighted(self, value: int | None) -> None:
        if value is not None:
            height = max(1, self.scrollable_content_region.height)
            top = int(self.scroll_offset.y)
            if value < top:
                self.scroll_to(y=value, animate=False, immediate=True)
            elif value >= top + height:
                self.scroll_to(y=value - height + 1, animate=False, immediate=True)
        self.refresh()
        self.post_message(self.Highlighted(self, self.task_id))

    def action_cursor(self, step: int) -> None:
        if self.tasks:
            self.highlighted = (self.highlighted or 0) + step if self.highlighted is not None else 0

    def action_page(self, direction: int) -> None:
        if self.tasks:
            step = max(1, self.scrollable_content_region.height - 1)
            self.highlighted = (self.highlighted or 0) + direction * step

    def action_first(self) -> None:
        if self.tasks:
            self.highlighted = 0

    def action_last(self) -> None:
        if self.tasks:
            self.highlighted = len(self.tasks) - 1

    def action_select(self) -> None:
        task_id = self.task_id
        if task_id is not None:
            self.post_message(self.Selected(self, task_id))

    # -- typing that belongs to the prompt -------------------------------------------------------
    async def _on_key(self, event: events.Key) -> None:
        # Runs before the bindings (checked as the key bubbles up), so `hello` never reaches
        # a list key: its `h` moves focus to the prompt and the rest of the burst follows.
        char = event.character if event.is_printable else None
        if char and (self._typing or event.key not in self.screen.active_bindings):
            event.stop()
            event.prevent_default()
            self.hand_to_prompt(char)

    def on_paste(self, event: events.Paste) -> None:
        event.stop()
        self.hand_to_prompt(event.text)

    def hand_to_prompt(self, text: str) -> None:
        self._typing = True
        self.post_message(self.TypedOn(text))

    def on_focus(self) -> None:
        self._typing = False

    def on_click(self, event: events.Click) -> None:
        index = int(self.scroll_offset.y) + event.y
        if 0 <= index < len(self.tasks):
            self.highlighted = index
            if event.chain > 1:
                self.action_select()

    def on_resize(self, event: events.Resize) -> None:
        self.virtual_size = Size(self.size.width, len(self.tasks))

    # -- painting ------------------------------------------------------------------------------
    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = int(self.scroll_offset.y) + y
        base = self.rich_style
        if not 0 <= index < len(self.tasks):
            if not self.tasks and y == 0:
                return self._line(Text("（没有符合条件的任务）", style="dim"), width, base)
            return Strip.blank(width, base)
        style = base
        if index == self.highlighted:
            style = base + self.get_component_rich_style("tasklist--cursor")
        return self._line(self.row_text(index), width, style)

    def _line(self, text: Text, width: int, style: Style) -> Strip:
        segments = list(text.render(self.app.console))
        segments = [s for s in segments if s.text != "\n"]
        strip = Strip(Segment.apply_style(segments, style))
        return strip.crop_extend(0, width, style)

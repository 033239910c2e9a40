"""The main screen: header, task list, transcript, detail pane and the chat prompt.

This module is the screen itself: layout, keys, the list and its views, the detail pane, focus.
Its other parts are mixins it inherits, each in its own module:

- `ChatHandlers` (commands.py): each typed line, parsed by `tui.chat.parse`, runs a `command_*`;
- `TaskEdits` (edits.py): status, notes, 办结确认 and undo, from commands and the list's keys;
- `ListSearch` (searching.py): the search index and the worker that filters the list as you type;
- `LiveReload` (reload.py): polls `Store.signature()` once a second for other processes' changes.

What a part may use of the screen is declared once, for type checkers, in `ScreenPart` (parts.py).
Key bindings name actions wherever they live: `board` is in commands.py, `mark`, `cycle`, `note`,
`undo` and `confirm` (the list's keys) in edits.py.
"""

from __future__ import annotations

import threading
import time
from datetime import date
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import Label
from textual.worker import Worker, WorkerState

from zwgk.store.db import Snapshot, Store
from zwgk.store.errors import ZwgkError
from zwgk.store.model import STATUSES, Event, Task
from zwgk.store.present import due_counts
from zwgk.store.textutil import one_line as clean
from zwgk.tui.chat import Command, parse
from zwgk.tui.history import History
from zwgk.tui.render import task_card
from zwgk.tui.screens.commands import ChatHandlers
from zwgk.tui.screens.edits import TaskEdits
from zwgk.tui.screens.reload import LiveReload
from zwgk.tui.screens.searching import ListSearch
from zwgk.tui.screens.views import View, view_label, view_tasks
from zwgk.tui.widgets.detail import DetailPane
from zwgk.tui.widgets.header import StatusHeader
from zwgk.tui.widgets.keybar import KeyBar
from zwgk.tui.widgets.panetitle import PaneTitle
from zwgk.tui.widgets.prompt import PromptInput
from zwgk.tui.widgets.tasklist import TaskList
from zwgk.tui.widgets.transcript import Transcript

if TYPE_CHECKING:
    from zwgk.store.context import Context


class MainScreen(ChatHandlers, TaskEdits, ListSearch, LiveReload):
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]

    BINDINGS = [
        Binding("f1", "app.help", "帮助"),
        Binding("f2", "toggle_detail", "详情"),
        Binding("f3", "board", "看板"),
        Binding("pageup", "scroll_transcript(-1)", "上翻", show=False),
        Binding("pagedown", "scroll_transcript(1)", "下翻", show=False),
    ]

    def __init__(
        self, ctx: Context, store: Store, history: History, snapshot: Snapshot | None = None
    ) -> None:
        super().__init__()
        self.ctx = ctx
        self.store = store
        self.history = history
        self.snap: Snapshot = snapshot or store.snapshot()
        self.last_seq = int(self.snap.meta.get("last_seq", 0))
        self.my_seqs: set[int] = set()
        self.index: Any = None  # store.search.SearchIndex of self.snap, built on demand
        self._index_of: Snapshot | None = None
        self._index_lock = threading.Lock()
        self.base = View()  # what the list shows while the prompt is empty
        self.first_frame_at: float | None = None  # perf_counter() when first painted
        self._detail_task: int | None = None
        self._detail_timer: Timer | None = None
        self.generation = 0  # bumped per list refresh request; tests and the bench wait on it
        self.shown_generation = 0
        self._unreadable: tuple[int, int, int] | None = None  # a file we could not read

    @property
    def today(self) -> date:
        return self.ctx.today

    # -- layout ------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield StatusHeader(id="header")
        with Horizontal(id="body"):
            with Vertical(id="left"):
                yield PaneTitle("任务", id="tasks-title", classes="pane-title")
                yield TaskList(id="tasks")
                yield PaneTitle(
                    "对话（PgUp/PgDn 翻看）", id="transcript-title", classes="pane-title"
                )
                yield Transcript(id="transcript")
            with Vertical(id="detail-box"):
                yield PaneTitle("详情（F2 显示/隐藏）", id="detail-title", classes="pane-title")
                yield DetailPane(id="detail")
        with Horizontal(id="prompt-row"):
            yield Label("> ", id="prompt-label")
            yield PromptInput(
                self.history,
                words=self.completion_words,
                keys=self.completion_keys,
                id="prompt",
                placeholder="输入编号、单位或关键词；如 7 完成 已印发；F1 帮助",
                select_on_focus=False,
            )
        yield KeyBar(id="keys")

    def on_mount(self) -> None:
        prompt = self.query_one(PromptInput)
        prompt.cursor_blink = False
        self.refresh_header()
        self.show_base()
        prompt.focus()
        self.call_after_refresh(self.first_frame)
        self.call_after_refresh(self.greet)
        self.set_interval(1.0, self.poll)

    def first_frame(self) -> None:
        """The first frame is on screen: note the time (bench) and do the deferred work."""
        self.first_frame_at = time.perf_counter()
        self.warm_index()

    # -- small accessors ---------------------------------------------------------------------
    @property
    def tasks_widget(self) -> TaskList:
        return self.query_one("#tasks", TaskList)

    @property
    def transcript(self) -> Transcript:
        return self.query_one("#transcript", Transcript)

    @property
    def prompt(self) -> PromptInput:
        return self.query_one(PromptInput)

    def say(self, content: Text | str, style: str = "") -> None:
        self.transcript.say(content, style)

    def warn(self, message: str) -> None:
        self.say(message, "yellow")

    def completion_words(self) -> list[str]:
        words: list[str] = []
        for unit in self.snap.units.values():
            words.append(unit.name)
            words.extend(unit.aliases)
        words += ["逾期", "本周", "本月", "30天内", *STATUSES, "看板"]
        return words

    def completion_keys(self) -> dict[str, str]:
        keys: dict[str, str] = {}
        for unit in self.snap.units.values():
            for key in (unit.initials, unit.pinyin):
                if key:
                    keys.setdefault(key.lower(), unit.name)
        return keys

    def task_by_id(self, task_id: int) -> Task | None:
        return self.snap.tasks.get(task_id)

    def missing(self, task_id: int) -> None:
        ids = sorted(self.snap.tasks)
        hint = f"（现有编号 {ids[0]}–{ids[-1]}）" if ids else "（数据库中没有任务）"
        self.warn(f"没有编号为 {task_id} 的任务{hint}。")

    # -- header and greeting -----------------------------------------------------------------
    def refresh_header(self) -> None:
        self.query_one(StatusHeader).update(
            clean(self.snap.title), list(self.snap.tasks.values()), self.today
        )

    def greet(self) -> None:
        tasks = list(self.snap.tasks.values())
        overdue, soon = due_counts(tasks, self.today)
        text = Text(
            f"{clean(self.ctx.user)}，您好！今天是 {self.today.isoformat()}，共 {len(tasks)} 项任务，"
        )
        text.append(f"逾期 {overdue} 项", style="bold red" if overdue else "")
        text.append("，")
        text.append(f"7 天内到期 {soon} 项", style="yellow" if soon else "")
        text.append(
            "。\n输入编号（如 7）、单位（如 编办）或关键词；“7 完成 说明”标记完成；F1 查看帮助。"
        )
        self.say(text)

    # -- the list ----------------------------------------------------------------------------
    def show_base(self) -> None:
        self.apply_view(self.base)

    def view_tasks(self, view: View) -> list[Task]:
        return view_tasks(self.snap, self.today, view)

    def view_label(self, cmd: Command) -> str:
        return view_label(cmd, self.today)

    def apply_view(self, view: View, *, stay: bool = False) -> None:
        """Show a view in the list: at once for filters, in a worker for searches."""
        self.generation += 1
        if view.kind == "search":
            self.run_search(view.query, self.generation, stay)
            return
        self.fill(self.view_tasks(view), {}, self.generation, stay=stay)

    def fill(
        self,
        tasks: list[Task],
        spans: dict[int, list[tuple[int, int]]],
        generation: int,
        total: int | None = None,
        stay: bool = False,
    ) -> None:
        if generation < self.shown_generation:
            return
        lst = self.tasks_widget
        lst.show(tasks, self.today, spans, keep=lst.task_id, total=total, stay=stay)
        self.query_one("#tasks-title", PaneTitle).text = lst.label
        self.shown_generation = generation
        self.show_detail(lst.task_id)

    @on(Worker.StateChanged)
    def worker_failed(self, event: Worker.StateChanged) -> None:
        """Background work (search, reload) never takes the app down: say what went wrong."""
        if event.state == WorkerState.ERROR and event.worker.group != "index":
            error = event.worker.error
            message = error.message if isinstance(error, ZwgkError) else repr(error)
            self.warn(f"后台任务出错：{message}")

    def view_for(self, cmd: Command) -> View | None:
        """The list view a (partly typed) command asks for, or None to leave the list alone."""
        if cmd.name == "empty":
            return self.base
        if cmd.name in ("card", "mark", "note", "note_prompt", "confirm", "send_back"):
            return View("task", f"#{cmd.task_id}", cmd)
        if cmd.name == "view":
            return View("view", self.view_label(cmd), cmd)
        if cmd.name == "search":
            units = self.unit_names(cmd.text)
            if units:
                return View("unit", "、".join(units), cmd, units=units)
            return View("search", cmd.text, cmd, query=cmd.text)
        return None

    @on(PromptInput.Changed, "#prompt")
    def prompt_changed(self, event: PromptInput.Changed) -> None:
        view = self.view_for(parse(event.value))
        if view is not None:
            self.apply_view(view)

    @on(TaskList.Highlighted, "#tasks")
    def highlighted(self, event: TaskList.Highlighted) -> None:
        self.show_detail(event.task_id)

    @on(TaskList.Selected, "#tasks")
    def selected(self, event: TaskList.Selected) -> None:
        self.open_detail()
        self.show_card(event.task_id)

    # -- detail pane -------------------------------------------------------------------------
    def show_detail(self, task_id: int | None, *, now: bool = False) -> None:
        """Show a task in the detail pane: soon (after a burst of keys), or `now`."""
        self._detail_task = task_id
        if self._detail_timer is not None:
            self._detail_timer.stop()
            self._detail_timer = None
        if not self.detail_visible:
            return  # painted when the pane is opened
        if now:
            self._paint_detail()
        else:
            self._detail_timer = self.set_timer(0.05, self._paint_detail)

    def _paint_detail(self) -> None:
        self._detail_timer = None
        pane = self.query_one(DetailPane)
        task_id = self._detail_task
        task = self.task_by_id(task_id) if task_id is not None else None
        if task is None:
            pane.show(Text("（没有选中的任务）", style="dim"))
            return
        history = [e for e in self.store_events() if e.task == task.id]
        card = task_card(task, self.today, history)
        refusal = self.refusal(task.id, "status")
        if refusal:
            card.append(f"\n只读：{clean(refusal)}", style="dim")
        pane.show(card)

    def refusal(self, task_id: int, action: str) -> str | None:
        """Why this user may not do `action` on the task (a permission file is in force)."""
        may = getattr(self.store, "may", None)
        if may is None:
            return None
        try:
            return may(task_id, action, snapshot=self.snap)  # type: ignore[no-any-return]
        except ZwgkError as exc:
            return exc.message

    _events_cache: tuple[tuple[int, int, int], list[Event]] | None = None

    def store_events(self) -> list[Event]:
        """The event log, re-read only when the database changed."""
        sig = self.snap.signature
        if self._events_cache is None or self._events_cache[0] != sig:
            try:
                events = self.store.events()
            except ZwgkError:
                events = []
            self._events_cache = (sig, events)
        return self._events_cache[1]

    def open_detail(self) -> None:
        self.set_class(True, "-detail")
        self.set_class(False, "-no-detail")
        self.call_after_refresh(self.show_detail, self.tasks_widget.task_id, now=True)

    @property
    def detail_visible(self) -> bool:
        return self.query_one("#detail-box").display

    def action_toggle_detail(self) -> None:
        if self.has_class("-wide"):
            self.toggle_class("-no-detail")
        else:
            self.toggle_class("-detail")
        self.call_after_refresh(self.show_detail, self.tasks_widget.task_id, now=True)

    def action_scroll_transcript(self, direction: int) -> None:
        log = self.transcript
        if direction < 0:
            log.scroll_page_up(animate=False)
        else:
            log.scroll_page_down(animate=False)

    def on_descendant_focus(self, event: object) -> None:
        self.query_one(KeyBar).mode = "list" if isinstance(self.focused, TaskList) else "prompt"

    # -- focus -------------------------------------------------------------------------------
    @on(PromptInput.FocusList)
    def action_focus_list(self) -> None:
        lst = self.tasks_widget
        lst.focus()
        if lst.option_count:
            lst.highlighted = 0

    def action_focus_input(self) -> None:
        if self.has_class("-narrow"):
            self.set_class(False, "-detail")  # back to the conversation
        self.prompt.focus()

    @on(PromptInput.HelpRequested)
    def help_requested(self) -> None:
        self.app.action_help()  # type: ignore[attr-defined]

    # -- submitting a line -------------------------------------------------------------------
    @on(PromptInput.Submitted, "#prompt")
    def submitted(self, event: PromptInput.Submitted) -> None:
        line = event.value
        self.prompt.value = ""
        self.history.add(line)
        if line.strip():
            self.run_line(line)

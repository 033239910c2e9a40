"""The main screen: header, task pane, transcript, detail pane and the chat prompt.

The screen composes widgets that own their state and wires their messages together:

- what is typed asks the `ChatController` (tui/controller.py) for a view, which the `TaskPane`
  shows (searching in its own worker); a submitted line, a list key or a palette `RunLine`
  becomes a `Reply` that `apply` carries out: say it, change the list, open a screen, or run
  slow work (import, export) in a worker;
- the list's highlight (`TaskList.Highlighted`) sets the `DetailPane`'s task;
- a list key that changes data asks first (`ConfirmChange`, screens/confirm.py); typing on the
  list (`TaskList.TypedOn`) or typing that ran on into a question goes to the prompt;
- a new snapshot arrives on `LiveData.changed` (a Signal): the header and the panes repaint
  themselves, and this screen writes colleagues' news into the transcript.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Label
from textual.worker import Worker, WorkerState

from zwgk.store.describe import describe_event, task_ref
from zwgk.store.errors import ZwgkError
from zwgk.store.eventlog import NO_CHANGE_ACTIONS
from zwgk.store.model import DOING, STATUSES, Event, Task
from zwgk.store.snapshot import Snapshot
from zwgk.store.textutil import one_line as clean
from zwgk.store.textwidth import fit
from zwgk.tui.actions import bindings_for
from zwgk.tui.controller import CYCLE, ChatController, Reply
from zwgk.tui.history import History
from zwgk.tui.live import LiveData
from zwgk.tui.messages import RunLine, SnapshotChanged, WorkFailed, failure_text
from zwgk.tui.screens.confirm import ConfirmChange
from zwgk.tui.views import View
from zwgk.tui.widgets.detail import DetailPane
from zwgk.tui.widgets.header import StatusHeader
from zwgk.tui.widgets.keybar import KeyBar
from zwgk.tui.widgets.oneline import OneLineInput
from zwgk.tui.widgets.panetitle import PaneTitle
from zwgk.tui.widgets.prompt import PromptInput
from zwgk.tui.widgets.tasklist import TaskList
from zwgk.tui.widgets.taskpane import TaskPane
from zwgk.tui.widgets.transcript import Transcript


class MainScreen(Screen[None]):
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]

    BINDINGS = bindings_for("screen")

    def __init__(self, live: LiveData, history: History) -> None:
        super().__init__()
        self.live = live
        self.history = history
        self.controller = ChatController(live)
        self.first_frame_at: float | None = None  # perf_counter() when first painted (bench)
        self._announce: View | None = None  # the search view whose hits should be summed up
        self._unsaid: list[tuple[Text | str, str]] = []  # news that came while covered

    # -- layout ------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield StatusHeader(self.live, id="header")
        with Horizontal(id="body"):
            with Vertical(id="left"):
                yield TaskPane(self.live, id="task-pane")
                yield PaneTitle(
                    "对话（PgUp/PgDn 翻看）", id="transcript-title", classes="pane-title"
                )
                yield Transcript(id="transcript")
            with Vertical(id="detail-box"):
                yield PaneTitle("详情（F2 显示/隐藏）", id="detail-title", classes="pane-title")
                yield DetailPane(self.live, id="detail")
        with Horizontal(id="prompt-row"):
            yield Label("> ", id="prompt-label")
            yield PromptInput(
                self.history,
                words=self.completion_words,
                keys=self.completion_keys,
                id="prompt",
                placeholder="输入编号、单位、关键词或提问；如 7 完成 已印发；F1 帮助",
                select_on_focus=False,
            )
        yield KeyBar(id="keys")

    def on_mount(self) -> None:
        self.prompt.cursor_blink = False
        self.prompt.focus()
        # Called at once, not posted to this screen: under the board, any message this
        # screen handles makes Textual repaint the whole board (it keeps the screen below
        # the top one current, with a repaint pending), ~10 ms at 100,000 tasks.
        self.live.changed.subscribe(self, self.snapshot_changed, immediate=True)
        self.call_after_refresh(self.first_frame)

    def first_frame(self) -> None:
        """The first frame is on screen: note the time (bench), greet, warm the index."""
        self.first_frame_at = time.perf_counter()
        self.apply(self.controller.greeting(self.live.ctx.user))
        self.pane.warm_index()

    # -- parts -------------------------------------------------------------------------------
    @property
    def pane(self) -> TaskPane:
        return self.query_one(TaskPane)

    @property
    def tasks_widget(self) -> TaskList:
        return self.query_one(TaskList)

    @property
    def transcript(self) -> Transcript:
        return self.query_one(Transcript)

    @property
    def prompt(self) -> PromptInput:
        return self.query_one(PromptInput)

    @property
    def detail(self) -> DetailPane:
        return self.query_one(DetailPane)

    @property
    def snap(self) -> Snapshot:
        return self.live.snapshot

    def say(self, content: Text | str, style: str = "") -> None:
        self.transcript.say(content, style)

    def completion_words(self) -> list[str]:
        words: list[str] = []
        for unit in self.snap.units.values():
            words.append(unit.name)
            words.extend(unit.aliases)
        return [*words, "逾期", "本周", "本月", "30天内", *STATUSES, "看板"]

    def completion_keys(self) -> dict[str, str]:
        keys: dict[str, str] = {}
        for unit in self.snap.units.values():
            for key in (unit.initials, unit.pinyin):
                if key:
                    keys.setdefault(key.lower(), unit.name)
        return keys

    # -- carrying out a reply ----------------------------------------------------------------
    def apply(self, reply: Reply) -> None:
        if reply.changed:
            self.reload_now()
        for content, style in reply.says:
            self.say(content, style)
        if reply.base is not None:
            self._announce = reply.base if reply.announce else None
            self.pane.rest_on(reply.base)
        if reply.select is not None:
            self.pane.select(reply.select)
            self.detail.task_id = reply.select
        if reply.note_for is not None:
            self.ask_note(reply.note_for)
        if reply.confirm is not None:
            question, detail, then = reply.confirm
            self.ask(question, detail, "", then)
        if reply.job is not None:
            self.run_worker(
                partial(self._run_job, reply.job), group="job", thread=True, exit_on_error=False
            )
        if reply.open == "help":
            self.app.action_help()  # type: ignore[attr-defined]
        elif reply.open == "board":
            self.action_board()
        elif reply.open == "detail":
            self.action_toggle_detail()
        elif reply.open == "quit":
            self.app.exit(0)

    def _run_job(self, job: Callable[[], Reply]) -> None:
        """In a worker thread: slow work whose reply is applied on the UI thread."""
        self.app.call_from_thread(self.apply, job())

    def reload_now(self) -> None:
        try:
            self.live.reload_now()
        except ZwgkError as exc:
            self.say(exc.message, "yellow")

    def run_line(self, line: str, *, echo: bool = True) -> None:
        if echo:
            self.transcript.ask(clean(line))
        width = max(30, self.transcript.size.width - 2)
        self.apply(self.controller.run(line, width))

    # -- messages ----------------------------------------------------------------------------
    @on(PromptInput.Changed, "#prompt")
    def prompt_changed(self, event: PromptInput.Changed) -> None:
        view = self.controller.view_for(event.value) if event.value.strip() else self.pane.base
        if view is not None:
            self.pane.show(view)

    @on(PromptInput.Submitted, "#prompt")
    def submitted(self, event: PromptInput.Submitted) -> None:
        line = event.value
        self.prompt.value = ""
        self.history.add(line)
        if line.strip():
            self.run_line(line)

    @on(RunLine)
    def run_line_message(self, event: RunLine) -> None:
        self.run_line(event.line, echo=event.echo)

    @on(TaskList.Highlighted)
    def highlighted(self, event: TaskList.Highlighted) -> None:
        self.detail.task_id = event.task_id

    @on(TaskList.Selected)
    def selected(self, event: TaskList.Selected) -> None:
        self.open_detail()
        self.apply(self.controller.card(event.task_id))

    @on(TaskPane.Searched)
    def searched(self, event: TaskPane.Searched) -> None:
        view = self._announce
        if view is not None and event.view is view:
            self._announce = None
            width = max(30, self.transcript.size.width - 2)
            self.apply(self.controller.search_summary(view.query, event.result, width))

    def on_screen_resume(self) -> None:
        """Back from the board (or a dialog): what changed meanwhile is drawn now — hidden,
        the header and the list skip the work (at 100,000 tasks most of a change's cost)."""
        self.pane.catch_up()
        self.query_one(StatusHeader).catch_up()
        unsaid, self._unsaid = self._unsaid, []
        for content, style in unsaid:
            self.say(content, style)

    def snapshot_changed(self, change: SnapshotChanged) -> None:
        if change.problem:
            says = [(f"{change.problem}（界面仍显示上次读到的内容）", "yellow")]
        else:
            says = self.controller.news(change.news).says
        if self.covered:
            # Under the board nothing of this screen shows, yet Textual repaints the whole
            # board for any line written here (it keeps the screen below the top one
            # current): the news is worded now and written when the board closes.
            self._unsaid.extend(says)
            return
        for content, style in says:
            self.say(content, style)

    @property
    def covered(self) -> bool:
        """An opaque screen (the board) is above this one: none of it shows. (A dialog is
        see-through: what happens here shows behind it.)"""
        stack = self.app.screen_stack
        above = stack[stack.index(self) + 1 :] if self in stack else []
        return any(screen.styles.background.a == 1 for screen in above)

    @on(Worker.StateChanged)
    def worker_failed(self, event: Worker.StateChanged) -> None:
        """Slow work (import, export) never takes the app down: say what failed."""
        if event.state == WorkerState.ERROR:
            self.say(failure_text(event.worker.error), "yellow")

    @on(WorkFailed)
    def work_failed(self, event: WorkFailed) -> None:
        self.say(failure_text(event.error), "yellow")

    def on_descendant_focus(self, event: object) -> None:
        # Focus shows without colour: a marked title on the list, the `>` before the prompt.
        on_list = isinstance(self.focused, TaskList)
        self.query_one(KeyBar).mode = "list" if on_list else "prompt"
        self.query_one("#tasks-title", PaneTitle).focused = on_list
        self.query_one("#prompt-label", Label).update("  " if on_list else "> ")

    @on(TaskList.TypedOn)
    def typed_on(self, event: TaskList.TypedOn) -> None:
        self.type_ahead(event.text)

    def type_ahead(self, text: str) -> None:
        """Typing that was not meant for the list: into the prompt, where typing continues."""
        self.prompt.focus()
        self.prompt.take(text)

    @on(OneLineInput.LinesJoined, "#prompt")
    def lines_joined(self, event: OneLineInput.LinesJoined) -> None:
        self.say(
            f"粘贴的 {event.lines} 行已合并为一行（以空格分隔），按 Enter 发送全部内容。", "dim"
        )

    def refused(self, exc: ZwgkError) -> None:
        """Say why a change was not made; a logged refusal of ours is not news."""
        self.live.own_refusal(exc)
        self.say(exc.message, "yellow")

    # -- the list's keys on the highlighted task: each asks first ----------------------------
    # `typed` is the character the key typed (passed by its binding, "" from the palette):
    # if the question is answered by more typing, it all goes back to the prompt.
    def highlighted_task(self) -> Task | None:
        task_id = self.tasks_widget.task_id
        task = self.live.full.tasks.get(task_id) if task_id is not None else None
        if task is None:
            self.say("列表中没有选中的任务。", "yellow")
        return task

    def ask(self, question: str, detail: str, typed: str, change: Callable[[], Reply]) -> None:
        """Make `change` only once the person has confirmed the question."""
        dialog = ConfirmChange(question, detail, typed)

        def done(yes: bool | None) -> None:
            if yes:
                self.make(change)
            elif dialog.handed_back:
                self.type_ahead(dialog.handed_back)

        self.app.push_screen(dialog, done)

    def make(self, change: Callable[[], Reply]) -> None:
        try:
            self.apply(change())
        except ZwgkError as exc:
            self.refused(exc)

    def task_name(self, task: Task) -> str:
        """`#7`, or the key `宣城2020-7` while several plans are shown."""
        return task_ref(task.id, self.live.label_of)

    def about(self, task: Task) -> str:
        return f"{self.task_name(task)} {fit(clean(task.text), 56, pad=False)}"

    def action_mark(self, status: str, typed: str = "") -> None:
        task = self.highlighted_task()
        if task is not None:
            self.ask(
                f"把 {self.task_name(task)} 标记为 {status}？",
                f"{self.about(task)}\n现在：{task.status} → {status}",
                typed,
                partial(self.controller.mark, task.id, status),
            )

    def action_cycle(self, typed: str = "") -> None:
        # The status asked about is the one saved, even if the task changes meanwhile.
        task = self.highlighted_task()
        if task is not None:
            self.action_mark(CYCLE.get(task.status, DOING), typed)

    def action_confirm(self, typed: str = "") -> None:
        task = self.highlighted_task()
        if task is not None:
            self.ask(
                f"办结确认 {self.task_name(task)}？",
                f"{self.about(task)}\n现在：{task.status}",
                typed,
                partial(self.controller.confirm, task.id),
            )

    def action_undo(self, typed: str = "") -> None:
        last = self.last_own_change()
        what = (
            describe_event(last, self.live.label_of)
            if last is not None
            else "以撤销时数据库中的记录为准"
        )
        self.ask("撤销自己最近一次修改？", f"将撤销：{what}", typed, self.controller.undo)

    def last_own_change(self) -> Event | None:
        """What `undo` would undo, as far as the events read so far tell (the store decides)."""
        user = clean(self.live.ctx.user)
        undone: set[int | None] = set()
        for event in reversed(self.live.events()):
            if event.action == "undo":
                undone.add(event.undoes)
            elif (
                event.user == user
                and event.task is not None
                and event.action not in NO_CHANGE_ACTIONS
                and event.seq not in undone
                and event.changes
            ):
                return event
        return None

    def action_note(self, typed: str = "") -> None:
        task = self.highlighted_task()
        if task is not None:
            self.ask_note(task.id, typed)

    def ask_note(self, task_id: int, typed: str = "") -> None:
        from zwgk.tui.screens.note import NotePrompt

        dialog = NotePrompt(task_id, typed, task_ref(task_id, self.live.label_of))

        def done(text: str | None) -> None:
            if text is None and dialog.handed_back:
                self.type_ahead(dialog.handed_back)
            else:
                self.make(partial(self.controller.note, task_id, text))

        self.app.push_screen(dialog, done)

    def action_next_plan(self) -> None:
        """F4 (p on the list): show the next plan, then all of them again."""
        self.apply(self.controller.next_plan())

    # -- panes and screens -------------------------------------------------------------------
    def action_board(self) -> None:
        from zwgk.tui.screens.board import BoardScreen

        def opened(unit: str | None) -> None:
            if unit:  # Enter on a unit's row: its tasks, as if its name had been typed
                self.run_line(unit)

        self.app.push_screen(BoardScreen(self.snap, self.live.today, live=self.live), opened)

    def open_detail(self) -> None:
        self.set_class(True, "-detail")
        self.set_class(False, "-no-detail")
        self.call_after_refresh(self.detail.paint)

    def action_toggle_detail(self) -> None:
        if self.has_class("-wide"):
            self.toggle_class("-no-detail")
        else:
            self.toggle_class("-detail")
        self.call_after_refresh(self.detail.paint)

    def action_scroll_transcript(self, direction: int) -> None:
        if direction < 0:
            self.transcript.scroll_page_up(animate=False)
        else:
            self.transcript.scroll_page_down(animate=False)

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

"""The main screen: header, task list, transcript, detail pane and the chat prompt.

Every typed line goes through `tui.chat.parse` and lands in a `command_<name>` method here.
Live filtering runs searches in an exclusive thread worker; another process's changes are
picked up by polling `Store.signature()` once a second.
"""

from __future__ import annotations

import contextlib
import threading
import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Label
from textual.worker import Worker, WorkerState, get_current_worker

from store.db import Snapshot, Store
from store.errors import ZwgkError
from store.model import DOING, DONE, STATUSES, TODO, Event, Task
from tui.chat import Command, parse
from tui.history import History
from tui.screens.views import View, view_label, view_tasks
from tui.widgets.cards import (
    clean,
    event_line,
    event_text,
    fit,
    light,
    pad,
    task_card,
    task_row,
    unit_card,
)
from tui.widgets.detail import DetailPane
from tui.widgets.header import StatusHeader
from tui.widgets.keybar import KeyBar
from tui.widgets.panetitle import PaneTitle
from tui.widgets.prompt import PromptInput
from tui.widgets.tasklist import LIMIT, TaskList
from tui.widgets.transcript import Transcript

if TYPE_CHECKING:
    from store.context import Context

CYCLE = {TODO: DOING, DOING: DONE, DONE: TODO}
UNDO_HINT = "撤销：按 u 或输入 /undo"


class MainScreen(Screen[None]):
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
        self._unreadable: tuple[int, int, int] | None = (
            None  # signature of a file we could not read
        )

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
        overdue = sum(t.overdue(self.today) for t in tasks)
        soon = sum(light(t, self.today) == "yellow" for t in tasks)
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

    def ensure_index(self) -> Any:
        """The search index of the current snapshot (built once, by whichever thread asks first)."""
        with self._index_lock:
            snap = self.snap
            if self.index is None or self._index_of is not snap:
                from store.search import SearchIndex

                self.index = SearchIndex.from_snapshot(snap)
                self._index_of = snap
            return self.index

    @work(exclusive=True, group="search", thread=True, exit_on_error=False)
    def run_search(self, query: str, generation: int, stay: bool = False) -> None:
        worker = get_current_worker()
        if generation != self.generation:
            return  # a newer keystroke already asked for something else
        try:
            result = self.ensure_index().search(query, today=self.today, limit=LIMIT)
        except ZwgkError:
            return
        if worker.is_cancelled or generation != self.generation:
            return
        tasks = [h.task for h in result.hits]
        spans = {h.task.id: list(h.spans) for h in result.hits}
        self.app.call_from_thread(self.fill, tasks, spans, generation, result.total, stay)

    @work(exclusive=True, group="index", thread=True, exit_on_error=False)
    def warm_index(self) -> None:
        """After the first frame: build the index and its pinyin tables before the first key."""
        with contextlib.suppress(Exception):
            self.ensure_index().search("zw", today=self.today, limit=1)

    @on(Worker.StateChanged)
    def worker_failed(self, event: Worker.StateChanged) -> None:
        """Background work (search, reload) never takes the app down: say what went wrong."""
        if event.state == WorkerState.ERROR and event.worker.group != "index":
            error = event.worker.error
            message = error.message if isinstance(error, ZwgkError) else repr(error)
            self.warn(f"后台任务出错：{message}")

    def unit_names(self, text: str) -> list[str]:
        """Units a whole line names (`区编办`, `编办`, `qbb`, `信息办`), else []."""
        if " " in text or not text or len(text) > 30:
            return []
        try:
            from store.search import WHOLE, norm, resolve_units, unit_match
        except ImportError:
            return [u.name for u in self.snap.units.values() if text in (u.name, *u.aliases)]
        q = norm(text)
        strong = False
        for unit in self.snap.units.values():
            level = unit_match(q, unit)
            if level == WHOLE or (
                level
                and not q.isascii()
                and any(norm(n).endswith(q) for n in (unit.name, *unit.aliases))
            ):
                strong = True
                break
        return resolve_units(text, self.snap.units) if strong else []

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

    def run_line(self, line: str, *, echo: bool = True) -> None:
        """Run one chat line as if typed (the palette uses this too)."""
        if echo:
            self.transcript.ask(clean(line))
        cmd = parse(line)
        handler = getattr(self, f"command_{cmd.name}", None)
        try:
            if handler is None:
                self.warn("没听懂这句话。输入 /help 查看可用的命令。")
            else:
                handler(cmd)
        except ZwgkError as exc:
            self.warn(exc.message)
        except Exception as exc:  # a chat line must never take the app down
            self.warn(f"出错了：{type(exc).__name__}: {exc}")

    def set_base(self, view: View) -> None:
        self.base = view
        self.apply_view(view)

    # -- chat commands -----------------------------------------------------------------------
    def command_empty(self, cmd: Command) -> None:
        pass

    def command_error(self, cmd: Command) -> None:
        self.warn(cmd.text)

    def command_card(self, cmd: Command) -> None:
        assert cmd.task_id is not None
        if self.task_by_id(cmd.task_id) is None:
            self.missing(cmd.task_id)
            return
        self.select(cmd.task_id)
        self.show_card(cmd.task_id)

    def select(self, task_id: int) -> None:
        lst = self.tasks_widget
        if task_id not in lst.ids:
            self.base = View()
            self.generation += 1
            self.fill(self.snap.task_list(), {}, self.generation)
        if task_id in lst.ids:
            lst.highlighted = lst.ids.index(task_id)
        self.show_detail(task_id)

    def show_card(self, task_id: int) -> None:
        task = self.task_by_id(task_id)
        if task is None:
            self.missing(task_id)
            return
        self.say(task_card(task, self.today))
        self.show_detail(task_id)

    def command_mark(self, cmd: Command) -> None:
        assert cmd.task_id is not None and cmd.status is not None
        self.mark(cmd.task_id, cmd.status, cmd.text)

    def command_note(self, cmd: Command) -> None:
        assert cmd.task_id is not None
        self.changed(self.store.add_note(cmd.task_id, cmd.text))

    def command_note_prompt(self, cmd: Command) -> None:
        assert cmd.task_id is not None
        self.ask_note(cmd.task_id)

    def command_confirm(self, cmd: Command) -> None:
        assert cmd.task_id is not None
        self.confirm(cmd.task_id, cmd.text)

    def command_send_back(self, cmd: Command) -> None:
        assert cmd.task_id is not None
        try:
            from store.signoff import send_back
        except ImportError:
            self.warn("退回功能尚未安装。")
            return
        self.changed(send_back(self.store, cmd.task_id, cmd.text))

    def command_view(self, cmd: Command) -> None:
        label = self.view_label(cmd)
        view = View("view", label, cmd)
        tasks = self.view_tasks(view)
        self.set_base(view)
        overdue = sum(t.overdue(self.today) for t in tasks)
        extra = f"，其中逾期 {overdue} 项" if overdue and cmd.view != "overdue" else ""
        self.say(self.summary(f"{label}：共 {len(tasks)} 项{extra}。", tasks))

    def summary(self, head: str, tasks: list[Task], n: int = 5) -> Text:
        out = Text(head)
        width = max(30, self.transcript.size.width - 4)
        for t in tasks[:n]:
            out.append("\n  ")
            out.append_text(task_row(t, self.today, text_cells=max(10, width - 22)))
        if len(tasks) > n:
            out.append(f"\n  ……另有 {len(tasks) - n} 项见上方列表", style="dim")
        return out

    def command_search(self, cmd: Command) -> None:
        units = self.unit_names(cmd.text)
        if units:
            self.unit_cards(units, cmd)
            return
        self.set_base(View("search", cmd.text, cmd, query=cmd.text))
        try:
            result = self.ensure_index().search(cmd.text, today=self.today, limit=LIMIT)
        except ImportError:
            self.warn("搜索功能尚未安装。")
            return
        tasks = [h.task for h in result.hits]
        if not result.total:
            hint = (
                f"您是不是要找“{clean(result.suggestion)}”？"
                if result.suggestion
                else "换个关键词试试，或输入 /help。"
            )
            self.say(f"没有找到与“{clean(cmd.text)}”相关的任务。{hint}")
            return
        overdue = sum(t.overdue(self.today) for t in tasks)
        head = f"找到 {result.total} 项，其中逾期 {overdue} 项。"
        for w in getattr(result, "warnings", []) or []:
            head += f"（{clean(w)}）"
        self.say(self.summary(head, tasks))

    def unit_cards(self, names: list[str], cmd: Command) -> None:
        self.set_base(View("unit", "、".join(names), cmd, units=names))
        tasks = self.snap.task_list()
        width = max(30, self.transcript.size.width - 2)
        for name in names[:3]:
            unit = self.snap.units.get(name)
            aliases = list(unit.aliases) if unit else []
            self.say(unit_card(name, aliases, tasks, self.today, width=width))
        if len(names) > 3:
            self.say(f"另有 {len(names) - 3} 个单位也符合：{'、'.join(names[3:])}", "dim")

    def command_help(self, cmd: Command) -> None:
        self.app.action_help()  # type: ignore[attr-defined]

    def command_undo(self, cmd: Command) -> None:
        self.action_undo()

    def command_units(self, cmd: Command) -> None:
        from store.query import unit_counts

        counts = unit_counts(self.snap, self.today)
        out = Text(pad("单位", 14) + " 牵头 配合 指导 完成 逾期", style="bold")

        for c in counts:
            out.append("\n" + pad(fit(clean(c.name), 14), 14))
            out.append(f"{c.lead:>5}{c.support:>5}{c.guide:>5}{c.done:>5}")
            out.append(f"{c.overdue:>5}", style="bold red" if c.overdue else "")
        out.append(
            f"\n共 {len(counts)} 个单位。输入单位名称（如 编办）查看该单位的任务。", style="dim"
        )
        self.say(out)

    def command_stats(self, cmd: Command) -> None:
        self.action_board()

    command_board = command_stats

    def action_board(self) -> None:
        try:
            from tui.screens.board import BoardScreen
        except ImportError:
            self.say_stats()
            return
        self.app.push_screen(BoardScreen(self.snap, self.today))

    def say_stats(self) -> None:
        tasks = list(self.snap.tasks.values())
        done = sum(t.status == DONE for t in tasks)
        overdue = sum(t.overdue(self.today) for t in tasks)
        self.say(f"共 {len(tasks)} 项，已完成 {done} 项，逾期 {overdue} 项。（看板尚未安装）")

    def command_import_file(self, cmd: Command) -> None:
        from store.importing import import_into, parse_file

        path = Path(cmd.text).expanduser()
        parsed = parse_file(path)
        with self.store.transaction() as txn:
            txn.require(None, "import")
            report = import_into(txn, parsed, year=None)
            self.my_seqs.update(int(e.get("seq", 0)) for e in txn.new_events)
        self.say(
            f"已导入《{clean(report.title)}》：新增 {report.added} 项，更新 {report.updated} 项，"
            f"未变 {report.unchanged} 项。"
        )
        if report.unparsed:
            self.warn(f"{len(report.unparsed)} 项的完成时间未能识别，已原样保留。")
        self.reload_now()

    def command_export_file(self, cmd: Command) -> None:
        try:
            from store.export import export_file
        except ImportError:
            self.warn("导出功能尚未安装。")
            return
        path = Path(cmd.text).expanduser()
        snap = self.store.snapshot()
        rows = export_file(snap, path, today=self.today, events=self.store.events())
        self.say(f"已导出 {rows} 项到 {clean(str(path))}。")

    def command_today(self, cmd: Command) -> None:
        if not cmd.text:
            self.say(
                f"今天是 {self.today.isoformat()}。用 /today YYYY-MM-DD 换一个日期来计算逾期。"
            )
            return
        self.ctx.today = date.fromisoformat(cmd.text)
        self.tasks_widget.today = self.today
        self.refresh_header()
        self.apply_view(self.base)
        tasks = list(self.snap.tasks.values())
        overdue = sum(t.overdue(self.today) for t in tasks)
        self.say(f"已将今天设为 {self.today.isoformat()}：逾期 {overdue} 项。")

    def command_quit(self, cmd: Command) -> None:
        self.app.exit(0)

    def command_detail(self, cmd: Command) -> None:
        self.action_toggle_detail()

    # -- changes -----------------------------------------------------------------------------
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
        from tui.screens.note import NotePrompt

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
        try:
            from store.signoff import confirm
        except ImportError:
            self.warn("办结确认功能尚未安装。")
            return
        self.changed(confirm(self.store, task_id, note))

    # -- live reload -------------------------------------------------------------------------
    def poll(self) -> None:
        try:
            sig = self.store.signature()
        except OSError:
            return
        if sig != self.snap.signature and sig != self._unreadable:
            self.reload_in_background(sig)

    @work(exclusive=True, group="reload", thread=True, exit_on_error=False)
    def reload_in_background(self, sig: tuple[int, int, int]) -> None:
        try:
            snap = self.store.snapshot()
            events = self.store.events()
        except ZwgkError as exc:
            # Say it once per state of the file, not every second; keep showing what we had.
            self._unreadable = sig
            self.app.call_from_thread(self.warn, f"{exc.message}（界面仍显示上次读到的内容）")
            return
        self._unreadable = None
        self.app.call_from_thread(self.use_snapshot, snap, events)

    def reload_now(self) -> None:
        self.use_snapshot(self.store.snapshot(), self.store.events())

    def use_snapshot(self, snap: Snapshot, events: list[Event]) -> None:
        """Swap in a fresh snapshot, keep the selection and what is typed, report others' edits."""
        if snap.signature == self.snap.signature and snap is not self.snap:
            return
        self.snap = snap
        self._events_cache = (snap.signature, events)
        news = [e for e in events if e.seq > self.last_seq and e.seq not in self.my_seqs]
        self.last_seq = max([self.last_seq, *(e.seq for e in events)])
        for e in news[-10:]:
            self.say(f"{clean(e.user)} 刚刚修改：{event_line(e)}", "cyan")
        if len(news) > 10:
            self.say(f"……另有 {len(news) - 10} 条修改，可用 zwgk log 查看。", "dim")
        self.refresh_header()
        typed = self.prompt.value
        view = self.view_for(parse(typed)) if typed else None
        self.apply_view(view or self.base, stay=True)

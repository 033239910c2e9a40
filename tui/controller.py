"""The chat controller: a typed line (or a list key) in, a `Reply` out.

Plain Python over the store and `LiveData` (no widgets): `tui.chat.parse` turns a line into a
`Command`, and `run` dispatches it to a `command_<name>` method through the parser's alias table
(as Frogmouth's omnibox does). A reply says what to write in the transcript and what the screen
should do next (show a view, select a task, open a screen, run slow work in a worker); the
screen applies it. Changes go through the store and are answered with before -> after and how
to undo them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text

from zwgk.store.describe import describe_event, event_line, task_ref
from zwgk.store.errors import ZwgkError
from zwgk.store.lazytasks import LazyTasks, task_facts
from zwgk.store.model import DOING, DONE, LIGHT_YELLOW, TODO, Event, Task
from zwgk.store.plans import find_plan, resolve
from zwgk.store.present import due_counts
from zwgk.store.service import Service, missing_task
from zwgk.store.textutil import one_line as clean
from zwgk.store.textwidth import fit, pad
from zwgk.tui.chat import Command, parse
from zwgk.tui.render import label_cells, task_card, task_row, unit_card
from zwgk.tui.views import View, view_label, view_tasks

if TYPE_CHECKING:
    from zwgk.store.ask import Answer
    from zwgk.store.search import SearchResult
    from zwgk.tui.live import LiveData

CYCLE = {TODO: DOING, DOING: DONE, DONE: TODO}
UNDO_HINT = "撤销：按 u 或输入 /undo"
SUMMARY_ROWS = 5
ALL_PLANS = {"全部", "全部方案", "all", "*"}


@dataclass
class Reply:
    """What one line or key asks of the screen, in the order the screen applies it."""

    says: list[tuple[Text | str, str]] = field(default_factory=list)  # (content, style)
    base: View | None = None  # the list's new resting view
    select: int | None = None  # highlight this task and show it in the detail pane
    open: str | None = None  # "help" "board" "detail" "quit"
    note_for: int | None = None  # ask for a note on this task (a dialog)
    job: Callable[[], Reply] | None = None  # slow work (import/export): run in a worker
    changed: bool = False  # data changed: reload before showing the rest
    announce: bool = False  # `base` is a search: sum up its hits when they arrive
    # (question, detail, what to do once the person confirms): e.g. replacing a file
    confirm: tuple[str, str, Callable[[], Reply]] | None = None

    def say(self, content: Text | str, style: str = "") -> Reply:
        self.says.append((content, style))
        return self

    def warn(self, message: str) -> Reply:
        return self.say(message, "yellow")


class ChatController:
    """Runs chat lines and list keys against the live snapshot; one method per command."""

    def __init__(self, live: LiveData) -> None:
        self.live = live
        self.service = Service(live.store)

    @property
    def snap(self) -> Any:
        return self.live.snapshot

    @property
    def today(self) -> date:
        return self.live.today

    # -- typed lines -------------------------------------------------------------------------
    def run(self, line: str, width: int = 78) -> Reply:
        """One submitted line. Never raises: problems become a yellow sentence."""
        return self.dispatch(parse(line), width)

    def dispatch(self, cmd: Command, width: int = 78) -> Reply:
        handler = getattr(self, f"command_{cmd.name}", None)
        if handler is None:
            return Reply().warn("没听懂这句话。输入 /help 查看可用的命令。")
        try:
            reply: Reply = handler(cmd, width)
        except ZwgkError as exc:
            self.live.own_refusal(exc)  # a logged refusal of ours is not a colleague's news
            return Reply().warn(exc.message)
        except Exception as exc:  # a chat line must never take the app down
            return Reply().warn(f"出错了：{type(exc).__name__}: {exc}")
        return reply

    def view_for(self, line: str) -> View | None:
        """The list view a (partly typed) line asks for, or None to leave the list alone."""
        cmd = parse(line)
        if cmd.name == "empty":
            return None
        if cmd.name in ("card", "mark", "note", "note_prompt", "confirm", "send_back"):
            try:
                task = self.resolve(cmd)
            except ZwgkError:
                if cmd.name == "card" and self.unknown_plan(cmd.task_ref):
                    return View("search", cmd.task_ref, cmd, query=cmd.task_ref)
                return View("task", cmd.task_ref, cmd, task=0)  # names no task: an empty list
            return View("task", self.live.label(task), cmd, task=task.id)
        if cmd.name == "view":
            return View("view", view_label(cmd, self.today), cmd)
        if cmd.name == "search":
            units = self.unit_names(cmd.text)
            if units:
                return View("unit", "、".join(units), cmd, units=units)
            if self.asks(cmd.text):  # the answer is worked out by the task pane's worker
                return View("ask", fit(clean(cmd.text), 30, pad=False), cmd, query=cmd.text)
            return View("search", cmd.text, cmd, query=cmd.text)
        return None

    def asks(self, text: str) -> bool:
        """Does a line ask more than keywords? Parsed only: this runs on every keystroke."""
        from zwgk.store.ask import understand

        return understand(self.snap, text, today=self.today).filters

    def question(self, text: str) -> Answer | None:
        """The answer to a line that asks more than keywords (units with a role, a status, a
        time, a count…); None for a plain search."""
        from zwgk.store.ask import ask

        answer = ask(self.snap, text, today=self.today)
        return answer if answer.understood.filters else None

    def unit_names(self, text: str) -> list[str]:
        """Units a whole line names (`区编办`, `编办`, `qbb`, `信息办`), else []."""
        if " " in text or not text or len(text) > 30:
            return []
        from zwgk.store.search import WHOLE, norm, resolve_units, unit_match

        q = norm(text)
        for unit in self.snap.units.values():
            level = unit_match(q, unit)
            if level == WHOLE or (
                level
                and not q.isascii()
                and any(norm(n).endswith(q) for n in (unit.name, *unit.aliases))
            ):
                return resolve_units(text, self.snap.units)  # type: ignore[no-any-return]
        return []

    # -- what a task number asks -------------------------------------------------------------
    def task(self, task_id: int) -> Task:
        """A task by its record id (the list's keys and dialogs hold it), in any plan."""
        task: Task | None = self.live.full.tasks.get(task_id)
        if task is None:
            raise missing_task(self.live.full, task_id)
        return task

    def resolve(self, cmd: Command) -> Task:
        """The task a typed id names: a key in any plan, a plain number in the current plan
        (or, showing all, in the active plans: refused with the keys when several have it)."""
        ref = cmd.task_ref or str(cmd.task_id)
        return resolve(self.live.full, ref, self.live.plan, hint="或先输入 /plan 方案代码 切换方案")

    def unknown_plan(self, ref: str) -> bool:
        """`COVID-19`: looks like a key, but no plan has that code (then it is a search)."""
        code, dash, _ = ref.rpartition("-")
        if not dash:
            return False
        try:
            find_plan(self.live.full.plans, code)
        except ZwgkError:
            return True
        return False

    def label(self, task_id: int | None) -> str:
        """How a reply names a task: `#7`, or `宣城2020-7` while several plans are shown."""
        return task_ref(task_id, self.live.label_of)

    def command_empty(self, cmd: Command, width: int) -> Reply:
        return Reply()

    def command_error(self, cmd: Command, width: int) -> Reply:
        return Reply().warn(cmd.text)

    def command_card(self, cmd: Command, width: int) -> Reply:
        try:
            task = self.resolve(cmd)
        except ZwgkError:
            if self.unknown_plan(cmd.task_ref):  # `COVID-19` is a search, not a task key
                return self.command_search(Command("search", text=cmd.task_ref), width)
            raise
        return self.card(task.id)

    def card(self, task_id: int) -> Reply:
        """A task's card in the transcript, selected on the list (Enter on a row)."""
        task = self.task(task_id)
        card = task_card(
            task, self.today, snap=self.live.full, label=self.live.label(task),
            label_of=self.live.label_of,
        )  # fmt: skip
        return Reply(select=task.id).say(card)

    def command_mark(self, cmd: Command, width: int) -> Reply:
        assert cmd.status is not None
        return self.mark(self.resolve(cmd).id, cmd.status, cmd.text)

    def command_note(self, cmd: Command, width: int) -> Reply:
        return self.saved(self.service.note(self.resolve(cmd).id, cmd.text))

    def command_note_prompt(self, cmd: Command, width: int) -> Reply:
        return Reply(note_for=self.resolve(cmd).id)

    def command_confirm(self, cmd: Command, width: int) -> Reply:
        return self.confirm(self.resolve(cmd).id, cmd.text)

    def command_send_back(self, cmd: Command, width: int) -> Reply:
        return self.saved(self.service.send_back(self.resolve(cmd).id, cmd.text))

    # -- changes (also what the list's keys do) ----------------------------------------------
    def mark(self, task_id: int, status: str, note: str = "") -> Reply:
        self.task(task_id)
        return self.saved(self.service.mark(task_id, status, note))

    def cycle(self, task_id: int) -> Reply:
        """Space on the list: 未开始 → 进行中 → 已完成 → 未开始."""
        return self.mark(task_id, CYCLE.get(self.task(task_id).status, DOING))

    def note(self, task_id: int, text: str | None) -> Reply:
        """The note dialog closed: None is a cancel, blank is nothing to save."""
        if text is None:
            return Reply()
        if not text.strip():
            return Reply().warn("备注内容为空，未做修改。")
        return self.saved(self.service.note(task_id, text))

    def confirm(self, task_id: int, note: str = "") -> Reply:
        self.task(task_id)
        return self.saved(self.service.confirm(task_id, note))

    def undo(self) -> Reply:
        event = self.service.undo()
        self.live.own(event.seq)
        reply = Reply(changed=True)
        what = describe_event(event, self.live.label_of)
        return reply.say(f"已撤销第 {event.undoes} 号修改：{what}。", "green")

    def saved(self, event: Event) -> Reply:
        """A change of ours was written: confirm it with before -> after and how to undo."""
        self.live.own(event.seq)
        reply = Reply(changed=True)
        if not event.changes:
            return reply.say(f"{self.label(event.task)} 没有变化（已是该状态）。", "dim")
        if event.action == "note":
            return reply.say(
                f"已保存 {self.label(event.task)} 进展：{clean(event.note)}。{UNDO_HINT}", "green"
            )
        note = f"（备注：{clean(event.note)}）" if event.note else ""
        what = describe_event(event, self.live.label_of)
        return reply.say(f"已保存：{what}{note}。{UNDO_HINT}", "green")

    def news(self, events: list[Event]) -> Reply:
        """Colleagues' changes that arrived with a reload."""
        reply = Reply()
        for e in events[-10:]:
            reply.say(f"{clean(e.user)} 刚刚修改：{event_line(e, self.live.label_of)}", "cyan")
        if len(events) > 10:
            reply.say(f"……另有 {len(events) - 10} 条修改，可用 zwgk log 查看。", "dim")
        return reply

    # -- views, searches and units -----------------------------------------------------------
    def command_view(self, cmd: Command, width: int) -> Reply:
        label = view_label(cmd, self.today)
        view = View("view", label, cmd)
        tasks = view_tasks(self.snap, self.today, view)
        overdue = sum(t.overdue(self.today) for t in tasks)
        extra = f"，其中逾期 {overdue} 项" if overdue and cmd.view != "overdue" else ""
        return Reply(base=view).say(
            self.summary(f"{label}：共 {len(tasks)} 项{extra}。", tasks, width)
        )

    def summary(self, head: str, tasks: list[Task], width: int) -> Text:
        out = Text(head)
        shown = tasks[:SUMMARY_ROWS]
        labels = [self.live.label(t) for t in shown]
        cells = label_cells(labels)
        for t, name in zip(shown, labels, strict=True):
            out.append("\n  ")
            row = task_row(
                t, self.today, text_cells=max(10, width - 22 - cells), label=name, label_cells=cells
            )
            out.append_text(row)
        if len(tasks) > SUMMARY_ROWS:
            out.append(f"\n  ……另有 {len(tasks) - SUMMARY_ROWS} 项见上方列表", style="dim")
        return out

    def command_search(self, cmd: Command, width: int) -> Reply:
        units = self.unit_names(cmd.text)
        if units:
            return self.unit_cards(units, cmd, width)
        answer = self.question(cmd.text)
        if answer is not None:  # a question: what was understood, the sentence, the list
            view = View("ask", fit(clean(cmd.text), 30, pad=False), cmd, query=cmd.text)
            reply = Reply(base=view).say(f"理解为：{answer.understood_line()}", "dim")
            return reply.say(clean(answer.answer))
        # The task pane runs the search in its worker; `search_summary` answers when it is done.
        return Reply(base=View("search", cmd.text, cmd, query=cmd.text), announce=True)

    def search_summary(self, query: str, result: SearchResult, width: int) -> Reply:
        if not result.total:
            hint = (
                f"您是不是要找“{clean(result.suggestion)}”？"
                if result.suggestion
                else "换个关键词试试，或输入 /help。"
            )
            return Reply().say(f"没有找到与“{clean(query)}”相关的任务。{hint}")
        tasks = [h.task for h in result.hits]
        overdue = sum(t.overdue(self.today) for t in tasks)
        head = f"找到 {result.total} 项，其中逾期 {overdue} 项。"
        for w in result.warnings:
            head += f"（{clean(w)}）"
        return Reply().say(self.summary(head, tasks, width))

    def unit_cards(self, names: list[str], cmd: Command, width: int) -> Reply:
        reply = Reply(base=View("unit", "、".join(names), cmd, units=names))
        for name in names[:3]:
            unit = self.snap.units.get(name)
            aliases = list(unit.aliases) if unit else []
            reply.say(unit_card(name, aliases, self.snap, self.today, width=width + 2))
        if len(names) > 3:
            reply.say(f"另有 {len(names) - 3} 个单位也符合：{'、'.join(names[3:])}", "dim")
        return reply

    def greeting(self, user: str) -> Reply:
        """Today's numbers; for a login the unit directory knows, that unit's open work."""
        units = self.snap.directory.units_of_login(user)
        if units:
            return self.my_work(user, units)
        overdue, soon = due_counts(task_facts(self.snap.tasks), self.today)
        text = Text(
            f"{clean(user)}，您好！今天是 {self.today.isoformat()}，共 {len(self.snap.tasks)} 项任务，"
        )
        text.append(f"逾期 {overdue} 项", style="bold red" if overdue else "")
        text.append("，")
        text.append(f"7 天内到期 {soon} 项", style="yellow" if soon else "")
        text.append(
            "。\n输入编号（如 7）、单位（如 编办）、关键词，或直接提问（如 网信办的逾期任务）；"
            "“7 完成 说明”标记完成；F1 查看帮助。"
        )
        return Reply().say(text)

    def my_work(self, user: str, units: list[str]) -> Reply:
        """The first screen of a street's or a department's clerk: what is still theirs to do."""
        names = "、".join(clean(u) for u in units)
        view = View("mine", f"{names} 待办", units=units)
        tasks = view_tasks(self.snap, self.today, view)
        overdue = sum(t.due is not None and t.due < self.today for t in tasks)
        soon = sum(t.light(self.today) == LIGHT_YELLOW for t in tasks)
        text = Text(f"{clean(user)}（{names}），您好！今天是 {self.today.isoformat()}，")
        text.append(f"本单位待办 {len(tasks)} 项，")
        text.append(f"逾期 {overdue} 项", style="bold red" if overdue else "")
        text.append("，")
        text.append(f"7 天内到期 {soon} 项", style="yellow" if soon else "")
        text.append("（列表按期限排列）。\n“7 完成 说明”标记本单位的进展；输入 全部 查看所有任务。")
        return Reply(base=view).say(text)

    # -- slash commands ----------------------------------------------------------------------
    def command_help(self, cmd: Command, width: int) -> Reply:
        return Reply(open="help")

    def command_undo(self, cmd: Command, width: int) -> Reply:
        return self.undo()

    def _kept_unit_counts(self) -> list[Any] | None:
        """The counts the read snapshot keeps (`zwgk units`' own), moved by a colleague's
        changes since: at 100,000 tasks counting them all again takes seconds."""
        from zwgk.store.readviews import unit_counts

        tasks = self.snap.tasks
        if not isinstance(tasks, LazyTasks) or tasks.titles != tasks.cache.view_titles(None):
            return None
        return unit_counts(tasks.cache, self.today, tasks.changed)

    def command_units(self, cmd: Command, width: int) -> Reply:
        from zwgk.store.stats import unit_counts

        counts = self._kept_unit_counts() or unit_counts(self.snap, self.today)
        out = Text(pad("单位", 14) + " 牵头 配合 指导 完成 逾期", style="bold")
        for c in counts:
            out.append("\n" + pad(fit(clean(c.name), 14), 14))
            out.append(f"{c.lead:>5}{c.support:>5}{c.guide:>5}{c.done:>5}")
            out.append(f"{c.overdue:>5}", style="bold red" if c.overdue else "")
        out.append(
            f"\n共 {len(counts)} 个单位。输入单位名称（如 编办）查看该单位的任务。", style="dim"
        )
        return Reply().say(out)

    def command_stats(self, cmd: Command, width: int) -> Reply:
        return Reply(open="board")

    command_board = command_stats

    def command_detail(self, cmd: Command, width: int) -> Reply:
        return Reply(open="detail")

    # -- the current plan --------------------------------------------------------------------
    def command_plan(self, cmd: Command, width: int) -> Reply:
        """`/plan` lists the plans, `/plan CODE` shows one, `/plan 全部` every active one."""
        word = cmd.text.strip()
        if not word:
            return self.plans_list(width)
        if word.lower() in ALL_PLANS:
            return self.switch_plan(None)
        return self.switch_plan(find_plan(self.live.full.plans, word).code)

    def plans_list(self, width: int = 78) -> Reply:
        full = self.live.full
        out = Text("方案：", style="bold")
        for plan in full.plans:
            count = len(full.only(plan.code).tasks)
            mark = "▶ " if plan.code == self.live.plan else "  "
            out.append(f"\n{mark}{pad(fit(clean(plan.code), 16), 16)} {plan.state} {count:>4} 项  ")
            out.append(fit(clean(plan.title), max(10, width - 31), pad=False), style="dim")
        current = self.live.plan or "全部方案"
        out.append(
            f"\n当前：{current}。输入 /plan 方案代码 切换，/plan 全部 查看全部方案；也可按 F4。",
            style="dim",
        )
        return Reply().say(out)

    def next_plan(self) -> Reply:
        """F4 (p on the list): the next plan in turn, then 全部方案 again."""
        full = self.live.full
        codes: list[str | None] = [None, *(p.code for p in full.plans if p.state != "已归档")]
        if self.live.plan is not None and self.live.plan not in codes:
            codes.append(self.live.plan)  # an archived plan shown by /plan
        if len(codes) <= 2 and self.live.plan is None:
            title = clean(full.title)
            return Reply().say(f"只有一个方案《{title}》；导入另一个方案后可按 F4 切换。", "dim")
        return self.switch_plan(codes[(codes.index(self.live.plan) + 1) % len(codes)])

    def switch_plan(self, code: str | None) -> Reply:
        self.live.set_plan(code)
        snap = self.snap
        if code is None:
            head = f"已切换到全部方案（{len(snap.plans)} 个方案）"
        else:
            head = f"已切换到方案 {clean(snap.plans[0].code)}《{clean(snap.plans[0].title)}》"
        hint = "任务编号写作 方案代码-编号，如 " if snap.several_plans else "输入编号即可，如 "
        example = self.live.label(snap.task_list()[0]) if snap.tasks else "1"
        return Reply(base=View()).say(f"{head}：共 {len(snap.tasks)} 项。{hint}{example}。")

    def command_quit(self, cmd: Command, width: int) -> Reply:
        return Reply(open="quit")

    def command_today(self, cmd: Command, width: int) -> Reply:
        if not cmd.text:
            return Reply().say(
                f"今天是 {self.today.isoformat()}。用 /today YYYY-MM-DD 换一个日期来计算逾期。"
            )
        self.live.set_today(date.fromisoformat(cmd.text))
        day = self.today.isoformat()
        overdue = sum(
            due is not None and due < day and s != DONE for s, due in task_facts(self.snap.tasks)
        )
        return Reply().say(f"已将今天设为 {self.today.isoformat()}：逾期 {overdue} 项。")

    def command_import_file(self, cmd: Command, width: int) -> Reply:
        path = Path(cmd.text).expanduser()
        return Reply(job=lambda: self.import_file(path, cmd)).say(
            f"正在导入 {clean(str(path))}……", "dim"
        )

    def import_file(self, path: Path, cmd: Command) -> Reply:
        """In a worker: read and import a plan or an exchange file; a problem is one sentence.
        `cmd` carries `zwgk import`'s options (--year, --plan, --split-subitems)."""
        try:
            imported = self.service.import_file(
                path, year=cmd.year, title=cmd.title or None, split_subitems=cmd.split
            )
        except ZwgkError as exc:
            self.live.own_refusal(exc)
            return Reply().warn(exc.message)
        self.live.own(*imported.seqs)  # our own change: not news from a colleague
        report = imported.report
        reply = Reply(changed=True).say(
            f"已导入《{clean(report.title)}》：新增 {report.added} 项，更新 {report.updated} 项，"
            f"未变 {report.unchanged} 项。"
        )
        if report.unparsed:
            reply.warn(f"{len(report.unparsed)} 项的完成时间未能识别，已原样保留。")
        return reply

    def command_export_file(self, cmd: Command, width: int) -> Reply:
        path = Path(cmd.text).expanduser()
        return Reply(job=lambda: self.export_file(path)).say(
            f"正在导出到 {clean(str(path))}……", "dim"
        )

    def export_file(self, path: Path, *, force: bool = False) -> Reply:
        """In a worker: write the ledger the suffix names; an existing file is replaced only
        once the person says so."""
        from zwgk.store.export import ExportExists, absolute

        try:
            rows = self.service.export_file(path, force=force)
        except ExportExists as exc:
            again = Reply(job=lambda: self.export_file(path, force=True))
            question = f"文件 {clean(str(exc.path))} 已存在，要用这次导出替换它吗？"
            return Reply(confirm=(question, "原文件将被覆盖。", lambda: again))
        except ZwgkError as exc:
            return Reply().warn(exc.message)
        return Reply().say(f"已导出 {rows} 项到 {clean(str(absolute(path)))}。")

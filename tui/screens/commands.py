"""The chat commands: every line typed at the prompt lands in a `command_<name>` method here.

`tui.chat.parse` turns a line into a `Command`; `run_line` calls `command_<cmd.name>` with it.
`ChatHandlers` is a part of `MainScreen` (which inherits it), not a screen of its own; changes to
tasks go through `TaskEdits` (tui/screens/edits.py).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from rich.text import Text

from zwgk.store.errors import ZwgkError
from zwgk.store.model import Task
from zwgk.store.service import Service
from zwgk.store.signoff import send_back
from zwgk.store.textutil import one_line as clean
from zwgk.store.textwidth import fit, pad
from zwgk.tui.chat import Command, parse
from zwgk.tui.render import task_card, task_row, unit_card
from zwgk.tui.screens.parts import ScreenPart
from zwgk.tui.screens.views import View
from zwgk.tui.widgets.tasklist import LIMIT


class ChatHandlers(ScreenPart):
    """Runs chat lines; one `command_<name>` method per kind of parsed command."""

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
        result = self.ensure_index().search(cmd.text, today=self.today, limit=LIMIT)
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
        from zwgk.store.stats import unit_counts

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
        from zwgk.tui.screens.board import BoardScreen  # loaded on first use: app start-up

        self.app.push_screen(BoardScreen(self.snap, self.today))

    def command_import_file(self, cmd: Command) -> None:
        imported = Service(self.store).import_file(Path(cmd.text).expanduser())
        self.my_seqs.update(imported.seqs)  # our own change: not news from a colleague
        report = imported.report
        self.say(
            f"已导入《{clean(report.title)}》：新增 {report.added} 项，更新 {report.updated} 项，"
            f"未变 {report.unchanged} 项。"
        )
        if report.unparsed:
            self.warn(f"{len(report.unparsed)} 项的完成时间未能识别，已原样保留。")
        self.reload_now()

    def command_export_file(self, cmd: Command) -> None:
        path = Path(cmd.text).expanduser()
        rows = Service(self.store).export_file(path)
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

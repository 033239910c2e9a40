"""Command palette (Ctrl+P): the chat commands, findable by Chinese or English words."""

from __future__ import annotations

from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

# (title, help, chat line it runs)
PALETTE: tuple[tuple[str, str, str], ...] = (
    ("帮助 help", "全部按键和命令", "/help"),
    ("撤销 undo", "撤销自己最近一次修改", "/undo"),
    ("单位一览 units", "全部单位及任务数", "/units"),
    ("看板 stats board", "各单位进度和期限时间线", "/stats"),
    ("逾期 overdue", "查看逾期任务", "逾期"),
    ("本周到期 week", "查看本周到期的任务", "本周"),
    ("本月到期 month", "查看本月到期的任务", "本月"),
    ("30天内到期", "查看 30 天内到期的任务", "30天内"),
    ("未开始 todo", "按状态查看", "未开始"),
    ("进行中 doing", "按状态查看", "进行中"),
    ("受阻 blocked", "按状态查看", "受阻"),
    ("已完成 done", "按状态查看", "已完成"),
    ("全部任务 all", "列表显示全部任务", "全部"),
    ("详情 detail", "显示或隐藏详情区", "/detail"),
    ("今天 today", "查看当前用于计算逾期的日期", "/today"),
    ("退出 quit", "退出 zwgk", "/quit"),
)

# (title, help, screen action) for what the list keys do to the highlighted task.
ACTIONS: tuple[tuple[str, str, str], ...] = (
    ("标记进行中 s doing", "把选中的任务标记为进行中", "mark('进行中')"),
    ("标记已完成 d done", "把选中的任务标记为已完成", "mark('已完成')"),
    ("标记受阻 b blocked", "把选中的任务标记为受阻", "mark('受阻')"),
    ("恢复未开始 r todo", "把选中的任务恢复为未开始", "mark('未开始')"),
    ("切换状态 space cycle", "未开始 → 进行中 → 已完成", "cycle"),
    ("添加备注 n note", "为选中的任务添加进展备注", "note"),
    ("办结确认 c confirm", "确认选中的已完成任务", "confirm"),
    ("看板 F3 board", "各单位进度和期限时间线", "board"),
)


class ChatCommands(Provider):
    """Everything a chat command can do, run as if typed."""

    def _run(self, line: str) -> None:
        from zwgk.tui.screens.main import MainScreen

        for screen in self.app.screen_stack:
            if isinstance(screen, MainScreen):
                screen.run_line(line)
                return

    async def _act(self, action: str) -> None:
        from zwgk.tui.screens.main import MainScreen

        for screen in self.app.screen_stack:
            if isinstance(screen, MainScreen):
                await screen.run_action(action)
                return

    def _entries(self):  # type: ignore[no-untyped-def]
        for title, help_text, line in PALETTE:
            yield title, help_text, line, partial(self._run, line)
        for title, help_text, action in ACTIONS:
            yield title, help_text, action, partial(self._act, action)

    async def discover(self) -> Hits:
        for title, help_text, _, run in self._entries():
            yield DiscoveryHit(title, run, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, key, run in self._entries():
            score = matcher.match(f"{title} {key}")
            if score > 0:
                yield Hit(score, matcher.highlight(title), run, help=help_text)

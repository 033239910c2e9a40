"""Every key of the app, written once (as Harlequin's `HARLEQUIN_ACTIONS`).

From `ACTIONS` come the `BINDINGS` of the app, the main screen, the task list and the prompt
(`bindings_for`), the key bar's two hint lines (`key_hints`), the palette's action entries
(`palette_actions`) and the key table of the help screen (`key_table`). `CHAT_COMMANDS` are
the palette's other entries: chat lines, run as if typed.

An action's name (`mark('进行中')`, `cycle`, …) is what the screen and widgets implement as
`action_<name>`; `runs` says which of them has it, `bound` where the key is declared (and so
where it works). A list key that runs a screen action is bound as `screen.<name>`.

No letter typed on the list changes the record by itself: a list key that would (`asks`) only
opens a question (screens/confirm.py) or the note dialog, and its binding passes the typed
character along, so typing that ran on into the question can be handed back to the prompt.
Every other printable key on the list goes to the prompt (TaskList).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from textual.binding import Binding

Scope = Literal["app", "screen", "list", "prompt"]
Focus = Literal["prompt", "list", "dialog", "any"]

# How the help table and the key bar spell Textual's key names.
_KEY_NAMES = {
    "enter": "Enter",
    "tab": "Tab",
    "escape": "Esc",
    "space": "空格",
    "up": "↑",
    "down": "↓",
    "pageup": "PgUp",
    "pagedown": "PgDn",
    "home": "Home",
    "end": "End",
    "question_mark": "?",
}
_WHERE = {"prompt": "输入框", "list": "列表", "dialog": "确认框", "any": "任何地方"}


def key_name(key: str, *, short: bool = False) -> str:
    """`ctrl+p` -> `Ctrl+P` (help) or `^P` (the key bar, `short`); `f1` -> `F1`."""
    if key in _KEY_NAMES:
        return _KEY_NAMES[key]
    if key.startswith("ctrl+"):
        return ("^" if short else "Ctrl+") + key[5:].upper()
    if len(key) > 1 and key[0] == "f" and key[1:].isdigit():
        return key.upper()
    return key


@dataclass(frozen=True)
class Action:
    """One thing a key (or the palette) does."""

    id: str
    """Unique; also the Binding's id (so a keymap could rebind it)."""
    keys: str
    """Textual key names, comma-separated; "" for a key handled outside bindings (documented)."""
    action: str
    """The action as the `runs` namespace knows it, e.g. `mark('进行中')`."""
    runs: Scope
    """Who implements `action_<name>`."""
    label: str
    """Short, for the key bar."""
    description: str
    """Longer, for the help table and under the palette entry."""
    bound: Scope | None = None
    """Where the key is declared; defaults to `runs`."""
    where: Focus | None = None
    """Where the key works, for help's 位置 column; defaults from `bound`."""
    bar: tuple[Literal["prompt", "list"], ...] = ()
    """Key bar lines (by focus) that show this key, in registry order."""
    bar_key: str | None = None
    """How the key bar spells the key (default: its first key, short)."""
    help_key: str | None = None
    """How the help table spells the key(s); "" when another row already covers it."""
    title: str | None = None
    """The palette's title (default: `label`); None with `palette=False`."""
    palette: bool = True
    """Offered in the command palette (cursor moves and prompt editing are not)."""
    words: tuple[str, ...] = ()
    """More words the palette matches (English, chat synonyms)."""
    priority: bool = False
    asks: bool = False
    """The key changes data only after a question: its binding passes the typed character."""

    @property
    def scope(self) -> Scope:
        return self.bound or self.runs

    @property
    def focus(self) -> Focus:
        if self.where:
            return self.where
        return self.scope if self.scope in ("prompt", "list") else "any"  # type: ignore[return-value]

    @property
    def binding_action(self) -> str:
        """The action string as the declaring scope must write it; an asking key adds the
        character it types (`mark('已完成', 'd')`)."""
        action = self.action
        if self.asks:
            typed = repr(" " if self.keys == "space" else self.keys.split(",")[0])
            name, _, args = action.partition("(")
            args = args.rstrip(")")
            action = f"{name}({args + ', ' if args else ''}{typed})"
        return action if self.runs == self.scope else f"{self.runs}.{action}"

    @property
    def help_keys(self) -> str:
        if self.help_key is not None:
            return self.help_key
        return " 或 ".join(key_name(k) for k in self.keys.split(","))

    @property
    def bar_keys(self) -> str:
        return self.bar_key or key_name(self.keys.split(",")[0], short=True)

    @property
    def palette_title(self) -> str:
        return self.title or self.label


ACTIONS: tuple[Action, ...] = (
    # -- the prompt (help's rows in this order; the key bar's prompt line starts here) --------
    Action("type", "", "", "prompt", "", "即时筛选任务列表", help_key="直接打字", palette=False),
    Action(
        "submit", "enter", "submit", "prompt", "发送", "发送这一行（命令或搜索）并清空",
        bar=("prompt",), palette=False,
    ),
    Action(
        "transcript_up", "pageup", "scroll_transcript(-1)", "screen", "上翻", "翻看对话区",
        where="prompt", help_key="PgUp / PgDn", palette=False,
    ),
    Action(
        "transcript_down", "pagedown", "scroll_transcript(1)", "screen", "下翻", "翻看对话区",
        where="prompt", help_key="", palette=False,
    ),
    Action(
        "history_previous", "up", "history_previous", "prompt", "历史",
        "翻看以前输入的内容（下次打开仍在）",
        bar=("prompt",), bar_key="↑↓", help_key="↑ / ↓", palette=False,
    ),
    Action(
        "complete", "tab", "complete", "prompt", "补全", "补全单位名称和命令；无可补全时跳到列表",
        bar=("prompt",), palette=False,
    ),
    Action(
        "history_next", "down", "history_next", "prompt", "下一条/到列表", "跳到列表，选中第一行",
        help_key="↓（未翻历史时）", palette=False,
    ),
    # `?` types itself unless the prompt is empty: PromptInput handles that key itself.
    Action("help_prompt", "", "", "prompt", "", "打开本帮助", help_key="?（输入框为空时）", palette=False),
    # -- the task list --------------------------------------------------------------------------
    Action(
        "cursor_up", "up,k", "cursor(-1)", "list", "上移", "上下移动",
        help_key="↑ ↓ / j k", palette=False,
    ),
    Action("cursor_down", "down,j", "cursor(1)", "list", "下移", "上下移动", help_key="", palette=False),
    Action(
        "page_up", "pageup", "page(-1)", "list", "上页", "上下翻页",
        help_key="PgUp / PgDn", palette=False,
    ),
    Action("page_down", "pagedown", "page(1)", "list", "下页", "上下翻页", help_key="", palette=False),
    Action(
        "first", "home", "first", "list", "首行", "到首行 / 末行",
        help_key="Home / End", palette=False,
    ),
    Action("last", "end", "last", "list", "末行", "到首行 / 末行", help_key="", palette=False),
    Action("select", "enter", "select", "list", "查看", "在详情区和对话区显示该任务", palette=False),
    Action(
        "mark_doing", "s", "mark('进行中')", "screen", "进行中", "标记为“进行中”（先问，确认后保存）",
        bound="list", bar=("list",), title="标记进行中", words=("doing", "start"), asks=True,
    ),
    Action(
        "mark_done", "d", "mark('已完成')", "screen", "完成", "标记为“已完成”（先问，确认后保存）",
        bound="list", bar=("list",), title="标记已完成", words=("done",), asks=True,
    ),
    Action(
        "mark_blocked", "b", "mark('受阻')", "screen", "受阻", "标记为“受阻”（先问，确认后保存）",
        bound="list", bar=("list",), title="标记受阻", words=("blocked",), asks=True,
    ),
    Action(
        "mark_todo", "r", "mark('未开始')", "screen", "未开始", "恢复为“未开始”（先问，确认后保存）",
        bound="list", title="恢复未开始", words=("todo", "reset"), asks=True,
    ),
    Action(
        "cycle", "space", "cycle", "screen", "切换",
        "依次切换 未开始 → 进行中 → 已完成（先问，确认后保存）",
        bound="list", bar=("list",), title="切换状态", words=("cycle",), asks=True,
    ),
    Action(
        "note", "n", "note", "screen", "备注", "添加进展备注（一行，Enter 保存）",
        bound="list", bar=("list",), title="添加备注", words=("note",), asks=True,
    ),
    Action(
        "undo", "u", "undo", "screen", "撤销", "撤销自己最近一次修改（先问，确认后撤销）",
        bound="list", bar=("list",), title="撤销", words=("undo", "/undo"), asks=True,
    ),
    Action(
        "confirm", "c", "confirm", "screen", "办结", "办结确认已完成的任务（先问，确认后保存）",
        bound="list", bar=("list",), title="办结确认", words=("confirm",), asks=True,
    ),
    Action(
        "detail_list", "v", "toggle_detail", "screen", "详情", "显示 / 隐藏详情区",
        bound="list", palette=False,  # the palette offers F2's entry
    ),
    Action(
        "focus_input", "escape", "focus_input", "screen", "输入", "回到输入框",
        bound="list", bar=("list",), palette=False,
    ),
    Action(
        "type_list", "", "", "list", "", "转到输入框接着输入：列表里打字不会修改数据",
        help_key="其他字符（字母、汉字、粘贴）", palette=False,
    ),
    # -- the question before a change (screens/confirm.py) ---------------------------------------
    Action(
        "answer_yes", "", "", "screen", "", "确认修改（问题出现后再按；紧接着打的字不算）",
        where="dialog", help_key="Enter 或 y", palette=False,
    ),
    Action(
        "answer_no", "", "", "screen", "", "取消；打其他字也取消，字转到输入框",
        where="dialog", help_key="Esc 或 n", palette=False,
    ),
    # -- anywhere -------------------------------------------------------------------------------
    Action(
        "help", "f1,question_mark", "help", "app", "帮助", "帮助（全部按键和对话命令）",
        bar=("prompt", "list"), words=("help", "/help", "?"),
    ),
    Action(
        "detail", "f2", "toggle_detail", "screen", "详情", "显示 / 隐藏详情区",
        bar=("prompt",), words=("detail", "/detail"),
    ),
    Action(
        "board", "f3", "board", "screen", "看板", "看板：各单位进度和期限时间线",
        bar=("prompt",), words=("board", "stats", "/stats", "统计"),
    ),
    Action(
        "palette", "ctrl+p", "command_palette", "app", "命令", "命令面板（与下列命令相同）",
        bar=("prompt",), palette=False,
    ),
    Action(
        "quit", "ctrl+q", "quit", "app", "退出", "退出 zwgk",
        bar=("prompt",), priority=True, words=("quit", "exit", "/quit"),
    ),
    Action(
        "plan", "f4", "next_plan", "screen", "方案",
        "切换方案：依次显示各方案的任务和全部方案（也可输入 /plan 方案代码）",
        help_key="F4（列表上也可按 p）", title="切换方案",
        words=("plan", "/plan", "/方案", "fangan"),
    ),
    Action(
        "plan_list", "p", "next_plan", "screen", "方案", "切换方案",
        bound="list", help_key="", palette=False,  # F4's row and palette entry cover it
    ),
)  # fmt: skip

BY_ID: dict[str, Action] = {a.id: a for a in ACTIONS}


def bindings_for(scope: Scope) -> list[Binding]:
    """The `BINDINGS` of the app, the main screen, the task list or the prompt."""
    return [
        Binding(
            a.keys,
            a.binding_action,
            a.label,
            show=bool(a.bar),
            priority=a.priority,
            id=a.id,
        )
        for a in ACTIONS
        if a.keys and a.scope == scope
    ]


def key_hints(mode: Literal["prompt", "list"]) -> tuple[tuple[str, str], ...]:
    """The key bar's line for what has focus: (key, label) pairs."""
    return tuple((a.bar_keys, a.label) for a in ACTIONS if mode in a.bar)


def key_rows() -> list[tuple[str, str, str]]:
    """The help table's rows: (位置, 按键, 作用)."""
    return [(_WHERE[a.focus], a.help_keys, a.description) for a in ACTIONS if a.help_keys]


def key_table() -> str:
    """The help table as Markdown (help.md holds the rest of the help)."""
    lines = ["| 位置 | 按键 | 作用 |", "|---|---|---|"]
    lines += [f"| {where} | {keys} | {what} |" for where, keys, what in key_rows()]
    return "\n".join(lines)


def palette_actions() -> list[Action]:
    return [a for a in ACTIONS if a.palette]


@dataclass(frozen=True)
class ChatCommand:
    """A palette entry that runs a chat line (or, with `fill`, starts one in the prompt)."""

    title: str
    description: str
    line: str
    words: tuple[str, ...] = ()
    fill: bool = False
    """The line needs an argument: put it into the prompt for the person to finish."""


CHAT_COMMANDS: tuple[ChatCommand, ...] = (
    ChatCommand("导入", "导入工作方案：输入文件路径（.txt .docx .xlsx .csv .json）", "/import ",
                ("import", "/import", "/导入"), fill=True),
    ChatCommand("导出", "导出台账：输入文件路径（.xlsx .csv .md .json）", "/export ",
                ("export", "/export", "/导出"), fill=True),
    ChatCommand("单位一览", "全部单位及任务数", "/units", ("units", "/units", "/单位")),
    ChatCommand("今天", "以另一日期计算逾期：输入如 2021-06-30；留空看当前日期", "/today ",
                ("today", "/today", "/今天"), fill=True),
    ChatCommand("逾期", "查看逾期任务", "逾期", ("overdue",)),
    ChatCommand("本周到期", "查看本周到期的任务", "本周", ("week",)),
    ChatCommand("本月到期", "查看本月到期的任务", "本月", ("month",)),
    ChatCommand("30天内到期", "查看 30 天内到期的任务", "30天内", ("30days",)),
    ChatCommand("未开始", "查看未开始的任务", "未开始", ("todo",)),
    ChatCommand("进行中", "查看进行中的任务", "进行中", ("doing",)),
    ChatCommand("受阻", "查看受阻的任务", "受阻", ("blocked",)),
    ChatCommand("已完成", "查看已完成的任务", "已完成", ("done",)),
    ChatCommand("全部任务", "列表显示全部任务", "全部", ("all",)),
)  # fmt: skip

"""The bottom key hints: one line, chosen by what has focus.

Textual's Footer builds a widget per key (dozens of DOM nodes to style at start-up and on every
focus change); this is one widget that repaints one line.
"""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

HINTS: dict[str, tuple[tuple[str, str], ...]] = {
    "prompt": (
        ("Enter", "发送"),
        ("↑↓", "历史"),
        ("Tab", "补全"),
        ("F1", "帮助"),
        ("F2", "详情"),
        ("F3", "看板"),
        ("^P", "命令"),
        ("^Q", "退出"),
    ),
    "list": (
        ("s", "进行中"),
        ("d", "完成"),
        ("b", "受阻"),
        ("空格", "切换"),
        ("n", "备注"),
        ("u", "撤销"),
        ("c", "确认"),
        ("Esc", "输入"),
        ("F1", "帮助"),
    ),
}


def hint_text(hints: tuple[tuple[str, str], ...]) -> Text:
    out = Text(no_wrap=True, overflow="crop")
    for key, label in hints:
        out.append(key, style="bold")
        out.append(f" {label}  ")
    return out


class KeyBar(Widget):
    DEFAULT_CSS = """
    KeyBar {
        height: 1;
        width: 1fr;
        dock: bottom;
    }
    """

    mode: reactive[str] = reactive("prompt", layout=False)
    """Which set of hints to show: prompt or list."""

    def render(self) -> Text:
        return hint_text(HINTS.get(self.mode, HINTS["prompt"]))

"""Help: every key and every chat command, in Chinese.

The key table is generated from the action registry (tui/actions.py); tui/help.md holds the rest
(chat commands and prose) and marks where the table goes.

help.md is rendered as plain aligned lines rather than with Textual's Markdown widget: its
tables draw box characters, which are "ambiguous width" and break on CJK-configured terminals.
"""

from __future__ import annotations

from pathlib import Path

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from zwgk.tui.actions import key_table

HELP_PATH = Path(__file__).resolve().parent.parent / "help.md"


KEY_TABLE_MARK = "<!-- 按键表"


def help_text() -> str:
    """help.md with the registry's key table in place of its marker line."""
    lines = HELP_PATH.read_text(encoding="utf-8").splitlines()
    return "\n".join(key_table() if ln.startswith(KEY_TABLE_MARK) else ln for ln in lines) + "\n"


def _pad(text: str, cells: int) -> str:
    return text + " " * max(1, cells - cell_len(text))


def render_help(markdown: str) -> Text:
    """Headings bold, table rows as aligned columns, paragraphs as they are."""
    out = Text()
    header_next = False
    for raw in markdown.splitlines():
        line = raw.strip().replace("`", "")
        if line.startswith("# "):
            out.append(line[2:] + "\n", style="bold")
            continue
        if line.startswith("## "):
            out.append("\n" + line[3:] + "\n", style="bold underline")
            header_next = True
            continue
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            if all(set(c) <= {"-", ":"} for c in cells):
                continue
            style = "dim" if header_next else ""
            header_next = False
            if len(cells) >= 3:
                out.append("  " + _pad(cells[0], 10) + _pad(cells[1], 20) + cells[2] + "\n", style)
            elif cell_len(cells[0]) <= 28:
                out.append("  " + _pad(cells[0], 30) + cells[1] + "\n", style)
            else:
                out.append("  " + cells[0] + "\n" + " " * 32 + cells[1] + "\n", style)
            continue
        header_next = False
        out.append(line + "\n")
    out.rstrip()
    return out


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,f1,question_mark", "dismiss", "关闭"),
        Binding("j,down", "scroll('down')", "下", show=False),
        Binding("k,up", "scroll('up')", "上", show=False),
        Binding("pagedown,space", "page('down')", "下页", show=False),
        Binding("pageup", "page('up')", "上页", show=False),
        Binding("home", "top", "顶部", show=False),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-scroll"):
            yield Static(render_help(help_text()), id="help-body")

    def on_mount(self) -> None:
        self.query_one("#help-scroll", VerticalScroll).focus()

    def action_scroll(self, direction: str) -> None:
        scroll = self.query_one("#help-scroll", VerticalScroll)
        if direction == "down":
            scroll.scroll_down(animate=False)
        else:
            scroll.scroll_up(animate=False)

    def action_page(self, direction: str) -> None:
        scroll = self.query_one("#help-scroll", VerticalScroll)
        if direction == "down":
            scroll.scroll_page_down(animate=False)
        else:
            scroll.scroll_page_up(animate=False)

    def action_top(self) -> None:
        self.query_one("#help-scroll", VerticalScroll).scroll_home(animate=False)

"""Help: every key and every chat command, in Chinese (from tui/help.md)."""

from __future__ import annotations

from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP_PATH = Path(__file__).resolve().parent.parent / "help.md"


def help_text() -> str:
    return HELP_PATH.read_text(encoding="utf-8")


class HelpScreen(ModalScreen[None]):
    BINDINGS = [
        Binding("escape,q,f1,question_mark", "dismiss", "关闭"),
        Binding("j,down", "scroll('down')", "下", show=False),
        Binding("k,up", "scroll('up')", "上", show=False),
        Binding("pagedown,space", "page('down')", "下页", show=False),
        Binding("pageup", "page('up')", "上页", show=False),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-scroll"):
            yield Markdown(help_text(), id="help-body")

    def on_mount(self) -> None:
        scroll = self.query_one("#help-scroll", VerticalScroll)
        scroll.border_title = "帮助（Esc 关闭）"
        scroll.focus()

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

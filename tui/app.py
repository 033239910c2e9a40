"""The zwgk terminal app: a thin shell that reads the database and pushes `MainScreen`.

It owns what every screen shares: the `LiveData` (snapshot, event log, the signal that they
changed, polled once a second) and the person's input history.
"""

from __future__ import annotations

import os
from pathlib import Path

from textual.app import App

from zwgk.store.context import Context
from zwgk.store.db import Snapshot, Store
from zwgk.store.errors import ZwgkError
from zwgk.store.readcache import live_snapshot
from zwgk.tui.actions import BY_ID, bindings_for
from zwgk.tui.history import History, default_history_path
from zwgk.tui.live import LiveData
from zwgk.tui.screens.main import MainScreen
from zwgk.tui.screens.palette import ChatCommands, ZwgkPalette

POLL_SECONDS = 1.0  # how soon a colleague's change shows up


class ZwgkApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "zwgk 政务公开任务跟踪"
    COMMAND_PALETTE_DISPLAY = "命令"
    # Only our own entries: Textual's system commands (Theme, Keys, Screenshot…) are English.
    COMMANDS = {ChatCommands}
    BINDINGS = bindings_for("app")

    def __init__(
        self,
        ctx: Context,
        *,
        mouse: bool = True,
        history_path: Path | None = None,
        snapshot: Snapshot | None = None,
        poll_seconds: float = POLL_SECONDS,
    ):
        super().__init__()
        self.ctx = ctx
        self.mouse = mouse
        self.store = Store(ctx)
        self.first_snapshot = snapshot
        self.poll_seconds = poll_seconds
        self.live: LiveData | None = None
        self.history = History(history_path or default_history_path(ctx.user))
        if "TEXTUAL_ANIMATIONS" not in os.environ:
            self.animation_level = "none"  # slow SSH links: no animations by default

    def on_mount(self) -> None:
        try:
            snap = self.first_snapshot or live_snapshot(self.store)
        except ZwgkError as exc:
            self.exit(1, message=f"zwgk：{exc.message}")
            return
        self.first_snapshot = None
        self.live = LiveData(self, self.ctx, self.store, snap)
        self.push_screen(MainScreen(self.live, self.history))
        self.set_interval(self.poll_seconds, self.live.poll)

    def action_command_palette(self) -> None:
        """Textual's palette, speaking Chinese (see tui/screens/palette.py)."""
        if self.use_command_palette and not ZwgkPalette.is_open(self):
            self.push_screen(ZwgkPalette(id="--command-palette"))

    def action_help_quit(self) -> None:
        """Ctrl+C does not quit (it copies); say so in Chinese, not Textual's English."""
        self.notify(f"按 {BY_ID['quit'].help_keys} 退出 zwgk。", title="要退出吗？")

    def action_help(self) -> None:
        from zwgk.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    @property
    def main(self) -> MainScreen:
        return next(s for s in self.screen_stack if isinstance(s, MainScreen))


def make_app(
    ctx: Context,
    *,
    mouse: bool = True,
    history_path: Path | None = None,
    snapshot: Snapshot | None = None,
    poll_seconds: float = POLL_SECONDS,
) -> ZwgkApp:
    """The one factory used by `zwgk` and by the tests."""
    return ZwgkApp(
        ctx, mouse=mouse, history_path=history_path, snapshot=snapshot, poll_seconds=poll_seconds
    )


def run(ctx: Context, *, mouse: bool = True) -> int:
    # Read the database before taking over the terminal, so a problem with it is reported
    # as one Chinese sentence by the command line (a ZwgkError), not inside the TUI.
    snapshot = live_snapshot(Store(ctx))
    app = make_app(ctx, mouse=mouse, snapshot=snapshot)
    result = app.run(mouse=mouse)
    return int(result or 0)

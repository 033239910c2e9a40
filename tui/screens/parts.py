"""The base of `MainScreen`'s parts (ChatHandlers, TaskEdits, ListSearch, LiveReload).

Each part is a mixin in its own module; `MainScreen` inherits them all. `ScreenPart` is where
a part's type checker learns what it may use of the whole screen: the state `MainScreen`
sets up and the methods the screen or another part provides. At run time it is only a
`Screen` (the declarations below exist for type checking alone).
"""

from __future__ import annotations

import threading
from datetime import date
from typing import TYPE_CHECKING, Any

from textual.screen import Screen

if TYPE_CHECKING:
    from rich.text import Text

    from zwgk.store.context import Context
    from zwgk.store.db import Snapshot, Store
    from zwgk.store.model import Event, Task
    from zwgk.tui.chat import Command
    from zwgk.tui.history import History
    from zwgk.tui.screens.views import View
    from zwgk.tui.widgets.prompt import PromptInput
    from zwgk.tui.widgets.tasklist import TaskList
    from zwgk.tui.widgets.transcript import Transcript


class ScreenPart(Screen[None]):
    """A part of `MainScreen`; not a screen of its own."""

    if TYPE_CHECKING:
        # State, set up by MainScreen.__init__.
        ctx: Context
        store: Store
        history: History
        snap: Snapshot
        last_seq: int
        my_seqs: set[int]
        base: View
        generation: int
        index: Any
        _index_of: Snapshot | None
        _index_lock: threading.Lock
        _unreadable: tuple[int, int, int] | None
        _events_cache: tuple[tuple[int, int, int], list[Event]] | None

        # MainScreen (tui/screens/main.py).
        @property
        def today(self) -> date: ...
        @property
        def tasks_widget(self) -> TaskList: ...
        @property
        def transcript(self) -> Transcript: ...
        @property
        def prompt(self) -> PromptInput: ...
        def say(self, content: Text | str, style: str = "") -> None: ...
        def warn(self, message: str) -> None: ...
        def task_by_id(self, task_id: int) -> Task | None: ...
        def missing(self, task_id: int) -> None: ...
        def refresh_header(self) -> None: ...
        def view_tasks(self, view: View) -> list[Task]: ...
        def view_label(self, cmd: Command) -> str: ...
        def view_for(self, cmd: Command) -> View | None: ...
        def apply_view(self, view: View, *, stay: bool = False) -> None: ...
        def fill(
            self,
            tasks: list[Task],
            spans: dict[int, list[tuple[int, int]]],
            generation: int,
            total: int | None = None,
            stay: bool = False,
        ) -> None: ...
        def show_detail(self, task_id: int | None, *, now: bool = False) -> None: ...
        def action_toggle_detail(self) -> None: ...

        # ListSearch (searching.py).
        def ensure_index(self) -> Any: ...
        def unit_names(self, text: str) -> list[str]: ...

        # TaskEdits (edits.py).
        def mark(self, task_id: int, status: str, note: str = "") -> None: ...
        def changed(self, event: Event) -> None: ...
        def confirm(self, task_id: int, note: str) -> None: ...
        def ask_note(self, task_id: int) -> None: ...
        def action_undo(self) -> None: ...

        # LiveReload (reload.py).
        def reload_now(self) -> None: ...

"""Live reload: another process's changes show up within a second.

`poll` compares `Store.signature()` with the snapshot's once a second; when the file changed, a
thread worker reads it and `use_snapshot` swaps it in, keeping the selection and what is typed,
and says in the transcript what others changed. `LiveReload` is a part of `MainScreen` (which
inherits it), not a screen of its own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work

from zwgk.store.describe import event_line
from zwgk.store.errors import ZwgkError
from zwgk.store.model import Event
from zwgk.store.textutil import one_line as clean
from zwgk.tui.chat import parse
from zwgk.tui.screens.parts import ScreenPart

if TYPE_CHECKING:
    from zwgk.store.db import Snapshot


class LiveReload(ScreenPart):
    """Keeps `snap` in step with the database file."""

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

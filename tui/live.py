"""The database as the app last read it, kept in step with the file by polling.

One `LiveData` per app. Once a second `poll` compares the file's signature with the snapshot's;
when another process wrote, a thread worker reads the new snapshot and `changed` (a Textual
`Signal`) is published with a `SnapshotChanged`: the header, the task pane, the detail pane and
the board subscribe and repaint themselves. After a change of our own the caller runs
`reload_now()`, so the answer and the new state appear together; `own()` remembers our event
numbers so they are not announced as a colleague's.

The app has a current plan (`plan`, a code; None is 全部方案, every active plan): `snapshot` is
what the views show, the file's snapshot (`full`) narrowed to it. Typed ids resolve in `full`
(a key names a task of any plan; a plain number is taken in the current plan), and `label`
names a task as the person would type it here.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from datetime import date
from functools import partial

from textual.app import App
from textual.signal import Signal

from zwgk.store.context import Context
from zwgk.store.db import Snapshot, Store
from zwgk.store.errors import ZwgkError
from zwgk.store.lazytasks import LazyTasks
from zwgk.store.model import Event, Task
from zwgk.store.plans import task_key
from zwgk.store.readcache import live_snapshot
from zwgk.store.search import adopt, built_index, index_for
from zwgk.store.tail import Rolled, roll
from zwgk.tui.messages import SnapshotChanged

Signature = tuple[int, int, int]


FREEZE_AT = 20_000  # tasks: below this a full collection is quick; no need to freeze


def settle_heap(tasks: int) -> None:
    """What was just loaded (a snapshot, a search index: hundreds of thousands of objects at
    100,000 tasks) stays: moved out of the cyclic collector's sight (`gc.freeze`), so its
    full collections, which would walk it all (~180 ms), no longer pause the app. Objects
    are still freed by reference counting when a newer snapshot replaces them (only cycles
    among them would linger, which is why small databases — and the tests' many apps in one
    process — are left alone)."""
    if tasks >= FREEZE_AT:
        gc.collect(1)  # the young garbage of the load first, not frozen with the rest
        gc.freeze()


class LiveData:
    """The snapshot every view shows, the event log beside it, and the signal that they changed."""

    def __init__(self, app: App[object], ctx: Context, store: Store, snapshot: Snapshot) -> None:
        self.app = app
        self.ctx = ctx
        self.store = store
        self.plan: str | None = None  # the current plan's code; None: every active plan
        self.full = snapshot  # every plan, as read
        self.snapshot = snapshot.only()  # what the views show: the current plan's tasks
        self.changed: Signal[SnapshotChanged] = Signal(app, "snapshot-changed")
        self.last_seq = int(snapshot.meta.get("last_seq", 0))
        self._mine: set[int] = set()
        self._unreadable: Signature | None = None  # a state of the file we could not read
        self._events: tuple[Signature, list[Event]] | None = None
        self._reading = False  # a read of the file is under way in a worker
        self._index_now(self.snapshot)
        settle_heap(len(snapshot.tasks))

    @property
    def today(self) -> date:
        return self.ctx.today

    def set_today(self, day: date) -> None:
        """`/today`: every deadline light changes, so every view repaints."""
        self.ctx.today = day
        self.changed.publish(SnapshotChanged(self.snapshot, day))

    @staticmethod
    def _index_now(snap: Snapshot) -> None:
        """A snapshot over the read snapshot gets its search index at once: prepared there,
        it loads in a blink, and every view (逾期, a unit, 本周) goes through it, never through
        a pass that would build 100,000 tasks. (The first open after an import prepares it,
        once, for everyone.)"""
        if isinstance(snap.tasks, LazyTasks):
            index_for(snap)

    # -- the current plan --------------------------------------------------------------------
    def set_plan(self, code: str | None) -> None:
        """Show one plan (its code) or, with None, every active plan; every view repaints."""
        self.snapshot = self.full.only(code)
        self.plan = None if code is None else self.snapshot.plans[0].code
        self.changed.publish(SnapshotChanged(self.snapshot, self.today))

    def _narrow(self, snap: Snapshot) -> Snapshot:
        """`snap` narrowed to the current plan; all active plans when it is gone (renamed)."""
        if self.plan is not None:
            try:
                return snap.only(self.plan)
            except ZwgkError:
                self.plan = None
        return snap.only()

    def label(self, task: Task) -> str:
        """How a person names the task here: its number in the current plan's view (or while
        one plan is active), else its key (`宣城2020-3`)."""
        if task.id in self.snapshot.tasks:
            return self.snapshot.label(task)
        return task_key(self.full, task)

    def quick_labels(self) -> Callable[[int], str | None] | None:
        """`label` by task id, read from a column without building the task (one plan shown,
        the task in it; None from it otherwise: ask `label`), while this snapshot is shown;
        None when no column can tell."""
        snap = self.snapshot
        if not isinstance(snap.tasks, LazyTasks) or snap.several_plans:
            return None
        number = snap.tasks.numbers()

        def quick(task_id: int) -> str | None:
            if self.snapshot is not snap:
                return None
            n = number(task_id)
            return None if n is None else str(n)

        return quick

    def label_of(self, task_id: int | None) -> str:
        """`label` for a record id (events name tasks by it)."""
        task = self.full.tasks.get(task_id) if task_id is not None else None
        return self.label(task) if task is not None else str(task_id)

    def own(self, *seqs: int) -> None:
        """Events this session wrote: not news to announce."""
        self._mine.update(seqs)

    def own_refusal(self, exc: BaseException) -> None:
        """A refusal is logged as an event (`PermissionDenied.seq`): ours, not a colleague's."""
        seq = getattr(exc, "seq", None)
        if isinstance(seq, int):
            self.own(seq)

    def events(self) -> list[Event]:
        """The audit trail of the current snapshot (read again only when the file changed)."""
        sig = self.snapshot.signature
        if self._events is None or self._events[0] != sig:
            try:
                self._events = (sig, self.store.events())
            except ZwgkError:
                self._events = (sig, [])
        return self._events[1]

    # -- following the file ------------------------------------------------------------------
    def poll(self) -> None:
        try:
            sig = self.store.signature()
        except OSError:
            return
        if sig != self.snapshot.signature and sig != self._unreadable and not self._reading:
            # One read at a time: a full read of 100,000 tasks outlasts the poll's second, and
            # a thread worker cannot be cancelled, so starting another would only pile up.
            self._reading = True
            self.app.run_worker(
                partial(self._read, sig),
                name="reload",
                group="reload",
                exclusive=True,
                thread=True,
                exit_on_error=False,
            )

    def _read(self, sig: Signature) -> None:
        """In a thread: apply the log's tail to what we hold (a colleague's mark: a few
        milliseconds at any size) or, when the task file itself changed, read it; hand the
        result to the UI thread."""
        try:
            rolled = roll(self.full, self.store.path)
            if rolled is not None:
                self.app.call_from_thread(self.use_rolled, rolled)
                return
            snap, events = live_snapshot(self.store), self.store.events()
        except ZwgkError as exc:
            self.app.call_from_thread(self._failed, sig, exc.message)
            return
        except Exception as exc:  # a reload must never take the app down
            self.app.call_from_thread(self._failed, sig, f"读取数据库出错：{exc!r}")
            return
        self.app.call_from_thread(self.use, snap, events)

    def _failed(self, sig: Signature, message: str) -> None:
        # Said once per state of the file, not every second; the views keep what they had.
        self._reading = False
        self._unreadable = sig
        self.changed.publish(SnapshotChanged(self.snapshot, self.today, problem=message))

    def reload_now(self) -> None:
        """After a change of ours: read at once, so the answer and the new state agree."""
        rolled = roll(self.full, self.store.path)
        if rolled is not None:
            self.use_rolled(rolled)
            return
        self.use(live_snapshot(self.store), self.store.events())

    def use_rolled(self, rolled: Rolled) -> None:
        """Swap in a snapshot rolled forward from the log (store/tail.py): the tasks that did
        not change, the search index and the audit trail read so far are kept."""
        self._reading = False
        if rolled.snapshot.signature == self.full.signature:
            return
        shown = self.snapshot
        index = built_index(shown)
        self.full = rolled.snapshot
        self.snapshot = self._narrow(rolled.snapshot)
        if index is not None:
            adopt(self.snapshot, index.rolled(self.snapshot.tasks, rolled.changed))
        if self._events is not None and self._events[0] == shown.signature:  # it was current
            self._events = (self.snapshot.signature, [*self._events[1], *rolled.events])
        self._unreadable = None
        self._announce(rolled.events, frozenset(rolled.changed), shown)

    def use(self, snap: Snapshot, events: list[Event]) -> None:
        """Swap in a newer snapshot and announce it with the news of others since the last."""
        self._reading = False
        if snap.signature == self.full.signature and snap is not self.full:
            return
        self._unreadable = None
        self.full = snap
        self.snapshot = self._narrow(snap)
        self._events = (snap.signature, events)
        self._index_now(self.snapshot)
        settle_heap(len(snap.tasks))
        self._announce(events)

    def _announce(
        self,
        events: list[Event],
        changed: frozenset[int] | None = None,
        before: Snapshot | None = None,
    ) -> None:
        """Publish the new snapshot the views show (the current plan's, as at every other
        publish) with the news of others since the last, and which tasks differ from `before`
        when a roll knows it."""
        news = [e for e in events if e.seq > self.last_seq and e.seq not in self._mine]
        self.last_seq = max([self.last_seq, *(e.seq for e in events)])
        self.changed.publish(
            SnapshotChanged(self.snapshot, self.today, news=news, changed=changed, before=before)
        )

"""The task pane: its title, the task list, the view it shows and the search that fills it.

It owns what the list shows: a resting `base` view (what the prompt's last command asked for)
and the current view (what is being typed). Filters fill the list at once; searches run in an
exclusive thread worker over the search index of the current snapshot, so a newer keystroke
cancels an older search, and a result is dropped if its worker was cancelled before the result
reached the UI thread. A new snapshot (`LiveData.changed`) re-shows the current view in place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.worker import Worker, WorkerState, get_current_worker

from zwgk.store.lazytasks import LazyTasks
from zwgk.store.model import Task
from zwgk.store.search import SearchIndex, SearchResult, index_for
from zwgk.store.snapshot import Snapshot
from zwgk.tui.live import LiveData, settle_heap
from zwgk.tui.messages import SnapshotChanged, WorkFailed
from zwgk.tui.views import View, view_tasks
from zwgk.tui.widgets.panetitle import PaneTitle
from zwgk.tui.widgets.tasklist import LIMIT, HasSpans, TaskList

Spans = Mapping[int, HasSpans]


class TaskPane(Vertical):
    """A titled task list showing one `View` of the live snapshot."""

    @dataclass
    class Searched(Message):
        """A search finished and its hits are on the list."""

        view: View
        result: SearchResult

    def __init__(self, live: LiveData, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.live = live
        self.base = View()  # what the list rests on while the prompt is empty
        self.view = self.base
        self._behind = False  # a change came while the screen was hidden
        self._warmed: Snapshot | None = None  # whose index `warm_index` last warmed

    def compose(self) -> ComposeResult:
        yield PaneTitle("任务", id="tasks-title", classes="pane-title")
        yield TaskList(id="tasks")

    def on_mount(self) -> None:
        self.live.changed.subscribe(self, self.snapshot_changed)
        self.show(self.base)

    @property
    def task_list(self) -> TaskList:
        return self.query_one(TaskList)

    @property
    def task_id(self) -> int | None:
        """The highlighted task."""
        return self.task_list.task_id

    @property
    def snapshot(self) -> Snapshot:
        return self.live.snapshot

    @property
    def today(self) -> date:
        return self.live.today

    # -- views -------------------------------------------------------------------------------
    def rest_on(self, view: View) -> None:
        """Make `view` the resting view and show it."""
        self.base = view
        self.show(view)

    def show(self, view: View, *, stay: bool = False) -> None:
        """Show a view: at once for filters, in a worker for searches. `stay` (a reload) keeps
        the highlight's place when its task left the view."""
        self.view = view
        if view.kind == "search":
            self.search(view, stay)
            return
        if view.kind == "ask":  # a question goes through the index too: off the UI thread
            self.answer(view, stay)
            return
        self.workers.cancel_group(self, "search")  # an older search must not overwrite this
        try:
            tasks = view_tasks(self.snapshot, self.today, view)
        except Exception as exc:  # a view (a date past the calendar's end…) never ends the app
            self.post_message(WorkFailed(exc))
            tasks = []
        self.fill(tasks, {}, stay=stay)

    def fill(
        self, tasks: Sequence[Task], spans: Spans, *, total: int | None = None, stay: bool = False
    ) -> None:
        lst = self.task_list
        lst.show(
            tasks,
            self.today,
            spans,
            keep=lst.task_id,
            total=total,
            stay=stay,
            label=self.live.label,
            label_id=self.live.quick_labels(),
        )
        self.query_one(PaneTitle).text = lst.label

    def select(self, task_id: int) -> None:
        """Highlight a task, showing every task first if the current view lacks it."""
        if self.task_list.find(task_id) is None:
            self.rest_on(View())
        row = self.task_list.find(task_id)
        if row is not None:
            self.task_list.highlighted = row

    def snapshot_changed(self, change: SnapshotChanged) -> None:
        if change.problem:
            return
        # A new snapshot, not one rolled forward from the log (an import, another plan): its
        # index is new too, so its first keys are warmed again. A colleague's change keeps the
        # warm index (`changed` says what moved) and costs nothing more here.
        warmed = self._warmed
        if change.changed is None and warmed is not None and change.snapshot is not warmed:
            self.warm_index()
        if not self.screen.is_active:  # under the board or a dialog: filled again when shown
            self._behind = True
            return
        self.show(self.view, stay=True)

    def catch_up(self) -> None:
        """Shown again: show the view over the snapshot that changed while hidden."""
        if self._behind:
            self._behind = False
            self.show(self.view, stay=True)

    # -- searching ---------------------------------------------------------------------------
    def index(self) -> SearchIndex:
        """The search index of the current snapshot (built by whichever thread asks first)."""
        return index_for(self.snapshot)

    @work(exclusive=True, group="search", thread=True, exit_on_error=False)
    def search(self, view: View, stay: bool = False) -> None:
        worker = get_current_worker()
        result = self.index().search(view.query, today=self.today, limit=LIMIT)
        if not worker.is_cancelled:
            self.app.call_from_thread(self._searched, worker, view, result, stay)

    @work(exclusive=True, group="search", thread=True, exit_on_error=False)
    def answer(self, view: View, stay: bool = False) -> None:
        worker = get_current_worker()
        tasks = view_tasks(self.snapshot, self.today, view)
        if not worker.is_cancelled:
            self.app.call_from_thread(self._answered, worker, tasks, stay)

    def _answered(self, worker: Worker[None], tasks: Sequence[Task], stay: bool) -> None:
        if not worker.is_cancelled:
            self.fill(tasks, {}, stay=stay)

    def _searched(self, worker: Worker[None], view: View, result: SearchResult, stay: bool) -> None:
        if worker.is_cancelled:  # cancelled while the result waited for the UI thread
            return
        # Highlight spans are worked out for the rows drawn (`Hit.spans` is lazy), not for
        # every hit: 200 of them cost ~25 ms a keystroke at 100,000 tasks.
        spans = {h.task.id: h for h in result.hits}
        self.fill([h.task for h in result.hits], spans, total=result.total, stay=stay)
        self.post_message(self.Searched(view, result))

    @on(Worker.StateChanged)
    def worker_failed(self, event: Worker.StateChanged) -> None:
        """A failed search is reported up (the index warm-up is only an optimisation)."""
        if event.state == WorkerState.ERROR and event.worker.group == "search":
            self.post_message(WorkFailed(event.worker.error))

    @work(exclusive=True, group="index", thread=True, exit_on_error=False)
    def warm_index(self) -> None:
        """After the first frame: build what the first keys would otherwise wait for — the
        index and its pinyin tables, the status and due-date tables views filter by (逾期:
        ~100 ms at 100,000 tasks), the suggestion after a first miss (rapidfuzz and its
        vocabulary: up to ~150 ms), the question lexicon, the plan numbers typed ids name."""
        from zwgk.store.ask import understand
        from zwgk.store.model import STATUSES
        from zwgk.store.search import suggest

        snap = self._warmed = self.snapshot
        index = self.index()
        index.search("zw", today=self.today, limit=1)
        index.dues  # noqa: B018  (made on first use, like the status positions)
        for status in STATUSES:
            index.status_bits(status)
        suggest.prepare(index)
        understand(snap, "zw", today=self.today)
        if isinstance(snap.tasks, LazyTasks):
            snap.tasks.deciding(1)
        settle_heap(len(self.snapshot.tasks))

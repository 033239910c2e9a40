"""What crosses widget boundaries in the app: messages up the DOM, one signal across it.

Widgets post messages instead of reaching into each other (as Elia's `PromptInput.PromptSubmitted`
and Harlequin's `QueriesExecuted`): the palette asks for a chat line to be run, the task pane
says a search finished. A new snapshot concerns widgets on every screen (the header, the panes,
the board), so it travels as `SnapshotChanged` on `LiveData.changed`, a Textual `Signal`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from textual.message import Message

from zwgk.store.model import Event
from zwgk.store.snapshot import Snapshot


@dataclass
class RunLine(Message):
    """Run `line` as if it had been typed at the chat prompt (the palette, the board)."""

    line: str
    echo: bool = True


@dataclass(frozen=True)
class SnapshotChanged:
    """The data every view shows changed: a new snapshot, or a new "today" (`/today`).

    `news` are other people's events since the last snapshot, for the transcript; `problem`
    says why the file could not be read (the snapshot is then the last good one).

    `changed`, when known, names the tasks that differ from `before`, the snapshot this one
    replaces (a colleague's change applied from the log's tail): a view that holds `before`
    may update only what those tasks touch. None: anything may have changed (a full read,
    another plan shown, a new "today"), so views work everything out again.
    """

    snapshot: Snapshot
    today: date
    news: list[Event] = field(default_factory=list)
    problem: str = ""
    changed: frozenset[int] | None = None
    before: Snapshot | None = None

    def changed_since(self, held: Snapshot, today: date) -> frozenset[int] | None:
        """The ids of the tasks to look at again in a view that shows `held` as of `today`,
        or None when it must start over (it holds another snapshot, or the day moved)."""
        if self.changed is None or self.before is not held or today != self.today:
            return None
        return self.changed


@dataclass
class WorkFailed(Message):
    """Background work (a search, an import) failed; the screen says so instead of exiting."""

    error: BaseException | None


def failure_text(error: BaseException | None) -> str:
    """One sentence about a failure: ours are already Chinese sentences."""
    from zwgk.store.errors import ZwgkError

    message = error.message if isinstance(error, ZwgkError) else repr(error)
    return f"后台任务出错：{message}"

"""Messages that cross widget boundaries in the app.

Widgets post these instead of reaching into each other (as Elia's `PromptInput.PromptSubmitted`
and Harlequin's `QueriesExecuted`): the palette asks for a chat line to be run, the reload
worker announces a new snapshot, and whoever shows that data handles it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.message import Message

from zwgk.store.model import Event
from zwgk.store.snapshot import Snapshot


@dataclass
class RunLine(Message):
    """Run `line` as if it had been typed at the chat prompt (the palette, the board)."""

    line: str
    echo: bool = True


@dataclass
class SnapshotChanged(Message):
    """The database changed (ours or a colleague's): every view of it repaints from `snapshot`.

    `news` are the events of others since the last snapshot, for the transcript.
    """

    snapshot: Snapshot
    news: list[Event] = field(default_factory=list)

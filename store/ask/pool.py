"""The tasks a question is answered over: a search index, and what the answer asks per task.

An answer works on ranks (positions in the index's rank order, see `SearchIndex`). Over a
plain `Snapshot` every task is built already; over the read snapshot (`cached.py`)
a `Task` is built only for a task the answer prints, and ids, numbers and deadline kinds are
read from its columns and rows instead.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ..model import Task
from ..plans import resolve, task_number
from ..readviews import Ranked

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from ..search import SearchIndex
    from ..snapshot import Snapshot


class Pool:
    """A snapshot's tasks through its search index (`index_for`, kept while it is asked)."""

    def __init__(self, index: SearchIndex) -> None:
        self.index = index

    @classmethod
    def of(cls, snap: Snapshot) -> Pool:
        from ..search import index_for

        return cls(index_for(snap))

    def task(self, rank: int) -> Task:
        return self.index.tasks[rank]

    def order(self) -> Sequence[int]:
        """Per rank, a key that sorts as the record ids do."""
        index = self.index
        return index.cached("ask", "ids", lambda: [t.id for t in index.tasks])  # type: ignore[no-any-return]

    def numbers(self, ranks: list[int]) -> list[int]:
        """The plan's own number of each task (`plans.task_number`)."""
        tasks = self.index.tasks
        return [task_number(tasks[r]) for r in ranks]

    def kind_ranks(self, kinds: tuple[str, ...]) -> Iterator[int]:
        """Ranks of the tasks whose deadline is of one of these kinds."""
        return (p for p, t in enumerate(self.index.tasks) if t.deadline_kind in kinds)

    def resolve(self, snap: Snapshot, word: str, plan: str | None) -> Task:
        """`plans.resolve` (its refusal, an InputError, is the answer)."""
        return resolve(snap, word, plan)


class Hits(Ranked):
    """The tasks of an answer, in its order, each built when first used."""

    def __init__(self, pool: Pool, ranks: list[int]) -> None:
        super().__init__(pool, ranks)
        self.pool = pool
        self.ranks = ranks

    def numbers(self) -> list[int]:
        """`task_number` of each, without building the tasks."""
        return self.pool.numbers(self.ranks)

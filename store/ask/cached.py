"""`zwgk ask` over the read snapshot (`<db>.snap`, store/readcache.py), as `zwgk search` is.

The slots are evaluated over the prepared search index the snapshot keeps, and the lexicon is
made from its unit table: no `Task` is built but the ones an answer prints. Record ids come
from the positions (kept in id order), plan numbers from the `num` column, deadline kinds
from the rows, and a task number is resolved among the few tasks that decide it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from ..snaprows import NONE, optional
from .pool import Pool

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from ..model import Task
    from ..readcache import ReadCache
    from ..search import SearchIndex
    from ..snapshot import Snapshot


class CachedPool(Pool):
    """The view's tasks as the read snapshot holds them (`cached_pool`)."""

    def __init__(self, cache: ReadCache, index: SearchIndex, rank: Sequence[int]) -> None:
        super().__init__(index)
        self.cache = cache
        self.rank = rank  # the snapshot position of the task at each rank

    def task(self, rank: int) -> Task:
        return self.cache.task(self.rank[rank])

    def order(self) -> Sequence[int]:
        return self.rank  # positions are in id order

    def numbers(self, ranks: list[int]) -> list[int]:
        nums, ids, rank = self.cache.column("num"), self.cache.ids, self.rank
        out = []
        for r in ranks:
            pos = rank[r]
            n = nums[pos]
            out.append(ids[pos] if n is None or n == NONE else n)
        return out  # type: ignore[return-value]

    def kind_ranks(self, kinds: tuple[str, ...]) -> Iterator[int]:
        kind = self.cache.kind  # a column: no row unmarshalled, no Task built
        return (r for r, pos in enumerate(self.rank) if kind[pos] in kinds)

    def resolve(self, snap: Snapshot, word: str, plan: str | None) -> Task:
        """`plans.resolve` over a snapshot of the tasks that decide it: every task with that
        number, and the lowest and highest numbered task of each plan (its refusal quotes
        them)."""
        from ..plans import _KEY, resolve

        cache = self.cache
        m = _KEY.match(word.strip())
        keep: set[int] = set()
        if m is not None:
            number = int(m.group("n"))
            nums, ids, plans = cache.column("num"), cache.ids, cache.plan_of
            ends: dict[str, list[tuple[int, int]]] = {}
            for pos in self.rank:
                n = optional(nums[pos])
                n = ids[pos] if n is None else n
                if n == number:
                    keep.add(pos)
                low_high = ends.get(plans[pos])
                if low_high is None:
                    ends[plans[pos]] = [(n, pos), (n, pos)]
                elif n < low_high[0][0]:
                    low_high[0] = (n, pos)
                elif n > low_high[1][0]:
                    low_high[1] = (n, pos)
            keep.update(pos for pair in ends.values() for _, pos in pair)
        return resolve(cache.snapshot(sorted(keep), plan), word, plan)


class LazyPool(CachedPool):
    """The app's snapshot (`lazytasks.LazyTasks`) through its prepared index: as the read
    snapshot holds it, with the tasks a colleague's change replaced (`index.tasks`)."""

    def task(self, rank: int) -> Task:
        return self.index.tasks[rank]

    def resolve(self, snap: Snapshot, word: str, plan: str | None) -> Task:
        from ..plans import resolve

        return resolve(snap, word, plan)  # builds only the tasks that decide it


def pool_of(snap: Snapshot) -> Pool:
    """The pool `ask` answers over: the snapshot's own (`Pool.of`) or, for the app's lazily
    built snapshot, the read snapshot's columns and rows (`LazyPool`: only what prints is
    built)."""
    from ..lazytasks import LazyTasks, Patched
    from ..readviews import Ranked
    from ..search import index_for

    if isinstance(snap.tasks, LazyTasks):
        index = index_for(snap)
        tasks = index.tasks.base if isinstance(index.tasks, Patched) else index.tasks
        if isinstance(tasks, Ranked):
            return LazyPool(snap.tasks.cache, index, tasks.rank)
    return Pool.of(snap)


def cached_pool(cache: ReadCache, plan: str | None) -> tuple[Snapshot, CachedPool] | None:
    """The snapshot `ask` takes (plans, units, the directory: no tasks) and the pool of the
    view `Service.snapshot(plan)` gives; None when the snapshot keeps no prepared index for
    that view (another plan than the active ones): then ask the ordinary way."""
    from ..readviews import Ranked, search_index

    index = search_index(cache, _same_view(cache, plan))
    if index is None or not isinstance(index.tasks, Ranked):
        return None
    return cache.snapshot([], plan), CachedPool(cache, index, index.tasks.rank)


def _same_view(cache: ReadCache, plan: str | None) -> str | None:
    """None (the active plans, whose index is kept) when `--plan` names a view with exactly
    the same tasks — the one plan there is, or the one still active; else `plan`."""
    if plan is None:
        return None
    titles = cache.view_titles(plan)  # an unknown plan: the ordinary read's refusal
    kept = cache.view_titles(None)
    if titles is None:
        return plan
    same = kept == titles if kept is not None else set(cache.plan_of) <= titles
    return None if same else plan

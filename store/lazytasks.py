"""Tasks built only when asked for: the app's `Snapshot.tasks` over the read snapshot.

At 100,000 tasks, building every `Task` costs most of a second and ~180 MB, yet a screen shows
twenty of them. `LazyTasks` is the mapping `Snapshot.tasks` holds when the app opened the read
snapshot (`readcache`): a task is made from its row the first time something asks for it, and
whatever only needs statuses and due dates (the header's counts) reads the snapshot's columns.
A colleague's change replaces tasks in a new mapping (`with_changes`, store/tail.py); the rows
underneath never change, so old and new mappings share them.

The sequences here are what the list shows without building every task: `TaskSeq` (a view's
tasks in id order), `Picked` (some positions of another sequence, e.g. a filter's hits through
the search index) and `Patched` (a sequence with a few tasks replaced). Each names its tasks'
ids without building them (`id_at`), so the list can find a task by id.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date

from .lighttyping import overload
from .model import DONE, Task

Facts = Iterator[tuple[str, str | None]]
Counts = tuple[Counter[str], int]
Numbers = tuple[dict[int, list[int]], dict[str, tuple[int, int]]]  # number -> positions; ends

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from .readcache import ReadCache
    from .search.index import SearchIndex


class TaskSequence(Sequence[Task]):
    """A sequence of tasks that can name the id at a place without building the task."""

    def id_at(self, i: int) -> int:
        return self[i].id

    def find(self, task_id: int) -> int | None:
        """The place of the task with this id (a pass over ids, not over built tasks)."""
        for i in range(len(self)):
            if self.id_at(i) == task_id:
                return i
        return None

    @overload
    def __getitem__(self, i: int) -> Task: ...

    @overload
    def __getitem__(self, i: slice) -> list[Task]: ...

    def __getitem__(self, i: int | slice) -> Task | list[Task]:
        if isinstance(i, slice):
            return [self.at(j) for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self.at(i)

    def at(self, i: int) -> Task:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def __iter__(self) -> Iterator[Task]:
        return (self.at(i) for i in range(len(self)))


def find_id(tasks: Sequence[Task], task_id: int) -> int | None:
    """The place of task `task_id` in `tasks` (without building lazy tasks), None if absent."""
    if isinstance(tasks, TaskSequence):
        return tasks.find(task_id)
    return next((i for i, t in enumerate(tasks) if t.id == task_id), None)


def id_at(tasks: Sequence[Task], i: int) -> int:
    return tasks.id_at(i) if isinstance(tasks, TaskSequence) else tasks[i].id


class LazyTasks(Mapping[int, Task]):
    """Tasks by record id from a read snapshot, the plans `titles` (None: all) only, with the
    tasks a colleague's change replaced (`changed`) in front."""

    def __init__(
        self,
        cache: ReadCache,
        titles: frozenset[str] | None = None,
        changed: dict[int, Task] | None = None,
    ) -> None:
        self.cache = cache
        self.titles = titles
        self.changed: dict[int, Task] = changed or {}
        self._positions: Sequence[int] | None = None
        self._counted: dict[str, Counts] = {}  # today -> the counts of the rows as read
        self._numbers: Numbers | None = None

    # -- the view --------------------------------------------------------------------------
    @property
    def positions(self) -> Sequence[int]:
        """The read snapshot's positions of the tasks here, in id order."""
        if self._positions is None:
            self._positions = (
                range(self.cache.size) if self.titles is None else self.cache.in_view(self.titles)
            )
        return self._positions

    def _place(self, task_id: object) -> int | None:
        pos = self.cache.position(task_id)
        if pos is None:
            return None
        if self.titles is not None and self.cache.plan_of[pos] not in self.titles:
            return None
        return pos

    def narrowed(self, titles: frozenset[str]) -> LazyTasks:
        """The tasks of the plans `titles` only."""
        if self.titles is not None:
            titles = titles & self.titles
        return LazyTasks(self.cache, titles, self.changed)

    def with_changes(self, tasks: dict[int, Task]) -> LazyTasks:
        """These tasks replaced (the rows and the view are shared)."""
        out = LazyTasks(self.cache, self.titles, {**self.changed, **tasks})
        out._positions = self._positions
        out._counted = self._counted  # the same rows underneath: counted once
        out._numbers = self._numbers
        return out

    def with_cells(self, names: Iterable[str]) -> list[Task]:
        """The tasks here that name one of `names` in a unit cell, in id order."""
        places = sorted({p for name in names for p in self.cache.cell(name)})
        ids = self.cache.ids
        return [self[ids[p]] for p in places if self._place(ids[p]) is not None]

    def deciding(self, number: int) -> dict[int, Task]:
        """The tasks `plans.resolve` looks at for a typed `number`: those with that number
        in their plan, and the lowest and highest numbered of each plan (a refusal quotes
        them). Numbers are read from a column, once."""
        if self._numbers is None:
            self._numbers = self._number_index()
        by_number, ends = self._numbers
        ids = self.cache.ids
        keep = {*by_number.get(number, ()), *(p for pair in ends.values() for p in pair)}
        return {ids[p]: self[ids[p]] for p in sorted(keep)}

    def numbers(self) -> Callable[[int], int | None]:
        """`plans.task_number` of a task here by its id, read from the `num` column (a
        colleague's change never renumbers); None when the task is not here."""
        from .snaprows import NONE

        nums, place = self.cache.column("num"), self._place

        def number(task_id: int) -> int | None:
            pos = place(task_id)
            if pos is None:
                return None
            n = nums[pos]
            return task_id if n is None or n == NONE else n

        return number

    def _number_index(self) -> Numbers:
        from .snaprows import optional

        nums, ids, plans = self.cache.column("num"), self.cache.ids, self.cache.plan_of
        by_number: dict[int, list[int]] = {}
        ends: dict[str, tuple[int, int]] = {}
        low: dict[str, int] = {}
        high: dict[str, int] = {}
        for pos in self.positions:
            n = optional(nums[pos])
            n = ids[pos] if n is None else n
            by_number.setdefault(n, []).append(pos)
            title = plans[pos]
            if title not in ends:
                ends[title], low[title], high[title] = (pos, pos), n, n
            elif n < low[title]:
                ends[title], low[title] = (pos, ends[title][1]), n
            elif n > high[title]:
                ends[title], high[title] = (ends[title][0], pos), n
        return by_number, ends

    # -- Mapping -----------------------------------------------------------------------------
    def __getitem__(self, task_id: int) -> Task:
        found = self.changed.get(task_id)  # shared by every plan's view: is it this one's?
        if found is not None and (self.titles is None or found.plan in self.titles):
            return found
        pos = self._place(task_id)
        if pos is None:
            raise KeyError(task_id)
        return self.cache.task(pos)

    def __contains__(self, task_id: object) -> bool:
        return self._place(task_id) is not None

    def __iter__(self) -> Iterator[int]:
        ids = self.cache.ids
        return (ids[p] for p in self.positions)

    def __len__(self) -> int:
        return len(self.positions)

    # -- what is read without building tasks ---------------------------------------------------
    def in_order(self) -> TaskSeq:
        """Every task here in id order (`Snapshot.task_list`), each built when used."""
        return TaskSeq(self)

    def counts(self, today: date) -> Counts:
        """`count_facts` of these tasks: the rows as read are counted once per day, then
        each colleague's change only moves its task from one count to another."""
        day = today.isoformat()
        base = self._counted.get(day)
        if base is None:
            base = self._counted[day] = count_facts(self._row_facts(), today)
        if not self.changed:
            return base
        by_status, overdue = Counter(base[0]), base[1]
        status, due = self.cache.status, self.cache.due
        for task_id, task in self.changed.items():
            pos = self._place(task_id)
            if pos is None:
                continue
            for sign, (s, d) in ((-1, (status[pos], due[pos])), (1, fact_of(task))):
                by_status[s] += sign
                overdue += sign * (d is not None and d < day and s != DONE)
        return +by_status, overdue

    def _row_facts(self) -> Facts:
        status, due = self.cache.status, self.cache.due
        return ((status[p], due[p]) for p in self.positions)

    def facts(self) -> Facts:
        """(status, due date as ISO text or None) of each task, from the columns."""
        status, due, ids = self.cache.status, self.cache.due, self.cache.ids
        changed = self.changed
        for p in self.positions:
            task = changed.get(ids[p]) if changed else None
            yield (status[p], due[p]) if task is None else fact_of(task)

    def search_index(self) -> SearchIndex:
        """The search index of these tasks (`ReadCache.index_of`: prepared in the read
        snapshot for the active plans), with the tasks a colleague's change replaced."""
        index = self.cache.index_of(self)
        return index.rolled(self, self.changed) if self.changed else index


class TaskSeq(TaskSequence):
    """The tasks of a `LazyTasks` in id order."""

    def __init__(self, tasks: LazyTasks) -> None:
        self.tasks = tasks
        self.positions = tasks.positions
        self.ids = tasks.cache.ids

    def __len__(self) -> int:
        return len(self.positions)

    def id_at(self, i: int) -> int:
        return int(self.ids[self.positions[i]])

    def at(self, i: int) -> Task:
        return self.tasks[self.id_at(i)]

    def find(self, task_id: int) -> int | None:
        pos = self.tasks._place(task_id)
        if pos is None:
            return None
        i = bisect_left(self.positions, pos)  # positions ascend with ids
        return i if i < len(self.positions) and self.positions[i] == pos else None


class Picked(TaskSequence):
    """`tasks[p]` for each p of `places`, built when used; `ids[p]` names them."""

    def __init__(self, tasks: Sequence[Task], places: Sequence[int], ids: Sequence[int]) -> None:
        self.tasks = tasks
        self.places = places
        self.ids = ids

    def __len__(self) -> int:
        return len(self.places)

    def id_at(self, i: int) -> int:
        return int(self.ids[self.places[i]])

    def at(self, i: int) -> Task:
        return self.tasks[self.places[i]]

    def find(self, task_id: int) -> int | None:
        # Two C-level scans (the id's place among all, that place among the picked), not a
        # Python loop over `id_at`: the list looks for its highlighted task on every fill.
        try:
            return self.places.index(self.ids.index(task_id))
        except (ValueError, OverflowError):
            return None


class Patched(TaskSequence):
    """`base` with the tasks at some places replaced (a colleague's change)."""

    def __init__(self, base: Sequence[Task], replaced: dict[int, Task]) -> None:
        self.base = base
        self.replaced = replaced

    def __len__(self) -> int:
        return len(self.base)

    def id_at(self, i: int) -> int:
        found = self.replaced.get(i)
        return found.id if found is not None else id_at(self.base, i)

    def at(self, i: int) -> Task:
        found = self.replaced.get(i)
        return found if found is not None else self.base[i]


def fact_of(task: Task) -> tuple[str, str | None]:
    return task.status, task.due.isoformat() if task.due else None


def task_facts(tasks: Mapping[int, Task]) -> Facts:
    """(status, due date as ISO text or None) per task: from the read snapshot's columns when
    the tasks are built lazily, so counting builds none of them."""
    if isinstance(tasks, LazyTasks):
        return tasks.facts()
    return (fact_of(t) for t in tasks.values())


def count_facts(facts: Iterable[tuple[str, str | None]], today: date) -> Counts:
    """(tasks per status, how many are overdue: dated before today and not done)."""
    by_status: Counter[str] = Counter()
    overdue = 0
    day = today.isoformat()
    for status, due in facts:
        by_status[status] += 1
        if due is not None and due < day and status != DONE:
            overdue += 1
    return by_status, overdue


def task_counts(tasks: Mapping[int, Task], today: date) -> Counts:
    """`count_facts` of `tasks` (the app's lazily built ones: counted once, then kept up)."""
    if isinstance(tasks, LazyTasks):
        return tasks.counts(today)
    return count_facts(task_facts(tasks), today)

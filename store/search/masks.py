"""A `TaskFilter` evaluated over an index: one bitset every hit must be in.

The same filter `TaskFilter.matches` checks task by task, computed with the index's bitsets
instead: units resolve like `zwgk list --unit`, and due dates become a run of ranks (tasks
are ranked by due date, so "due within 30 days" is a contiguous slice, see
`SearchIndex.due_range`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from ..filters import TaskFilter, add_days
from ..lazytasks import Picked
from ..model import DONE, Task
from ..unitnames import resolve_units, suggest_unit

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from .index import SearchIndex


def filter_bits(
    index: SearchIndex, flt: TaskFilter, today: date, warnings: list[str]
) -> tuple[int, str | None]:
    """Tasks passing `flt`, and a unit suggestion when a unit word names no unit.

    What refers to nothing (a unit, an id) adds a sentence to `warnings` instead of raising:
    a search answers every keystroke.
    """
    mask = index.all_bits
    for raw in flt.units:
        names = resolve_units(raw, index.units)
        if not names:
            warnings.append(f"没有找到单位“{raw}”。")
            return 0, suggest_unit(raw, index.units)
        bits = 0
        for name in names:
            bits |= index.unit_bits(name, flt.role)
        mask &= bits
    if flt.statuses:
        bits = 0
        for status in flt.statuses:
            bits |= index.status_bits(status)
        mask &= bits
    if flt.overdue:
        mask &= index.due_range(None, add_days(today, -1)) & ~index.status_bits(DONE)
    if flt.dated:
        mask &= index.due_range(flt.due_from, flt.due_to)
    if flt.ids:
        bits = 0
        for tid in flt.ids:
            if tid in index.pos_of_id:
                bits |= 1 << index.pos_of_id[tid]
            else:
                warnings.append(f"没有编号为 {tid} 的任务。")
        mask &= bits
    if flt.group is not None:
        mask &= index.group_number_bits(flt.group)
    return mask, None


def filter_tasks(index: SearchIndex, flt: TaskFilter, today: date) -> Sequence[Task]:
    """`flt.apply` through the index's bitsets: the same tasks in the same order (by due
    date, undated last, then id, when `by_due`; else by id), without a pass over every task.
    A unit word that names no unit raises like `apply` does."""
    from ..errors import InputError
    from .bitsets import positions

    warnings: list[str] = []
    mask, _ = filter_bits(index, flt, today, warnings)
    if not mask and flt.units:
        for raw in flt.units:
            if not resolve_units(raw, index.units):
                raise InputError(f"没有找到单位“{raw}”，可用 zwgk units 查看全部单位。")
    places = positions(mask)  # rank order: due date, then id
    ids = index._rank_ids
    if not flt.by_due:
        places = sorted(places, key=ids.__getitem__)
    return Picked(index.tasks, places, ids)  # each task built when the list draws it

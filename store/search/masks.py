"""The filters of a parsed query applied to an index: one bitset every hit must be in.

Units resolve like `zwgk list --unit`; due dates become a run of ranks (tasks are ranked by
due date, so "due within 30 days" is a contiguous slice, see `SearchIndex.due_range`).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from ..model import DONE
from .parse import Query
from .unitmatch import resolve_units, suggest_unit

if TYPE_CHECKING:
    from .index import SearchIndex


def filter_bits(index: SearchIndex, q: Query, today: date) -> tuple[int, str | None]:
    """Tasks passing every filter of `q`, and a unit suggestion when a unit is unknown.

    Filters that refer to nothing add a warning to `q.warnings`.
    """
    mask = index.all_bits
    suggestion = None
    for raw in q.units:
        names = resolve_units(raw, index.units)
        if not names:
            q.warnings.append(f"没有找到单位“{raw}”。")
            suggestion = suggest_unit(raw, index.units)
            return 0, suggestion
        bits = 0
        for name in names:
            bits |= index.unit_bits(name)
        mask &= bits
    if q.statuses:
        bits = 0
        for status in q.statuses:
            bits |= index.status_bits(status)
        mask &= bits
    if q.overdue:
        mask &= index.due_range(None, today - timedelta(days=1)) & ~index.status_bits(DONE)
    for op, value in q.due:
        mask &= _due_bits(index, op, value, today)
    if q.ids:
        bits = 0
        for tid in q.ids:
            if tid in index.pos_of_id:
                bits |= 1 << index.pos_of_id[tid]
            else:
                q.warnings.append(f"没有编号为 {tid} 的任务。")
        mask &= bits
    return mask, suggestion


def _due_bits(index: SearchIndex, op: str, value: str, today: date) -> int:
    """One `due:` filter: a date (`due:<2021-06-30`) or days from today (`due:<30`)."""
    if op == "!":
        return 0
    if "-" in value:
        try:
            limit = date.fromisoformat(value)
        except ValueError:
            return 0
        if op in ("<", "<="):
            return index.due_range(None, limit)
        if op in (">", ">="):
            return index.due_range(limit, None)
        return index.due_range(limit, limit)
    days = int(value)
    try:
        limit = today + timedelta(days=days)
    except OverflowError:
        limit = date.max
    if op in (">", ">="):
        return index.due_range(limit + timedelta(days=1) if limit < date.max else limit, None)
    if op == "=":
        return index.due_range(limit, limit)
    return index.due_range(today, limit)  # `<30`: due within the next 30 days

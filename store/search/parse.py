"""A typed query taken apart: words to match, and the filters written among them.

`unit:编办`, `status:进行中`, `due:<30`, `逾期`, `#7`: filters narrow the result and never
score; they compile to the one `TaskFilter` (store/filters.py) that `zwgk list` flags and the
app's views compile to as well. Everything else is a term, normalised like the texts. A filter
that cannot be understood adds a warning and matches nothing (a wrong filter must not widen
the result). Applying the filter to an index is `masks.py`.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, timedelta

from ..filters import TaskFilter
from ..model import OVERDUE_WORDS, STATUSES, parse_status
from ..record import field, record, replace
from ..textutil import norm, sanitize

MAX_QUERY_CHARS = 200  # a longer query is cut: nobody types more, and it bounds the work
MAX_TERMS = 8

_DUE_FILTER = re.compile(r"(<=|>=|<|>|=)?\s*(\d{1,5}|\d{4}-\d{2}-\d{2})(?:d|天)?")

_FILTER_KEYS = {
    "unit": "unit",
    "单位": "unit",
    "u": "unit",
    "status": "status",
    "状态": "status",
    "s": "status",
    "due": "due",
    "期限": "due",
    "截止": "due",
}


NOTHING = "\0"  # a status no task has: what a status filter not understood matches


@record(slots=True)
class Query:
    """A search as typed: its words, its filter and what was not understood."""

    terms: list[str] = field(default_factory=list)  # normalised words
    filter: TaskFilter = field(default_factory=TaskFilter)
    warnings: list[str] = field(default_factory=list)


def due_span(op: str, value: str, today: date) -> tuple[date | None, date | None]:
    """One `due:` filter as an inclusive range: a date (`due:<2021-06-30`) or days from
    today (`due:<30` = due within the next 30 days). Unreadable: an empty range."""
    nothing = (date.max, date.min)
    if "-" in value:
        try:
            limit = date.fromisoformat(value)
        except ValueError:
            return nothing
        if op in ("<", "<="):
            return None, limit
        if op in (">", ">="):
            return limit, None
        return limit, limit
    try:
        limit = today + timedelta(days=int(value))
    except OverflowError:
        limit = date.max
    if op in (">", ">="):
        return (limit + timedelta(days=1) if limit < date.max else limit), None
    if op == "=":
        return limit, limit
    return today, limit


def _narrowed(flt: TaskFilter, lo: date | None, hi: date | None) -> TaskFilter:
    """`flt` with its due range intersected with [lo, hi]."""
    if flt.due_from is not None and (lo is None or flt.due_from > lo):
        lo = flt.due_from
    if flt.due_to is not None and (hi is None or flt.due_to < hi):
        hi = flt.due_to
    return replace(flt, due_from=lo, due_to=hi)


def parse_query(query: str, today: date | None = None) -> Query:
    """Terms and filters of a typed query; `today` dates `due:<30` (default: the clock)."""
    today = today or date.today()
    q = Query()
    units: list[str] = []
    statuses: list[str] = []
    ids: list[int] = []
    overdue = False
    due: TaskFilter = TaskFilter()
    text = unicodedata.normalize("NFKC", sanitize(query or "", keep_newlines=False))
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS]
        q.warnings.append(f"查询过长，只使用前 {MAX_QUERY_CHARS} 个字符。")
    for raw in text.split():
        key, sep, value = raw.partition(":")
        kind = _FILTER_KEYS.get(key.lower()) if sep else None
        if kind and value:
            if kind == "unit":
                units.append(value)
            elif kind == "status":
                if value.lower() in OVERDUE_WORDS:
                    overdue = True
                elif status := parse_status(value):
                    statuses.append(status)
                else:
                    q.warnings.append(f"状态“{value}”无法识别，可用：{'、'.join(STATUSES)}。")
                    statuses.append(NOTHING)  # a wrong filter must not widen the result
            else:
                m = _DUE_FILTER.fullmatch(value)
                if m:
                    due = _narrowed(due, *due_span(m.group(1) or "<", m.group(2), today))
                else:
                    q.warnings.append(f"期限条件“{value}”无法识别，例如 due:<30 表示 30 天内到期。")
                    due = _narrowed(due, date.max, date.min)
            continue
        if raw.lower() in OVERDUE_WORDS:
            overdue = True
            continue
        if raw.startswith("#") and raw[1:].isdigit() and len(raw) < 12:
            ids.append(int(raw[1:]))
            continue
        word = norm(raw)
        if word:
            q.terms.append(word)
    if len(q.terms) > MAX_TERMS:
        q.warnings.append(f"词语过多，只使用前 {MAX_TERMS} 个。")
        q.terms = q.terms[:MAX_TERMS]
    q.filter = TaskFilter(
        units=tuple(units),
        statuses=tuple(statuses),
        overdue=overdue,
        due_from=due.due_from,
        due_to=due.due_to,
        ids=tuple(ids),
    )
    return q

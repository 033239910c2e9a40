"""A typed query taken apart: words to match, and the filters written among them.

`unit:编办`, `status:进行中`, `due:<30`, `逾期`, `#7`: filters narrow the result and never
score; everything else is a term, normalised like the texts. A filter that cannot be
understood adds a warning and matches nothing (a wrong filter must not widen the result).
Applying the filters to an index is `masks.py`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from ..model import OVERDUE, STATUSES, parse_status
from ..textutil import sanitize
from .normalize import norm

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


@dataclass
class Query:
    terms: list[str] = field(default_factory=list)  # normalised words
    ids: list[int] = field(default_factory=list)  # `#7`
    statuses: list[str] = field(default_factory=list)
    overdue: bool = False
    due: list[tuple[str, str]] = field(default_factory=list)  # (op, value); op "!": unreadable
    units: list[str] = field(default_factory=list)  # raw `unit:` values
    warnings: list[str] = field(default_factory=list)


def parse_query(query: str) -> Query:
    q = Query()
    text = unicodedata.normalize("NFKC", sanitize(query or "", keep_newlines=False))
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS]
        q.warnings.append(f"查询过长，只使用前 {MAX_QUERY_CHARS} 个字符。")
    for raw in text.split():
        key, sep, value = raw.partition(":")
        kind = _FILTER_KEYS.get(key.lower()) if sep else None
        if kind and value:
            if kind == "unit":
                q.units.append(value)
            elif kind == "status":
                if value.lower() in (OVERDUE, "overdue"):
                    q.overdue = True
                elif status := parse_status(value):
                    q.statuses.append(status)
                else:
                    q.warnings.append(f"状态“{value}”无法识别，可用：{'、'.join(STATUSES)}。")
                    q.statuses.append("\0")  # matches nothing: a wrong filter must not widen
            else:
                m = _DUE_FILTER.fullmatch(value)
                if m:
                    q.due.append((m.group(1) or "<", m.group(2)))
                else:
                    q.warnings.append(f"期限条件“{value}”无法识别，例如 due:<30 表示 30 天内到期。")
                    q.due.append(("!", ""))
            continue
        if raw.lower() in (OVERDUE, "overdue"):
            q.overdue = True
            continue
        if raw.startswith("#") and raw[1:].isdigit() and len(raw) < 12:
            q.ids.append(int(raw[1:]))
            continue
        word = norm(raw)
        if word:
            q.terms.append(word)
    if len(q.terms) > MAX_TERMS:
        q.warnings.append(f"词语过多，只使用前 {MAX_TERMS} 个。")
        q.terms = q.terms[:MAX_TERMS]
    return q

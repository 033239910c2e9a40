"""Deadline phrases (完成时间) -> a due date and a kind. STUB: replaced by the full parser."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from .model import KIND_DATE, KIND_NONE, KIND_ONGOING, KIND_UNKNOWN


@dataclass(frozen=True)
class Deadline:
    kind: str
    due: date | None = None
    rule: str | None = None  # for recurring duties: "monthly:25", "quarterly", ...


def parse_deadline(text: str, plan_year: int) -> Deadline:
    t = re.sub(r"\s+", "", text or "")
    if not t:
        return Deadline(KIND_NONE)
    if "长期" in t or "持续" in t:
        return Deadline(KIND_ONGOING)
    m = re.search(r"(?:(\d{4})年)?(\d{1,2})月底", t)
    if m:
        y = int(m.group(1) or plan_year)
        mo = int(m.group(2))
        return Deadline(KIND_DATE, date(y, mo, calendar.monthrange(y, mo)[1]))
    return Deadline(KIND_UNKNOWN)

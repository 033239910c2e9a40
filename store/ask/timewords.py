"""Time in a question -> an inclusive due range, computed from `today` with python-dateutil.

Named spans (本周, 下个月, 明年上半年 …) come from the vocabulary table; written dates
(2021年6月, 6月底前, 2021年6月30日前) and spans of days (30天内, 两周内, 一个月内) are read
here. A month written without a year is the coming one: in December, 6月底前 means next June,
because people plan forward.
"""

from __future__ import annotations

import re
from datetime import date

from dateutil.relativedelta import relativedelta

from ..filters import add_days
from ..record import record

Span = tuple[date | None, date | None]

_CN = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_CN.update({"六": 6, "七": 7, "八": 8, "九": 9})
CN_NUMBER = r"[〇零一二两三四五六七八九十百]{1,4}"


def cn_int(word: str) -> int | None:
    """`7`, `七`, `十七`, `二十`, `一百零五` -> int; None when it is not a number."""
    if word.isdigit():
        return int(word)
    total, current = 0, 0
    for ch in word:
        if ch in _CN:
            current = _CN[ch]
        elif ch == "十":
            total += (current or 1) * 10
            current = 0
        elif ch == "百":
            total += (current or 1) * 100
            current = 0
        else:
            return None
    return total + current


def month_span(year: int, month: int) -> Span:
    first = date(year, month, 1)
    return first, first + relativedelta(day=31)


def quarter_span(year: int, quarter: int) -> Span:
    first = date(year, 3 * quarter - 2, 1)
    return first, first + relativedelta(months=2, day=31)


def coming_year(month: int, today: date) -> int:
    """The year of the coming `month`: this year's unless it has already ended."""
    return today.year if month >= today.month else today.year + 1


def named_span(name: str, today: date) -> Span:
    """A span the vocabulary names (`this_week`, `next_first_half` …)."""
    y = today.year
    monday = add_days(today, -today.weekday())
    quarter = (today.month - 1) // 3 + 1
    if name == "today":
        return today, today
    if name == "this_week":
        return monday, add_days(monday, 6)
    if name == "next_week":
        return add_days(monday, 7), add_days(monday, 13)
    if name == "this_month":
        return month_span(y, today.month)
    if name == "next_month":
        nxt = today + relativedelta(months=1)
        return month_span(nxt.year, nxt.month)
    if name == "this_quarter":
        return quarter_span(y, quarter)
    if name == "next_quarter":
        return quarter_span(y + quarter // 4, quarter % 4 + 1)
    if name == "this_year":
        return date(y, 1, 1), date(y, 12, 31)
    if name == "next_year":
        return date(y + 1, 1, 1), date(y + 1, 12, 31)
    if name == "first_half":
        return date(y, 1, 1), date(y, 6, 30)
    if name == "second_half":
        return date(y, 7, 1), date(y, 12, 31)
    if name == "next_first_half":
        return date(y + 1, 1, 1), date(y + 1, 6, 30)
    if name == "next_second_half":
        return date(y + 1, 7, 1), date(y + 1, 12, 31)
    if name == "year_end":
        return None, date(y, 12, 31)
    if name == "half_end":
        return None, date(y, 6, 30)
    raise ValueError(f"unknown span {name!r}")


@record(frozen=True)
class TimeMatch:
    """A time word found in a question: where it is, the days it means, how to say it back."""

    span: Span
    end: int  # where the match ends in the text
    before: bool  # written as a deadline (…前): only the upper bound counts
    label: str  # as the answer should say it


_BEFORE = r"(?P<before>底前|底之前|末前|前|之前|以前|为止)?"
_DATE = re.compile(
    r"(?:(?P<y>\d{4})年)?(?P<m>\d{1,2}|" + CN_NUMBER + r")月(?:份)?"
    r"(?:(?P<d>\d{1,2}|" + CN_NUMBER + r")[日号])?(?P<end>底|末|中旬|上旬|下旬)?" + _BEFORE
)
_ISO = re.compile(r"(?P<y>\d{4})[-/.](?P<m>\d{1,2})(?:[-/.](?P<d>\d{1,2}))?" + _BEFORE)
_YEAR = re.compile(r"(?P<y>\d{4})年(?:度)?(?P<end>底|末)?" + _BEFORE)
_QUARTER = re.compile(r"(?:(?P<y>\d{4})年)?第?(?P<q>[1-4一二三四])(?:季度|季)(?:末)?" + _BEFORE)
_WITHIN = re.compile(
    r"(?:未来|近|最近)?(?P<n>\d{1,4}|" + CN_NUMBER + r"|半)(?P<unit>个?工作日|天|日|个?星期|周|"
    r"个?礼拜|个月|个?季度|年)(?:之内|以内|内|里)"
)


def read_time(text: str, at: int, today: date) -> TimeMatch | None:
    """A written date or span of days starting at `at`, or None."""
    for rx, kind in ((_WITHIN, "within"), (_QUARTER, "quarter"), (_ISO, "iso"), (_DATE, "date")):
        m = rx.match(text, at)
        if m:
            found = _resolve(kind, m, today)
            if found is not None:
                return found
    m = _YEAR.match(text, at)
    if m:
        y = int(m.group("y"))
        before = bool(m.group("before") or m.group("end"))
        lo, hi = date(y, 1, 1), date(y, 12, 31)
        return TimeMatch((None, hi) if before else (lo, hi), m.end(), before, m.group())
    return None


def _resolve(kind: str, m: re.Match[str], today: date) -> TimeMatch | None:
    label = m.group()
    if kind == "within":
        n_text, unit = m.group("n"), m.group("unit")
        n = 0.5 if n_text == "半" else cn_int(n_text)
        if n is None or n > 3650:
            return None
        if "月" in unit:
            hi = today + relativedelta(months=int(n)) if n >= 1 else add_days(today, 15)
        elif "季" in unit:
            hi = today + relativedelta(months=int(3 * n))
        elif unit == "年":
            hi = today + relativedelta(years=int(n)) if n >= 1 else today + relativedelta(months=6)
        elif "周" in unit or "星期" in unit or "礼拜" in unit:
            hi = add_days(today, int(7 * n))
        else:
            hi = add_days(today, int(n))
        return TimeMatch((today, hi), m.end(), False, label)
    before = bool(m.group("before"))
    if kind == "quarter":
        q = cn_int(m.group("q")) or 0
        y = int(m.group("y")) if m.group("y") else today.year
        lo, hi = quarter_span(y, q)
        return TimeMatch((None, hi) if before else (lo, hi), m.end(), before, label)
    month = cn_int(m.group("m"))
    if month is None or not 1 <= month <= 12:
        return None
    year = int(m.group("y")) if m.group("y") else coming_year(month, today)
    if not 1 <= year <= 9998:
        return None
    day = cn_int(m.group("d")) if m.group("d") else None
    if day is not None:
        try:
            when = date(year, month, day)
        except ValueError:
            return None
        return TimeMatch((None, when) if before else (when, when), m.end(), before, label)
    lo, hi = month_span(year, month)
    end = m.groupdict().get("end")
    if end in ("上旬",):
        hi = date(year, month, 10)
    elif end == "中旬":
        lo, hi = date(year, month, 11), date(year, month, 20)
    elif end == "下旬":
        lo = date(year, month, 21)
    if end in ("底", "末") or before:
        return TimeMatch((None, hi), m.end(), True, label)
    return TimeMatch((lo, hi), m.end(), False, label)


def intersect(a: Span, b: Span) -> Span:
    lo = max((d for d in (a[0], b[0]) if d is not None), default=None)
    hi = min((d for d in (a[1], b[1]) if d is not None), default=None)
    return lo, hi

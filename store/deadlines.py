"""Deadline phrases (完成时间) -> a due date and a kind.

Hand-written patterns, python-dateutil only for the arithmetic: dateutil's fuzzy parser reads
`2020年8月底前` as 2020-01-08. The rule throughout is "never a silent wrong date": a phrase
with a number this module cannot account for is KIND_UNKNOWN, kept verbatim and reported.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from datetime import date

from dateutil.relativedelta import relativedelta

from .model import KIND_DATE, KIND_NONE, KIND_ONGOING, KIND_RECURRING, KIND_UNKNOWN
from .record import record


@record(frozen=True)
class Deadline:
    """A deadline phrase read: its kind, its date when it has one, its rule when it recurs."""

    kind: str
    due: date | None = None
    # For recurring duties: "monthly:25", "monthly:end", "quarterly:end", "quarterly:1:20",
    # "halfyearly", "yearly:4-1", "yearly:12-end", "yearly", "weekly", "event".
    rule: str | None = None


_CN_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4}
_CN_DIGITS.update({"五": 5, "六": 6, "七": 7, "八": 8, "九": 9})


def _cn_number(word: str) -> int:
    """一..九十九 (enough for months, days and quarters)."""
    if "十" not in word:
        return _CN_DIGITS[word]
    tens, _, ones = word.partition("十")
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)


def normalize(text: str) -> str:
    """Full-width digits to ASCII, no spaces or line breaks, Chinese numerals to digits."""
    t = unicodedata.normalize("NFKC", text or "")
    t = re.sub(r"\s+", "", t)
    t = re.sub(
        r"[〇零一二三四五六七八九]{4}(?=年)",
        lambda m: "".join(str(_CN_DIGITS[c]) for c in m.group()),
        t,
    )
    return re.sub(
        r"[一二两三四五六七八九十]{1,3}(?=月|季度|日|号|个)",
        lambda m: str(_cn_number(m.group())),
        t,
    )


def month_end(year: int, month: int) -> date:
    return date(year, month, 1) + relativedelta(day=31)


# Each explicit-date pattern -> a function of its match (and the plan year) giving a date.
_Y = r"(?:(\d{4})年(?:度)?)?"
_DATE_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"(\d{4})[-./](\d{1,2})[-./](\d{1,2})日?"), "ymd"),
    # A span of months (`6-12月组织实施`, `2021年6至12月`): due at the end of the last one.
    (
        re.compile(_Y + r"(?<!\d)\d{1,2}(?:月份?)?[-—~～至到](\d{1,2})月(?:底|末|份)?(?:前|之前)?"),
        "span",
    ),
    (re.compile(_Y + r"(\d{1,2})月(\d{1,2})[日号]"), "ymd"),
    (re.compile(_Y + r"(\d{1,2})月(上旬|中旬|下旬|底|末|份)?(前|之前|以前)?"), "ym"),
    (re.compile(r"(\d{4})[-./](\d{1,2})(?!\d)"), "ym"),
    (re.compile(_Y + r"(上半年|下半年)(?:底|末)?"), "half"),
    (re.compile(_Y + r"第?([1-4])季度(?:末|底)?"), "quarter"),
    # A bare year only where nothing follows that could change its meaning: `2021年前` is
    # "before 2021" and `2021年春节前` is February, so neither is read as 12-31.
    (
        re.compile(
            r"(\d{4})年(?:年)?(?:(?:底|末)(?:前|之前|以前)?|内|全年|度)?"
            r"(?=$|[，,；;、。/和及或至到\-—~～（(]|完成|实现|全面|基本|启动)"
        ),
        "year",
    ),
    (re.compile(r"(?<!\d)年(?:底|末|内)"), "thisyear"),
]

_ONGOING = re.compile(r"长期|持续|常态|经常性|日常|常年|全年|逐步")
_RECURRING: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"每个?季度第(\d)个?月的?(\d{1,2})[日号]"), "quarterly:{0}:{1}"),
    (re.compile(r"每个?月(\d{1,2})[日号]"), "monthly:{0}"),
    (re.compile(r"每个?月(?:底|末)?"), "monthly:end"),
    (re.compile(r"每个?季度(?:末|底)?|按季度?"), "quarterly:end"),
    (re.compile(r"每半年"), "halfyearly"),
    (re.compile(r"每年(\d{1,2})月(\d{1,2})[日号]"), "yearly:{0}-{1}"),
    (re.compile(r"每年(\d{1,2})月(?:底|末)?"), "yearly:{0}-end"),
    (re.compile(r"每年|按年"), "yearly"),
    (re.compile(r"按月"), "monthly:end"),
    (re.compile(r"每周|按周"), "weekly"),
]
# Event-driven: "信息形成后7个工作日内", "…之日起20日内", "及时公开" — no fixed date.
_EVENT = re.compile(r"\d+个?(?:工作)?(?:日|天)内|之日起|及时|随时|实时|即时")
# `2021年起` / `自2021年1月起`: a duty from then on, not a deadline.
_FROM_THEN_ON = re.compile(r"\d[年月日号](?:起|开始|以来)")

# Words allowed between and around dates; any other digit means "not understood".
_SEPARATORS = re.compile(r"[，,；;、/和及或至到\-—~～]")


def _resolve(kind: str, m: re.Match[str], plan_year: int) -> date | None:
    g = m.groups()
    if kind == "ymd":
        return date(int(g[0] or plan_year), int(g[1]), int(g[2]))
    if kind == "ym":
        year = int(g[0] or plan_year)
        month = int(g[1])
        part = g[2] if len(g) > 2 else None
        before = g[3] if len(g) > 3 else None
        if part == "上旬":
            return date(year, month, 10)
        if part == "中旬":
            return date(year, month, 20)
        if part is None and before:  # 8月前: before August starts
            return date(year, month, 1) - relativedelta(days=1)
        return month_end(year, month)
    if kind == "span":
        year = int(g[0] or plan_year)
        return month_end(year, int(g[1]))
    if kind == "half":
        year = int(g[0] or plan_year)
        return date(year, 6, 30) if g[1] == "上半年" else date(year, 12, 31)
    if kind == "quarter":
        year = int(g[0] or plan_year)
        return month_end(year, int(g[1]) * 3)
    if kind == "year":
        return date(int(g[0]), 12, 31)
    if kind == "thisyear":
        return date(plan_year, 12, 31)
    return None


def _explicit_dates(t: str, plan_year: int) -> list[date] | None:
    """Every date named in `t`, or None when a number is left unexplained or dates collide."""
    found: list[tuple[int, int, str, re.Match[str]]] = []
    taken = [False] * len(t)
    for pattern, kind in _DATE_PATTERNS:
        for m in pattern.finditer(t):
            if not m.group() or any(taken[m.start() : m.end()]):
                continue
            found.append((m.start(), m.end(), kind, m))
            for i in range(m.start(), m.end()):
                taken[i] = True
    leftover = "".join(" " if taken[i] else c for i, c in enumerate(t))
    if re.search(r"\d", leftover):
        return None
    found.sort(key=lambda f: f[0])
    # Two dates written back to back (`2022年底11月前`) is a typo, not two deadlines.
    for (_, end, _, _), (start, _, _, _) in zip(found, found[1:], strict=False):
        if not _SEPARATORS.search(t[end:start]) and not re.search(
            r"[\u4e00-\u9fff]{2}", t[end:start]
        ):
            return None
    dates: list[date] = []
    year = plan_year  # `2021年6月底前、12月底前`: a later date without a year keeps 2021
    for _, _, kind, m in found:
        try:
            due = _resolve(kind, m, year)
        except ValueError:  # 2月30日, 13月
            return None
        if due is not None:
            dates.append(due)
            if kind != "thisyear" and m.group(1) and len(m.group(1)) == 4:
                year = int(m.group(1))
    return dates


# List markers before milestones (`1.2021年6月底前完成初稿；2.12月底前印发`, `①…②…`, `(1)…`):
# their digits are not dates. Removed before NFKC, which turns ① into 1.
_MARKER = re.compile(
    r"(?:^|(?<=[\n；;，,。：:]))\s*(?:[①-⑳]|[（(]\s*\d{1,2}\s*[)）]|\d{1,2}\s*[.．、](?=\s*\d{1,4}[年月]|\s*\D))"
)


@functools.lru_cache(maxsize=4096)
def parse_deadline(text: str, plan_year: int) -> Deadline:
    """The due date and kind of a deadline phrase. (Cached: plans repeat a few phrases.)

    Several milestones in one cell (`2021年6月底前完成初稿，12月底前印发`) give the last date;
    the cell's words stay the task's deadline text.
    """
    t = normalize(_MARKER.sub("", text or ""))
    if not t:
        return Deadline(KIND_NONE)
    # Relative years, resolved against the plan: 今年/本年 is the plan's year, 明年/次年 the next.
    t = re.sub(r"(?:今|本|当)年", f"{plan_year}年", t)
    t = re.sub(r"(?:明|次|下一)年", f"{plan_year + 1}年", t)
    for pattern, rule in _RECURRING:
        m = pattern.search(t)
        if m:
            return Deadline(KIND_RECURRING, None, rule.format(*m.groups()))
    if _FROM_THEN_ON.search(t) and not re.search(r"前|底|末", t):
        return Deadline(KIND_ONGOING)
    dates = _explicit_dates(t, plan_year)
    if not dates and _EVENT.search(t):
        return Deadline(KIND_RECURRING, None, "event")
    if dates:
        due = max(dates)  # `6月底前启动，12月底前完成`: the task is due when it must be done
        # A year far from the plan's (`2011年底前` in a 2021 plan) is a typo: do not guess.
        if not plan_year - 2 <= due.year <= plan_year + 15:
            return Deadline(KIND_UNKNOWN)
        return Deadline(KIND_DATE, due)
    if dates is None:
        return Deadline(KIND_UNKNOWN)
    if _ONGOING.search(t):
        return Deadline(KIND_ONGOING)
    return Deadline(KIND_UNKNOWN)


def _quarter_end(d: date) -> date:
    return month_end(d.year, ((d.month - 1) // 3 + 1) * 3)


def _clamped(year: int, month: int, day: int) -> date:
    return date(year, month, 1) + relativedelta(day=day)


def next_occurrence(deadline: Deadline, today: date) -> date | None:
    """The next due day on or after `today` of a recurring duty; a fixed date's own due day.

    Ongoing, event-driven and unknown deadlines have none.
    """
    if deadline.kind == KIND_DATE:
        return deadline.due
    if deadline.kind != KIND_RECURRING or not deadline.rule:
        return None
    name, _, arg = deadline.rule.partition(":")
    if name == "monthly":
        this = month_end(today.year, today.month)
        if arg != "end":
            this = _clamped(today.year, today.month, int(arg))
        if this >= today:
            return this
        nxt = today + relativedelta(months=1)
        return (
            month_end(nxt.year, nxt.month)
            if arg == "end"
            else _clamped(nxt.year, nxt.month, int(arg))
        )
    if name == "quarterly":
        if arg == "end":
            return _quarter_end(today)
        offset, _, day = arg.partition(":")
        first = date(today.year, (today.month - 1) // 3 * 3 + 1, 1)
        for q in range(2):
            start = first + relativedelta(months=3 * q + int(offset) - 1)
            due = _clamped(start.year, start.month, int(day))
            if due >= today:
                return due
        return None
    if name == "halfyearly":
        return date(today.year, 6, 30) if today.month <= 6 else date(today.year, 12, 31)
    if name == "yearly":
        for year in (today.year, today.year + 1):
            if not arg:
                due = date(year, 12, 31)
            else:
                month, _, day = arg.partition("-")
                due = (
                    month_end(year, int(month))
                    if day == "end"
                    else _clamped(year, int(month), int(day))
                )
            if due >= today:
                return due
        return None
    if name == "weekly":
        return today + relativedelta(days=6 - today.weekday())  # Sunday of this week
    return None  # "event": due a fixed time after something happens


def next_due(deadline_text: str, plan_year: int, today: date) -> date | None:
    """The day a task is next due, from its verbatim deadline text (tasks store the text and
    kind, not the recurring rule)."""
    return next_occurrence(parse_deadline(deadline_text, plan_year), today)

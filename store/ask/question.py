"""A question in plain Chinese -> slots (`Understood`), with no spaces needed.

`区网信办指导的逾期任务有几项` reads as unit 区网信办, role guide, overdue, a count question.
The scan walks the phrase left to right; at each place the longest thing it knows wins: a
written date or task number (grammar, `timewords.py` and the patterns below), else a word of
the vocabulary table or a unit's name, alias or the end of its name (`编办`, `信息办`). Text
nothing claims is gathered and, split at particles (的, 了 …), becomes the topic words.
Pure Python over the unit table; no task is read here (the answer does that).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from ..model import DONE, Unit, parse_status
from ..record import field, record
from ..textutil import norm, sanitize
from ..unitnames import PART, WHOLE, resolve_units, strip_prefix, unit_key, unit_match
from .timewords import CN_NUMBER, Span, cn_int, intersect, named_span, read_time
from .vocab import SPLITTERS, vocab

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from typing import Any

MAX_QUESTION_CHARS = 200  # nobody types more; it bounds the work
ROLE_WORDS = {"any": "负责", "lead": "牵头", "support": "配合", "guide": "指导"}

_TASK = re.compile(
    r"(?:第(?P<a>\d{1,6}|" + CN_NUMBER + r")(?:项|条|个|号)"
    r"|#(?P<b>\d{1,6})"
    r"|\((?P<c>\d{1,6})\)"
    r"|(?P<d>\d{1,6})号(?:任务|事项)?"
    r"|(?P<e>\d{1,6})(?=$|[^\d年月日天周个季号.\-/]))"
)
_ASCII = re.compile(r"[a-z][a-z0-9]*")
# Characters that only separate: punctuation people put into a question.
_SEPARATORS = re.compile(r"[\s,，。、；;:：!！?？'\"“”‘’《》<>【】\[\]{}…~～·/\\|]+")


@record
class Understood:
    """The slots a question filled. `units` are the words as typed, `unit_names` what they
    name; an empty `Understood` means nothing beyond topic words (a plain search)."""

    question: str = ""
    units: list[str] = field(default_factory=list)
    unit_names: list[list[str]] = field(default_factory=list)
    role: str | None = None
    statuses: list[str] = field(default_factory=list)
    not_done: bool = False
    overdue: bool = False
    soon: bool = False
    due: Span = (None, None)
    dated: bool = False
    kinds: list[str] = field(default_factory=list)  # deadline kinds: ongoing, recurring
    time_labels: list[str] = field(default_factory=list)
    task: str | None = None  # a task number or key as written
    count: bool = False
    when: bool = False  # asks for a deadline (什么时候)
    yesno: bool = False  # a yes/no question (…吗)
    words: list[str] = field(default_factory=list)
    unknown: bool = False  # text was left that is neither a known word nor a topic word

    @property
    def status(self) -> str | None:
        return self.statuses[0] if self.statuses else None

    @property
    def filters(self) -> bool:
        """Does the question say more than topic words?"""
        return bool(
            self.units
            or self.statuses
            or self.not_done
            or self.overdue
            or self.soon
            or self.dated
            or self.task
            or self.count
            or self.kinds
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "units": sorted({n for names in self.unit_names for n in names}),
            "role": self.role,
            "status": self.status if len(self.statuses) < 2 else list(self.statuses),
            "not_done": self.not_done,
            "due_from": self.due[0].isoformat() if self.due[0] else None,
            "due_to": self.due[1].isoformat() if self.due[1] else None,
            "overdue": self.overdue,
            "task": self.task,
            "count": self.count,
            "words": list(self.words),
        }


class Lexicon:
    """The unit names a snapshot knows, as the surface forms a question may use."""

    def __init__(self, units: dict[str, Unit], plan_codes: list[str] | None = None) -> None:
        self.units = units
        self.forms: dict[str, str] = {}  # surface form -> the unit word to filter by
        for unit in units.values():
            for spelling in (unit.name, *unit.aliases):
                name = norm(spelling)
                # every ending of 3+ characters (信息办, 服务局): two would be too common a
                # word (政府 of 人民政府); the name without 区/各 is kept whatever its length
                for i in range(1, len(name) - 2):
                    self.forms.setdefault(name[i:], name[i:])
                self.forms.setdefault(strip_prefix(name), strip_prefix(name))
        for unit in units.values():  # a whole name always names its own unit
            for spelling in (unit.name, *unit.aliases):
                self.forms[norm(spelling)] = norm(spelling)
        self.longest = max(map(len, self.forms), default=0)
        self.codes = _codes(plan_codes)

    def names(self, word: str) -> list[str]:
        return resolve_units(word, self.units)

    def pinyin_unit(self, word: str) -> bool:
        """Does an ASCII word name a unit well: its pinyin or initials, their end (xinxiban),
        or the start of the name without 区/各 (gantang for 甘棠街道) — not a piece from the
        middle (zhengwu of quzhengwufuwuju), which is more likely a topic."""
        for unit in self.units.values():
            if unit_match(word, unit) in (WHOLE, PART):
                return True
            if len(word) >= 4 and any(w.startswith(word) for w in unit_key(unit).wholes):
                return True
        return False


_LAST: list[tuple[dict[str, Unit], Lexicon]] = []  # (unit table, its lexicon): one slot


def lexicon_for(units: dict[str, Unit], plan_codes: list[str] | None = None) -> Lexicon:
    """The lexicon of a unit table, reused while the same table (snapshot) is asked again."""
    if _LAST and _LAST[0][0] is units and _LAST[0][1].codes == _codes(plan_codes):
        return _LAST[0][1]
    found = Lexicon(units, plan_codes)
    _LAST[:] = [(units, found)]
    return found


def _codes(plan_codes: list[str] | None) -> list[str]:
    return sorted((norm(c) for c in plan_codes or () if c), key=len, reverse=True)


def clean_question(text: str) -> str:
    t = unicodedata.normalize("NFKC", sanitize(text or "", keep_newlines=False)).lower()
    return t[:MAX_QUESTION_CHARS]


def parse_question(text: str, lexicon: Lexicon, today: date) -> Understood:
    """Read a question into slots. Never raises on any string."""
    u = Understood(question=(text or "").strip())
    q = clean_question(text)
    chunks: list[str] = []  # leftover text between known things
    completes = 0  # 完成 alone: a deadline word next to a time word, else a status
    before_pending = False
    for segment in _SEPARATORS.split(q):
        i, n, buf = 0, len(segment), []
        while i < n:
            step = _known_at(segment, i, lexicon, today, u)
            if step is None:
                buf.append(segment[i])
                i += 1
                continue
            end, kind = step
            if buf:
                chunks.append("".join(buf))
                buf = []
            if kind == "complete":
                completes += 1
            if kind == "before":
                before_pending = True
                if u.time_labels and not u.time_labels[-1].endswith("前"):
                    u.time_labels[-1] += segment[i:end]  # 今年 + 底前
            i = end
        if buf:
            chunks.append("".join(buf))
    if before_pending and u.dated and u.due[0] is not None:
        u.due = (None, u.due[1])  # 下个月之前: everything due by the end of next month
    if completes and not (u.dated or u.when or u.overdue or u.soon) and not u.statuses:
        u.statuses.append(DONE)
    u.words = _topic_words(chunks, lexicon, u)
    if u.units and u.role is None:
        u.role = "any"
    return u


def _known_at(
    s: str, i: int, lexicon: Lexicon, today: date, u: Understood
) -> tuple[int, str] | None:
    """What starts at s[i]: (where it ends, its kind), recorded into `u`; None if nothing."""
    ch = s[i]
    if ch.isdigit() or ch in "#(第" or ch in "一二两三四五六七八九十半近未最":
        found = read_time(s, i, today)
        if found is not None:
            u.due = intersect(u.due, found.span) if u.dated else found.span
            u.dated = True
            u.time_labels.append(found.label)
            return found.end, "span"
    if ch.isdigit() or ch in "#(第":
        m = _TASK.match(s, i)
        if m:
            number = next(g for g in m.groups() if g is not None)
            value = cn_int(number)
            if value:
                u.task = u.task or str(value)
                return m.end(), "task"
    for code in lexicon.codes:  # a task key: 宣城2020-7
        if s.startswith(code, i):
            m = re.compile(r"-(\d{1,6})").match(s, i + len(code))
            if m:
                u.task = u.task or f"{code}-{int(m.group(1))}"
                return m.end(), "task"
    if ch.isascii() and ch.isalpha():
        m = _ASCII.match(s, i)
        assert m is not None
        word = m.group()
        starts = not (i and s[i - 1].isascii() and s[i - 1].isalnum())
        if starts and lexicon.pinyin_unit(word):  # qbb, bianban
            _add_unit(u, word, lexicon)
            return m.end(), "unit"
        return None  # pinyin of a topic (zcjd): left for the topic words
    return _longest_word(s, i, lexicon, u, today)


def _longest_word(
    s: str, i: int, lexicon: Lexicon, u: Understood, today: date
) -> tuple[int, str] | None:
    words = vocab().words
    for length in range(min(max(vocab().longest, lexicon.longest), len(s) - i), 1, -1):
        piece = s[i : i + length]
        unit_word = lexicon.forms.get(piece)
        entry = words.get(piece)
        if entry is not None and (unit_word is None or entry[0] != "filler"):
            _apply(u, *entry, today)
            return i + length, entry[0]
        if unit_word is not None:
            _add_unit(u, unit_word, lexicon)
            return i + length, "unit"
    return None


def _add_unit(u: Understood, word: str, lexicon: Lexicon) -> None:
    names = lexicon.names(word)
    if names and names not in u.unit_names:
        u.units.append(word)
        u.unit_names.append(names)


def _apply(u: Understood, kind: str, meaning: str, today: date) -> None:
    if kind == "role":
        u.role = u.role or meaning
    elif kind == "status":
        status = parse_status(meaning)
        if status and status not in u.statuses:
            u.statuses.append(status)
    elif kind in _FLAGS:  # not_done overdue soon count when yesno: a yes to one question
        setattr(u, kind, True)
    elif kind == "span":
        span = named_span(meaning, today)
        u.due = intersect(u.due, span) if u.dated else span
        u.dated = True
        u.time_labels.append(_SPAN_LABELS.get(meaning, meaning))
    elif kind == "ongoing" and meaning not in u.kinds:
        u.kinds.append(meaning)


_FLAGS = frozenset({"not_done", "overdue", "soon", "count", "when", "yesno"})
_SPAN_LABELS = {
    "today": "今天",
    "this_week": "本周",
    "next_week": "下周",
    "this_month": "本月",
    "next_month": "下个月",
    "this_quarter": "本季度",
    "next_quarter": "下季度",
    "this_year": "今年",
    "next_year": "明年",
    "first_half": "上半年",
    "second_half": "下半年",
    "next_first_half": "明年上半年",
    "next_second_half": "明年下半年",
    "year_end": "年底前",
    "half_end": "年中前",
}


def _topic_words(chunks: list[str], lexicon: Lexicon, u: Understood) -> list[str]:
    """Leftover text -> topic words: split at particles, one-character fillers trimmed from
    the ends, single characters dropped (one character matches everything)."""
    singles = vocab().singles
    out: list[str] = []
    for chunk in chunks:
        piece = ""
        for ch in chunk + "的":  # a trailing splitter flushes the last piece
            kind = singles.get(ch, ("", ""))[0]
            if kind == "yesno":
                u.yesno = True
            if ch not in SPLITTERS:
                piece += ch
                continue
            trimmed = ""
            while piece and piece[0] in singles:
                trimmed, piece = trimmed + piece[0], piece[1:]
            while piece and piece[-1] in singles:
                trimmed, piece = trimmed + piece[-1], piece[:-1]
            if u.dated and any(singles[c][0] == "before" for c in trimmed):
                u.due = (None, u.due[1])  # 下个月前: by the end of next month
            word = norm(piece)
            if len(word) >= 2 and word not in out:
                out.append(word)
            elif word:
                u.unknown = True
            piece = ""
    return out[:8]

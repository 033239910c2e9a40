"""Search that finds what a person means: fuzzy Chinese, pinyin, units, filters.

Used by `zwgk search` and by every keystroke of the TUI, so the work is split in two:
`SearchIndex` (built once per snapshot) normalises texts and orders tasks by (due, id);
`SearchIndex.search` answers a query. Result sets are Python ints used as bitsets whose bit p is
the task at rank p, so AND of terms, filters, counting and "first k by due date, then id" are
all cheap integer operations even at 100,000 tasks.

How a term matches, best first (a task gets its best score per term, scores add up over terms):
id (`7`) > a unit's whole name > part of a unit name > exact text substring > group title >
pinyin > words split across group title and text > one-typo match. Punctuation, brackets and
spaces are removed from both sides (NFKC first), so `村居务公开` finds `村(居)务公开`.
Typos and words split across group title and text are only looked for when a term has fewer
than FUZZY_FLOOR exact hits: they exist to find something when the exact word is not there,
and skipping them keeps common words fast.

No Textual and no pypinyin here: pinyin readings come from keys stored in `task.extra` at
import time (see store.pinyin).
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from itertools import accumulate
from typing import TYPE_CHECKING, Any

from .model import DONE, OVERDUE, STATUSES, Task, Unit, parse_status
from .pinyin import PINYIN_KEY, parse_readings  # store.pinyin imports pypinyin lazily
from .textutil import sanitize

if TYPE_CHECKING:
    from .db import Snapshot

MAX_QUERY_CHARS = 200  # a longer query is cut: nobody types more, and it bounds the work
MAX_TERMS = 8
MAX_FUZZY_CHARS = 16  # typo tolerance is for words, not sentences
MAX_SPLIT_CHARS = 10
MAX_PINYIN_CHARS = 40
FUZZY_FLOOR = 50  # look for typos only when a term has fewer exact hits than this
HOMOPHONE_MAX = 20_000  # typo matches checked for a homophone; beyond, no such ranking
CACHE_SIZE = 256

# Scores per term. Unit scores get a role bonus (lead > support > guide).
S_ID = 200.0
S_UNIT_WHOLE = 120.0
S_UNIT_PART = 114.0
S_UNIT_PINYIN = 110.0
S_TEXT = 100.0
S_UNIT_WEAK = 90.0  # a two-character piece from the middle of a name (政务 in 区政务服务局)
S_GROUP = 80.0
S_PINYIN_FULL = 78.0
S_PINYIN_INITIALS = 72.0
S_SPLIT = 65.0
S_UNIT_PINYIN_WEAK = 70.0  # zhengwu in quzhengwufuwuju
S_GROUP_PINYIN = 60.0
S_UNIT_FUZZY = 55.0
S_HOMOPHONE = 52.0  # one character replaced by one that sounds the same (舆请 -> 舆情)
S_TEXT_FUZZY = 50.0
S_GROUP_FUZZY = 40.0
ROLE_BONUS = {"lead": 4.0, "support": 2.0, "guide": 0.0}

# Administrative prefixes people leave out when naming a unit (区编办 -> 编办 / bianban).
UNIT_PREFIXES = {"区": "qu", "市": "shi", "县": "xian", "省": "sheng", "各": "ge"}
TWO_LETTER_INITIALS = ("zh", "ch", "sh")

_DROP = re.compile(r"[\W_]+")  # punctuation, brackets, spaces, symbols: never block a match
_KEEP = re.compile(r"[^\W_]+")
_ONE = re.compile("1")
_ASCII_WORD = re.compile(r"[a-z]+")
_DUE_FILTER = re.compile(r"(<=|>=|<|>|=)?\s*(\d{1,5}|\d{4}-\d{2}-\d{2})(?:d|天)?")


def norm(text: str) -> str:
    """The matching form of a text: letters and digits only, lower case, NFKC."""
    kept = _DROP.sub("", text or "").lower()
    # Punctuation goes first, so the NFKC quick check (~100x cheaper than normalising)
    # nearly always passes: full-width commas and brackets are what made texts non-NFKC.
    if not kept or (kept.isalnum() and unicodedata.is_normalized("NFKC", kept)):
        return kept
    return norm_map(text)[0]


def norm_map(text: str) -> tuple[str, list[int]]:
    """`norm(text)` plus, for each of its characters, the offset in `text` it came from."""
    text = text or ""
    runs = [m.span() for m in _KEEP.finditer(text)]  # a few runs between punctuation marks
    index: list[int] = []
    for a, b in runs:
        index.extend(range(a, b))
    kept = "".join([text[a:b] for a, b in runs]).lower()
    if len(kept) == len(index) and (
        not kept or (kept.isalnum() and unicodedata.is_normalized("NFKC", kept))
    ):
        return kept, index
    chars: list[str] = []
    index.clear()
    for i, ch in enumerate(text):
        if ch.isalnum():
            for c in unicodedata.normalize("NFKC", ch.lower()).lower():
                if c.isalnum():
                    chars.append(c)
                    index.append(i)
    return "".join(chars), index


# -- bitsets -------------------------------------------------------------------------------


def _bits(positions: Iterable[int], n: int) -> int:
    buf = bytearray((n + 7) >> 3)
    for p in positions:
        buf[p >> 3] |= 1 << (p & 7)
    return int.from_bytes(buf, "little")


def _span_bits(lo: int, hi: int) -> int:
    """Bits lo..hi-1 set."""
    return ((1 << hi) - 1) ^ ((1 << lo) - 1) if hi > lo else 0


def _positions(x: int) -> list[int]:
    """Every set bit of x, lowest first."""
    return [m.start() for m in _ONE.finditer(bin(x)[:1:-1])] if x > 0 else []


def _lowest(x: int, k: int) -> list[int]:
    out: list[int] = []
    while x and len(out) < k:
        low = x & -x
        out.append(low.bit_length() - 1)
        x ^= low
    return out


# -- results -------------------------------------------------------------------------------


class Hit:
    """One ranked task. `spans`/`group_spans` are computed on first access (a list shows only
    its visible rows), as [start, end) character offsets into task.text / task.group_title."""

    __slots__ = ("task", "score", "matched", "_spans", "_group_spans", "_source", "_terms")

    def __init__(
        self,
        task: Task,
        score: float,
        spans: list[tuple[int, int]] | None = None,
        group_spans: list[tuple[int, int]] | None = None,
        matched: str = "text",  # text | group | unit | pinyin | split | fuzzy | id | filter
        *,
        source: SearchIndex | None = None,
        terms: tuple[str, ...] = (),
    ) -> None:
        self.task = task
        self.score = score  # average per-term score: 100 exact text, 120 whole unit, 50 typo
        self.matched = matched
        self._spans = spans
        self._group_spans = group_spans
        self._source = source
        self._terms = terms

    @property
    def spans(self) -> list[tuple[int, int]]:
        if self._spans is None:
            self._spans = self._source.spans(self.task.text, self._terms) if self._source else []
        return self._spans

    @property
    def group_spans(self) -> list[tuple[int, int]]:
        if self._group_spans is None:
            src, title = self._source, self.task.group_title
            self._group_spans = src.spans(title, self._terms) if src else []
        return self._group_spans

    def to_json(self, today: date) -> dict[str, Any]:
        """The task's `--json` object plus score, spans and what matched."""
        data = self.task.to_json(today)
        data["score"] = self.score
        data["spans"] = [list(s) for s in self.spans]
        data["group_spans"] = [list(s) for s in self.group_spans]
        data["matched"] = self.matched
        return data

    def __repr__(self) -> str:
        return f"Hit(id={self.task.id}, score={self.score}, matched={self.matched!r})"


@dataclass
class SearchResult:
    hits: list[Hit]
    total: int
    suggestion: str | None = None  # the nearest unit or word, when nothing matched
    warnings: list[str] = field(default_factory=list)  # filters not understood, query cut

    def __bool__(self) -> bool:
        return self.total > 0


# -- units -------------------------------------------------------------------------------

WHOLE, PART, WEAK = 3, 2, 1


def _strip_prefix(name: str) -> str:
    return name[1:] if len(name) > 2 and name[0] in UNIT_PREFIXES else name


@dataclass(frozen=True)
class _UnitKey:
    names: tuple[str, ...]  # normalised name and aliases
    short: tuple[str, ...]  # the same without 区/各…
    full: str
    initials: str
    wholes: frozenset[str]  # pinyin spellings that name the whole unit


@lru_cache(maxsize=8192)
def _unit_key(name: str, aliases: tuple[str, ...], full: str, ini: str) -> _UnitKey:
    names = tuple(norm(n) for n in (name, *aliases))
    full, ini = full.lower(), ini.lower()
    wholes = {full, ini} if full else set()
    prefix = UNIT_PREFIXES.get(names[0][:1], "") if len(names[0]) > 2 else ""
    if full and prefix and full.startswith(prefix):
        wholes |= {full[len(prefix) :], ini[1:]}
    return _UnitKey(names, tuple(_strip_prefix(n) for n in names), full, ini, frozenset(wholes))


def unit_key(unit: Unit) -> _UnitKey:
    return _unit_key(unit.name, tuple(unit.aliases), unit.pinyin, unit.initials)


def unit_match(q: str, unit: Unit) -> int:
    """How a normalised query names a unit: WHOLE, PART, WEAK (2-char mid-name piece) or 0."""
    if not q:
        return 0
    key = unit_key(unit)
    if q in key.names or q in key.short:
        return WHOLE
    if q.isascii() and q.isalpha():
        if q in key.wholes:
            return WHOLE
        # parts: 4+ letters of the full pinyin, or 3+ initials (shorter ones fit everything);
        # like Chinese parts, the end of a name (xinxiban) says more than its middle (zhengwu)
        best = 0
        for spelling, least in ((key.full, 4), (key.initials, 3)):
            if spelling and len(q) >= least and q in spelling:
                best = max(best, PART if spelling.endswith(q) else WEAK)
        return best
    if len(q) < 2:
        return 0
    best = 0
    for nm in key.names:
        if q in nm:
            best = max(best, PART if (nm.endswith(q) or len(q) >= 3) else WEAK)
    return best


def resolve_units(query: str, units: dict[str, Unit]) -> list[str]:
    """Canonical unit names a typed unit means (shared with `zwgk list --unit`).

    Full name or alias, the name without 区/各 (`编办`), pinyin (`qxxb`, `xinxiban`) or a part
    (`信息办`). An exact name or alias wins over parts; a part fitting several units returns
    all of them, sorted by name; a 2-character piece from the middle of a name (政务 in
    区政务服务局) counts only when nothing better fits. [] when nothing fits (`suggest_unit`).
    """
    q = norm(sanitize(query or ""))
    if not q:
        return []
    for unit in units.values():  # an exact spelling beats everything, even a shorter name
        if q == norm(unit.name) or q in (norm(a) for a in unit.aliases):
            return [unit.name]
    found: dict[int, list[str]] = {}
    for unit in units.values():
        # beyond an exact spelling, a shortened name (部门 for 各部门) is one more part
        level = min(unit_match(q, unit), PART)
        if level:
            found.setdefault(level, []).append(unit.name)
    if not found:
        return []
    return sorted(found[max(found)])


def suggest_unit(query: str, units: dict[str, Unit]) -> str | None:
    """The unit whose name or pinyin is nearest to `query`, for a "did you mean" message."""
    q = norm(sanitize(query or ""))
    if not q or not units:
        return None
    from rapidfuzz import fuzz, process  # lazily: only needed when something failed

    choices: dict[str, str] = {}
    for unit in units.values():
        for spelling in (unit.name, *unit.aliases):
            choices[norm(spelling)] = unit.name
            choices[_strip_prefix(norm(spelling))] = unit.name
        if q.isascii():
            for key in (unit.pinyin, unit.initials):
                if key:
                    choices[key.lower()] = unit.name
    best = process.extractOne(q, list(choices), scorer=fuzz.ratio, score_cutoff=40)
    return choices[best[0]] if best else None


# -- query parsing -----------------------------------------------------------------------


@dataclass
class _Query:
    terms: list[str] = field(default_factory=list)  # normalised words
    ids: list[int] = field(default_factory=list)  # `#7`
    statuses: list[str] = field(default_factory=list)
    overdue: bool = False
    due: list[tuple[str, str]] = field(default_factory=list)  # (op, value)
    units: list[str] = field(default_factory=list)  # raw `unit:` values
    warnings: list[str] = field(default_factory=list)


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


def parse_query(query: str) -> _Query:
    q = _Query()
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


# -- the index -----------------------------------------------------------------------------

Tier = tuple[float, str, int]  # (score, kind, bitset)


@dataclass
class _Alphabet:
    """Task texts, group titles and the unit blob translated to pinyin codes."""

    table: dict[int, str]
    hay: str
    groups: str  # the distinct group titles, one per line
    units: str


@dataclass(frozen=True)
class PinyinPattern:
    full: bool  # all full syllables (yibentong) rather than initials (ybt)
    alphabet: str  # what to translate a text into before matching (see to_codes)
    rx: re.Pattern[str]


class SearchIndex:
    """Everything a query needs, built once from a snapshot and reused across keystrokes.

    Building is a normalisation pass over the texts (0.1-0.3 s per 10,000 tasks on the
    2-core test machine); pinyin tables and unit positions are built on first use (or by
    `warm()`), and per-term results are cached, so retyping or extending a query is cheap.
    Build a new index when the snapshot changes; an index never reads the database.
    """

    def __init__(
        self, tasks: dict[int, Task] | Iterable[Task], units: dict[str, Unit] | None = None
    ) -> None:
        items = list(tasks.values()) if isinstance(tasks, dict) else list(tasks)
        # Rank order = the tie-break order: due date (undated last), then id.
        undated = date.max.toordinal() + 1  # ordinals: much cheaper to compare than dates
        items.sort(key=lambda t: (t.due.toordinal() if t.due else undated, t.id))
        self.tasks: list[Task] = items
        self.n = n = len(items)
        self.all_bits = (1 << n) - 1
        self.pos_of_id = {t.id: p for p, t in enumerate(items)}
        self.norm = [norm(t.text) for t in items]
        self.hay = "\n".join(self.norm)
        # where each task's line starts in `hay`, plus a sentinel "next line" after the last
        self.starts = [0, *accumulate(len(s) + 1 for s in self.norm)]
        self.starts[-1] += 1
        self.dues = [t.due for t in items if t.due is not None]  # sorted: a prefix of ranks

        group_ids: dict[str, int] = {}
        self.group_titles: list[str] = []  # normalised, distinct
        self.group_members: list[list[int]] = []
        for p, t in enumerate(items):
            g = group_ids.get(t.group_title)
            if g is None:
                g = group_ids[t.group_title] = len(self.group_titles)
                self.group_titles.append(norm(t.group_title))
                self.group_members.append([])
            self.group_members[g].append(p)
        self.group_hay = "\n".join(self.group_titles)
        self.group_starts = [0, *accumulate(len(t) + 1 for t in self.group_titles)]
        self.group_starts[-1] += 1

        self.units: dict[str, Unit] = dict(units or {})
        named: set[str] = set()
        for t in items:
            named.update(t.lead_units, t.support_units, t.guide_units)
        for u in sorted(named - self.units.keys()):  # units the units table does not know
            self.units[u] = Unit(name=u)
        self._unit_pos: dict[str, dict[str, list[int]]] | None = None  # built on first use
        self._status_pos: dict[str, list[int]] | None = None
        self._cache: dict[tuple[str, str], object] = {}
        self._classes: dict[tuple[str, str], set[str]] | None = None
        self._readings: dict[str, list[str]] = {}  # character -> readings, from task keys
        self._sounds: dict[str, set[str]] = {}  # reading -> characters
        self._alphabets: dict[str, _Alphabet] = {}
        # One line per unit (names, aliases, pinyin): a `find` over it picks the few units
        # worth a closer look, instead of testing every unit for every term.
        self._unit_list = list(self.units.items())
        lines = []
        for _, unit in self._unit_list:
            key = unit_key(unit)
            lines.append("\t".join([*key.names, key.full, key.initials]))
        self._unit_blob = "\n".join(lines)
        self._unit_starts = [0, *accumulate(len(line) + 1 for line in lines)]

    @classmethod
    def from_snapshot(cls, snapshot: Snapshot) -> SearchIndex:
        return cls(snapshot.tasks, snapshot.units)

    def warm(self) -> None:
        """Build what a first query would otherwise build: pinyin tables, unit positions,
        and the rapidfuzz import that suggestions after an empty result use.

        Cheap below 10,000 tasks; about a second at 100,000, so a UI may call it from a
        worker thread right after building the index.
        """
        self._pinyin_tables()
        self._unit_positions()
        import rapidfuzz.fuzz  # noqa: F401  (suggestions after an empty result need it)

    def clear_cache(self) -> None:
        """Forget per-term results (the benchmark uses this to measure cold queries)."""
        self._cache.clear()

    def _cached(self, kind: str, key: str, make):  # type: ignore[no-untyped-def]
        k = (kind, key)
        if k in self._cache:
            return self._cache[k]
        if len(self._cache) >= CACHE_SIZE:
            self._cache.pop(next(iter(self._cache)))
        value = self._cache[k] = make()
        return value

    # -- scanning ------------------------------------------------------------------------
    @staticmethod
    def _lines(find, hay: str, starts: list[int], stop: int = -1) -> list[int]:  # type: ignore[no-untyped-def]
        """Lines of `hay` (line k starts at starts[k]) where `find(hay, pos) -> start | -1`
        hits, jumping to the next line after each hit. Returns [] early once `stop` lines
        have hit (the caller then switches to a linear pass)."""
        out: list[int] = []
        pos = 0
        while (i := find(hay, pos)) >= 0:
            line = bisect_right(starts, i) - 1
            out.append(line)
            if len(out) == stop:
                return []
            pos = starts[line + 1]
        return out

    def text_bits(self, word: str) -> int:
        """Tasks whose normalised text contains `word`."""

        def make() -> int:
            # rare words: jump from occurrence to occurrence (C-speed scanning between)
            limit = self.n // 8 + 1
            lines = self._lines(lambda h, p: h.find(word, p), self.hay, self.starts, limit)
            if lines or self.hay.find(word) < 0:
                return _bits(lines, self.n)
            # common words: one pass producing the bitset as a binary numeral
            flags = "".join(["1" if word in t else "0" for t in self.norm])
            return int(flags[::-1], 2)

        return self._cached("text", word, make)  # type: ignore[return-value]

    def regex_bits(self, rx: re.Pattern[str], alphabet: str = "") -> int:
        hay = self._alphabets[alphabet].hay if alphabet else self.hay

        def make() -> int:
            return _bits(self._lines(_regex_find(rx), hay, self.starts), self.n) if hay else 0

        return self._cached("rx", alphabet + ":" + rx.pattern, make)  # type: ignore[return-value]

    def _groups_bits(self, find, alphabet: str = "") -> int:  # type: ignore[no-untyped-def]
        """Tasks whose group title `find` hits (scanning all distinct titles at once)."""
        hay = self._alphabets[alphabet].groups if alphabet else self.group_hay
        pos: list[int] = []
        for g in self._lines(find, hay, self.group_starts):
            pos.extend(self.group_members[g])
        return _bits(pos, self.n) if pos else 0

    def group_bits(self, word: str) -> int:
        make = lambda: self._groups_bits(lambda h, p: h.find(word, p))  # noqa: E731
        return self._cached("group", word, make)  # type: ignore[return-value]

    def _unit_positions(self) -> dict[str, dict[str, list[int]]]:
        if self._unit_pos is None:
            by_role: dict[str, dict[str, list[int]]] = {r: {} for r in ROLE_BONUS}
            lead, support, guide = by_role["lead"], by_role["support"], by_role["guide"]
            for p, t in enumerate(self.tasks):
                for u in t.lead_units:
                    lead.setdefault(u, []).append(p)
                for u in t.support_units:
                    support.setdefault(u, []).append(p)
                for u in t.guide_units:
                    guide.setdefault(u, []).append(p)
            self._unit_pos = {}
            for role, units in by_role.items():
                for u, positions in units.items():
                    self._unit_pos.setdefault(u, {})[role] = positions
        return self._unit_pos

    def unit_bits(self, name: str, role: str = "any") -> int:
        roles = ("lead", "support", "guide") if role == "any" else (role,)

        def make() -> int:
            by_role = self._unit_positions().get(name, {})
            return _bits((p for r in roles for p in by_role.get(r, ())), self.n)

        return self._cached("unit:" + role, name, make)  # type: ignore[return-value]

    def status_bits(self, status: str) -> int:
        if self._status_pos is None:
            self._status_pos = {}
            for p, t in enumerate(self.tasks):
                self._status_pos.setdefault(t.status, []).append(p)
        positions = self._status_pos.get(status, [])
        return self._cached("status", status, lambda: _bits(positions, self.n))  # type: ignore[return-value]

    def _due_range(self, lo: date | None, hi: date | None) -> int:
        """Tasks due in [lo, hi] (either end open): a contiguous run of ranks."""
        a = bisect_left(self.dues, lo) if lo else 0
        b = bisect_right(self.dues, hi) if hi else len(self.dues)
        return _span_bits(a, b)

    # -- pinyin --------------------------------------------------------------------------
    def _pinyin_tables(self) -> dict[tuple[str, str], set[str]]:
        """(kind, token) -> reading-set codes: kind f = full syllable, i = initial, p = prefix.

        Every distinct set of readings gets one private-use character, and texts are
        translated to those codes once (the "py" alphabet). A pinyin token then becomes a
        character class: all the codes whose readings fit.
        """
        if self._classes is None:
            merged: dict[str, str] = {}
            known = set("abcdefghijklmnopqrstuvwxyz,")
            for t in self.tasks:
                keys = t.extra.get(PINYIN_KEY) if isinstance(t.extra, dict) else None
                # Plans reuse a few thousand characters: parse only keys bringing new ones.
                if keys and not (isinstance(keys, str) and known.issuperset(keys)):
                    for ch, readings in parse_readings(keys).items():
                        merged.setdefault(ch, readings)
                        known.add(ch)
            codes: dict[str, str] = {}
            table: dict[int, str] = {}
            classes: dict[tuple[str, str], set[str]] = {}
            for ch, readings in merged.items():
                if not isinstance(readings, str) or len(ch) != 1:
                    continue
                rs = sorted({r for r in readings.split(",") if r.isascii() and r.isalpha()})
                if not rs:
                    continue
                key = " ".join(rs)
                code = codes.get(key)
                if code is None:
                    n = len(codes)
                    code = codes[key] = chr(0xE000 + n if n < 6400 else 0xF0000 + n)
                    for r in rs:
                        classes.setdefault(("f", r), set()).add(code)
                        classes.setdefault(("i", r[0]), set()).add(code)
                        if r[:2] in TWO_LETTER_INITIALS:
                            classes.setdefault(("i", r[:2]), set()).add(code)
                        for k in range(1, len(r)):
                            classes.setdefault(("p", r[:k]), set()).add(code)
                table[ord(ch)] = code
            self._alphabets = {"py": self._alphabet(table)}
            self._readings = {ch: r.split(",") for ch, r in merged.items()}
            sounds: dict[str, set[str]] = {}
            for ch, rs in self._readings.items():
                for r in rs:
                    sounds.setdefault(r, set()).add(ch)
            self._sounds = sounds
            self._classes = classes
        return self._classes

    def homophones(self, ch: str) -> set[str]:
        """Characters of this plan sharing a reading with `ch` (情 for 请), `ch` excluded;
        empty when `ch` occurs nowhere in the plan (its readings are then unknown)."""
        self._pinyin_tables()
        out: set[str] = set()
        for r in self._readings.get(ch, ()):
            out |= self._sounds.get(r, set())
        out.discard(ch)
        return out

    def homophone_bits(self, word: str, candidates: int) -> int:
        """Those of `candidates` containing `word` with one character replaced by a
        homophone (the usual slip of a pinyin input method: 舆请 for 舆情).

        Only the candidates (the typo matches) are checked, with plain string searches (a
        regex of large character classes costs more to compile than this costs to run), so
        the cost follows the number of typo matches, not the size of the plan.
        """
        positions = _positions(candidates)
        if not positions or len(positions) > HOMOPHONE_MAX:
            return 0
        sounds = [self.homophones(c) for c in word]
        if not any(sounds):
            return 0
        norm_ = self.norm
        return _bits((p for p in positions if _homophone_slip(norm_[p], word, sounds)), self.n)

    def _alphabet(self, table: dict[int, str]) -> _Alphabet:
        return _Alphabet(
            table,
            self.hay.translate(table),
            self.group_hay.translate(table),
            self._unit_blob.translate(table),
        )

    def to_codes(self, normed: str, alphabet: str = "py") -> str:
        """A normalised text in the alphabet a pinyin pattern matches."""
        self._pinyin_tables()
        return normed.translate(self._alphabets[alphabet].table)

    def pinyin_patterns(self, word: str) -> list[PinyinPattern]:
        """Regexes over `to_codes(text, alphabet)` for a typed pinyin word."""
        if not (_ASCII_WORD.fullmatch(word) and len(word) <= MAX_PINYIN_CHARS):
            return []

        def make() -> list[PinyinPattern]:
            tables = self._pinyin_tables()
            # Readings made only of full syllables score above those using initials; each
            # group becomes one regex (a trie of its readings), so one scan of the texts.
            groups: dict[bool, list[list[tuple[str, str]]]] = {}
            for seg in _segmentations(word, tables):
                groups.setdefault(all(kind != "i" for kind, _ in seg), []).append(seg)
            return [
                PinyinPattern(full, "py", re.compile(_trie_pattern(segs, tables)))
                for full, segs in sorted(groups.items(), reverse=True)
            ]

        return self._cached("pyrx", word, make)  # type: ignore[return-value]

    # -- one term ------------------------------------------------------------------------
    def term_tiers(self, word: str) -> list[Tier]:
        """Every way `word` matches, best first, each task in its best tier only."""
        return self._cached("term", word, lambda: _disjoint(self._term_tiers(word)))  # type: ignore[return-value]

    def _term_tiers(self, word: str) -> list[Tier]:
        tiers: list[Tier] = []
        if word.isdigit() and len(word) < 12 and int(word) in self.pos_of_id:
            tiers.append((S_ID, "id", 1 << self.pos_of_id[int(word)]))
        tiers += self._unit_tiers(word)
        tiers.append((S_TEXT, "text", self.text_bits(word)))
        tiers.append((S_GROUP, "group", self.group_bits(word)))
        pinyin = self.pinyin_patterns(word)
        for pat in pinyin:
            score = S_PINYIN_FULL if pat.full else S_PINYIN_INITIALS
            tiers.append((score, "pinyin", self.regex_bits(pat.rx, pat.alphabet)))
            groups = self._groups_bits(_regex_find(pat.rx), pat.alphabet)
            tiers.append((S_GROUP_PINYIN, "pinyin", groups))
        exact = 0
        for _, _, b in tiers:
            exact |= b
        if pinyin or word.isdigit():
            return tiers
        found = exact.bit_count()
        if found < FUZZY_FLOOR and 4 <= len(word) <= MAX_SPLIT_CHARS:
            tiers.append((S_SPLIT, "split", self._split_bits(word)))
        if found < FUZZY_FLOOR and len(word) <= MAX_FUZZY_CHARS and (len(word) >= 3 or not found):
            rx = typo_pattern(word)
            if rx is not None:
                if len(word) == 2:
                    # one of two characters wrong: tasks with either (plain searches avoid
                    # a regex starting with ".")
                    bits = self.text_bits(word[0]) | self.text_bits(word[1])
                else:
                    dropped, dotted = typo_variants(word)
                    bits = self.regex_bits(dotted) if dotted is not None else 0
                    for variant in dropped:
                        bits |= self.text_bits(variant)
                tiers.append((S_HOMOPHONE, "fuzzy", self.homophone_bits(word, bits & ~exact)))
                tiers.append((S_TEXT_FUZZY, "fuzzy", bits))
                groups = self._groups_bits(_regex_find(rx))
                tiers.append((S_GROUP_FUZZY, "fuzzy", groups))
                for i in sorted(self._unit_lines(_regex_find(rx), self._unit_blob)):
                    name, unit = self._unit_list[i]
                    if rx.search(unit_key(unit).names[0]):
                        tiers.append((S_UNIT_FUZZY, "unit", self.unit_bits(name)))
        return tiers

    def _unit_tiers(self, word: str) -> list[Tier]:
        scores = {WHOLE: S_UNIT_WHOLE, PART: S_UNIT_PART, WEAK: S_UNIT_WEAK}
        tiers: list[Tier] = []
        pinyin = self.pinyin_patterns(word) if word.isascii() else []
        candidates = self._unit_lines(lambda h, p: h.find(word, p), self._unit_blob)
        for pat in pinyin:
            blob = self._alphabets[pat.alphabet].units
            candidates |= self._unit_lines(_regex_find(pat.rx), blob)
        for i in sorted(candidates):
            name, unit = self._unit_list[i]
            level = unit_match(word, unit)
            base = scores.get(level, 0.0)
            if level and word.isascii():
                base = {WHOLE: S_UNIT_WHOLE, PART: S_UNIT_PINYIN}.get(level, S_UNIT_PINYIN_WEAK)
            elif not level and pinyin:  # heteronyms: per-character readings of the name
                key = unit_key(unit)
                ends: list[int] = []
                for pat in pinyin:
                    nm = self.to_codes(key.names[0], pat.alphabet)
                    short = self.to_codes(key.short[0], pat.alphabet)
                    if pat.rx.fullmatch(nm) or pat.rx.fullmatch(short):
                        base = S_UNIT_WHOLE
                        break
                    ends += [m.end() - len(nm) for m in pat.rx.finditer(nm)]
                if not base and ends and len(word) >= 3:
                    base = S_UNIT_PINYIN if max(ends) == 0 else S_UNIT_PINYIN_WEAK
            if base:
                for role, bonus in ROLE_BONUS.items():
                    tiers.append((base + bonus, "unit", self.unit_bits(name, role)))
        return tiers

    def _unit_lines(self, find, blob: str) -> set[int]:  # type: ignore[no-untyped-def]
        """Indices into `_unit_list` of the units whose line in `blob` `find` hits."""
        return set(self._lines(find, blob, self._unit_starts))

    def _split_bits(self, word: str) -> int:
        """Tasks where the word, cut in two pieces of 2+ characters, appears in text or group."""
        out = 0
        for i in range(2, len(word) - 1):
            a, b = word[:i], word[i:]
            # a piece found nowhere (one C-speed `in` each) spares scanning for the other
            if all(p in self.hay or p in self.group_hay for p in (a, b)):
                out |= (self.text_bits(a) | self.group_bits(a)) & (
                    self.text_bits(b) | self.group_bits(b)
                )
        return out

    # -- filters -------------------------------------------------------------------------
    def _filter_bits(self, q: _Query, today: date) -> tuple[int, str | None]:
        mask = self.all_bits
        suggestion = None
        for raw in q.units:
            names = resolve_units(raw, self.units)
            if not names:
                q.warnings.append(f"没有找到单位“{raw}”。")
                suggestion = suggest_unit(raw, self.units)
                return 0, suggestion
            bits = 0
            for name in names:
                bits |= self.unit_bits(name)
            mask &= bits
        if q.statuses:
            bits = 0
            for status in q.statuses:
                bits |= self.status_bits(status)
            mask &= bits
        if q.overdue:
            mask &= self._due_range(None, today - timedelta(days=1)) & ~self.status_bits(DONE)
        for op, value in q.due:
            mask &= self._due_bits(op, value, today)
        if q.ids:
            bits = 0
            for tid in q.ids:
                if tid in self.pos_of_id:
                    bits |= 1 << self.pos_of_id[tid]
                else:
                    q.warnings.append(f"没有编号为 {tid} 的任务。")
            mask &= bits
        return mask, suggestion

    def _due_bits(self, op: str, value: str, today: date) -> int:
        if op == "!":
            return 0
        if "-" in value:
            try:
                limit = date.fromisoformat(value)
            except ValueError:
                return 0
            if op in ("<", "<="):
                return self._due_range(None, limit)
            if op in (">", ">="):
                return self._due_range(limit, None)
            return self._due_range(limit, limit)
        days = int(value)
        try:
            limit = today + timedelta(days=days)
        except OverflowError:
            limit = date.max
        if op in (">", ">="):
            return self._due_range(limit + timedelta(days=1) if limit < date.max else limit, None)
        if op == "=":
            return self._due_range(limit, limit)
        return self._due_range(today, limit)  # `<30`: due within the next 30 days

    # -- the query -----------------------------------------------------------------------
    def search(self, query: str, *, today: date, limit: int = 50) -> SearchResult:
        q = parse_query(query)
        mask, suggestion = self._filter_bits(q, today)
        combined: dict[float, list[tuple[str, int]]] = {0.0: [("filter", mask)]}
        per_term: list[list[Tier]] = []
        for word in q.terms:
            tiers = self.term_tiers(word)
            per_term.append(tiers)
            nxt: dict[float, list[tuple[str, int]]] = {}
            for s1, parts in combined.items():
                for k1, b1 in parts:
                    for s2, k2, b2 in tiers:
                        b = b1 & b2
                        if b:
                            kind = k2 if k1 == "filter" else k1
                            nxt.setdefault(s1 + s2, []).append((kind, b))
            combined = nxt
            if not combined:
                break
        total_bits = 0
        for parts in combined.values():
            for _, b in parts:
                total_bits |= b
        total = total_bits.bit_count()
        hits: list[Hit] = []
        nterms = max(1, len(q.terms))
        for score in sorted(combined, reverse=True):
            if len(hits) >= limit:
                break
            parts = combined[score]
            union = 0
            for _, b in parts:
                union |= b
            for p in _lowest(union, limit - len(hits)):
                kind = next(k for k, b in parts if b >> p & 1)
                hits.append(self._hit(p, score / nterms, kind, q.terms))
        if not total and suggestion is None:
            suggestion = self._suggest(q, per_term)
        return SearchResult(hits=hits, total=total, suggestion=suggestion, warnings=q.warnings)

    def _hit(self, p: int, score: float, kind: str, terms: list[str]) -> Hit:
        return Hit(self.tasks[p], round(score, 2), matched=kind, source=self, terms=tuple(terms))

    def spans(self, text: str, terms: Iterable[str]) -> list[tuple[int, int]]:
        """Character ranges of `text` that the terms matched (merged, sorted)."""
        if not terms or not text:
            return []
        normed, index = norm_map(text)
        found: list[tuple[int, int]] = []
        for word in terms:
            found += _find_spans(normed, word, self)
        out: list[tuple[int, int]] = []
        for a, b in sorted(found):
            start, end = index[a], index[b - 1] + 1
            if out and start <= out[-1][1]:
                out[-1] = (out[-1][0], max(out[-1][1], end))
            else:
                out.append((start, end))
        return out

    def _suggest(self, q: _Query, per_term: list[list[Tier]]) -> str | None:
        """Nothing matched: the nearest unit or word for the first term that found nothing."""
        for word, tiers in zip(q.terms, per_term, strict=False):
            if not any(b for _, _, b in tiers):
                return self.nearest(word)
        alone = [
            w for w, tiers in zip(q.terms, per_term, strict=False) if any(b for *_, b in tiers)
        ]
        return alone[0] if len(q.terms) > 1 and alone else None

    def nearest(self, word: str) -> str | None:
        """The unit name, group title or phrase of a task closest to `word` (rapidfuzz)."""
        if self.n == 0 and not self.units:
            return None
        from rapidfuzz import fuzz, process

        if word.isascii():
            return suggest_unit(word, self.units)
        vocab = self._cached("vocab", "", self._vocabulary)
        # a low cut-off: after an empty result even one shared character is worth showing
        best = process.extractOne(word, vocab, scorer=fuzz.ratio, score_cutoff=20)  # type: ignore[arg-type]
        return best[0] if best else None

    def _vocabulary(self) -> list[str]:
        words: dict[str, None] = {}
        for name in self.units:
            words[name] = None
            words[_strip_prefix(name)] = None
        for t in self.tasks[:5000]:  # enough to know the plan's words, bounded for 100k plans
            words[t.group_title] = None
            for piece in re.split(r"[\W_]+", t.text):
                if 2 <= len(piece) <= 12:
                    words[piece] = None
        words.pop("", None)
        return list(words)


def _regex_find(rx: re.Pattern[str]):  # type: ignore[no-untyped-def]
    """`str.find`-like (haystack, pos) -> start | -1 for a regex."""

    def find(h: str, p: int) -> int:
        m = rx.search(h, p)
        return m.start() if m else -1

    return find


def _homophone_slip(text: str, word: str, sounds: list[set[str]]) -> bool:
    """Does `text` hold `word` with character i replaced by one of sounds[i]?"""
    for i, same in enumerate(sounds):
        if not same:
            continue
        left, right = word[:i], word[i + 1 :]
        if not left:  # the first character: look before each occurrence of the rest
            k = text.find(right, 1)
            while k > 0:
                if text[k - 1] in same:
                    return True
                k = text.find(right, k + 1)
            continue
        j = text.find(left)
        while j >= 0:
            m = j + i
            if m < len(text) and text[m] in same and text.startswith(right, m + 1):
                return True
            j = text.find(left, j + 1)
    return False


def _disjoint(tiers: list[Tier]) -> list[Tier]:
    """Best tier first; each task kept only in the best tier it reached; empty tiers dropped;
    tiers of equal score and kind merged (one per unit role would otherwise multiply when
    terms are combined)."""
    merged: dict[tuple[float, str], int] = {}
    taken = 0
    for score, kind, bits in sorted(tiers, key=lambda t: -t[0]):
        b = bits & ~taken
        if b:
            merged[score, kind] = merged.get((score, kind), 0) | b
            taken |= b
    return [(score, kind, b) for (score, kind), b in merged.items()]


def _trie_pattern(
    segs: list[list[tuple[str, str]]], tables: dict[tuple[str, str], set[str]]
) -> str:
    """One regex for several token sequences, sharing their common beginnings."""
    trie: dict[tuple[str, str], dict] = {}  # type: ignore[type-arg]
    for seg in segs:
        node = trie
        for token in seg:
            node = node.setdefault(token, {})

    def chars(kind: str, tok: str) -> set[str]:
        out = tables.get((kind, tok)) or set()
        if kind == "p":  # a syllable being typed: also the syllable itself
            out = out | (tables.get(("f", tok)) or set())
        return out

    def klass(found: set[str]) -> str:
        return "[" + "".join(sorted(found)) + "]" if found else "(?!)"

    def walk(node: dict) -> str:  # type: ignore[type-arg]
        alts = [klass(chars(*token)) + walk(child) for token, child in node.items()]
        if len(alts) <= 1:
            return "".join(alts)
        return "(?:" + "|".join(alts) + ")"

    firsts = {token: chars(*token) for token in trie}
    firsts = {token: found for token, found in firsts.items() if found}
    if len(firsts) <= 1:
        return walk({t: trie[t] for t in firsts}) or "(?!)"
    # Several first tokens (sh|… and s|h|…): start with the union of their classes, so
    # the regex engine can skip ahead with a character-set scan, then check which one.
    union = klass(set().union(*firsts.values()))
    alts = [f"(?<={klass(found)})" + walk(trie[token]) for token, found in firsts.items()]
    return union + "(?:" + "|".join(alts) + ")"


def _segmentations(
    word: str, tables: dict[tuple[str, str], set[str]], cap: int = 6
) -> list[list[tuple[str, str]]]:
    """Ways to read `word` as per-character tokens: full syllables, initials, a final prefix.

    `yibentong` -> yi|ben|tong, `ybt` -> y|b|t, `xinxib` -> xin|xi|b. Fewest initials first.
    """
    out: list[list[tuple[str, str]]] = []
    steps = 0

    def walk(i: int, acc: list[tuple[str, str]]) -> None:
        nonlocal steps
        steps += 1
        if len(out) >= cap * 4 or steps > 2000:
            return
        if i == len(word):
            out.append(list(acc))
            return
        rest = word[i:]
        for k in range(min(6, len(rest)), 1, -1):
            if ("f", rest[:k]) in tables:
                acc.append(("f", rest[:k]))
                walk(i + k, acc)
                acc.pop()
        if 1 < len(rest) <= 5 and ("p", rest) in tables and ("f", rest) not in tables:
            out.append([*acc, ("p", rest)])  # the syllable being typed
        if rest[:2] in TWO_LETTER_INITIALS and ("i", rest[:2]) in tables:
            acc.append(("i", rest[:2]))
            walk(i + 2, acc)
            acc.pop()
        if ("i", rest[0]) in tables:
            acc.append(("i", rest[0]))
            walk(i + 1, acc)
            acc.pop()

    walk(0, [])
    out.sort(key=lambda seg: (sum(k == "i" for k, _ in seg), len(seg)))
    return out[:cap]


@lru_cache(maxsize=512)
def typo_variants(word: str) -> tuple[tuple[str, ...], re.Pattern[str] | None]:
    """`word` with one character wrong, missing or extra, as (plain strings, regex).

    The plain strings (one character left out) are searched like any word, which is fast
    even when they are common; the regex holds the variants with a wildcard, and each of its
    branches starts with a literal, so the regex engine scans fast. Two-character words only
    allow a wrong character (`舆请` -> 舆情).
    """
    n = len(word)
    if n < 2:
        return (), None
    e = [re.escape(c) for c in word]
    if n == 2:
        return (), re.compile(f"{e[0]}.|.{e[1]}")
    dropped = tuple(dict.fromkeys(word[:i] + word[i + 1 :] for i in range(n)))
    dotted = ["".join(e[:i]) + "." + "".join(e[i + 1 :]) for i in range(1, n - 1)]  # wrong
    dotted += ["".join(e[:i]) + "." + "".join(e[i:]) for i in range(1, n)]  # one missing
    return dropped, re.compile("|".join(dict.fromkeys(dotted)))


@lru_cache(maxsize=512)
def typo_pattern(word: str) -> re.Pattern[str] | None:
    """One regex for every variant of `typo_variants` (to find spans in a single text).

    A wrong last character is tried before the same word without it, so the span covers
    the whole word (一本通 for 一本同, not 一本); every branch still starts with a literal.
    """
    dropped, dotted = typo_variants(word)
    if dotted is None:
        return None
    plain = sorted((re.escape(d) for d in dropped), key=len, reverse=True)
    last = re.escape(word[:-1]) + "."
    return re.compile("|".join([dotted.pattern, last, *plain])) if plain else dotted


def _find_spans(normed: str, word: str, index: SearchIndex) -> list[tuple[int, int]]:
    """Where one term matched inside one normalised text, by the best method that hits."""
    spans = _occurrences(normed, word)
    if spans:
        return spans
    for pat in index.pinyin_patterns(word):
        coded = index.to_codes(normed, pat.alphabet)
        spans += [m.span() for m in pat.rx.finditer(coded) if m.end() > m.start()]
    if spans:
        return spans
    pieces: list[tuple[int, int]] = []  # split words: both pieces here, else one (other in group)
    if 4 <= len(word) <= MAX_SPLIT_CHARS:
        for i in range(2, len(word) - 1):
            a, b = _occurrences(normed, word[:i]), _occurrences(normed, word[i:])
            if a and b:
                return a + b
            pieces = pieces or a or b
    if len(word) <= MAX_FUZZY_CHARS and (rx := typo_pattern(word)) is not None:
        spans = [m.span() for m in rx.finditer(normed) if m.end() > m.start()]
    return spans or pieces


def _occurrences(text: str, word: str) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    if not word:
        return out
    i = text.find(word)
    while i >= 0:
        out.append((i, i + len(word)))
        i = text.find(word, i + len(word))
    return out


_LAST: list[tuple[object, SearchIndex]] = []  # (snapshot, its index): one slot


def index_for(snapshot: Snapshot) -> SearchIndex:
    """The index of a snapshot, reused while the same snapshot object is searched again."""
    if _LAST and _LAST[0][0] is snapshot:
        return _LAST[0][1]
    idx = SearchIndex.from_snapshot(snapshot)
    _LAST[:] = [(snapshot, idx)]
    return idx


def search(snapshot: Snapshot, query: str, *, today: date, limit: int = 50) -> SearchResult:
    """One-shot search of a snapshot (the index is kept while the snapshot is reused)."""
    return index_for(snapshot).search(query, today=today, limit=limit)

"""`SearchIndex`: everything a query needs, built once per snapshot, and `search` itself.

The index holds the tasks in rank order (due date, undated last, then id), their
normalised texts joined into one string per kind (texts, group titles, units), and caches
per-term results; it answers the primitive questions ("which tasks contain this word",
"which tasks does this unit lead") as bitsets (see bitsets.py). What a term is worth is
terms.py, combining terms is ranking.py, filters are masks.py.
"""

from __future__ import annotations

import copy
import re
from array import array
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date
from functools import partial
from itertools import accumulate, repeat

from ..lighttyping import cast
from ..model import ROLES, Task, Unit
from ..textutil import norm
from ..unitnames import unit_key
from . import highlight, ranking
from .bitsets import Find, bits, lines_hit, lines_holding, positions, regex_find, span_bits
from .initials import InitialsIndex
from .masks import filter_bits
from .parse import parse_query
from .pinyin_match import PinyinPattern, PinyinTables, build_tables, could_be_pinyin, patterns_for
from .results import Hit, SearchResult
from .terms import term_tiers
from .typos import HOMOPHONE_MAX, homophone_slip

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from typing import Any

    from ..db import Snapshot
    from .lineindex import LineIndex

_FLAGS = bytes.maketrans(b"\x00\x01", b"01")
# From one task in this many in the groups hit on, a group title's hits are spread to lines
# by a lookup per line (C speed) rather than by joining the groups' member lists.
_DENSE_GROUPS = 4
CACHE_SIZE = 256  # per-term results kept (keystrokes extend a query a letter at a time)
# The parts of a prepared index a query may not need (`prepared()` key -> attribute): the
# read snapshot keeps each in a section of its own, which a one-shot command reads only when
# a query first needs it (`from_prepared`'s `later`).
LATER = {
    "hay": "hay",
    "coded_hay": "_coded_hay",
    "text_lines": "_text_lines",
    "coded_lines": "_coded_lines",
}


class SearchIndex:
    """Everything a query needs, built once from a snapshot and reused across keystrokes.

    Building is a normalisation pass over the texts (0.1-0.3 s per 10,000 tasks on the
    2-core test machine); pinyin tables and unit positions are built on first use (or by
    `warm()`), and per-term results are cached, so retyping or extending a query is cheap.
    Build a new index when the snapshot changes; an index never reads the database.
    """

    def __init__(
        self,
        tasks: Mapping[int, Task] | Iterable[Task],
        units: dict[str, Unit] | None = None,
        reach: Callable[[Task], list[tuple[str, str, str | None]]] | None = None,
    ) -> None:
        self.reach = reach  # the real units behind collective words (the unit directory)
        items = rank_order(tasks.values() if isinstance(tasks, Mapping) else tasks)
        self.tasks: Sequence[Task] = items
        self.n = n = len(items)
        self.all_bits = (1 << n) - 1
        self._rank_ids: Sequence[int] = [t.id for t in items]
        self._pos_of_id: dict[int, int] | None = {t.id: p for p, t in enumerate(items)}
        self._norm: list[str] | None = [norm(t.text) for t in items]
        self.hay = "\n".join(self.norm)
        # where each task's line starts in `hay`, plus a sentinel "next line" after the last
        self.starts = [0, *accumulate(len(s) + 1 for s in self.norm)]
        self.starts[-1] += 1
        self._due_days: Sequence[int] = ()
        self._dues: list[date] | None = [t.due for t in items if t.due is not None]

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
        # One line per unit (names, aliases, pinyin): a `find` over it picks the few units
        # worth a closer look, instead of testing every unit for every term.
        self.unit_list = list(self.units.items())
        lines = []
        for _, unit in self.unit_list:
            key = unit_key(unit)
            lines.append("\t".join([*key.names, key.full, key.initials]))
        self.unit_blob = "\n".join(lines)
        self.unit_starts = [0, *accumulate(len(line) + 1 for line in lines)]

        self._unit_pos: dict[str, dict[str, list[int]]] | None = None  # built on first use
        self._status_pos: dict[str, list[int]] | None = None
        self._statuses: Sequence[str] | None = None  # per rank, when tasks are built lazily
        self._cache: dict[tuple[str, str], object] = {}
        self._pinyin: PinyinTables | None = None  # built on first use, with:
        self._coded_hay = self._coded_groups = self._coded_units = ""  # the same, as codes
        # line sets per character of hay and _coded_hay: built by `prepared()` (worth it
        # only for an index kept between processes); without them, words are scanned for
        self._text_lines: LineIndex | None = None
        self._coded_lines: LineIndex | None = None
        self._initials: InitialsIndex | None = None  # runs of initials, by position
        self._group_of: Sequence[int] | None = None  # `group_of_line`, made on first use
        self.vocabulary: list[str] | None = None  # words to suggest (suggest.py), on first use
        self._later: dict[str, Callable[[], Any]] = {}  # parts loaded on first use (from_prepared)
        self._chars: frozenset[str] | None = None  # every character of the texts (prepared)

    @classmethod
    def from_snapshot(cls, snapshot: Snapshot) -> SearchIndex:
        from ..lazytasks import LazyTasks

        if isinstance(snapshot.tasks, LazyTasks):  # the app: prepared in the read snapshot
            return snapshot.tasks.search_index()
        return cls(snapshot.tasks, snapshot.units, snapshot.reach if snapshot.directory else None)

    # -- kept between processes (store/readcache.py) ---------------------------------------
    def prepared(self, *, line_indexes: bool = True) -> dict[str, Any]:
        """Everything built from the tasks, as plain data (marshal-able, numbers as array
        bytes, which load as a copy): with `from_prepared` a later process skips the
        normalisation, the pinyin tables and the unit positions. Task statuses are left out
        (they change with every mark): pass them per rank. OverflowError: an id too large
        for the arrays (keep building indexes the ordinary way then). Without
        `line_indexes` their parts are None: the caller has them (`lines_key`)."""
        tables = self._pinyin_tables()
        text_lines, coded_lines = self._line_indexes() if line_indexes else (None, None)
        initials = self._initials_index()
        flat: list[int] = []
        ends = [0]
        for members in self.group_members:
            flat += members
            ends.append(len(flat))
        unit_pos = {
            u: {role: _pack("i", found) for role, found in by_role.items()}
            for u, by_role in self._unit_positions().items()
        }
        return {
            "ids": _pack("q", [t.id for t in self.tasks]),
            "hay": self.hay,
            "starts": _pack("q", self.starts),
            "dues": _pack("q", [d.toordinal() for d in self.dues]),
            "group_titles": self.group_titles,
            "group_members": (_pack("i", flat), _pack("q", ends)),
            "group_hay": self.group_hay,
            "group_starts": _pack("q", self.group_starts),
            "units": [(k, u.name, u.aliases, u.pinyin, u.initials) for k, u in self.units.items()],
            "unit_blob": self.unit_blob,
            "unit_starts": _pack("q", self.unit_starts),
            "unit_pos": unit_pos,
            "pinyin": (tables.classes, tables.table, tables.readings, tables.sounds),
            "coded": (self._coded_groups, self._coded_units),
            "text_lines": text_lines,
            "coded_lines": coded_lines,
            "coded_hay": self._coded_hay,
            "chars": "".join(sorted(set(self.hay) - {"\n"})),
            "initials": initials.state() if initials is not None else None,
            "group_of": _pack("i", self.group_of_line),
        }

    def _line_indexes(self) -> tuple[Any, Any]:
        """The line indexes of the texts and their codes (built on first call)."""
        if self._text_lines is None or self._coded_lines is None:
            coded = self._coded_hay.split("\n") if self.n else []
            from .lineindex import LineIndex

            self._text_lines = LineIndex.build(self.norm)
            self._coded_lines = LineIndex.build(coded, all_pairs=True)
        return (self._text_lines.state(), self._coded_lines.state())

    def _initials_index(self) -> InitialsIndex | None:
        if self._initials is None:
            coded = self._coded_hay.split("\n") if self.n else []
            self._initials = InitialsIndex.build(coded, self._pinyin_tables().classes)
        return self._initials

    def lines_key(self) -> str:
        """A digest of what the two line indexes are made from (the texts and their codes,
        line by line): equal keys, equal indexes. Most of a new read snapshot's time at
        100,000 tasks is those indexes, and after a checkpoint or a re-import of the same
        texts the snapshot it replaces holds them already."""
        import hashlib

        self._pinyin_tables()
        digest = hashlib.blake2b(digest_size=16)
        digest.update(self.hay.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
        digest.update(self._coded_hay.encode("utf-8", "surrogatepass"))
        return digest.hexdigest()

    @classmethod
    def from_prepared(
        cls,
        state: Mapping[str, Any],
        tasks: Sequence[Task],
        statuses: Sequence[str],
        later: Mapping[str, Callable[[], Any]] | None = None,
    ) -> SearchIndex:
        """The index `prepared()` described, over `tasks` in its rank order (a sequence that
        may build each task only when a hit needs it) and their current `statuses`. What
        only some queries use (ids, due dates, the texts one by one) is unpacked on first
        use. The `LATER` parts may be left out of `state` and given in `later`, each a
        function returning that part (None: not to be had): called when a query first needs
        it (a one-shot `zwgk search zcjd` never reads the texts). A part not to be had is
        made from the tasks, or (line indexes) done without: the same answers, slower."""
        self = cls.__new__(cls)
        self.reach = None  # only the unit positions used it: they are prepared
        self.tasks = tasks
        self._rank_ids = _unpack("q", state["ids"])
        self.n = n = len(self._rank_ids)
        self.all_bits = (1 << n) - 1
        self._pos_of_id = None
        self._norm = None
        # arrays: indexed and bisected as the lists `__init__` makes are
        self.starts = cast(list[int], _unpack("q", state["starts"]))
        self._due_days = _unpack("q", state["dues"])
        self._dues = None
        self.group_titles = state["group_titles"]
        members, ends = state["group_members"]
        self.group_members = cast(
            list[list[int]], _Slices(_unpack("i", members), _unpack("q", ends))
        )
        self.group_hay = state["group_hay"]
        self.group_starts = cast(list[int], _unpack("q", state["group_starts"]))
        self.units = {k: Unit(name, list(al), py, ini) for k, name, al, py, ini in state["units"]}
        self.unit_list = list(self.units.items())
        self.unit_blob = state["unit_blob"]
        self.unit_starts = cast(list[int], _unpack("q", state["unit_starts"]))
        self._unit_pos = {
            u: {role: cast(list[int], _unpack("i", found)) for role, found in by_role.items()}
            for u, by_role in state["unit_pos"].items()
        }
        self._status_pos = None
        self._statuses = statuses
        self._cache = {}
        classes, table, readings, sounds = state["pinyin"]
        self._pinyin = PinyinTables(classes, table, readings, sounds)
        self._coded_groups, self._coded_units = state["coded"]
        self._initials = InitialsIndex.from_state(state.get("initials"))
        self._group_of = _unpack("i", state["group_of"]) if "group_of" in state else None
        self.vocabulary = None
        self._chars = frozenset(state["chars"]) if "chars" in state else None
        self._later = {}
        for key, name in LATER.items():
            if key in state:
                setattr(self, name, self._part(name, state[key]))
            elif later is not None and key in later:
                self._later[name] = later[key]
            else:
                setattr(self, name, self._part(name, None))
        return self

    def _part(self, name: str, value: Any) -> Any:
        """A `LATER` part as the index holds it, from its prepared value (None: made again
        from the tasks, or, for a line index, none: words are then scanned for)."""
        if name in ("_text_lines", "_coded_lines"):
            from .lineindex import LineIndex  # (a query of initials alone needs none)

            return LineIndex.from_state(value) if value is not None else None
        if value is not None:
            return value
        if name == "hay":
            return "\n".join(norm(t.text) for t in self.tasks)
        assert name == "_coded_hay" and self._pinyin is not None
        return self.hay.translate(self._pinyin.table)

    if not TYPE_CHECKING:  # (mypy still sees every other attribute name as an error)

        def __getattr__(self, name: str) -> Any:
            # only for an attribute not set: a part `from_prepared` was told to load later
            later = self.__dict__.get("_later")
            if not later or name not in later:
                raise AttributeError(name)
            value = self._part(name, later[name]())  # (kept: a copy may not have it yet)
            setattr(self, name, value)
            return value

    @property
    def norm(self) -> list[str]:
        """Each task's normalised text, in rank order."""
        if self._norm is None:
            self._norm = self.hay.split("\n") if self.n else []
        return self._norm

    @norm.setter
    def norm(self, value: list[str]) -> None:
        self._norm = value

    @property
    def pos_of_id(self) -> dict[int, int]:
        """Task id -> rank."""
        if self._pos_of_id is None:
            self._pos_of_id = {tid: p for p, tid in enumerate(self._rank_ids)}
        return self._pos_of_id

    @pos_of_id.setter
    def pos_of_id(self, value: dict[int, int]) -> None:
        self._pos_of_id = value

    @property
    def dues(self) -> list[date]:
        """The due dates of the dated tasks, in rank order (so sorted: a prefix of ranks)."""
        if self._dues is None:
            self._dues = [date.fromordinal(d) for d in self._due_days]
        return self._dues

    @dues.setter
    def dues(self, value: list[date]) -> None:
        self._dues = value

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

    def cached(self, kind: str, key: str, make: Callable[[], Any]) -> Any:
        """`make()`, remembered under (kind, key); the oldest entry goes when full."""
        k = (kind, key)
        if k in self._cache:
            return self._cache[k]
        if len(self._cache) >= CACHE_SIZE:
            self._cache.pop(next(iter(self._cache)))
        value = self._cache[k] = make()
        return value

    def rolled(self, tasks: Mapping[int, Task], changed: Iterable[int]) -> SearchIndex:
        """This index for a snapshot in which only the `changed` tasks' statuses, notes or
        parts differ (a colleague's change applied from the log, store/tail.py): texts, ranks
        and per-term results are shared, the status sets are worked out again."""
        from ..lazytasks import Patched

        pos_of_id = self.pos_of_id  # built before the copy: every later clone shares it
        clone = copy.copy(self)
        replaced: dict[int, Task] = {}
        for task_id in changed:
            p = pos_of_id.get(task_id)
            if p is not None and task_id in tasks:
                replaced[p] = tasks[task_id]
        if isinstance(self.tasks, list):
            clone.tasks = list(self.tasks)
            for p, task in replaced.items():
                clone.tasks[p] = task
        elif isinstance(self.tasks, Patched):  # built lazily: replace without building all
            clone.tasks = Patched(self.tasks.base, {**self.tasks.replaced, **replaced})
        else:
            clone.tasks = Patched(self.tasks, replaced)
        if self._statuses is not None:
            statuses = list(self._statuses)
            for p, task in replaced.items():
                statuses[p] = task.status
            clone._statuses = statuses
        clone._status_pos = None
        clone._cache = {k: v for k, v in self._cache.items() if k[0] != "status"}
        return clone

    # -- the query -----------------------------------------------------------------------
    def search(self, query: str, *, today: date, limit: int = 50) -> SearchResult:
        q = parse_query(query, today)
        mask, suggestion = filter_bits(self, q.filter, today, q.warnings)
        combined: ranking.Combined = {0.0: [("filter", mask)]}
        per_term: list[list[ranking.Tier]] = []
        for word in q.terms:
            tiers = self.term_tiers(word)
            per_term.append(tiers)
            combined = ranking.combine(combined, tiers)
            if not combined:
                break
        total = ranking.union(combined).bit_count()
        nterms = max(1, len(q.terms))
        terms = tuple(q.terms)
        hits = [
            Hit(self.tasks[p], round(score / nterms, 2), matched=kind, source=self, terms=terms)
            for p, score, kind in ranking.best(combined, limit)
        ]
        if not total and suggestion is None:
            from . import suggest  # only after an empty result

            suggestion = suggest.suggestion(self, q.terms, per_term)
        return SearchResult(hits=hits, total=total, suggestion=suggestion, warnings=q.warnings)

    def term_tiers(self, word: str) -> list[ranking.Tier]:
        """Every way `word` matches, best first, each task in its best tier only."""
        return self.cached("term", word, lambda: ranking.disjoint(term_tiers(self, word)))  # type: ignore[no-any-return]

    def spans(self, text: str, terms: Iterable[str]) -> list[tuple[int, int]]:
        """Character ranges of `text` that the terms matched (merged, sorted)."""
        return highlight.spans(self, text, terms)

    def nearest(self, word: str) -> str | None:
        """The unit name, group title or phrase of a task closest to `word` (rapidfuzz)."""
        from . import suggest

        return suggest.nearest(self, word)

    # -- text and group titles -----------------------------------------------------------
    def text_bits(self, word: str) -> int:
        """Tasks whose normalised text contains `word`."""

        def make() -> int:
            if self._chars is not None and not self._chars.issuperset(word):
                return 0  # a character no text holds (`zcjd`): no text to read at all
            if self._text_lines is not None and word and "\n" not in word:
                return self._indexed_word(word)
            # rare words: jump from occurrence to occurrence (C-speed scanning between)
            limit = self.n // 8 + 1
            lines = lines_hit(lambda h, p: h.find(word, p), self.hay, self.starts, limit)
            if lines or self.hay.find(word) < 0:
                return bits(lines, self.n)
            # common words: one pass producing the bitset as a binary numeral
            flags = "".join(["1" if word in t else "0" for t in self.norm])
            return int(flags[::-1], 2)

        return self.cached("text", word, make)  # type: ignore[no-any-return]

    def _indexed_word(self, word: str) -> int:
        """`text_bits` from the line index: the lines it is sure of, and the others that
        may hold `word` checked one by one."""
        lines = self._text_lines
        assert lines is not None
        certain, maybe = lines.run_lines(word)
        if maybe:
            certain |= lines_holding(partial(self.hay.find, word), self.starts, maybe, miss=-1)
        return certain

    def pinyin_bits(self, pat: PinyinPattern) -> int:
        """Tasks whose text a pinyin pattern matches (`regex_bits` of its regex, coded)."""
        initials = self._initials
        letters_of = pat.initials or (None,) * len(pat.seqs)
        # runs of three or more initials are answered by position (one or two: the code
        # index's sets and pairs answer exactly, faster); only other runs need the code index
        by_position = [initials is not None and x is not None and len(x) > 2 for x in letters_of]
        if not pat.seqs or (not all(by_position) and self._coded_lines is None):
            return self.regex_bits(pat.rx, coded=True)

        def make() -> int:
            exact = maybe = starts = 0
            for run, letters, positioned in zip(pat.seqs, letters_of, by_position, strict=True):
                if positioned:
                    assert initials is not None and letters is not None
                    starts |= initials.run_positions(letters)  # exact: no line to check
                    continue
                lines = self._coded_lines
                assert lines is not None
                certain, unsure = lines.run_lines(run)
                exact |= certain
                maybe |= unsure
            if starts:
                assert initials is not None
                exact |= initials.lines_of(starts)
            maybe &= ~exact
            if maybe:  # the pairs are there, but perhaps not in a row: look
                search = partial(pat.rx.search, self._coded_hay)
                exact |= lines_holding(search, self.starts, maybe)
            return exact

        return self.cached("rx", "py:" + pat.rx.pattern, make)  # type: ignore[no-any-return]

    def typo_bits(self, word: str, rx: re.Pattern[str]) -> int:
        """`regex_bits(rx)` for rx = `typo_variants(word)`'s regex, whose every branch is
        word[:i] + "." + a rest: the lines holding both pieces of a branch (looked up like
        any word), each then checked; a scan when that leaves too many lines."""
        if self._text_lines is None or len(word) < 3:
            return self.regex_bits(rx)

        def make() -> int:
            n = len(word)
            cuts = [(word[:i], word[i + 1 :]) for i in range(1, n - 1)]  # one wrong
            cuts += [(word[:i], word[i:]) for i in range(1, n)]  # one missing
            maybe = 0
            for a, b in cuts:
                maybe |= self.text_bits(a) & self.text_bits(b)
            if maybe.bit_count() > self.n // 8:
                return bits(lines_hit(regex_find(rx), self.hay, self.starts), self.n)
            return lines_holding(partial(rx.search, self.hay), self.starts, maybe)

        return self.cached("rx", ":" + rx.pattern, make)  # type: ignore[no-any-return]

    def regex_bits(self, rx: re.Pattern[str], *, coded: bool = False) -> int:
        """Tasks whose text `rx` matches; `coded`: the pinyin-coded texts."""
        hay = self._coded_hay if coded else self.hay

        def make() -> int:
            return bits(lines_hit(regex_find(rx), hay, self.starts), self.n) if hay else 0

        return self.cached("rx", ("py:" if coded else ":") + rx.pattern, make)  # type: ignore[no-any-return]

    def groups_bits(self, find: Find, *, coded: bool = False) -> int:
        """Tasks whose group title `find` hits (scanning all distinct titles at once)."""
        hay = self._coded_groups if coded else self.group_hay
        found = lines_hit(find, hay, self.group_starts)
        members = self.group_members
        if sum(map(len, map(members.__getitem__, found))) * _DENSE_GROUPS >= self.n:
            # many groups (a pinyin letter): each line looks its group up, in C
            flags = bytearray(len(self.group_titles))
            for g in found:
                flags[g] = 1
            line_flags = bytes(map(flags.__getitem__, self.group_of_line))
            return int(line_flags.translate(_FLAGS)[::-1], 2) if self.n else 0
        pos: list[int] = []
        for g in found:
            pos.extend(members[g])
        return bits(pos, self.n) if pos else 0

    @property
    def group_of_line(self) -> Sequence[int]:
        """The group of each line (rank), from `group_members` on first use."""
        if self._group_of is None:
            out = array("i", bytes(4 * self.n))
            for g, members in enumerate(self.group_members):
                deque(map(out.__setitem__, members, repeat(g)), maxlen=0)
            self._group_of = out
        return self._group_of

    def group_bits(self, word: str) -> int:
        """Tasks whose normalised group title contains `word`."""
        make = lambda: self.groups_bits(lambda h, p: h.find(word, p))  # noqa: E731
        return self.cached("group", word, make)  # type: ignore[no-any-return]

    # -- units, status, due dates --------------------------------------------------------
    def unit_lines(self, find: Find, *, coded: bool = False) -> set[int]:
        """Indices into `unit_list` of the units whose line `find` hits."""
        blob = self._coded_units if coded else self.unit_blob
        return set(lines_hit(find, blob, self.unit_starts))

    def _unit_positions(self) -> dict[str, dict[str, list[int]]]:
        if self._unit_pos is None:
            by_role: dict[str, dict[str, list[int]]] = {r: {} for r in ROLES}
            lead, support, guide = by_role["lead"], by_role["support"], by_role["guide"]
            for p, t in enumerate(self.tasks):
                for u in t.lead_units:
                    lead.setdefault(u, []).append(p)
                for u in t.support_units:
                    support.setdefault(u, []).append(p)
                for u in t.guide_units:
                    guide.setdefault(u, []).append(p)
                if self.reach is not None:  # 甘棠街道 through 各街道
                    for u, role, via in self.reach(t):
                        if via is not None:
                            by_role[role].setdefault(u, []).append(p)
            self._unit_pos = {}
            for role, units in by_role.items():
                for u, found in units.items():
                    self._unit_pos.setdefault(u, {})[role] = found
        return self._unit_pos

    def unit_bits(self, name: str, role: str = "any") -> int:
        """Tasks naming unit `name` (in one role, or any)."""
        roles = ROLES if role == "any" else (role,)

        def make() -> int:
            by_role = self._unit_positions().get(name, {})
            return bits((p for r in roles for p in by_role.get(r, ())), self.n)

        return self.cached("unit:" + role, name, make)  # type: ignore[no-any-return]

    def status_bits(self, status: str) -> int:
        if self._status_pos is None:
            self._status_pos = {}
            statuses = self._statuses
            if statuses is None:
                statuses = [t.status for t in self.tasks]
            for p, s in enumerate(statuses):
                self._status_pos.setdefault(s, []).append(p)
        found = self._status_pos.get(status, [])
        return self.cached("status", status, lambda: bits(found, self.n))  # type: ignore[no-any-return]

    def group_number_bits(self, group: int) -> int:
        """Tasks of the document's Nth 工作任务 (`zwgk list --group N`)."""
        make = lambda: bits((p for p, t in enumerate(self.tasks) if t.group == group), self.n)  # noqa: E731
        return self.cached("groupno", str(group), make)  # type: ignore[no-any-return]

    def due_range(self, lo: date | None, hi: date | None) -> int:
        """Tasks due in [lo, hi] (either end open): a contiguous run of ranks."""
        a = bisect_left(self.dues, lo) if lo else 0
        b = bisect_right(self.dues, hi) if hi else len(self.dues)
        return span_bits(a, b)

    # -- pinyin and homophones -----------------------------------------------------------
    def _pinyin_tables(self) -> PinyinTables:
        """The plan's pinyin codes (see pinyin_match.py), and the texts translated to them."""
        if self._pinyin is None:
            self.use_pinyin(build_tables(self.tasks))
        assert self._pinyin is not None
        return self._pinyin

    def use_pinyin(self, tables: PinyinTables) -> None:
        """Match pinyin through `tables` (built from these tasks' stored keys, perhaps by an
        earlier process: tasks built from a read snapshot carry no keys)."""
        table = tables.table
        self._coded_hay = self.hay.translate(table)
        self._coded_groups = self.group_hay.translate(table)
        self._coded_units = self.unit_blob.translate(table)
        self._pinyin = tables

    def to_codes(self, normed: str) -> str:
        """A normalised text in the alphabet a pinyin pattern matches."""
        return normed.translate(self._pinyin_tables().table)

    def pinyin_patterns(self, word: str) -> list[PinyinPattern]:
        """Regexes over `to_codes(text)` for a typed pinyin word ([] if it cannot be pinyin)."""
        if not could_be_pinyin(word):
            return []
        make = lambda: patterns_for(word, self._pinyin_tables().classes)  # noqa: E731
        return self.cached("pyrx", word, make)  # type: ignore[no-any-return]

    def homophones(self, ch: str) -> set[str]:
        """Characters of this plan sharing a reading with `ch` (情 for 请), `ch` excluded."""
        return self._pinyin_tables().homophones(ch)

    def homophone_bits(self, word: str, candidates: int) -> int:
        """Those of `candidates` containing `word` with one character replaced by a
        homophone (the usual slip of a pinyin input method: 舆请 for 舆情).

        Only the candidates (the typo matches) are checked, with plain string searches (a
        regex of large character classes costs more to compile than this costs to run), so
        the cost follows the number of typo matches, not the size of the plan.
        """
        if not candidates or candidates.bit_count() > HOMOPHONE_MAX:
            return 0
        found = positions(candidates)
        sounds = [self.homophones(c) for c in word]
        if not any(sounds):
            return 0
        texts = self.norm
        return bits((p for p in found if homophone_slip(texts[p], word, sounds)), self.n)


class _Slices(Sequence[Sequence[int]]):
    """Lists kept as one flat array and where each ends (`group_members`, prepared)."""

    def __init__(self, flat: Sequence[int], ends: Sequence[int]) -> None:
        self.flat = flat
        self.ends = ends

    def __len__(self) -> int:
        return len(self.ends) - 1

    def __getitem__(self, i: int) -> Sequence[int]:  # type: ignore[override]
        return self.flat[self.ends[i] : self.ends[i + 1]]


def _pack(typecode: str, values: Iterable[int]) -> bytes:
    return array(typecode, values).tobytes()


def _unpack(typecode: str, data: bytes) -> array[int]:
    out = array(typecode)
    out.frombytes(data)
    return out


def rank_order(tasks: Iterable[Task]) -> list[Task]:
    """Tasks in rank order, the tie-break order of every result: due date (undated last),
    then id."""
    undated = date.max.toordinal() + 1  # ordinals: much cheaper to compare than dates
    return sorted(tasks, key=lambda t: (t.due.toordinal() if t.due else undated, t.id))


_LAST: list[tuple[object, SearchIndex]] = []  # (snapshot, its index): one slot


def built_index(snapshot: Snapshot) -> SearchIndex | None:
    """The index of `snapshot` if one was built already (never builds one)."""
    return _LAST[0][1] if _LAST and _LAST[0][0] is snapshot else None


def adopt(snapshot: Snapshot, index: SearchIndex) -> None:
    """Make `index` the one `index_for(snapshot)` returns (a rolled index, store/tail.py)."""
    _LAST[:] = [(snapshot, index)]


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

"""Which unit a typed word names: full name, alias, name without 区/各, pinyin, or a part.

Shared by search (unit terms and `unit:` filters), `TaskFilter` (`zwgk list --unit`) and the
app; outside store/search/ so the filter and the search both use it without an import cycle.
A unit's matching forms are computed once per distinct unit (`unit_key`, cached), and the
"did you mean" suggestion after a miss is here too.
"""

from __future__ import annotations

from functools import lru_cache

from .model import Unit
from .record import record
from .textutil import norm, sanitize

# Administrative prefixes people leave out when naming a unit (区编办 -> 编办 / bianban).
UNIT_PREFIXES = {"区": "qu", "市": "shi", "县": "xian", "省": "sheng", "各": "ge"}

# How well a query names a unit (unit_match), best last.
WHOLE, PART, WEAK = 3, 2, 1


def strip_prefix(name: str) -> str:
    """`name` without a leading 区/市/县/省/各, when something is left of it."""
    return name[1:] if len(name) > 2 and name[0] in UNIT_PREFIXES else name


@record(frozen=True)
class UnitKey:
    """A unit's names made ready for matching: normalised, shortened, its pinyin."""

    names: tuple[str, ...]  # normalised name and aliases
    short: tuple[str, ...]  # the same without 区/各…
    full: str
    initials: str
    wholes: frozenset[str]  # pinyin spellings that name the whole unit


@lru_cache(maxsize=8192)
def _unit_key(name: str, aliases: tuple[str, ...], full: str, ini: str) -> UnitKey:
    names = tuple(norm(n) for n in (name, *aliases))
    full, ini = full.lower(), ini.lower()
    wholes = {full, ini} if full else set()
    prefix = UNIT_PREFIXES.get(names[0][:1], "") if len(names[0]) > 2 else ""
    if full and prefix and full.startswith(prefix):
        wholes |= {full[len(prefix) :], ini[1:]}
    return UnitKey(names, tuple(strip_prefix(n) for n in names), full, ini, frozenset(wholes))


def _typed(query: str) -> str:
    """A unit name as typed (from a command line or a `unit:` filter), normalised."""
    return norm(sanitize(query or ""))


def unit_key(unit: Unit) -> UnitKey:
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
    q = _typed(query)
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
    q = _typed(query)
    if not q or not units:
        return None
    from rapidfuzz import fuzz, process  # lazily: only needed when something failed

    choices: dict[str, str] = {}
    for unit in units.values():
        for spelling in (unit.name, *unit.aliases):
            choices[norm(spelling)] = unit.name
            choices[strip_prefix(norm(spelling))] = unit.name
        if q.isascii():
            for key in (unit.pinyin, unit.initials):
                if key:
                    choices[key.lower()] = unit.name
    best = process.extractOne(q, list(choices), scorer=fuzz.ratio, score_cutoff=40)
    return choices[best[0]] if best else None

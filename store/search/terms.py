"""How one term matches, and what each way of matching scores.

Best first (a task gets its best score per term, see `ranking.disjoint`): id (`7`) > a
unit's whole name > part of a unit name > exact text substring > group title > pinyin >
words split across group title and text > one-typo match. Unit scores get a role bonus
(lead > support > guide). Split words and typos are only looked for when the exact ways
found fewer than FUZZY_FLOOR tasks.
"""

from __future__ import annotations

from ..unitnames import PART, WEAK, WHOLE, unit_key, unit_match
from .bitsets import regex_find
from .ranking import Tier
from .typos import FUZZY_FLOOR, MAX_FUZZY_CHARS, MAX_SPLIT_CHARS, typo_pattern, typo_variants

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from .index import SearchIndex

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

_UNIT_SCORES = {WHOLE: S_UNIT_WHOLE, PART: S_UNIT_PART, WEAK: S_UNIT_WEAK}
_UNIT_PINYIN_SCORES = {WHOLE: S_UNIT_WHOLE, PART: S_UNIT_PINYIN}


def term_tiers(index: SearchIndex, word: str) -> list[Tier]:
    """Every way a normalised `word` matches, as (score, kind, bitset), not yet disjoint."""
    tiers: list[Tier] = []
    if word.isdigit() and len(word) < 12 and int(word) in index.pos_of_id:
        tiers.append((S_ID, "id", 1 << index.pos_of_id[int(word)]))
    tiers += _unit_tiers(index, word)
    tiers.append((S_TEXT, "text", index.text_bits(word)))
    tiers.append((S_GROUP, "group", index.group_bits(word)))
    pinyin = index.pinyin_patterns(word)
    for pat in pinyin:
        score = S_PINYIN_FULL if pat.full else S_PINYIN_INITIALS
        tiers.append((score, "pinyin", index.pinyin_bits(pat)))
        tiers.append((S_GROUP_PINYIN, "pinyin", index.groups_bits(regex_find(pat.rx), coded=True)))
    exact = 0
    for _, _, b in tiers:
        exact |= b
    if pinyin or word.isdigit():
        return tiers
    found = exact.bit_count()
    if found < FUZZY_FLOOR and 4 <= len(word) <= MAX_SPLIT_CHARS:
        tiers.append((S_SPLIT, "split", _split_bits(index, word)))
    if found < FUZZY_FLOOR and len(word) <= MAX_FUZZY_CHARS and (len(word) >= 3 or not found):
        tiers += _typo_tiers(index, word, exact)
    return tiers


def _typo_tiers(index: SearchIndex, word: str, exact: int) -> list[Tier]:
    """One character wrong, missing or extra, in text, group title or unit name."""
    rx = typo_pattern(word)
    if rx is None:  # a single character
        return []
    if len(word) == 2:
        # one of two characters wrong: tasks with either (plain searches avoid a regex
        # starting with ".")
        bits = index.text_bits(word[0]) | index.text_bits(word[1])
    else:
        dropped, dotted = typo_variants(word)
        bits = index.typo_bits(word, dotted) if dotted is not None else 0
        for variant in dropped:
            bits |= index.text_bits(variant)
    tiers: list[Tier] = [
        (S_HOMOPHONE, "fuzzy", index.homophone_bits(word, bits & ~exact)),
        (S_TEXT_FUZZY, "fuzzy", bits),
        (S_GROUP_FUZZY, "fuzzy", index.groups_bits(regex_find(rx))),
    ]
    for i in sorted(index.unit_lines(regex_find(rx))):
        name, unit = index.unit_list[i]
        if rx.search(unit_key(unit).names[0]):
            tiers.append((S_UNIT_FUZZY, "unit", index.unit_bits(name)))
    return tiers


def _unit_tiers(index: SearchIndex, word: str) -> list[Tier]:
    """Tasks of the units `word` names, one tier per role."""
    tiers: list[Tier] = []
    pinyin = index.pinyin_patterns(word) if word.isascii() else []
    candidates = index.unit_lines(lambda h, p: h.find(word, p))
    for pat in pinyin:
        candidates |= index.unit_lines(regex_find(pat.rx), coded=True)
    for i in sorted(candidates):
        name, unit = index.unit_list[i]
        level = unit_match(word, unit)
        base = _UNIT_SCORES.get(level, 0.0)
        if level and word.isascii():
            base = _UNIT_PINYIN_SCORES.get(level, S_UNIT_PINYIN_WEAK)
        elif not level and pinyin:  # heteronyms: per-character readings of the name
            key = unit_key(unit)
            ends: list[int] = []
            for pat in pinyin:
                nm = index.to_codes(key.names[0])
                short = index.to_codes(key.short[0])
                if pat.rx.fullmatch(nm) or pat.rx.fullmatch(short):
                    base = S_UNIT_WHOLE
                    break
                ends += [m.end() - len(nm) for m in pat.rx.finditer(nm)]
            if not base and ends and len(word) >= 3:
                base = S_UNIT_PINYIN if max(ends) == 0 else S_UNIT_PINYIN_WEAK
        if base:
            for role, bonus in ROLE_BONUS.items():
                tiers.append((base + bonus, "unit", index.unit_bits(name, role)))
    return tiers


def _split_bits(index: SearchIndex, word: str) -> int:
    """Tasks where the word, cut in two pieces of 2+ characters, appears in text or group."""
    out = 0
    for i in range(2, len(word) - 1):
        a, b = word[:i], word[i:]
        # a piece found nowhere (one C-speed `in` each) spares scanning for the other
        if all(p in index.hay or p in index.group_hay for p in (a, b)):
            out |= (index.text_bits(a) | index.group_bits(a)) & (
                index.text_bits(b) | index.group_bits(b)
            )
    return out

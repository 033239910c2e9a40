"""Typed pinyin (`yibentong`, `ybt`, `xinxib`) matched character by character.

No pypinyin here: readings come from keys stored in `task.extra` at import time (see
store.pinyin), so searching never loads it. Every distinct set of readings in the plan gets
one private-use character ("code"), and texts are translated to codes once. A typed word is
read as sequences of per-character tokens (full syllable, initial, or the syllable being
typed), each token becomes a character class of the codes whose readings fit, and all the
readings of a word become one regex (a trie), so one scan of the coded texts answers it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ..model import Task
from ..pinyin import PINYIN_KEY, parse_readings  # store.pinyin imports pypinyin lazily
from ..record import record

MAX_PINYIN_CHARS = 40
TWO_LETTER_INITIALS = ("zh", "ch", "sh")

_ASCII_WORD = re.compile(r"[a-z]+")

Token = tuple[str, str]  # (kind, letters): kind f = full syllable, i = initial, p = prefix
Classes = dict[Token, set[str]]  # token -> codes whose readings fit


@record(frozen=True, slots=True)
class PinyinPattern:
    """A pinyin query made ready: a regex over coded texts, and the runs it matches."""

    full: bool  # all full syllables (yibentong) rather than initials (ybt)
    rx: re.Pattern[str]  # matches texts translated by PinyinTables.table
    # what rx matches, spelled out: any one of these runs of code classes (each class a
    # string of codes), for looking lines up in a LineIndex instead of scanning
    seqs: tuple[tuple[str, ...], ...] = ()
    # per run of `seqs`: the initials it is made of when every token is an initial
    # (then an InitialsIndex answers it exactly), else None
    initials: tuple[tuple[str, ...] | None, ...] = ()


@record(slots=True)
class PinyinTables:
    """The plan's characters as pinyin codes, and the readings behind them."""

    classes: Classes
    table: dict[int, str]  # character -> code, for str.translate
    readings: dict[str, list[str]]  # character -> readings
    sounds: dict[str, set[str]]  # reading -> characters

    def homophones(self, ch: str) -> set[str]:
        """Characters of this plan sharing a reading with `ch` (情 for 请), `ch` excluded;
        empty when `ch` occurs nowhere in the plan (its readings are then unknown)."""
        out: set[str] = set()
        for r in self.readings.get(ch, ()):
            out |= self.sounds.get(r, set())
        out.discard(ch)
        return out


def build_tables(tasks: Iterable[Task]) -> PinyinTables:
    """Codes and token classes for the characters of `tasks`, from their stored keys."""
    return tables_of_extras(t.extra for t in tasks)


def tables_of_extras(extras: Iterable[object]) -> PinyinTables:
    """`build_tables` from each task's `extra` (a record's, when no `Task` was built)."""
    merged: dict[str, str] = {}
    known = set("abcdefghijklmnopqrstuvwxyz,")
    for extra in extras:
        keys = extra.get(PINYIN_KEY) if isinstance(extra, dict) else None
        # Plans reuse a few thousand characters: parse only keys bringing new ones.
        if keys and not (isinstance(keys, str) and known.issuperset(keys)):
            for ch, readings in parse_readings(keys).items():
                merged.setdefault(ch, readings)
                known.add(ch)
    codes: dict[str, str] = {}
    table: dict[int, str] = {}
    classes: Classes = {}
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
    readings_of = {ch: r.split(",") for ch, r in merged.items()}
    sounds: dict[str, set[str]] = {}
    for ch, rs in readings_of.items():
        for r in rs:
            sounds.setdefault(r, set()).add(ch)
    return PinyinTables(classes, table, readings_of, sounds)


def could_be_pinyin(word: str) -> bool:
    """Only short all-letter words are read as pinyin."""
    return bool(_ASCII_WORD.fullmatch(word)) and len(word) <= MAX_PINYIN_CHARS


def patterns_for(word: str, classes: Classes) -> list[PinyinPattern]:
    """Regexes over coded texts for a typed pinyin word, full-syllable readings first.

    Readings made only of full syllables score above those using initials; each group
    becomes one regex (a trie of its readings), so one scan of the texts.
    """
    groups: dict[bool, list[list[Token]]] = {}
    for seg in _segmentations(word, classes):
        groups.setdefault(all(kind != "i" for kind, _ in seg), []).append(seg)
    out = []
    for full, segs in sorted(groups.items(), reverse=True):
        runs = _class_runs(segs, classes)
        rx = re.compile(_trie_pattern(segs, classes))
        out.append(PinyinPattern(full, rx, tuple(runs), tuple(runs.values())))
    return out


def _token_codes(kind: str, tok: str, tables: Classes) -> set[str]:
    """The codes a token matches."""
    out = tables.get((kind, tok)) or set()
    if kind == "p":  # a syllable being typed: also the syllable itself
        out = out | (tables.get(("f", tok)) or set())
    return out


def _class_runs(
    segs: list[list[Token]], tables: Classes
) -> dict[tuple[str, ...], tuple[str, ...] | None]:
    """The token sequences of `_trie_pattern` as runs of code classes, without those that
    cannot match (a token matching no code: "(?!)" there), each with its initials when a
    sequence of initials only makes it (its classes are then exactly those initials')."""
    runs: dict[tuple[str, ...], tuple[str, ...] | None] = {}
    for seg in segs:
        run = tuple("".join(sorted(_token_codes(*token, tables))) for token in seg)
        if run and all(run):
            initials = tuple(x for kind, x in seg) if all(k == "i" for k, _ in seg) else None
            if runs.get(run) is None:
                runs[run] = initials
    return runs


def _trie_pattern(segs: list[list[Token]], tables: Classes) -> str:
    """One regex for several token sequences, sharing their common beginnings."""
    trie: dict[Token, dict] = {}  # type: ignore[type-arg]
    for seg in segs:
        node = trie
        for token in seg:
            node = node.setdefault(token, {})

    def chars(kind: str, tok: str) -> set[str]:
        return _token_codes(kind, tok, tables)

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


def _segmentations(word: str, tables: Classes, cap: int = 6) -> list[list[Token]]:
    """Ways to read `word` as per-character tokens: full syllables, initials, a final prefix.

    `yibentong` -> yi|ben|tong, `ybt` -> y|b|t, `xinxib` -> xin|xi|b. Fewest initials first.
    """
    out: list[list[Token]] = []
    steps = 0

    def walk(i: int, acc: list[Token]) -> None:
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

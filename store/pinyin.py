"""Pinyin keys computed when tasks are written, so search never loads pypinyin.

pypinyin costs ~0.5 s and ~55 MB just to import, so it is only ever imported inside the
functions below, which run at import/upgrade time. What is stored per task is a small map
`character -> every reading` (heteronyms such as 行/重/长/调 keep all of theirs), covering the
task text, group title and unit names, written as one string `健jian完wan,kuan…` (about
half the bytes of a JSON object, and every snapshot read parses it). `store.search` turns a typed pinyin query into
character classes over those maps, so a search needs no dictionary at all.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from typing import Any

KEYS_VERSION = 2
VERSION_KEY = "pyv"  # in task.extra: which version of the keys is stored
PINYIN_KEY = "py"  # in task.extra: "字zi行xing,hang,heng…" (version 1 stored a dict)
_PAIRS = re.compile(r"([^a-z,])([a-z,]+)")


@lru_cache(maxsize=65536)
def char_readings(ch: str) -> tuple[str, ...]:
    """Every toneless reading of one character (行 -> xing, hang, heng); () for non-hanzi."""
    if ch.isascii() or not ch.isalpha():
        return ()
    from pypinyin import Style, pinyin

    out: list[str] = []
    for group in pinyin(ch, heteronym=True, style=Style.NORMAL, errors="ignore"):
        for reading in group:
            r = reading.strip().lower()
            if r.isascii() and r.isalpha() and r not in out:
                out.append(r)
    return tuple(out)


class _Entries(dict[str, str]):
    """character -> its part of a stored key (`行xing,hang,heng`, "" for non-hanzi), built on
    first sight: a plan of 100,000 tasks uses a few thousand characters, so the per-task work
    is dictionary lookups done by `map` in C, not a Python loop over every character."""

    def __missing__(self, ch: str) -> str:
        readings = char_readings(ch)
        entry = self[ch] = ch + ",".join(readings) if readings else ""
        return entry


_ENTRIES = _Entries()


# Full-width punctuation every Chinese sentence has, and what NFKC makes of it (a single ASCII
# character, which composes with nothing). Replaced first, a text usually passes NFKC's quick
# check and is not normalized at all: the same result, at a tenth of the cost.
_WIDE = tuple((ch, unicodedata.normalize("NFKC", ch)) for ch in "，；：（）")


def _nfkc(text: str) -> str:
    if not unicodedata.is_normalized("NFKC", text):
        for wide, narrow in _WIDE:
            text = text.replace(wide, narrow)
        if not unicodedata.is_normalized("NFKC", text):
            text = unicodedata.normalize("NFKC", text)
    return text


def _chars(text: str) -> dict[str, None]:
    """The characters of `text` after NFKC, once each, in order."""
    return dict.fromkeys(_nfkc(text))


def _entries(text: str) -> dict[str, str]:
    """character -> its part of the key, for the characters of `text` (already NFKC) in order,
    once each: the key is then `"".join(entries.values())`, and merging the entries of several
    texts with update() keeps each character where it first appeared."""
    return dict(zip(text, map(_ENTRIES.__getitem__, text), strict=True))


class _Memo(dict[str, dict[str, str]]):
    """`fn(text)` remembered per text, up to `limit` texts (then forgotten all at once: the
    values are pure, so only the cost changes). A dict's own lookup, ~2x cheaper than an
    lru_cache call, for the ~10 parts of every task."""

    def __init__(self, fn: Callable[[str], dict[str, str]], limit: int) -> None:
        super().__init__()
        self.fn, self.limit = fn, limit

    def __missing__(self, text: str) -> dict[str, str]:
        if not text:  # "" (or a None in an old record's unit list): nothing to read
            return {}
        if len(self) >= self.limit:
            self.clear()
        found = self[text] = self.fn(text)
        return found


# `_entries` of one comma-separated clause of a task text (read only): plans repeat their
# phrases (`主动公开…`, `及时回应社会关切`) across thousands of tasks.
_CLAUSES = _Memo(_entries, 16384)


def _text_entries(text: str) -> dict[str, str]:
    """`_entries` of a task text after NFKC, clause by clause, so a clause met before costs a
    lookup, not a loop over its characters. (Split after NFKC, which turned `，` into `,`:
    no seams. The commas are left out: they have no reading, so the key is the same.)"""
    text = _nfkc(text)
    if "," not in text:
        return _entries(text)
    entries: dict[str, str] = {}
    for found in map(_CLAUSES.__getitem__, text.split(",")):
        entries.update(found)
    return entries


def _joined(chars: dict[str, None]) -> str:
    return "".join(map(_ENTRIES.__getitem__, chars))


def text_readings(*texts: str) -> str:
    """`字zi行xing,hang,heng…`: each hanzi of `texts` (after NFKC) once, with its readings."""
    # Characters in order of first appearance: update() adds a later text's new characters
    # after those already seen. NFKC is per text (a concatenation may differ at the seams).
    chars: dict[str, None] = {}
    for text in texts:
        if text:
            chars.update(_chars(text))
    return _joined(chars)


def _part_entries(text: str) -> dict[str, str]:
    """`_entries` of a group title or a unit name after NFKC."""
    return _entries(_nfkc(text))


# Group titles and unit names, which thousands of tasks share (read only: callers update
# their own dict with them).
_PARTS = _Memo(_part_entries, 65536)


def forget() -> None:
    """Let go of the per-phrase caches (tens of MB after 100,000 tasks) once a plan's keys
    are made; the characters' readings stay."""
    _CLAUSES.clear()
    _PARTS.clear()


def parse_readings(keys: object) -> dict[str, str]:
    """{character: "reading,reading"} from a stored key (either version); {} if unusable."""
    if isinstance(keys, str):
        return dict(_PAIRS.findall(keys))
    if isinstance(keys, dict):  # version 1
        return {k: ",".join(v.split()) for k, v in keys.items() if isinstance(v, str)}
    return {}


def task_keys(record: dict[str, Any]) -> dict[str, Any]:
    """Precomputed search keys stored in a task's `extra` (JSON-serialisable, compact)."""
    return stored_keys(key_text(record))


def stored_keys(text: str) -> dict[str, Any]:
    """What `task_keys` stores for the readings `key_text` made."""
    return {VERSION_KEY: KEYS_VERSION, PINYIN_KEY: text}


def key_text(record: dict[str, Any]) -> str:
    """The stored readings of a task record: `字zi行xing,hang,heng…` (no newline: only hanzi
    and ASCII letters and commas)."""
    # = text_readings(text, group_title, *units), with the shared parts worked out once
    text, title = record.get("text") or "", record.get("group_title") or ""
    entries = _text_entries(text) if text else {}
    if title:
        entries.update(_PARTS[title])
    # Unit by unit: a 100,000-task plan has ~75,000 different unit lists, so a cache of the
    # lists missed three times in four and held ~45 MB; each name's entries are cached.
    # (An empty name's entries are {}: updating with them changes nothing.)
    parts = _PARTS.__getitem__
    for units in (record.get("lead_units"), record.get("support_units"), record.get("guide_units")):
        if units:
            for found in map(parts, units):
                entries.update(found)
    return "".join(entries.values())


def has_keys(record: dict[str, Any]) -> bool:
    extra = record.get("extra") or {}
    return extra.get(VERSION_KEY) == KEYS_VERSION and isinstance(extra.get(PINYIN_KEY), str)


def only_keys(record: dict[str, Any]) -> bool:
    """Whether the record's `extra` is exactly what `task_keys` makes: this version's keys and
    nothing else."""
    extra = record.get("extra")
    return (
        isinstance(extra, dict)
        and len(extra) == 2
        and extra.get(VERSION_KEY) == KEYS_VERSION
        and isinstance(extra.get(PINYIN_KEY), str)
    )


def ensure_keys(record: dict[str, Any], *, force: bool = False) -> bool:
    """Add or refresh the keys of a task record in place (old databases); True if changed.

    Other entries of `extra` are kept. Without `force`, records already carrying keys of the
    current version are left alone (cheap: pypinyin is not even imported then).
    """
    if not force and has_keys(record):
        return False
    extra = dict(record.get("extra") or {})
    new = task_keys(record)
    if all(extra.get(k) == v for k, v in new.items()):
        return False
    extra.update(new)
    record["extra"] = extra
    return True


def unit_keys(name: str) -> tuple[str, str]:
    """(full pinyin, initials) of a unit name, e.g. 区信息办 -> (quxinxiban, qxxb).

    Phrase-aware (most likely reading), since a unit gets one stored spelling; search also
    matches unit names through the per-character readings, so other readings still work.
    """
    from pypinyin import Style, lazy_pinyin

    name = unicodedata.normalize("NFKC", name or "")
    syllables = [
        s.lower()
        for s in lazy_pinyin(name, style=Style.NORMAL, errors="ignore")
        if s.isascii() and s.isalpha()
    ]
    return "".join(syllables), "".join(s[0] for s in syllables)

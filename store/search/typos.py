"""Finding a word that was typed wrong: one character wrong, missing or extra, or a homophone.

These are fallbacks. A term looks for typos (and for words split across group title and
text) only when it has fewer than FUZZY_FLOOR exact hits: they exist to find something when
the exact word is not there, and skipping them keeps common words fast.
"""

from __future__ import annotations

import re
from functools import lru_cache

FUZZY_FLOOR = 50  # look for typos only when a term has fewer exact hits than this
MAX_FUZZY_CHARS = 16  # typo tolerance is for words, not sentences
MAX_SPLIT_CHARS = 10  # words split across group title and text: at most this long
HOMOPHONE_MAX = 20_000  # typo matches checked for a homophone; beyond, no such ranking


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


def homophone_slip(text: str, word: str, sounds: list[set[str]]) -> bool:
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

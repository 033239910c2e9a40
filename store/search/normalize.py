"""The matching form of a text, and the way back from it to the original characters.

Queries and texts are compared in one form: letters and digits only, lower case, NFKC.
Punctuation, brackets and spaces never block a match (`村居务公开` finds `村(居)务公开`), and
`norm_map` remembers where each kept character came from, so highlights land on the
original text.
"""

from __future__ import annotations

import re
import unicodedata

PUNCTUATION = re.compile(r"[\W_]+")  # punctuation, brackets, spaces, symbols
_KEEP = re.compile(r"[^\W_]+")


def norm(text: str) -> str:
    """The matching form of a text: letters and digits only, lower case, NFKC."""
    kept = PUNCTUATION.sub("", text or "").lower()
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

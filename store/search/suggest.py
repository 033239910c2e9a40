"""After an empty result: the unit, group title or phrase the person probably meant.

Only runs when nothing matched, so rapidfuzz is imported here lazily; an app calls `prepare`
in a worker so its first miss does not wait for the import and the vocabulary (15–150 ms at
100,000 tasks, most of it building the 5,000 tasks the vocabulary is read from).
"""

from __future__ import annotations

from ..textutil import PUNCTUATION
from ..unitnames import strip_prefix, suggest_unit
from .ranking import Tier

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from .index import SearchIndex


def suggestion(index: SearchIndex, terms: list[str], per_term: list[list[Tier]]) -> str | None:
    """Nothing matched: the nearest unit or word for the first term that found nothing,
    else (several terms, each matching alone) the first term that matches alone."""
    for word, tiers in zip(terms, per_term, strict=False):
        if not any(b for _, _, b in tiers):
            return nearest(index, word)
    alone = [w for w, tiers in zip(terms, per_term, strict=False) if any(b for *_, b in tiers)]
    return alone[0] if len(terms) > 1 and alone else None


def nearest(index: SearchIndex, word: str) -> str | None:
    """The unit name, group title or phrase of a task closest to `word` (rapidfuzz)."""
    if index.n == 0 and not index.units:
        return None
    from rapidfuzz import fuzz, process

    if word.isascii():
        return suggest_unit(word, index.units)
    if index.vocabulary is None:  # kept with the index (not a per-term result)
        index.vocabulary = _vocabulary(index)
    vocab = index.vocabulary
    # a low cut-off: after an empty result even one shared character is worth showing
    best = process.extractOne(word, vocab, scorer=fuzz.ratio, score_cutoff=20)  # type: ignore[arg-type]
    return best[0] if best else None


def prepare(index: SearchIndex) -> None:
    """Do now what the first suggestion would: import rapidfuzz, gather the vocabulary."""
    from rapidfuzz import fuzz, process  # noqa: F401

    if index.vocabulary is None:
        index.vocabulary = _vocabulary(index)


def _vocabulary(index: SearchIndex) -> list[str]:
    words: dict[str, None] = {}
    for name in index.units:
        words[name] = None
        words[strip_prefix(name)] = None
    for t in index.tasks[:5000]:  # enough to know the plan's words, bounded for 100k plans
        words[t.group_title] = None
        for piece in PUNCTUATION.split(t.text):
            if 2 <= len(piece) <= 12:
                words[piece] = None
    words.pop("", None)
    return list(words)

"""The question vocabulary: `data/ask_words.csv`, read once.

Every word the question parser knows (roles, statuses, time words, count and filler words)
lives in that one table, so a clerk's new phrasing is a line of data, not a code change.
Numbers, dates and task numbers are grammar, not vocabulary: `timewords.py` and `question.py`.
"""

from __future__ import annotations

import csv
import functools
import io
from importlib import resources

from ..record import record

WORDS_FILE = "ask_words.csv"
KINDS = frozenset(
    {
        "role",
        "status",
        "not_done",
        "overdue",
        "soon",
        "span",
        "before",
        "complete",
        "ongoing",
        "count",
        "when",
        "deadline",
        "yesno",
        "filler",
    }
)
# One character fillers split or trim the leftover text instead of being matched anywhere:
# matched inside a phrase, 中 would cut 中国浔阳 and 有 would cut 有效.
SPLITTERS = frozenset("的了吗呢吧啊么")


@record(frozen=True)
class Vocab:
    """The question words (`data/ask_words.csv`) by length, for the longest-match scan."""

    words: dict[str, tuple[str, str]]  # word -> (kind, meaning); words of 2+ characters
    singles: dict[str, tuple[str, str]]  # one-character words (trimmed at a phrase's ends)
    longest: int


@functools.cache
def vocab() -> Vocab:
    """The table, parsed once per process."""
    text = resources.files("zwgk.data").joinpath(WORDS_FILE).read_text("utf-8-sig")
    return parse_table(text)


def parse_table(text: str) -> Vocab:
    words: dict[str, tuple[str, str]] = {}
    singles: dict[str, tuple[str, str]] = {}
    rows = csv.reader(io.StringIO(text))
    next(rows, None)  # the header
    for row in rows:
        if not row or not row[0].strip() or row[0].startswith("#"):
            continue
        kind, word = row[0].strip(), row[1].strip()
        meaning = row[2].strip() if len(row) > 2 else ""
        if kind not in KINDS or not word:
            raise ValueError(f"{WORDS_FILE}: 无法识别的一行：{','.join(row)}")
        (singles if len(word) == 1 else words)[word] = (kind, meaning)
    return Vocab(words, singles, max(map(len, words), default=1))

"""Questions in plain Chinese: `区网信办指导的逾期任务有几项？` -> slots -> an answer.

Used by `zwgk ask` and the app's chat line. No Textual here.

  vocab.py      the vocabulary table (data/ask_words.csv), read once
  timewords.py  time words and written dates -> a due range, from `today`
  question.py   the phrase scanned into slots (`Understood`); units from the snapshot
  answer.py     the slots evaluated over the search index, and the sentence
  pool.py       the tasks answered over (a snapshot's index); tasks built when printed
  cached.py     the same over the read snapshot's prepared index (`zwgk ask`, as search)
"""

from __future__ import annotations

from .answer import Answer, ask, understand, understood_line
from .question import Understood, lexicon_for, parse_question

__all__ = [
    "Answer",
    "Understood",
    "ask",
    "lexicon_for",
    "parse_question",
    "understand",
    "understood_line",
]

"""Search that finds what a person means: fuzzy Chinese, pinyin, units, filters.

Used by `zwgk search` and by every keystroke of the TUI, so the work is split in two:
`SearchIndex` (built once per snapshot) normalises texts and orders tasks by (due, id);
`SearchIndex.search` answers a query. Result sets are Python ints used as bitsets whose bit p is
the task at rank p, so AND of terms, filters, counting and "first k by due date, then id" are
all cheap integer operations even at 100,000 tasks.

How a term matches, best first (a task gets its best score per term, scores add up over terms):
id (`7`) > a unit's whole name > part of a unit name > exact text substring > group title >
pinyin > words split across group title and text > one-typo match. Punctuation, brackets and
spaces are removed from both sides (NFKC first), so `村居务公开` finds `村(居)务公开`.
Typos and words split across group title and text are only looked for when a term has fewer
than FUZZY_FLOOR exact hits: they exist to find something when the exact word is not there,
and skipping them keeps common words fast.

No Textual and no pypinyin here: pinyin readings come from keys stored in `task.extra` at
import time (see store.pinyin).

The matching form of a text (norm, norm_map) is store/textutil.py; which unit a word names
(resolve_units, unit_match, suggest_unit) is store/unitnames.py, shared with `TaskFilter`.

Modules, in the order a query meets them:
  parse.py         the typed query taken apart: terms and `unit:`/`status:`/`due:` filters
  index.py         SearchIndex: the prepared texts, primitive lookups, `search`
  masks.py         a query's filters as one bitset over an index
  terms.py         how one term matches and what each way scores
  pinyin_match.py  typed pinyin matched per character through stored readings
  typos.py         one wrong, missing or extra character; homophones
  ranking.py       per-term tiers combined into a ranked result
  bitsets.py       result sets as ints, and the scan that fills them
  lineindex.py     the lines holding each character and pair (a prepared index's lookups)
  initials.py      where each pinyin initial may stand: runs of initials found by position
  results.py       Hit and SearchResult
  highlight.py     the spans of a shown hit
  suggest.py       "did you mean" after an empty result
"""

from __future__ import annotations

from ..textutil import norm, norm_map
from ..unitnames import PART, WEAK, WHOLE, resolve_units, suggest_unit, unit_key, unit_match
from .index import SearchIndex, adopt, built_index, index_for, search
from .parse import MAX_QUERY_CHARS, MAX_TERMS, Query, parse_query
from .pinyin_match import PinyinPattern
from .results import Hit, SearchResult
from .typos import typo_pattern, typo_variants

__all__ = [
    "MAX_QUERY_CHARS",
    "MAX_TERMS",
    "PART",
    "WEAK",
    "WHOLE",
    "Hit",
    "adopt",
    "built_index",
    "PinyinPattern",
    "Query",
    "SearchIndex",
    "SearchResult",
    "index_for",
    "norm",
    "norm_map",
    "parse_query",
    "resolve_units",
    "search",
    "suggest_unit",
    "typo_pattern",
    "typo_variants",
    "unit_key",
    "unit_match",
]

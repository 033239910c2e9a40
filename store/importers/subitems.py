"""Numbered sub-items inside one 具体事项 cell (`1.…2.…`, `1、…2、…`, `①…②…`, `(1)…(2)…`).

By default they stay one task: the cell's text is the task's text (so search finds every
sub-item) and the items are kept beside it. `split_plan` (`zwgk import --split-subitems`) makes
each its own task, numbered `N*100+k` (item 7's second sub-item is 702): ids stay integers and
the document's own number stays readable at the front.
"""

from __future__ import annotations

import re

from ..record import replace
from .base import ParsedPlan, ParsedTask

# One pattern per numbering style; group 1 is the number. A number glued to a digit after it is
# a decimal or a list of numbers (`1.5万户`, `1、2月`), not a marker.
_STYLES: tuple[re.Pattern[str], ...] = (
    re.compile(r"(?<![\d.．])(\d{1,2})\s*[.．](?!\d)"),
    re.compile(r"(?<!\d)(\d{1,2})\s*、(?!\d)"),
    re.compile(r"[（(]\s*(\d{1,2})\s*[)）]"),
    re.compile(r"(?<![\d（(])(\d{1,2})\s*[)）]"),
    re.compile(r"([①-⑳])"),
)
_ITEM_TRAIL = " \t\r\n\u3000；;，,、。"
_ANY_MARKER = re.compile(r"[\d①-⑳]")  # every style's marker has one of these


def _number(marker: str) -> int:
    return ord(marker) - ord("①") + 1 if "①" <= marker <= "⑳" else int(marker)


def _chain(text: str, style: re.Pattern[str]) -> list[re.Match[str]]:
    """Markers numbered 1, 2, 3… in reading order (other numbers in between are text)."""
    chain: list[re.Match[str]] = []
    for m in style.finditer(text):
        if _number(m.group(1)) == len(chain) + 1:
            chain.append(m)
    return chain


def split_subitems(text: str) -> tuple[str, list[str]]:
    """(head, sub-items): `开展培训：1.政策解读；2.舆情回应` -> (`开展培训：`, [政策解读, 舆情回应]).

    Fewer than two numbered items: (text, []).
    """
    if not _ANY_MARKER.search(text):  # most cells: no number at all, nothing to scan five times
        return text, []
    best: list[re.Match[str]] = []
    for style in _STYLES:
        chain = _chain(text, style)
        if len(chain) >= 2 and (
            len(chain) > len(best)
            or (len(chain) == len(best) and chain[0].start() < best[0].start())
        ):
            best = chain
    if not best:
        return text, []
    ends = [m.start() for m in best[1:]] + [len(text)]
    items = [text[m.end() : end].strip(_ITEM_TRAIL) for m, end in zip(best, ends, strict=True)]
    if not all(items):  # `1.2.` with nothing between: not a list a person wrote
        return text, []
    return text[: best[0].start()].strip(), items


def split_plan(plan: ParsedPlan) -> ParsedPlan:
    """Each sub-item its own task: item N's k-th sub-item is numbered N*100+k.

    The factor grows (1000, …) when a cell has 100 sub-items or a number would collide with an
    item the document numbers itself. Unnumbered items stay unnumbered (ids follow the order).
    """
    counts = [len(t.subitems) for t in plan.tasks]
    own = {t.num for t in plan.tasks if not t.subitems and t.num is not None}
    factor = 100
    while factor <= max(counts, default=0) or any(
        t.num is not None and t.num * factor + k in own
        for t in plan.tasks
        for k in range(1, len(t.subitems) + 1)
    ):
        factor *= 10
    tasks: list[ParsedTask] = []
    for task in plan.tasks:
        if not task.subitems:
            tasks.append(task)
            continue
        head, _ = split_subitems(task.text)
        for k, item in enumerate(task.subitems, start=1):
            num = task.num * factor + k if task.num is not None else None
            text = f"{head}{item}" if head else item
            tasks.append(replace(task, num=num, text=text, subitems=[]))
    return replace(plan, tasks=tasks)

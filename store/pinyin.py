"""Pinyin keys computed when tasks are written, so search never loads pypinyin.

STUB: replaced by the search work (per-character readings with heteronyms).
"""

from __future__ import annotations

from typing import Any


def unit_keys(name: str) -> tuple[str, str]:
    """(full pinyin, initials) of a unit name, e.g. 区信息办 -> (quxinxiban, qxxb)."""
    from pypinyin import Style, lazy_pinyin

    full = lazy_pinyin(name, style=Style.NORMAL, errors="ignore")
    return "".join(full), "".join(s[0] for s in full if s)


def task_keys(record: dict[str, Any]) -> dict[str, Any]:
    """Precomputed search keys stored in a task's `extra`."""
    return {}

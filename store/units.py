"""Unit cells -> unit names. STUB: replaced by the full splitter."""

from __future__ import annotations

import re

from .importers.base import ParsedPlan


def split_units(cell: str) -> tuple[list[str], list[str]]:
    """(lead, support) units named in one cell."""
    parts = [p.strip() for p in re.split(r"[\n，,、；;]", cell or "") if p.strip()]
    return parts, []


def build_aliases(parsed: ParsedPlan) -> dict[str, str]:
    """alias -> canonical name for every unit spelled two ways in one document."""
    names = {u for t in parsed.tasks for u in (*t.lead_units, *t.support_units, *t.guide_units)}
    out = dict(parsed.aliases)
    for n in names:
        if n.endswith("办") and n[:-1] in names:
            out[n] = n[:-1]
    return out

"""The plain-text dump of a Word table: every cell starts on a tab-led line.

A cell's text runs on over following lines that do not start with a tab; an empty tab-led line
is an empty cell ("same as above"). Rows are the cells counted off by the header's width —
blank lines are not reliable row breaks (they also appear inside cells).
STUB: a minimal reader for the seed; the full importer generalises it.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import InputError
from ..units import split_units
from .base import ParsedPlan, ParsedTask

NUM = re.compile(r"^[（(]\s*(\d+)\s*[)）]\s*")


def read(path: Path) -> ParsedPlan:
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    cells: list[tuple[int, list[str]]] = []
    title_lines: list[str] = []
    for no, line in enumerate(lines, start=1):
        if line.startswith("\t"):
            cells.append((no, [line.strip()]))
        elif cells:
            cells[-1][1].append(line.strip())
        elif line.strip():
            title_lines.append(re.sub(r"\[bookmark:[^\]]*\]", "", line).strip())
    texts = [(no, "\n".join(x for x in parts if x)) for no, parts in cells]
    width = 6
    rows = [texts[i : i + width] for i in range(0, len(texts), width)]
    if not rows:
        raise InputError(f"文件 {path} 中没有找到表格。")
    plan = ParsedPlan(
        title="".join(t for t in title_lines if not t.startswith("附")), source=str(path)
    )
    group, group_title = None, ""
    for row in rows[1:]:
        vals = [v for _, v in row]
        if len(vals) < width:
            break
        if vals[0].strip():
            group = int(vals[0])
        if vals[1].strip():
            group_title = vals[1].strip()
        text = vals[2].replace("\n", "")
        m = NUM.match(text)
        num = int(m.group(1)) if m else None
        text = NUM.sub("", text)
        lead, support = split_units(vals[3])
        guide, _ = split_units(vals[4])
        plan.tasks.append(
            ParsedTask(
                num=num,
                text=text,
                group=group,
                group_title=group_title,
                lead_units=lead,
                support_units=support,
                guide_units=guide,
                deadline_text=vals[5].replace("\n", ""),
                line=row[0][0],
            )
        )
    return plan

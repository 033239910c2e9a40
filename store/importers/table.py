"""A grid of cells -> a ParsedPlan: find the header by synonyms, then read the rows under it.

Every reader (text dump, CSV, xlsx, docx) only produces `Sheet`s; all knowledge of how work-plan
tables are laid out lives here, so the formats cannot drift apart.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from itertools import chain
from pathlib import Path

from ..errors import InputError
from ..record import field, record
from ..textutil import sanitize
from ..unitsplit import CLOSE, OPEN, split_joined, split_units
from .base import ParsedPlan, ParsedTask, Row, Sheet
from .subitems import split_subitems

# Header words per role, as written in real tables (spaces inside are removed before matching).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "num": ("序号", "编号", "序"),
    "group": ("工作任务", "重点工作", "任务", "重点任务", "工作类别", "类别", "工作项目", "项目"),
    "text": (
        "具体事项",
        "具体要求",
        "主要任务",
        "重点工作任务",
        "目标与任务",
        "具体任务",
        "工作内容",
        "任务内容",
        "工作措施",
        "具体措施",
        "主要内容",
        "工作要求",
        "具体工作",
        "任务分解",
        "事项",
    ),
    "guide": ("指导责任单位", "指导单位", "指导部门"),
    "support": ("协同配合单位", "配合单位", "配合部门", "协办单位", "协助单位", "参与单位"),
    "lead": (
        "主体责任单位",
        "牵头单位",
        "主要责任单位",
        "牵头责任单位",
        "牵头部门",
        "责任单位",
        "责任部门",
        "责任科室",
        "责任主体",
        "承办单位",
    ),
    "deadline": (
        "完成时间",
        "完成时限",
        "时限要求",
        "时限",
        "完成期限",
        "时间节点",
        "进度安排",
        "时间安排",
        "完成时间节点",
    ),
    "status": ("完成情况", "进展情况", "推进情况", "落实情况"),
    "remark": ("备注",),
}
_HEADER_WORDS = re.compile(r"单位|部门|科室|时间|时限|任务|事项|序号|备注|情况|要求|内容|措施|工作")
_EXACT = {word: role for role, words in SYNONYMS.items() for word in words}
_BY_LENGTH = sorted(_EXACT, key=len, reverse=True)

# Numbers in front of a task: (1) （6） 1. 1、 1．
_NUM_PREFIX = re.compile(r"^\s*(?:[（(]\s*(\d{1,3})\s*[)）]|(\d{1,3})\s*[.．、](?!\d))\s*")
_LATER_DOTTED = re.compile(r"(?<!\d)(\d{1,3})\s*[.．、](?!\d)")
_LATER_BRACKETED = re.compile(r"[（(]\s*(\d{1,3})\s*[)）]")
_CN_NUM = "[一二三四五六七八九十百]+"
# Heading levels: `一、…` / `第一部分…` (section), `（一）…` (group), then `1.…` (a row of its own).
_SECTION = re.compile(rf"^\s*(?:{_CN_NUM}\s*[、.．]|第{_CN_NUM}(?:部分|章|篇|板块))")
_NUMBERED = re.compile(r"^\s*(?:\d{1,3}\s*[.．、](?!\d)|[（(]\s*\d{1,3}\s*[)）])")
_SUBGROUP = re.compile(r"^\s*[（(]\s*[一二三四五六七八九十百]+\s*[)）]")
_NOTE_LINE = re.compile(r"^\s*(?:注|说明|备注)\s*[:：]")
_TITLE_JUNK = re.compile(
    r"\[bookmark:[^\]]*\]|^\s*附\s*(?:件|表)?\s*[\d一二三四五六七八九十]*\s*[:：]?\s*$"
)
_TITLE_PREFIX = re.compile(r"^\s*附\s*(?:件|表)?\s*[\d一二三四五六七八九十]*\s*[:：]\s*")
_YEAR = re.compile(r"(?<!\d)(20\d\d)(?!\d)")


def header_key(cell: str) -> str:
    """A header cell as matched: NFKC, no spaces, no marks like `*` or a trailing colon."""
    key = unicodedata.normalize("NFKC", cell or "")
    return re.sub(r"[\s*:：]", "", key)


def _bare(key: str) -> str:
    """A header key without its bracketed qualifier: `责任单位（排在第一位的为牵头单位）`."""
    return re.sub(r"[(（][^)）]*[)）]$", "", key)


@functools.lru_cache(maxsize=4096)
def header_role(cell: str) -> str | None:
    """The role a header cell names, or None. (Cached: asked of every row's cells.)"""
    key = header_key(cell)
    if not key or key.isdigit() or len(key) > 24:
        return None
    if key in _EXACT:
        return _EXACT[key]
    # `完成时限(年月)`, `牵头单位（部门）`: a known word followed by a short qualifier.
    bare = _bare(key)
    if bare in _EXACT:
        return _EXACT[bare]
    if len(key) <= 10:
        for word in _BY_LENGTH:
            if len(word) >= 2 and key.startswith(word):
                return _EXACT[word]
    return None


def looks_like_header_cell(cell: str) -> bool:
    """For the text dump, where the header's width must be guessed from its cells."""
    key = header_key(cell)
    if not key or key.isdigit():
        return False
    return header_role(cell) is not None or (len(key) <= 8 and bool(_HEADER_WORDS.search(key)))


def join_lines(text: str) -> str:
    """Join a cell's lines: Chinese runs on without a space, Latin words keep one."""
    text = text or ""
    if "\n" not in text and "\r" not in text:  # one line (most cells): only the strip
        return text.strip(" \t\u3000\xa0")
    out = ""
    for line in text.replace("\r", "\n").split("\n"):
        line = line.strip(" \t\u3000\xa0")
        if not line:
            continue
        if (
            out
            and out[-1].isascii()
            and out[-1].isalnum()
            and line[0].isascii()
            and line[0].isalnum()
        ):
            out += " "
        out += line
    return out


@record
class Columns:
    """Which column holds what; -1 for none."""

    text: int
    num: int = -1
    section: int = -1
    group: int = -1
    deadline: int = -1
    status: int = -1
    remark: int = -1  # 备注 beside a deadline column: may hold the deadline a row leaves empty
    lead: list[int] = field(default_factory=list)
    support: list[int] = field(default_factory=list)
    guide: list[int] = field(default_factory=list)
    roles: list[str | None] = field(default_factory=list)

    @property
    def unit_columns(self) -> set[int]:
        return {*self.lead, *self.support, *self.guide, self.deadline}


def map_columns(cells: list[str]) -> Columns | None:
    """Columns of a header row, or None when the row is not a header."""
    roles = [header_role(c) for c in cells]
    found = {r for r in roles if r}
    if not found & {"group", "text"} or not found & {"lead", "deadline", "num", "support"}:
        return None
    if len(found) < 2 or any(len(_bare(header_key(c))) > 16 for c in cells if c):
        return None
    texts = [i for i, r in enumerate(roles) if r == "text"]
    groups = [i for i, r in enumerate(roles) if r == "group"]
    # With only one text-like column (序号 | 工 作 任 务 | 责任单位 | 时限要求) it is the task.
    text = texts[-1] if texts else groups.pop()
    groups = [g for g in groups if g < text] or groups
    cols = Columns(text=text, roles=roles)
    if len(groups) >= 2:  # two 工作任务 columns: `一、…` then `（一）…`
        cols.section, cols.group = groups[0], groups[-1]
    elif groups:
        cols.group = groups[0]
    nums = [i for i, r in enumerate(roles) if r == "num"]
    cols.num = nums[0] if nums else -1
    leads = [i for i, r in enumerate(roles) if r == "lead"]
    # 责任单位 beside 牵头单位/主体责任单位 names the units that carry it out with the lead.
    marked = [i for i in leads if re.search(r"牵头|主体|主要", _bare(header_key(cells[i])))]
    if marked and len(leads) > len(marked):
        cols.lead = marked
        cols.support = [i for i in leads if i not in marked]
    else:
        cols.lead = leads
    cols.support += [i for i, r in enumerate(roles) if r == "support"]
    cols.guide = [i for i, r in enumerate(roles) if r == "guide"]
    deadlines = [i for i, r in enumerate(roles) if r == "deadline"]
    remarks = [i for i, r in enumerate(roles) if r == "remark"]
    cols.deadline = deadlines[0] if deadlines else (remarks[0] if remarks else -1)
    cols.remark = remarks[0] if remarks and deadlines else -1
    statuses = [i for i, r in enumerate(roles) if r == "status"]
    cols.status = statuses[0] if statuses else -1
    return cols


def find_header(sheet: Sheet, limit: int = 40) -> tuple[int, Columns] | None:
    for index, row in enumerate(sheet.rows[:limit]):
        cols = map_columns(row.cells)
        if cols is not None:
            return index, cols
    return None


def clean_title(lines: list[str]) -> str:
    """The block of text right above the table, without `附1：` and bookmarks."""
    block: list[str] = []
    for raw in reversed(lines):
        line = _TITLE_JUNK.sub("", raw).strip()
        line = _TITLE_PREFIX.sub("", line).strip()
        if not line:
            if block:
                break
            continue
        block.insert(0, line)
        if len(block) == 3:
            break
    return join_lines("\n".join(block))


def _cell(row: Row, i: int) -> str:
    return row.cells[i] if 0 <= i < len(row.cells) else ""


_INT = re.compile(r"\s*[（(]?\s*(\d{1,4})\s*[)）.．、]?\s*")
_NUMERAL_MARK = re.compile(rf"[（(]?{_CN_NUM}[)）、.．]?|第{_CN_NUM}(?:部分|章|篇|板块)")


def _int(text: str) -> int | None:
    if text.isascii() and text.isdigit():  # most 序号 cells: what the pattern below gives
        return int(text) if len(text) <= 4 else None
    m = _INT.fullmatch(unicodedata.normalize("NFKC", text))
    return int(m.group(1)) if m else None


def split_number(text: str) -> tuple[int | None, str]:
    """`(6)设置…` -> (6, `设置…`). A cell of sub-items (`1.…2.…`) keeps its text whole."""
    # Only a text starting with a bracket, a digit or a space can match (most texts: a hanzi).
    first = text[:1]
    if not (first in "(（" or first.isdigit() or first.isspace()):
        return None, text
    m = _NUM_PREFIX.match(text)
    if not m:
        return None, text
    n = int(m.group(1) or m.group(2))
    rest = text[m.end() :]
    later = _LATER_DOTTED if m.group(2) else _LATER_BRACKETED
    if str(n + 1) in later.findall(rest):
        return None, text
    return n, rest


def _whole_row_line(row: Row, cols: Columns) -> str | None:
    """A row that is one line across the table (`一、…`): its text, else None."""
    cells, t = row.cells, cols.text
    if 0 < t < len(cells) and cells[0] and cells[t] and cells[0] != cells[t]:
        # The first cell and the task's differ as read (most task rows: 序号 and text): unless
        # only spaces set them apart, two different values, so no line across.
        first, text = cells[0].strip(), cells[t].strip()
        if first and text and first != text:
            return None
    values = set(map(str.strip, cells))
    values.discard("")
    if len(values) != 1:  # a task row (most rows) or an empty one
        return None
    filled = [(i, c.strip()) for i, c in enumerate(row.cells) if c.strip()]
    if not filled or len({c for _, c in filled}) != 1:
        return None
    text = join_lines(filled[0][1])
    if len(filled) >= 2:
        return text
    i = filled[0][0]
    if _SECTION.match(text) or _SUBGROUP.match(text):
        return text
    if (
        i == cols.text
        or i in cols.unit_columns
        or i in (cols.group, cols.section)
        or text.isdigit()
    ):
        return None
    return text


# A bracket closing a task's text that names its units: `（牵头单位：…；责任单位：…）` or
# `（市政府办公室牵头，市级各有关部门按职责分工负责）`, as plans written as prose do.
_UNIT_TAIL = re.compile(
    r"[（(]([^（）()]*(?:[（(][^（）()]*[)）][^（）()]*)*)[)）]\s*[。.；;]?\s*$"
)
_UNIT_WORDS = re.compile(r"(?:单位|部门)\s*[:：]|牵头|负责|配合|落实")


def _split_label(text: str) -> tuple[str, str]:
    """`…工作。（牵头单位：市审批局；责任单位：市直各部门）` -> (`…工作。`, the units)."""
    if ")" not in text and "）" not in text:  # no closing bracket (most texts): no tail
        return text, ""
    m = _UNIT_TAIL.search(text)
    if not m or not _UNIT_WORDS.search(m.group(1)):
        return text, ""
    return text[: m.start()].rstrip(), m.group(1)


def _remark_deadline(row: Row, cols: Columns) -> str:
    """A 备注 cell that reads as a deadline (`2021年6月底前完成`), else ""."""
    from ..deadlines import parse_deadline

    remark = join_lines(_cell(row, cols.remark)) if cols.remark >= 0 else ""
    year = _YEAR.search(remark)  # only "is it a deadline" matters here, not the date
    if remark and parse_deadline(remark, int(year.group(1)) if year else 2020).kind not in (
        "unknown",
        "none",
    ):
        return remark
    return ""


def _numeral_heading(row: Row, cols: Columns) -> str | None:
    """`一`/`一、`/`（一）` in the 序号 column marks a heading row, never a task number."""
    mark = join_lines(_cell(row, cols.num)) if cols.num >= 0 else ""
    if not mark or mark.isdigit() or not _NUMERAL_MARK.fullmatch(mark):  # 序号 of a task: digits
        return None
    cells = [_cell(row, i) for i in (cols.group, cols.text) if i >= 0]
    text = join_lines(next((c for c in reversed(cells) if c.strip()), ""))
    if _SECTION.match(text) or _SUBGROUP.match(text):
        return text
    if mark.startswith("第"):
        return f"{mark} {text}".strip()
    if mark.startswith(("（", "(")):
        return f"（{mark.strip('（()）')}）{text}"
    return f"{mark.rstrip('、.．')}、{text}"


def _guess_year(title: str, source: Path, deadlines: list[str]) -> int | None:
    for text in (title, source.name):
        m = _YEAR.search(text or "")
        if m:
            return int(m.group(1))
    years = Counter(int(y) for d in deadlines for y in re.findall(r"(?<!\d)(20\d\d)\s*年", d))
    return years.most_common(1)[0][0] if years else None


def _num_is_group(rows: list[Row], cols: Columns, texts: list[str]) -> bool:
    """Does 序号 number the groups (seed) rather than the tasks (jingzhou)?

    Yes when the task texts carry their own numbers, when 序号 repeats (a merged cell), or when
    序号 is empty exactly where the group cell is empty (only a group's first row has one).
    """
    if cols.num < 0 or cols.group < 0:
        return False
    tasks = [r for r, text in zip(rows, texts, strict=True) if text]
    if not tasks:
        return False
    prefixed = sum(1 for text in texts if text and split_number(text)[0] is not None)
    values = [_cell(r, cols.num).strip() for r in tasks]
    filled = [v for v in values if v]
    if prefixed * 2 >= len(tasks) or len(set(filled)) < len(filled):
        return True
    empty_with_group = [
        not _cell(r, cols.group).strip() for r, v in zip(tasks, values, strict=True) if not v
    ]
    return bool(empty_with_group) and all(empty_with_group)


# Most unit cells of a long plan only list names (`区财政局、区教育局、各街道`): no brackets, labels,
# role or verb words, no one-character piece. `split_units` reads such a cell as its pieces,
# stripped, each once, all leading; `_plain_units` says so without its tokenizer (a generated
# 100,000-task plan has ~50,000 different lead cells, and ~60 µs each added up to 3 s).
# tests/test_import_speed.py checks that the two agree.
_NOT_PLAIN = re.compile(
    "["
    + re.escape(OPEN + CLOSE)
    + ":：]|牵头|配合|协助|协同|参与|协办|负责|落实|推进|实施|由|会同|等"
)
_PIECES = re.compile(r"[\n，,、；;]")  # unitsplit.SEPARATORS
_NAME_TRAIL = "。.；;，,、：: \t\u3000"  # what unitsplit.clean_unit strips from a name


def _plain_units(cell: str) -> list[str] | None:
    """The names of a cell that only lists names, or None when `split_units` must read it."""
    if _NOT_PLAIN.search(cell):
        return None
    names: list[str] = []
    for piece in _PIECES.split(cell):
        name = piece.strip().strip(_NAME_TRAIL)
        if len(name) == 1:  # `各县、市、区政府`: split_units glues such pieces back
            return None
        if name and name not in names:
            names.append(name)
    return names


def _units_of(
    cell: str, memo: dict[str, tuple[list[str], list[str]]]
) -> tuple[list[str], list[str]]:
    """`split_units(cell)`, remembered in `memo` for the rows after: the remembered lists
    themselves, which the caller copies before it keeps or changes them."""
    found = memo.get(cell)
    if found is None:
        plain = _plain_units((cell or "").replace("\r", "\n").strip())
        found = memo[cell] = (plain, []) if plain is not None else split_units(cell)
    return found


def _is_header_like(row: Row) -> bool:
    """Every filled cell is a header word: a repeated header (page break) or a sub-header."""
    filled = 0
    for c in row.cells:
        if c.strip():
            # The first cell of a task row, usually, decides at once; its 序号 (all different
            # on a long plan) is no header word, without asking the cache.
            if (c.isascii() and c.isdigit()) or not header_role(c):
                return False
            filled += 1
    return filled >= 2


def _data_rows(sheet: Sheet, start: int) -> list[Row]:
    """Rows under the header, without empty rows and repeated headers (page breaks)."""
    return [
        row
        for row in sheet.rows[start:]
        if any(map(str.strip, row.cells)) and not _is_header_like(row)
    ]


def _header_of(sheet: Sheet) -> tuple[int, Columns, list[str]] | None:
    """(first data row, columns, header cells), reading a two-row header as one.

    `责任单位` merged over two columns with `牵头单位 | 配合单位` below it: the lower row names
    the columns wherever it says something of its own.
    """
    found = find_header(sheet)
    if found is None:
        return None
    at, cols = found
    cells = list(sheet.rows[at].cells)
    if at + 1 < len(sheet.rows) and _is_header_like(sheet.rows[at + 1]):
        below = sheet.rows[at + 1].cells
        merged = [b if b.strip() else a for a, b in zip(cells, below, strict=False)]
        merged += cells[len(merged) :]
        cols = map_columns(merged) or cols
        return at + 2, cols, merged
    return at + 1, cols, cells


# The convention some plans state in a note or a header: 排在第一位的为牵头单位, 第一个为牵头单位,
# 排名第一的单位为牵头单位, 列首位的为牵头单位.
_FIRST_LEADS = re.compile(
    r"(?:第一|首)(?:位|个|家|名)?(?:的|者)?(?:单位|部门)?\s*(?:为|是)\s*牵头(?:单位|部门)?"
)
# A cell that marks roles itself: the convention does not override it.
_ROLE_WORDS = re.compile(r"牵头|配合|协助|协同|参与|会同|[:：]")


def _says_first_leads(sheets: list[Sheet]) -> bool:
    """Does the text around the tables (paragraphs, notes rows, headers) state the convention?"""
    for sheet in sheets:
        cells = chain.from_iterable(r.cells for r in sheet.rows)  # flattened in C
        texts = [*sheet.title_lines, *sheet.notes, *cells]
        if "牵头" not in "\x00".join(texts):  # most plans: one scan, no cell by cell
            continue
        if any("牵头" in t and _FIRST_LEADS.search(re.sub(r"\s+", "", t)) for t in texts):
            return True
    return False


def _printable(cells: list[str]) -> bool:
    """All cells are strings `sanitize` leaves alone (checked for the row at once)."""
    try:
        joined = "".join(cells)
    except TypeError:
        return False
    return joined.isprintable() and "\x1b" not in joined


def build_plan(sheets: list[Sheet], source: Path, *, continue_tables: bool = False) -> ParsedPlan:
    """Read the first sheet that has a header; later sheets with the same header or none (a
    Word table split in two) continue it when `continue_tables`."""
    for sheet in sheets:  # escape sequences in a cell must never reach a terminal or the db
        sheet.title_lines = [sanitize(t) for t in sheet.title_lines]
        for row in sheet.rows:
            if not _printable(row.cells):  # else sanitize would return every cell as it is
                row.cells = [sanitize(c) for c in row.cells]
    for index, sheet in enumerate(sheets):
        found = _header_of(sheet)
        if found is None:
            continue
        start, cols, header = found
        rows = _data_rows(sheet, start)
        if continue_tables:
            for more in sheets[index + 1 :]:
                again = _header_of(more)
                if again is None and all(len(r.cells) == len(header) for r in more.rows):
                    rows += _data_rows(more, 0)
                elif again is not None and [header_key(c) for c in again[2]] == [
                    header_key(c) for c in header
                ]:
                    rows += _data_rows(more, again[0])
                else:
                    break  # another table with its own meaning
        title_lines = sheet.title_lines + [
            " ".join(c.strip() for c in dict.fromkeys(r.cells) if c.strip())
            for r in sheet.rows[: start - 1]
            if not _is_header_like(r)
        ]
        return _plan_from_rows(
            rows, cols, source, clean_title(title_lines), first_leads=_says_first_leads(sheets)
        )
    if not any(sheet.rows for sheet in sheets):
        raise InputError(f"文件 {source} 中没有表格。")
    raise InputError(
        f"文件 {source} 中没有找到可识别的表头（如“序号”“工作任务”“责任单位”“完成时间”）。"
    )


def _plan_from_rows(
    rows: list[Row], cols: Columns, source: Path, title: str, *, first_leads: bool = False
) -> ParsedPlan:
    """`first_leads`: the document says the first unit listed leads (排在第一位的为牵头单位)."""
    texts = [join_lines(_cell(r, cols.text)) for r in rows]  # each row's task text, once
    num_is_group = _num_is_group(rows, cols, texts)
    plan = ParsedPlan(title=title, source=str(source))
    section = sub = group_title = ""  # sub: the current `（一）…` heading
    # A group is numbered when its first task is read (a heading with only a deeper heading
    # under it takes no number): until then it is its key, (section, [sub,] title).
    group: int | tuple[str, ...] | None = None
    group_numbers: dict[tuple[str, ...], int] = {}
    last_lead = last_deadline = ""
    units: dict[str, tuple[list[str], list[str]]] = {}  # cell -> split_units(cell)
    # Each row's cells padded to every column read, plus one "" that a missing column (-1) reads.
    width = 1 + max(
        [cols.text, cols.num, cols.section, cols.group, cols.deadline, cols.status]
        + [*cols.lead, *cols.support, *cols.guide]
    )
    for row, text in zip(rows, texts, strict=True):
        cells = row.cells[:width]
        cells += [""] * (width - len(cells) + 1)
        line = _whole_row_line(row, cols)
        if line is not None and _NOTE_LINE.match(line):
            continue
        # `一 | 推进决策公开 | …`: a heading row numbered in 序号 (never an empty or digit one)
        if line is None and not (mark := cells[cols.num]).isdigit() and mark:
            line = _numeral_heading(row, cols)
        if line is not None:
            if _SUBGROUP.match(line):
                sub = group_title = line
                group = (section, line)
            elif _NUMBERED.match(line) and (section or sub):
                # The third level (`一、` › `（一）` › `1.…` on a row of its own) groups the
                # rows below it, under its `（一）` heading; the section stays.
                group_title = f"{sub} {line}" if sub else line
                group = (section, sub, line)
            else:
                section, sub, group_title, group = line, "", "", None
            continue
        value = join_lines(cells[cols.section]) if cols.section >= 0 else ""
        if value and value != section:  # a new section starts its groups afresh
            section, sub, group_title = value, "", ""
            if not num_is_group:
                group = None
        if cols.group >= 0 and not (0 < cols.group < len(row.spans) and row.spans[cols.group]):
            value = cells[cols.group]  # empty under a group's first row (most rows)
            if value and (value := join_lines(value)):
                group_title = value
                if not num_is_group:
                    group = (section, value)
        if num_is_group and (n := _int(cells[cols.num])) is not None:
            group = n
        if not text:
            continue  # a group row with no task of its own
        task_title = group_title
        if not task_title and section:  # a section row with nothing under it heads these rows
            task_title = section
            if not num_is_group:
                group = (section,)
        if isinstance(group, tuple):
            task_group: int | None = group_numbers.setdefault(group, len(group_numbers) + 1)
        else:
            task_group = group
        num, text = split_number(text)
        bare, labelled = _split_label(text)
        if cols.num >= 0 and not num_is_group:
            num = _int(cells[cols.num])
        # Merged cells lose their merge in text dumps and CSV: an empty lead or deadline means
        # "same as above". Support and guide cells are often truly empty, so they do not inherit.
        lead_cell = "\n".join([cells[i] for i in cols.lead]).strip()
        if not lead_cell and labelled:  # units written into the text: move them out of it
            text, lead_cell = bare, labelled
        lead_cell = lead_cell or last_lead
        last_lead = lead_cell
        deadline = join_lines(cells[cols.deadline]) or _remark_deadline(row, cols)
        deadline = deadline or last_deadline
        last_deadline = deadline
        lead, inline_support = _units_of(lead_cell, units)
        lead = list(lead)  # the task's own list (support below is a new one too)
        if first_leads and len(lead) > 1 and not _ROLE_WORDS.search(lead_cell):
            lead, inline_support = lead[:1], lead[1:] + inline_support
        support = list(inline_support)
        for i in cols.support:
            s_lead, s_support = _units_of(cells[i], units)
            support += [u for u in (*s_lead, *s_support) if u not in support and u not in lead]
        guide: list[str] = []
        for i in cols.guide:
            g_lead, g_support = _units_of(cells[i], units)
            if guide:
                guide += [u for u in (*g_lead, *g_support) if u not in guide]
            else:  # the first (usually only) guide column: nothing to leave out yet
                guide = g_lead + g_support  # a new list
        cell = cells[cols.status]  # no 完成情况 column (most plans): the padding's ""
        status = (join_lines(cell) or None) if cell else None
        plan.tasks.append(
            ParsedTask(
                num=num,
                text=text,
                group=task_group,
                group_title=task_title,
                section=section,
                lead_units=lead,
                support_units=support,
                guide_units=guide,
                deadline_text=deadline,
                status=status,
                line=row.line,
                subitems=split_subitems(text)[1],
            )
        )
    if not plan.tasks:
        raise InputError(f"文件 {source} 的表头下面没有任何任务。")
    plan.year = _guess_year(title, source, [t.deadline_text for t in plan.tasks])
    split_joined(plan)  # `区财政局及区审计局` when both are units elsewhere in the plan
    return plan

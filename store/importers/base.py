"""What every importer produces: a plan parsed from a document, before it meets the database."""

from __future__ import annotations

from ..record import field, record


@record(slots=True)  # 100,000 of them at once: no __dict__ each (~40 MB)
class ParsedTask:
    """One task as read from a document, before it becomes a record."""

    num: int | None  # the document's own item number, or None when it has none
    text: str
    group: int | None = None
    group_title: str = ""
    section: str = ""
    lead_units: list[str] = field(default_factory=list)
    support_units: list[str] = field(default_factory=list)
    guide_units: list[str] = field(default_factory=list)
    deadline_text: str = ""
    status: str | None = None  # a 完成情况 column, when the table has one
    # Numbered sub-items of the cell (`1.…2.…`), which `text` still holds in full.
    subitems: list[str] = field(default_factory=list)
    line: int | None = None  # where in the source it started, for error messages


@record
class ParsedPlan:
    """A document as read: its title, its tasks and the unit aliases found in it."""

    title: str
    source: str
    year: int | None = None  # a year found in the title or file name
    tasks: list[ParsedTask] = field(default_factory=list)
    # Unit aliases found while parsing (e.g. 各街道办 -> 各街道), alias -> canonical name.
    aliases: dict[str, str] = field(default_factory=dict)


@record(slots=True)
class Row:
    """One table row as a reader saw it, before any meaning is given to its cells."""

    cells: list[str]
    line: int  # source line (text, CSV) or row (xlsx, docx) number, for messages
    where: str  # the same, worded for a person: "第 12 行", "表格 2 第 5 行"
    # True where a cell only continues the merged cell to its left (docx gridSpan, xlsx merge):
    # a row merged across the whole table is a section line, not a task.
    spans: list[bool] = field(default_factory=list)


@record
class Sheet:
    """A grid of rows from one table (docx), worksheet (xlsx) or file (CSV, text dump)."""

    rows: list[Row]
    title_lines: list[str] = field(default_factory=list)  # text above the table
    notes: list[str] = field(default_factory=list)  # text below it (docx paragraphs)
    name: str = ""  # worksheet name or "表格 2", for messages

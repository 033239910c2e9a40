"""What every importer produces: a plan parsed from a document, before it meets the database."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ParsedTask:
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
    line: int | None = None  # where in the source it started, for error messages


@dataclass
class ParsedPlan:
    title: str
    source: str
    year: int | None = None  # a year found in the title or file name
    tasks: list[ParsedTask] = field(default_factory=list)
    # Unit aliases found while parsing (e.g. 各街道办 -> 各街道), alias -> canonical name.
    aliases: dict[str, str] = field(default_factory=dict)

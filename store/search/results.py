"""What a search returns: ranked hits whose highlight spans are computed only when shown."""

from __future__ import annotations

from datetime import date

from ..model import Task
from ..record import field, record

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from typing import Any

    from ..snapshot import Snapshot
    from .index import SearchIndex


class Hit:
    """One ranked task. `spans`/`group_spans` are computed on first access (a list shows only
    its visible rows), as [start, end) character offsets into task.text / task.group_title."""

    __slots__ = ("task", "score", "matched", "_spans", "_group_spans", "_source", "_terms")

    def __init__(
        self,
        task: Task,
        score: float,
        spans: list[tuple[int, int]] | None = None,
        group_spans: list[tuple[int, int]] | None = None,
        matched: str = "text",  # text | group | unit | pinyin | split | fuzzy | id | filter
        *,
        source: SearchIndex | None = None,
        terms: tuple[str, ...] = (),
    ) -> None:
        self.task = task
        self.score = score  # average per-term score: 100 exact text, 120 whole unit, 50 typo
        self.matched = matched
        self._spans = spans
        self._group_spans = group_spans
        self._source = source
        self._terms = terms

    @property
    def spans(self) -> list[tuple[int, int]]:
        if self._spans is None:
            self._spans = self._source.spans(self.task.text, self._terms) if self._source else []
        return self._spans

    @property
    def group_spans(self) -> list[tuple[int, int]]:
        if self._group_spans is None:
            src, title = self._source, self.task.group_title
            self._group_spans = src.spans(title, self._terms) if src else []
        return self._group_spans

    def to_json(self, today: date, snap: Snapshot | None = None) -> dict[str, Any]:
        """The task's `--json` object (with its parts, given the snapshot) plus score, spans
        and what matched."""
        data = snap.task_json(self.task, today) if snap else self.task.to_json(today)
        data["score"] = self.score
        data["spans"] = [list(s) for s in self.spans]
        data["group_spans"] = [list(s) for s in self.group_spans]
        data["matched"] = self.matched
        return data

    def __repr__(self) -> str:
        return f"Hit(id={self.task.id}, score={self.score}, matched={self.matched!r})"


@record(slots=True)
class SearchResult:
    """The hits of a search (the best first), how many there were, and what to say."""

    hits: list[Hit]
    total: int
    suggestion: str | None = None  # the nearest unit or word, when nothing matched
    warnings: list[str] = field(default_factory=list)  # filters not understood, query cut

    def __bool__(self) -> bool:
        return self.total > 0

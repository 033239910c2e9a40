"""Searching the list: the search index, the search worker, and names of units.

The index (`store.search.SearchIndex`) is built for the current snapshot by whichever thread asks
first; `run_search` runs in an exclusive thread worker so a newer keystroke cancels an older
search. `ListSearch` is a part of `MainScreen` (which inherits it), not a screen of its own.
"""

from __future__ import annotations

import contextlib
from typing import Any

from textual import work
from textual.worker import get_current_worker

from zwgk.store.errors import ZwgkError
from zwgk.tui.screens.parts import ScreenPart
from zwgk.tui.widgets.tasklist import LIMIT


class ListSearch(ScreenPart):
    """Finds tasks for the list (in a worker) and units named by a whole line."""

    def ensure_index(self) -> Any:
        """The search index of the current snapshot (built once, by whichever thread asks first)."""
        with self._index_lock:
            snap = self.snap
            if self.index is None or self._index_of is not snap:
                from zwgk.store.search import SearchIndex

                self.index = SearchIndex.from_snapshot(snap)
                self._index_of = snap
            return self.index

    @work(exclusive=True, group="search", thread=True, exit_on_error=False)
    def run_search(self, query: str, generation: int, stay: bool = False) -> None:
        worker = get_current_worker()
        if generation != self.generation:
            return  # a newer keystroke already asked for something else
        try:
            result = self.ensure_index().search(query, today=self.today, limit=LIMIT)
        except ZwgkError:
            return
        if worker.is_cancelled or generation != self.generation:
            return
        tasks = [h.task for h in result.hits]
        spans = {h.task.id: list(h.spans) for h in result.hits}
        self.app.call_from_thread(self.fill, tasks, spans, generation, result.total, stay)

    @work(exclusive=True, group="index", thread=True, exit_on_error=False)
    def warm_index(self) -> None:
        """After the first frame: build the index and its pinyin tables before the first key."""
        with contextlib.suppress(Exception):
            self.ensure_index().search("zw", today=self.today, limit=1)

    def unit_names(self, text: str) -> list[str]:
        """Units a whole line names (`区编办`, `编办`, `qbb`, `信息办`), else []."""
        if " " in text or not text or len(text) > 30:
            return []
        from zwgk.store.search import WHOLE, norm, resolve_units, unit_match

        q = norm(text)
        strong = False
        for unit in self.snap.units.values():
            level = unit_match(q, unit)
            if level == WHOLE or (
                level
                and not q.isascii()
                and any(norm(n).endswith(q) for n in (unit.name, *unit.aliases))
            ):
                strong = True
                break
        return resolve_units(text, self.snap.units) if strong else []

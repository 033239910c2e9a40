"""Input history per user, kept across sessions as a JSON list.

The file lives in the user's data directory (each SSH user has their own), or wherever the
caller says (tests point it at a temporary folder). A broken or unwritable file never stops
the app: history is a convenience.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from pathlib import Path

MAX_LINES = 500


def default_history_path(user: str) -> Path:
    env = os.environ.get("ZWGK_HISTORY")
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    safe = re.sub(r"[^\w.-]", "_", user or "user")
    return Path(user_data_dir("zwgk", appauthor=False)) / f"history-{safe}.json"


class History:
    """Lines typed, oldest first, with a cursor for walking with Up and Down."""

    def __init__(self, path: Path | None, max_lines: int = MAX_LINES) -> None:
        self.path = path
        self.max_lines = max_lines
        self._lines: list[str] | None = None  # read on first use, not at start-up
        self._pos: int | None = None  # index into lines while walking; None = not walking
        self._draft = ""

    def _load(self) -> list[str]:
        if self.path is None:
            return []
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        if not isinstance(data, list):
            return []
        return [str(x) for x in data if isinstance(x, str) and x.strip()][-self.max_lines :]

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = self._load()
        return self._lines

    def save(self) -> None:
        if self.path is None:
            return
        with contextlib.suppress(OSError):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(self.path.name + ".tmp")
            tmp.write_text(json.dumps(self.lines, ensure_ascii=False), encoding="utf-8")
            os.replace(tmp, self.path)

    def add(self, line: str) -> None:
        line = line.strip()
        self.reset()
        if not line:
            return
        self._lines = self._load()  # another session of this user may have added lines
        if self.lines and self.lines[-1] == line:
            return
        self.lines.append(line)
        del self.lines[: -self.max_lines]
        self.save()

    @property
    def walking(self) -> bool:
        return self._pos is not None

    def reset(self) -> None:
        self._pos = None
        self._draft = ""

    def previous(self, current: str) -> str | None:
        """One line further back, or None when there is nothing older."""
        if not self.lines:
            return None
        if self._pos is None:
            self._draft = current
            self._pos = len(self.lines) - 1
        elif self._pos > 0:
            self._pos -= 1
        else:
            return None
        return self.lines[self._pos]

    def next(self) -> str | None:
        """One line toward the newest; past the newest, the draft typed before walking."""
        if self._pos is None:
            return None
        if self._pos < len(self.lines) - 1:
            self._pos += 1
            return self.lines[self._pos]
        draft = self._draft
        self.reset()
        return draft

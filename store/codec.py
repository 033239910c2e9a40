"""JSON as zwgk writes it to disk, and one line of it read back.

Shared by the task file (`dbfile`) and the event log (`eventfile`): both are written compact,
in UTF-8 with Chinese unescaped, and both are read a line at a time.
"""

from __future__ import annotations

import json

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from typing import Any


def dump_json(data: Any) -> bytes:
    # ensure_ascii=False keeps Chinese readable in the file; compact separators keep it small.
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def parse_line(line: bytes) -> dict[str, Any] | None:
    """One JSON object from one line, None when it is damaged (`zwgk doctor` reports those)."""
    try:
        rec = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        # ValueError covers JSONDecodeError and an int over Python's digit limit (5,000 digits).
        return None
    return rec if isinstance(rec, dict) else None

"""`json.dumps(obj, ensure_ascii=False, indent=2)`, byte for byte, a few times faster.

The standard library encodes with indentation in pure Python (its C encoder is only used
without `indent`). `zwgk list --json` prints every task, so the read snapshot keeps each
task's text ready (`fragment`) and this module writes it: the same strings (the C string
encoder the json module itself uses), the same separators and indentation. Anything that is
not plain JSON data goes through `json.dumps` itself, so the result never differs.
"""

from __future__ import annotations

import json
from json.encoder import encode_basestring

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from typing import Any
_INF = float("inf")


def dumps(obj: Any, level: int = 0) -> str:
    """`json.dumps(obj, ensure_ascii=False, indent=2)` for `obj` at nesting `level` (its
    lines indented by 2 * level spaces after the first, as inside a list at that depth)."""
    kind = obj.__class__
    if kind is str:
        return encode_basestring(obj)  # type: ignore[no-any-return]
    if obj is None:
        return "null"
    if obj is True:
        return "true"
    if obj is False:
        return "false"
    if kind is int:
        return int.__repr__(obj)
    if kind is dict:
        if not obj:
            return "{}"
        inner = "\n" + "  " * (level + 1)
        items = []
        for key, value in obj.items():
            if key.__class__ is not str:
                return _slow(obj, level)
            items.append(encode_basestring(key) + ": " + dumps(value, level + 1))
        return "{" + inner + ("," + inner).join(items) + "\n" + "  " * level + "}"
    if kind is list:
        if not obj:
            return "[]"
        inner = "\n" + "  " * (level + 1)
        return (
            "["
            + inner
            + ("," + inner).join([dumps(v, level + 1) for v in obj])
            + "\n"
            + "  " * level
            + "]"
        )
    return _slow(obj, level)


def _slow(obj: Any, level: int) -> str:
    """Whatever the fast cases do not cover (floats, tuples, subclasses), as json writes it."""
    text = json.dumps(obj, ensure_ascii=False, indent=2)
    return text.replace("\n", "\n" + "  " * level) if level else text


OVERDUE_AT = b'\n    "overdue": '


def fragment(data: dict[str, Any]) -> tuple[bytes, int]:
    """A task's `--json` object as it appears inside the printed list (its first line not
    indented: the caller writes the separator), and where its `overdue` value starts (-1:
    none). Stored with `"overdue": false`; the reader writes today's value in its place."""
    text = dumps({**data, "overdue": False} if "overdue" in data else data, 1).encode()
    at = text.find(OVERDUE_AT)
    return text, (at + len(OVERDUE_AT) if at >= 0 else -1)

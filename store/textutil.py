"""Text hygiene: neutralise terminal control sequences, normalise for matching."""

from __future__ import annotations

import re
import unicodedata

# ESC/CSI/OSC sequences, C0/C1 controls (except tab and newline) and DEL.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b.?")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def sanitize(text: str, *, keep_newlines: bool = True) -> str:
    """Drop escape sequences and control characters so text can never drive a terminal."""
    text = _ESCAPES.sub("", text)
    text = _CONTROLS.sub("", text)
    if not keep_newlines:
        text = text.replace("\n", " ").replace("\t", " ")
    return text


def normalize(text: str) -> str:
    """NFKC (full-width digits and brackets become ASCII) and lower case, for matching."""
    return unicodedata.normalize("NFKC", text).lower()

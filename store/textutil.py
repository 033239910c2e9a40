"""Text hygiene: neutralise terminal control sequences, normalise for matching."""

from __future__ import annotations

import re
from functools import lru_cache

# ESC/CSI/OSC/DCS sequences, C0/C1 controls (except tab and newline) and DEL.
_ESCAPES_RE = (
    r"\x1b\[[0-?]*[ -/]*[@-~]?"  # CSI
    r"|\x1b[\]PX^_][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC, DCS, SOS, PM, APC + payload
    r"|\x9b[0-?]*[ -/]*[@-~]?"  # 8-bit CSI
    r"|[\x90\x9d\x98\x9e\x9f][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # 8-bit string controls
    r"|\x1b.?"
)
_CONTROLS_RE = (
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f"
    r"\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidi overrides: text that displays reordered
    r"\u2028\u2029"  # line/paragraph separators: line breaks some terminals honour
    r"\ud800-\udfff]"  # lone surrogates (undecodable argv bytes): replaced below
)


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str]]:
    # Compiled on first use: most `zwgk mark` runs only meet printable text (the fast path).
    return re.compile(_ESCAPES_RE, re.DOTALL), re.compile(_CONTROLS_RE)


def _replace(match: re.Match[str]) -> str:
    ch = match.group()
    if "\ud800" <= ch <= "\udfff":
        return "\ufffd"
    if ch in "\u2028\u2029":
        return "\n"
    return ""


def sanitize(text: str, *, keep_newlines: bool = True) -> str:
    """Drop escape sequences and control characters so text can never drive a terminal."""
    if not isinstance(text, str):
        text = str(text)
    if text.isprintable() and "\x1b" not in text:  # fast path: nothing to do
        return text
    escapes, controls = _patterns()
    text = escapes.sub("", text)
    text = controls.sub(_replace, text)
    if not keep_newlines:
        text = text.replace("\n", " ").replace("\t", " ")
    return text


def normalize(text: str) -> str:
    """NFKC (full-width digits and brackets become ASCII) and lower case, for matching."""
    import unicodedata

    return unicodedata.normalize("NFKC", text).lower()

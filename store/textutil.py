"""Text hygiene: neutralise terminal control sequences, normalise for matching."""

from __future__ import annotations

import re
import unicodedata

# ESC/CSI/OSC/DCS sequences, C0/C1 controls (except tab and newline) and DEL.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"  # CSI
    r"|\x1b[\]PX^_][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # OSC, DCS, SOS, PM, APC + payload
    r"|\x9b[0-?]*[ -/]*[@-~]?"  # 8-bit CSI
    r"|[\x90\x9d\x98\x9e\x9f][^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c)?"  # 8-bit string controls
    r"|\x1b.?",
    re.DOTALL,
)
_CONTROLS = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f"
    r"\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidi overrides: text that displays reordered
    r"\u2028\u2029"  # line/paragraph separators: line breaks some terminals honour
    r"\ud800-\udfff]"  # lone surrogates (undecodable argv bytes): replaced below
)


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
    text = _ESCAPES.sub("", text)
    text = _CONTROLS.sub(_replace, text)
    if not keep_newlines:
        text = text.replace("\n", " ").replace("\t", " ")
    return text


def normalize(text: str) -> str:
    """NFKC (full-width digits and brackets become ASCII) and lower case, for matching."""
    return unicodedata.normalize("NFKC", text).lower()

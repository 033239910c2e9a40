"""Text hygiene: the one sanitiser for display, and the matching form of a text.

`sanitize` keeps text from driving a terminal; every display path uses it. `norm`/`norm_map`
are the form queries and texts are compared in (search, unit names): letters and digits
only, lower case, NFKC. Punctuation, brackets and spaces never block a match (`村居务公开`
finds `村(居)务公开`), and `norm_map` remembers where each kept character came from, so
highlights land on the original text.
"""

from __future__ import annotations

import re
import unicodedata
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


def sanitize(text: object, *, keep_newlines: bool = True) -> str:
    """Drop escape sequences and control characters so text can never drive a terminal.

    The one sanitiser: everything shown (CLI, app, messages) passes here. None is "".
    """
    if text is None:
        return ""
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


def one_line(text: object) -> str:
    """`sanitize` for a single line (a cell, a name, a path): newlines and tabs become spaces."""
    return sanitize(text, keep_newlines=False)


# -- the matching form ----------------------------------------------------------------------
PUNCTUATION = re.compile(r"[\W_]+")  # punctuation, brackets, spaces, symbols
_KEEP = re.compile(r"[^\W_]+")


def norm(text: str) -> str:
    """The matching form of a text: letters and digits only, lower case, NFKC."""
    kept = PUNCTUATION.sub("", text or "").lower()
    # Punctuation goes first, so the NFKC quick check (~100x cheaper than normalising)
    # nearly always passes: full-width commas and brackets are what made texts non-NFKC.
    if not kept or (kept.isalnum() and unicodedata.is_normalized("NFKC", kept)):
        return kept
    return norm_map(text)[0]


def norm_map(text: str) -> tuple[str, list[int]]:
    """`norm(text)` plus, for each of its characters, the offset in `text` it came from."""
    text = text or ""
    runs = [m.span() for m in _KEEP.finditer(text)]  # a few runs between punctuation marks
    index: list[int] = []
    for a, b in runs:
        index.extend(range(a, b))
    kept = "".join([text[a:b] for a, b in runs]).lower()
    if len(kept) == len(index) and (
        not kept or (kept.isalnum() and unicodedata.is_normalized("NFKC", kept))
    ):
        return kept, index
    chars: list[str] = []
    index.clear()
    for i, ch in enumerate(text):
        if ch.isalnum():
            for c in unicodedata.normalize("NFKC", ch.lower()).lower():
                if c.isalnum():
                    chars.append(c)
                    index.append(i)
    return "".join(chars), index

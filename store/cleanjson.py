"""Whether JSON that zwgk dumped could hold a character `textutil.sanitize` would remove.

An import must store no control characters (`Transaction.commit` cleans every record then).
Walking 100,000 task records string by string in Python to find none took seconds; the same
answer is in the bytes the commit dumps anyway, found by a few C-speed scans. The answer may
be a false yes (a backslash typed in a cell, a key holding a control character: the caller
then cleans the records the slow way, as before) but never a false no.

What `sanitize` changes, and how `json.dumps(ensure_ascii=False)` writes it in UTF-8:
- C0 controls other than tab and newline: `\\b` `\\f` `\\r` or `\\u00XX` (escaped);
- DEL and the C1 controls U+007F–U+009F: byte 7F, or C2 80–C2 9F (written as they are);
- bidi marks and overrides U+200E U+200F U+202A–U+202E, line and paragraph separators
  U+2028 U+2029: E2 80 8E/8F/A8–AE; U+2066–U+2069: E2 81 A6–A9;
- lone surrogates: cannot be encoded at all (the dump fails; the caller cleans first).
"""

from __future__ import annotations

import re

_ESCAPED = re.compile(rb"\\[bfru]")  # JSON's escapes of the C0 controls it does not keep
_C1 = re.compile(rb"\xc2[\x80-\x9f]")
_FORMAT = re.compile(rb"\xe2(?:\x80[\x8e\x8f\xa8-\xae]|\x81[\xa6-\xa9])")


def may_need_cleaning(dumped: bytes) -> bool:
    """False only when no string in `dumped` (UTF-8 JSON, non-ASCII unescaped) holds a
    character `sanitize` removes or replaces."""
    # A byte search (memchr) first: most files have no backslash, C2 or E2 byte at all.
    if b"\x7f" in dumped:
        return True
    if b"\\" in dumped and _ESCAPED.search(dumped):
        return True
    if b"\xc2" in dumped and _C1.search(dumped):
        return True
    return b"\xe2" in dumped and _FORMAT.search(dumped) is not None

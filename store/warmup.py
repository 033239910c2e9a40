"""After `zwgk import`: the read snapshot made by a detached process, not by the first reader.

An import replaces the task file, so the next read command makes the snapshot again: ~15 s
and ~550 MB at 100,000 tasks, and the first `list --json` its texts, ~9 s more; paid by
whoever reads first (often a colleague who has no
idea why). `start` hands that work to a process of its own, in its own session, at low
priority, with no terminal: the import returns as before, and a reader who comes while it
works waits for it (`readcache.one_maker`) instead of doing it a second time.

Switched off by `ZWGK_NO_WARMUP=1` (the tests do, but for the ones about it), and by the
read snapshot's own switch.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

SWITCH = "ZWGK_NO_WARMUP"


def enabled() -> bool:
    from .readcache import enabled as snapshots_enabled

    return os.environ.get(SWITCH, "") in ("", "0") and snapshots_enabled()


def start(db_path: Path) -> bool:
    """Start making `db_path`'s snapshot in the background; False when not started."""
    if not enabled():
        return False
    import subprocess

    try:
        subprocess.Popen(
            [sys.executable, "-m", __name__, os.fspath(db_path)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,  # a pipe (`zwgk import x | tee`) is not held open
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # not ended with the terminal or by its Ctrl-C
            close_fds=True,
        )
    except OSError:
        return False  # the first reader makes it, as before
    return True


def main(argv: list[str]) -> int:
    from .readcache import open_cache

    with contextlib.suppress(OSError):
        os.nice(10)  # after the people's own commands
    try:
        cache = open_cache(Path(argv[0]))
        if cache is not None:
            from .readviews import json_texts

            json_texts(cache)  # and `zwgk list --json`'s texts, what scripts read (~9 s at 100k)
            cache.close()  # (saved: the texts are new)
    except Exception:  # noqa: BLE001 - no one to tell: the first reader reports it
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Whether the read snapshot vouches for the task file, so that a change may skip its CRC.

The snapshot's header (`snapfile`) names the task file it was made from (`db_key`) and says
whether that file passed its CRC then, once it had settled (`dbfile.settled`). A change to one
task (`Store.transaction`) reads only this header; `dbfile.FileView.open` trusts the file only
while it still has that identity. Its own module, below `db` and beside `snapfile`: the write
path never loads the read snapshot's code (`readcache`), which loads `db`'s readers.
"""

from __future__ import annotations

import os
from pathlib import Path

from .snapfile import SnapFile, snap_path

OFF_SWITCH = "ZWGK_NO_SNAPSHOT"  # switches the read snapshot off (`readcache.enabled`)


def verified_identity(db_path: Path) -> tuple[int, ...] | None:
    """The identity of the task file the read snapshot was made from, when that file's CRC was
    checked then; None when there is no snapshot, it says no, or it is switched off."""
    if os.environ.get(OFF_SWITCH, "") not in ("", "0"):
        return None
    found = SnapFile.open(snap_path(db_path))
    if found is None:
        return None
    found.close()
    key = found.header.get("db")
    if found.header.get("db_verified") is not True or not isinstance(key, tuple):
        return None
    return key

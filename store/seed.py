"""The plan shipped with zwgk, loaded into a database that does not exist yet."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

SEED_NAME = "seed_plan.txt"


def seed_path() -> Path:
    return Path(str(resources.files("zwgk.data").joinpath(SEED_NAME)))

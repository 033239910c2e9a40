"""Shared fixtures: a real database in a temporary folder and the real `zwgk` command."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest

from zwgk.store.context import Context
from zwgk.store.db import Store
from zwgk.store.model import Event

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "data" / "seed_plan.txt"
# Copies of ../shared/samples, so the suite runs from any clone.
SAMPLES = ROOT / "tests" / "fixtures" / "import"
SEED_TODAY = date(2020, 12, 15)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "zwgk.json"


@pytest.fixture
def store(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    """The bundled plan in a fresh database file, acting as user `tester`."""
    monkeypatch.setenv("ZWGK_USER", "tester")
    return Store(Context(db_path, SEED_TODAY, user="tester"))


@pytest.fixture
def fast_dir(tmp_path: Path) -> Iterator[Path]:
    """A directory on tmpfs when there is one: these tests are about locking and process death
    (which keeps the page cache), not power loss, so fsync need not wait for a disk."""
    import shutil as _shutil
    import tempfile

    shm = Path("/dev/shm")
    if shm.is_dir() and os.access(shm, os.W_OK):
        d = Path(tempfile.mkdtemp(prefix="zwgk-test-", dir=shm))
        yield d
        _shutil.rmtree(d, ignore_errors=True)
    else:
        yield tmp_path


def zwgk_command() -> list[str]:
    """The installed console script (what users run); the module as a fallback."""
    exe = shutil.which(
        "zwgk", path=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    )
    return [exe] if exe else [sys.executable, "-m", "zwgk.tui.cli.main"]


Runner = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def zwgk(db_path: Path, tmp_path: Path) -> Runner:
    """Run the real `zwgk` against the test database; returns the completed process."""

    def run(
        *args: str,
        user: str = "tester",
        env: dict[str, str] | None = None,
        input: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        full_env = {k: v for k, v in os.environ.items() if not k.startswith("ZWGK_")}
        full_env.update(
            {
                "ZWGK_DB": str(db_path),
                "ZWGK_USER": user,
                "ZWGK_TODAY": SEED_TODAY.isoformat(),
                "NO_COLOR": "1",
                "HOME": str(tmp_path),
            }
        )
        full_env.update(env or {})
        return subprocess.run(
            [*zwgk_command(), *args],
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=full_env,
            input=input,
            timeout=60,
        )

    return run


def json_of(proc: subprocess.CompletedProcess[str]) -> object:
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def status_after_each(start: dict[int, str], events: list[Event]) -> dict[int, str]:
    """seq -> its task's status once that event applied, replayed from `start` (the statuses
    before the first event): the log records a field only when it changed."""
    current = dict(start)
    after: dict[int, str] = {}
    for e in events:
        if e.task is None:
            continue
        pair = e.changes.get("status")
        if isinstance(pair, list) and len(pair) == 2:
            current[e.task] = pair[1]
        after[e.seq] = current[e.task]
    return after

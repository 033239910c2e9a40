"""Shared fixtures: a real database in a temporary folder and the real `zwgk` command."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from zwgk.store.context import Context
from zwgk.store.db import Store
from zwgk.store.model import Event

# An import run in this process (or by an environment built from this one) starts no
# detached process making the read snapshot (store/warmup.py): a test decides what exists.
os.environ["ZWGK_NO_WARMUP"] = "1"

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "data" / "seed_plan.txt"
# Copies of ../shared/samples, so the suite runs from any clone.
SAMPLES = ROOT / "tests" / "fixtures" / "import"
SEED_TODAY = date(2020, 12, 15)
TUI_TODAY = date(2020, 9, 1)  # the app tests' today: seed tasks 1, 2, 3 and 13 are overdue


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


def zwgk_env(home: Path, **values: str) -> dict[str, str]:
    """The environment a test's `zwgk` process runs in: this one without any ZWGK_ setting
    that leaked in, plain output, a private HOME, then `values` (ZWGK_DB=…, ZWGK_USER=…)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZWGK_")}
    # No snapshot made behind a test's back after an import (tests/test_warmup.py turns it on)
    env.update(NO_COLOR="1", HOME=str(home), ZWGK_NO_WARMUP="1", **values)
    return env


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
        full_env = zwgk_env(
            tmp_path, ZWGK_DB=str(db_path), ZWGK_USER=user, ZWGK_TODAY=SEED_TODAY.isoformat()
        )
        full_env.update(env or {})
        return run_zwgk(list(args), full_env, input=input)

    return run


def run_zwgk(
    args: list[str], env: dict[str, str], *, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    """One real `zwgk` process with `args` in `env` (see `zwgk_env`), its output as text."""
    return subprocess.run(
        [*zwgk_command(), *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        input=input,
        timeout=60,
    )


def plan_csv(folder: Path, n: int) -> Path:
    """A plain plan of `n` tasks (one unit, one deadline) as a CSV `zwgk import` reads: big
    enough, for n in the hundreds, that a task's line is far from both ends of the task file."""
    plan = folder / "plan.csv"
    rows = ["序号,工作任务,具体事项,主体责任单位,指导责任单位,完成时间"]
    rows += [
        f"{i},第{i}项工作,梳理第{i}项政务公开事项清单,区信息办,区政府办,2021年3月底前"
        for i in range(1, n + 1)
    ]
    plan.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return plan


# -- the app through Textual's pilot ----------------------------------------------------------
POLL = 0.05  # seconds between the app's looks at the database file, in tests


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """The app tests' database file (created, with the bundled plan, when the app opens it)."""
    return tmp_path / "z.json"


@pytest.fixture
def tui_app(db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The app on the bundled plan in a fresh database, as user `tester`, on `TUI_TODAY`."""
    from zwgk.tui.app import make_app

    monkeypatch.setenv("ZWGK_USER", "tester")
    monkeypatch.delenv("ZWGK_HISTORY", raising=False)
    ctx = Context(db, TUI_TODAY, user="tester")
    return make_app(ctx, history_path=tmp_path / "history.json", poll_seconds=POLL)


@pytest.fixture
def app(tui_app: Any) -> Any:
    return tui_app


async def settle(pilot: Any) -> None:
    """Let messages, workers (searches, imports) and the refreshes they cause finish."""
    for _ in range(3):
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
    from zwgk.tui.widgets.detail import DetailPane

    for pane in [w for s in pilot.app.screen_stack for w in s.query(DetailPane)]:
        while pane.is_attached and pane.pending:
            await pilot.pause(0.01)  # the detail pane repaints 50 ms after the last highlight
    await pilot.pause()


async def wait_until(pilot: Any, condition: Callable[[], object], timeout: float = 5.0) -> None:
    """Pump the app until `condition()` holds (fails the test after `timeout` seconds)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not condition():
        assert loop.time() < end, "timed out waiting for the app"
        await pilot.pause(POLL)
    await settle(pilot)


async def type_line(pilot: Any, line: str, *, enter: bool = True) -> None:
    """Put `line` in the chat prompt (as a paste would) and, with `enter`, send it."""
    prompt = pilot.app.main.prompt
    prompt.focus()
    await pilot.pause()
    prompt.value = line
    prompt.cursor_position = len(line)
    await settle(pilot)
    if enter:
        await pilot.press("enter")
        await settle(pilot)


def transcript(app: Any) -> str:
    return str(app.main.transcript.text())


def said_since(app: Any, before: int) -> str:
    """What the transcript gained after it held `before` entries."""
    return "\n".join(app.main.transcript.plain[before:])


def listed(app: Any) -> list[int]:
    return list(app.main.tasks_widget.ids)


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

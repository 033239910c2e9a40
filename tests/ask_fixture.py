"""The world the `zwgk ask` question tables (issue 13) are answered in: the bundled plan with
some statuses set, today 2020-12-15, and a variant that also holds the example unit directory.

Built once per test module (a store is a real TinyDB file; building it per row would make the
tables slow) through the real store API, never by writing records by hand.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from zwgk.store.context import Context
from zwgk.store.db import Store
from zwgk.store.service import Service
from zwgk.store.snapshot import Snapshot

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE_DIRECTORY = ROOT / "data" / "example_directory.csv"
TODAY = date(2020, 12, 15)  # a Tuesday; the same day as conftest.SEED_TODAY

DONE = [1, 2, 6, 13]
DOING = [4, 9, 14, 22]
BLOCKED = [10]
STATUSES = {**dict.fromkeys(DONE, "已完成"), **dict.fromkeys(DOING, "进行中")}
STATUSES.update(dict.fromkeys(BLOCKED, "受阻"))
ALL = list(range(1, 30))  # the bundled plan's 29 tasks
NOT_STARTED = [i for i in ALL if i not in STATUSES]


@dataclass
class AskWorld:
    """A database on disk and the snapshot the questions are asked of."""

    path: Path
    store: Store
    snapshot: Snapshot


def build_world(folder: Path, *, directory: bool = False) -> AskWorld:
    """The bundled plan in `folder`, statuses set as above; with `directory`, the example
    directory imported afterwards (so 各街道 reaches the seven streets)."""
    path = folder / "zwgk.json"
    store = Store(Context(path, TODAY, user="tester"))
    service = Service(store)
    for task_id, status in STATUSES.items():
        service.mark(task_id, status, "ask 测试")
    if directory:
        service.import_directory(EXAMPLE_DIRECTORY)
    snapshot = store.snapshot()
    assert {i: t.status for i, t in snapshot.tasks.items() if i in STATUSES} == STATUSES
    return AskWorld(path, store, snapshot)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AskWorld]:
    """The bundled plan with statuses, no unit directory."""
    yield build_world(tmp_path_factory.mktemp("ask"))


@pytest.fixture(scope="module")
def world_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AskWorld]:
    """The same, plus the example unit directory (streets and departments by name)."""
    yield build_world(tmp_path_factory.mktemp("ask-dir"), directory=True)


# -- checks the question tables share (tests/test_ask_table.py and the held-out set) --------
def row_ids(rows: list, prefix: str) -> list[str]:
    """`q01`, `q02` …: a failing row is named by its place in its table."""
    return [f"{prefix}{i:02d}" for i in range(1, len(rows) + 1)]


def check_answer(snapshot: Snapshot, question: str, expected: list[int]) -> None:
    """The question finds exactly the expected tasks, and the answer says something."""
    from zwgk.store.ask import ask

    answer = ask(snapshot, question, today=TODAY)
    assert sorted(answer.task_ids) == expected, f"{question}: {answer.to_json()}"
    assert answer.answer.strip(), question


def understood_part(understood: dict, expected: dict[str, object]) -> dict[str, object]:
    """What the parser understood, for the keys a row names (units in a stable order)."""
    got = {k: understood[k] for k in expected}
    if "units" in got:
        got["units"] = sorted(got["units"])
    return got

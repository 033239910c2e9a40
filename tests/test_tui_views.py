"""The list's views as pure functions (tui/views.py) over the seed plan."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from zwgk.store.context import Context
from zwgk.store.db import Snapshot, Store
from zwgk.tui.chat import parse
from zwgk.tui.views import View, view_label, view_tasks

TODAY = date(2020, 9, 1)


@pytest.fixture(scope="module")
def snap(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    path: Path = tmp_path_factory.mktemp("views") / "z.json"
    return Store(Context(path, TODAY, user="tester")).snapshot()


@pytest.mark.parametrize(
    ("line", "ids", "label"),
    [
        ("逾期", [13, 1, 2, 3], "逾期"),
        ("本周", [1, 2, 3], "本周到期"),
        ("本月", [6], "本月到期"),
        ("30天内", [6], "30 天内到期"),
        ("60天内", [6, 4, 14], "60 天内到期"),
        ("2021年6月", [10, 21, 22], "2021年6月到期"),
        ("6月", [], "2020年6月到期"),
        ("未开始", list(range(1, 30)), "未开始"),
        ("已完成", [], "已完成"),
    ],
)
def test_views(snap: Snapshot, line: str, ids: list[int], label: str) -> None:
    cmd = parse(line)
    assert [t.id for t in view_tasks(snap, TODAY, View("view", "", cmd))] == ids
    assert view_label(cmd, TODAY) == label


def test_unit_task_and_all_views(snap: Snapshot) -> None:
    assert [t.id for t in view_tasks(snap, TODAY, View("unit", units=["区编办"]))] == [
        1, 2, 4, 26, 27, 28,
    ]  # fmt: skip
    assert [t.id for t in view_tasks(snap, TODAY, View("task", command=parse("7")))] == [7]
    assert view_tasks(snap, TODAY, View("task", command=parse("999"))) == []
    assert len(view_tasks(snap, TODAY, View())) == 29

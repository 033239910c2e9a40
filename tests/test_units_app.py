"""The unit directory in the app: "my unit" first, real units in chat and on the board (80×24)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from conftest import POLL, ROOT, listed, said_since, settle, transcript, type_line, wait_until

from zwgk.store.context import Context
from zwgk.store.db import Store
from zwgk.store.service import Service
from zwgk.tui.app import ZwgkApp, make_app
from zwgk.tui.screens.board import BoardScreen, Scoreboard
from zwgk.tui.screens.main import MainScreen

TODAY = date(2020, 9, 1)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "z.json"
    Service(Store(Context(path, TODAY, user="admin"))).import_directory(
        ROOT / "data" / "example_directory.csv"
    )
    return path


def app_for(db: Path, user: str, tmp_path: Path) -> ZwgkApp:
    return make_app(
        Context(db, TODAY, user=user), history_path=tmp_path / "h.json", poll_seconds=POLL
    )


async def test_a_streets_clerk_opens_on_its_own_open_work(db: Path, tmp_path: Path) -> None:
    app = app_for(db, "gantang", tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "gantang（甘棠街道），您好" in transcript(app)
        assert "本单位待办 26 项" in transcript(app)
        ids = listed(app)
        assert len(ids) == 26 and 6 not in ids  # 6, 9, 13 are not the streets'
        dues = [app.main.snap.tasks[i].due for i in ids]
        assert dues == sorted(dues)  # nearest deadline first
        before = len(app.main.transcript.plain)
        await type_line(pilot, "20 完成 已上报")  # the clerk's own part, not the whole task
        said = said_since(app, before)
        assert "#20 甘棠街道 未开始 → 已完成" in said and "任务状态 未开始 → 进行中" in said
        task = Store(Context(db, TODAY, user="r")).snapshot().tasks[20]
        assert task.status == "进行中" and task.parts["甘棠街道"]["status"] == "已完成"
        await type_line(pilot, "20")
        assert "各单位进展 1/7：甘棠街道 已完成" in transcript(app)


async def test_someone_without_a_unit_gets_todays_greeting(db: Path, tmp_path: Path) -> None:
    app = app_for(db, "visitor", tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "visitor，您好" in transcript(app) and "共 29 项任务" in transcript(app)
        assert len(listed(app)) == 29


async def test_a_department_by_name_in_chat(db: Path, tmp_path: Path) -> None:
    app = app_for(db, "visitor", tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        before = len(app.main.transcript.plain)
        await type_line(pilot, "区教育局")
        said = said_since(app, before)
        assert "共 23 项" in said and "经 各相关部门、各部门" in said
        assert len(listed(app)) == 23


async def test_the_boards_units_open_their_tasks(db: Path, tmp_path: Path) -> None:
    Store(Context(db, TODAY, user="gantang")).set_status(20, "已完成", own_part=True)
    app = app_for(db, "admin", tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await wait_until(pilot, lambda: isinstance(app.screen, BoardScreen))
        board = app.screen.query_one(Scoreboard)
        streets = [u for u in board.units if u.endswith("街道")]
        assert len(streets) == 7 and "各街道" not in board.units  # real units, not the word
        target = board.units.index("湓浦街道")
        for _ in range(target):
            await pilot.press("down")
        await pilot.pause()
        assert board.units[board.cursor] == "湓浦街道"
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, MainScreen))
        assert "湓浦街道" in transcript(app) and len(listed(app)) == 26

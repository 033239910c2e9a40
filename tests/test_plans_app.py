"""Plans in the app (issue 12): the bundled plan and the 宣城 sample in one database.

With two active plans the list, the cards and the replies name tasks by key (`宣城2020-3`);
a plain number is refused with the candidates until a current plan is chosen (`/plan CODE`,
F4, `p` on the list), and the header names the current plan or "N 个方案". Changes are
checked in the database file through a fresh `Store`. All at 80x24, as over SSH.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import POLL, SAMPLES, TUI_TODAY, listed, said_since, settle, type_line
from textual.widgets import Static

from zwgk.store.context import Context
from zwgk.store.db import Store
from zwgk.store.describe import describe_event, event_line
from zwgk.store.model import Event
from zwgk.store.plans import resolve
from zwgk.store.service import Service
from zwgk.store.textwidth import text_width
from zwgk.tui.app import ZwgkApp, make_app
from zwgk.tui.chat import parse

SIZE = (80, 24)
XUANCHENG = SAMPLES / "xuancheng-2020.xlsx"
XC_TITLE = "宣城市基层政务公开标准化规范化工作任务分解表"


@pytest.fixture
def two_plans(db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ZwgkApp:
    """The app on the bundled plan (29 tasks) and the 宣城 sample (5) in one database."""
    monkeypatch.setenv("ZWGK_USER", "tester")
    monkeypatch.delenv("ZWGK_HISTORY", raising=False)
    ctx = Context(db, TUI_TODAY, user="tester")
    Service(Store(ctx)).import_file(XUANCHENG)
    return make_app(ctx, history_path=tmp_path / "history.json", poll_seconds=POLL)


def in_db(db: Path, key: str) -> Any:
    """The task a key names, as another process reads the file."""
    return resolve(Store(Context(db, TUI_TODAY, user="reader")).snapshot(), key)


def header_title(app: ZwgkApp) -> str:
    return str(app.main.query_one("#header-title", Static).render())


def row(app: ZwgkApp, index: int) -> str:
    return app.main.tasks_widget.row_text(index).plain


async def test_two_plans_header_and_keys(two_plans: ZwgkApp) -> None:
    app = two_plans
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert header_title(app).startswith("2 个方案")
        assert len(listed(app)) == 34
        rows = [row(app, i) for i in range(34)]
        assert rows[0].lstrip().startswith("基层政务2020-1 ")
        assert any(r.lstrip().startswith("宣城2020-3 ") for r in rows)
        # the labels line up: every row's glyph in the same column
        assert len({text_width(r[: r.index("[")]) for r in rows}) == 1


async def test_key_marks_and_plain_number_is_refused(two_plans: ZwgkApp, db: Path) -> None:
    app = two_plans
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = len(app.main.transcript.plain)
        await type_line(pilot, "宣城2020-3 完成 已印发")
        said = said_since(app, before)
        assert "已保存：宣城2020-3 状态 未开始 → 已完成" in said
        assert in_db(db, "宣城2020-3").status == "已完成"
        assert in_db(db, "基层政务2020-3").status == "未开始"

        before = len(app.main.transcript.plain)
        await type_line(pilot, "3 完成")
        said = said_since(app, before)
        assert "基层政务2020-3" in said and "宣城2020-3" in said and "/plan" in said
        assert in_db(db, "基层政务2020-3").status == "未开始"

        before = len(app.main.transcript.plain)
        await type_line(pilot, "#宣城2020-2")  # a card, headed by the key
        said = said_since(app, before)
        card = app.main.transcript.plain[-1]
        assert card.startswith("宣城2020-2 [ ] 未开始") and "宣城2020-2" in said


async def test_plan_command_switches_and_numbers_resolve_in_it(
    two_plans: ZwgkApp, db: Path
) -> None:
    app = two_plans
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_line(pilot, "/plan 宣城2020")
        assert len(listed(app)) == 5
        assert header_title(app) == XC_TITLE
        assert row(app, 0).startswith("   1 [ ]")  # plain numbers in one plan's view
        before = len(app.main.transcript.plain)
        await type_line(pilot, "3 完成")
        assert "已保存：#3 状态 未开始 → 已完成" in said_since(app, before)
        assert in_db(db, "宣城2020-3").status == "已完成"
        assert in_db(db, "基层政务2020-3").status == "未开始"
        # a key still names another plan's task
        await type_line(pilot, "基层政务2020-4 进行中")
        assert in_db(db, "基层政务2020-4").status == "进行中"

        await type_line(pilot, "/方案 全部")
        assert len(listed(app)) == 34
        assert header_title(app).startswith("2 个方案")


async def test_plan_list_and_unknown_code(two_plans: ZwgkApp) -> None:
    app = two_plans
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = len(app.main.transcript.plain)
        await type_line(pilot, "/plan")
        said = said_since(app, before)
        assert "基层政务2020" in said and "宣城2020" in said and "当前：全部方案" in said
        before = len(app.main.transcript.plain)
        await type_line(pilot, "/plan 荆州2021")
        assert "没有代码为“荆州2021”的方案" in said_since(app, before)
        assert len(listed(app)) == 34


async def test_switch_keys_cycle_through_the_plans(two_plans: ZwgkApp) -> None:
    app = two_plans
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        seed_title = app.live.full.plans[0].title  # type: ignore[union-attr]
        await pilot.press("f4")
        await settle(pilot)
        assert header_title(app) == seed_title and len(listed(app)) == 29
        await pilot.press("f4")
        await settle(pilot)
        assert header_title(app) == XC_TITLE and len(listed(app)) == 5
        app.main.action_focus_list()
        await settle(pilot)
        await pilot.press("p")  # on the list
        await settle(pilot)
        assert header_title(app).startswith("2 个方案") and len(listed(app)) == 34


async def test_enter_on_a_row_shows_that_task(two_plans: ZwgkApp) -> None:
    app = two_plans
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.main.action_focus_list()
        await settle(pilot)
        await pilot.press("end", "enter")  # the last row: a 宣城 task (its record id is 35)
        await settle(pilot)
        last = app.live.snapshot.task_list()[-1]  # type: ignore[union-attr]
        key = app.live.label(last)  # type: ignore[union-attr]
        assert key.startswith("宣城2020-") and last.id != int(key.split("-")[1])
        assert app.main.transcript.plain[-1].startswith(f"{key} [ ]")


async def test_one_plan_nothing_to_switch(app: ZwgkApp) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        title = header_title(app)
        before = len(app.main.transcript.plain)
        await pilot.press("f4")
        await settle(pilot)
        assert "只有一个方案" in said_since(app, before)
        assert header_title(app) == title and len(listed(app)) == 29


def test_chat_parses_keys() -> None:
    cmd = parse("宣城2020-3 完成 已印发")
    assert (cmd.name, cmd.task_id, cmd.task_ref, cmd.text) == ("mark", None, "宣城2020-3", "已印发")
    assert parse("#宣城2020-3").task_ref == "宣城2020-3"
    assert parse("宣城2020-3").name == "card"
    assert parse("完成 宣城2020-3").task_ref == "宣城2020-3"
    assert parse("7 完成").task_ref == "7"
    assert parse("2021-06").name == "view"  # a month, not a key


def test_event_labels() -> None:
    e = Event(seq=3, ts="2020-09-01T10:00:00", user="a", action="status", task=32,
              changes={"status": ["未开始", "已完成"]})  # fmt: skip
    assert describe_event(e) == "#32 状态 未开始 → 已完成"
    assert describe_event(e, lambda i: "宣城2020-3") == "宣城2020-3 状态 未开始 → 已完成"
    assert describe_event(e, lambda i: "7").startswith("#7 ")
    assert "宣城2020-3 状态" in event_line(e, lambda i: "宣城2020-3")


def test_cli_replies_name_the_key(zwgk: Any) -> None:
    assert zwgk("plans").returncode == 0  # the bundled plan, as on a first run
    assert zwgk("import", str(XUANCHENG)).returncode == 0
    done = zwgk("mark", "宣城2020-3", "完成")
    assert done.returncode == 0, done.stderr
    assert "已保存：宣城2020-3 状态 未开始 → 已完成" in done.stdout
    assert "宣城2020-3 状态 未开始 → 已完成" in zwgk("log").stdout
    assert zwgk("show", "宣城2020-3").stdout.startswith("宣城2020-3 [x] 已完成")

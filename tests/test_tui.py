"""Pilot tests of the chat-style TUI against a real database in a temporary folder.

Every key and chat command from the TUI issue is driven here at 80x24 and 120x40, and changes
are checked in the database file itself (a fresh `Store` re-reads it), not only on screen.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import pytest
from conftest import POLL, listed, said_since, settle, transcript, type_line, wait_until
from test_trust_app import answer, opened
from textual.command import CommandList, CommandPalette

from zwgk.store.context import Context
from zwgk.store.db import Store
from zwgk.tui.app import ZwgkApp, make_app
from zwgk.tui.screens.help import HelpScreen, help_text
from zwgk.tui.screens.main import MainScreen
from zwgk.tui.screens.note import NotePrompt
from zwgk.tui.widgets.prompt import PromptInput
from zwgk.tui.widgets.tasklist import TaskList

TODAY = date(2020, 9, 1)  # seed: tasks 1, 2, 3 and 13 are overdue; 6 is due within 30 days
SIZES = [(80, 24), (120, 40)]
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def app2(db: Path, tmp_path: Path) -> ZwgkApp:
    """A second session of the same user (same database and history file)."""
    return make_app(Context(db, TODAY, user="tester"), history_path=tmp_path / "history.json")


def fresh(db: Path) -> Store:
    """The database as another process would read it."""
    return Store(Context(db, TODAY, user="reader"))


def task_in_db(db: Path, task_id: int):  # type: ignore[no-untyped-def]
    return fresh(db).snapshot().tasks[task_id]


# -- start-up --------------------------------------------------------------------------------
@pytest.mark.parametrize("size", SIZES)
async def test_start_focuses_prompt_header_and_greeting(
    app: ZwgkApp, size: tuple[int, int]
) -> None:
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        main = app.main
        assert isinstance(app.focused, PromptInput)
        assert listed(app) == list(range(1, 30))
        header = str(main.query_one("#header-counts").render())
        assert "共29" in header and "逾期4" in header and "已完成0" in header
        assert "2020-09-01" in header
        text = transcript(app)
        assert "逾期 4 项" in text and "7 天内到期 0 项" in text


async def test_wide_shows_detail_beside_narrow_hides_and_toggles(
    app: ZwgkApp, app2: ZwgkApp
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        box = app.main.query_one("#detail-box")
        assert box.display and box.region.x > 0
        await pilot.press("f2")
        await settle(pilot)
        assert not box.display
    async with app2.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        box = app2.main.query_one("#detail-box")
        assert not box.display
        await pilot.press("f2")
        await settle(pilot)
        assert box.display
        assert "#1" in str(app2.main.query_one("#detail-body").render())


# -- the prompt ------------------------------------------------------------------------------
@pytest.mark.parametrize("size", SIZES)
async def test_typing_filters_list_live_with_highlights(
    app: ZwgkApp, size: tuple[int, int]
) -> None:
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press(*"制度")
        await settle(pilot)
        ids = listed(app)
        assert ids and len(ids) < 29
        snap = app.main.snap
        assert "制度" in snap.tasks[ids[0]].text  # best hit first
        row = app.main.tasks_widget.row_text(0)
        assert any("underline" in str(span.style) for span in row.spans)
        await pilot.press("backspace", "backspace")
        await settle(pilot)
        assert len(listed(app)) == 29


@pytest.mark.parametrize("size", SIZES)
async def test_enter_submits_to_transcript_and_clears(app: ZwgkApp, size: tuple[int, int]) -> None:
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press(*"制度", "enter")
        await settle(pilot)
        assert app.main.prompt.value == ""
        text = transcript(app)
        assert "> 制度" in text
        assert "找到" in text and "其中逾期" in text
        assert listed(app) and len(listed(app)) < 29  # the list keeps showing the hits


async def test_history_recall_walk_and_persist(app: ZwgkApp, app2: ZwgkApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for line in ("制度", "逾期", "7"):
            await type_line(pilot, line)
        prompt = app.main.prompt
        await pilot.press("u", "p")  # a draft is kept while walking
        await pilot.press("up")
        assert prompt.value == "7"
        await pilot.press("up")
        assert prompt.value == "逾期"
        await pilot.press("up", "up")
        assert prompt.value == "制度"
        await pilot.press("down")
        assert prompt.value == "逾期"
        await pilot.press("down", "down")
        assert prompt.value == "up"
        assert isinstance(app.focused, PromptInput)
    again = app2
    async with again.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("up")
        assert again.main.prompt.value == "7"


async def test_tab_completes_units_and_commands(app: ZwgkApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        prompt = app.main.prompt
        await pilot.press(*"编")
        await pilot.press("tab")
        assert prompt.value == "区编办"
        prompt.value = ""
        await pilot.press(*"/he", "tab")
        assert prompt.value == "/help"
        prompt.value = ""
        await pilot.press(*"7 qb", "tab")
        assert prompt.value == "7 区编办"
        prompt.value = "区"
        prompt.cursor_position = 1
        await pilot.press("tab")  # several candidates: common prefix, then cycling
        first = prompt.value
        await pilot.press("tab")
        assert prompt.value != first and prompt.value.startswith("区")
        assert isinstance(app.focused, PromptInput)


async def test_tab_with_nothing_to_complete_moves_to_list(app: ZwgkApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("tab")
        assert isinstance(app.focused, TaskList)
        assert app.main.tasks_widget.highlighted == 0
        await pilot.press("escape")
        assert isinstance(app.focused, PromptInput)
        await pilot.press(*"zzzq", "tab")
        await settle(pilot)
        assert isinstance(app.focused, TaskList)


async def test_down_moves_to_list_first_row(app: ZwgkApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.main.tasks_widget.highlighted = 5
        await pilot.press("down")
        assert isinstance(app.focused, TaskList)
        assert app.main.tasks_widget.highlighted == 0


async def test_question_mark_in_empty_prompt_opens_help_but_types_otherwise(app: ZwgkApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("a", "question_mark")
        assert app.main.prompt.value == "a?"
        assert isinstance(app.screen, MainScreen)


# -- the list --------------------------------------------------------------------------------
@pytest.mark.parametrize("size", SIZES)
async def test_list_navigation_keys(app: ZwgkApp, size: tuple[int, int]) -> None:
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("down")
        lst = app.main.tasks_widget
        await pilot.press("down", "j")
        assert lst.highlighted == 2
        await pilot.press("k")
        assert lst.highlighted == 1
        await pilot.press("up")
        assert lst.highlighted == 0
        await pilot.press("pagedown")
        assert lst.highlighted > 3
        await pilot.press("pageup")
        assert lst.highlighted == 0
        await pilot.press("end")
        assert lst.highlighted == 28
        await pilot.press("home")
        assert lst.highlighted == 0
        if size[0] < 120:
            await pilot.press("v")  # narrow: the detail pane is shown on request
        await settle(pilot)
        assert "#1" in str(app.main.query_one("#detail-body").render())
        await pilot.press("j")
        await settle(pilot)
        assert "#2" in str(app.main.query_one("#detail-body").render())


@pytest.mark.parametrize("size", SIZES)
async def test_enter_on_list_shows_card_in_detail_and_transcript(
    app: ZwgkApp, size: tuple[int, int]
) -> None:
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("down", "j", "j", "enter")
        await settle(pilot)
        assert app.main.query_one("#detail-box").display
        body = str(app.main.query_one("#detail-body").render())
        assert "#3" in body and "主体责任单位" in body and "2020年8月底前" in body
        assert "2020-08-31" in body and "历史" in body
        assert "具体事项：制定区、街两级政务公开事项清单" in transcript(app)


@pytest.mark.parametrize("size", SIZES)
async def test_status_keys_write_the_database(
    app: ZwgkApp, db: Path, size: tuple[int, int]
) -> None:
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("down")  # task 1
        for key, status in (("s", "进行中"), ("d", "已完成"), ("b", "受阻"), ("r", "未开始")):
            await pilot.press(key)
            await answer(pilot)
            assert task_in_db(db, 1).status == status
            assert app.main.snap.tasks[1].status == status
        text = transcript(app)
        assert "#1 状态 未开始 → 进行中" in text and "撤销：按 u" in text
        assert "#1 状态 受阻 → 未开始" in text
        assert isinstance(app.focused, TaskList)
        assert app.main.tasks_widget.task_id == 1  # selection kept


async def test_space_cycles_todo_doing_done(app: ZwgkApp, db: Path) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("down", "j")  # task 2
        seen = []
        for _ in range(3):
            await pilot.press("space")
            await answer(pilot)
            seen.append(task_in_db(db, 2).status)
        assert seen == ["进行中", "已完成", "未开始"]


@pytest.mark.parametrize("size", SIZES)
async def test_note_key_asks_on_one_line(app: ZwgkApp, db: Path, size: tuple[int, int]) -> None:
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("down", "n")
        await opened(pilot, NotePrompt)
        assert isinstance(app.screen, NotePrompt)
        await pilot.press(*"已报送初稿", "enter")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert task_in_db(db, 1).note == "已报送初稿"
        assert "已保存 #1 进展：已报送初稿" in transcript(app)
        await pilot.press("n")
        await opened(pilot, NotePrompt)
        await pilot.press(*"不要了", "escape")  # Esc cancels
        await settle(pilot)
        assert task_in_db(db, 1).note == "已报送初稿"


async def test_undo_key_and_command(app: ZwgkApp, db: Path) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("down", "d")
        await answer(pilot)
        assert task_in_db(db, 1).status == "已完成"
        await pilot.press("u")
        await answer(pilot)
        assert task_in_db(db, 1).status == "未开始"
        assert "已撤销" in transcript(app)
        await type_line(pilot, "5 受阻 缺经费")
        assert task_in_db(db, 5).status == "受阻"
        await type_line(pilot, "/undo")
        assert task_in_db(db, 5).status == "未开始"
        await type_line(pilot, "/undo")
        await type_line(pilot, "/undo")
        assert "没有可以撤销的修改" in transcript(app)


async def test_confirm_key_signs_off_a_completed_task(app: ZwgkApp, db: Path) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("down", "c")  # not done yet: refused with a sentence
        await answer(pilot)
        assert "只有“已完成”的任务才能办结确认" in transcript(app)
        await pilot.press("d")
        await answer(pilot)
        await pilot.press("c")
        await answer(pilot)
        assert task_in_db(db, 1).confirmed_by == "tester"
        assert app.main.tasks_widget.row_text(0).plain.startswith("   1 [X]")  # signed off
        await type_line(pilot, "1 退回 材料不全")
        t = task_in_db(db, 1)
        assert t.status == "进行中" and t.confirmed_by is None and t.note == "材料不全"


async def test_escape_returns_to_prompt(app: ZwgkApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("down")
        assert isinstance(app.focused, TaskList)
        await pilot.press("escape")
        assert isinstance(app.focused, PromptInput)


# -- anywhere --------------------------------------------------------------------------------
@pytest.mark.parametrize("size", SIZES)
async def test_help_by_f1_question_mark_and_command(app: ZwgkApp, size: tuple[int, int]) -> None:
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.press("down", "question_mark")  # from the list
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await type_line(pilot, "/help")
        assert isinstance(app.screen, HelpScreen)


def test_help_names_every_key_and_command() -> None:
    text = help_text()  # help.md with the registry's key table
    for word in (
        "Enter", "Tab", "↑", "↓", "j k", "PgUp", "PgDn", "Home", "End", "Esc", "F1", "Ctrl+P", "Ctrl+Q",
        "| s |", "| d |", "| b |", "| r |", "空格", "| n |", "| u |", "| c |",
        "7 完成", "备注", "编办", "qbb", "逾期", "本周", "本月", "30天内", "2021年6月",
        "/units", "/stats", "看板", "/import", "/export", "/today", "/quit", "/undo", "/help",
    ):  # fmt: skip
        assert word in text, word


async def test_command_palette_runs_chat_commands(app: ZwgkApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"overdue")
        await wait_until(pilot, lambda: app.screen.query_one(CommandList).option_count > 0)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert sorted(listed(app)) == [1, 2, 3, 13]


async def test_ctrl_q_quits(app: ZwgkApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code == 0 or app.return_code is None
    assert not app.is_running


# -- chat commands ---------------------------------------------------------------------------
@pytest.mark.parametrize("size", SIZES)
async def test_task_card(app: ZwgkApp, size: tuple[int, int]) -> None:
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        for line in ("7", "#7", "＃7"):
            await type_line(pilot, "1")  # somewhere else first
            before = len(app.main.transcript.plain)
            await type_line(pilot, line)
            text = said_since(app, before)
            assert "#7 [ ] 未开始" in text and "健全完善信息发布" in text
            assert "2020年12月底前（2020-12-31，还有 121 天）" in text
            assert app.main.tasks_widget.task_id == 7


@pytest.mark.parametrize(
    "cases",
    [
        [
            ("7 完成 已印发制度文件", 7, "已完成", "已印发制度文件"),
            ("完成 8 已印发", 8, "已完成", "已印发"),
            ("9 done printed", 9, "已完成", "printed"),
            ("10 进行中 正在起草", 10, "进行中", "正在起草"),
            ("11 开始", 11, "进行中", ""),
            ("12 受阻 缺少经费", 12, "受阻", "缺少经费"),
            ("14 blocked", 14, "受阻", ""),
            ("15完成已印发", 15, "已完成", "已印发"),
        ]
    ],
)
async def test_mark_by_chat_writes_database(
    app: ZwgkApp, db: Path, cases: list[tuple[str, int, str, str]]
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for line, task_id, status, note in cases:
            before = len(app.main.transcript.plain)
            await type_line(pilot, line)
            t = task_in_db(db, task_id)
            assert t.status == status and t.note == note and t.updated_by == "tester"
            assert f"#{task_id} 状态 未开始 → {status}" in said_since(app, before)
            assert "/undo" in said_since(app, before)


async def test_mark_back_to_todo_and_note_by_chat(app: ZwgkApp, db: Path) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await type_line(pilot, "7 进行中")
        await type_line(pilot, "7 未开始")
        assert task_in_db(db, 7).status == "未开始"
        await type_line(pilot, "7 备注 已报送初稿")
        assert task_in_db(db, 7).note == "已报送初稿"
        await type_line(pilot, "7 未开始")
        assert "没有变化" in transcript(app)


@pytest.mark.parametrize("size", SIZES)
async def test_unit_card(app: ZwgkApp, size: tuple[int, int]) -> None:
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        for line in ("区编办", "编办", "qbb"):
            await type_line(pilot, "全部")  # the whole list first
            before = len(app.main.transcript.plain)
            await type_line(pilot, line)
            text = said_since(app, before)
            assert "区编办" in text and "共 6 项" in text and "逾期 2" in text
            assert "完成进度 [--------------------]   0%" in text
            assert "指导责任单位（6 项）" in text
            assert listed(app) == [1, 2, 4, 26, 27, 28]


VIEWS = [
    ("逾期", [1, 2, 3, 13]),
    ("本周", [1, 2, 3]),
    ("本月", [6]),
    ("30天内", [6]),
    ("2021年6月", [10, 21, 22]),
    ("未开始", list(range(1, 30))),
    ("进行中", []),
    ("受阻", []),
    ("已完成", []),
]


async def test_views(app: ZwgkApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for line, expected in VIEWS:
            before = len(app.main.transcript.plain)
            await type_line(pilot, line)
            assert sorted(listed(app)) == expected, line
            assert f"共 {len(expected)} 项" in said_since(app, before)


async def test_status_view_after_marking(app: ZwgkApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_line(pilot, "4 受阻 等批复")
        await type_line(pilot, "受阻")
        assert listed(app) == [4]


async def test_search_reply_sums_up(app: ZwgkApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_line(pilot, "清单")
        text = transcript(app)
        n = len(listed(app))
        overdue = sum(app.main.snap.tasks[i].overdue(TODAY) for i in listed(app))
        assert f"找到 {n} 项，其中逾期 {overdue} 项" in text
        await type_line(pilot, "完全不存在的东西xyz")
        assert "没有找到" in transcript(app)


async def test_units_stats_today_commands(app: ZwgkApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_line(pilot, "/units")
        assert "共 8 个单位" in transcript(app)
        await type_line(pilot, "/today 2021-01-01")
        header = str(app.main.query_one("#header-counts").render())
        assert "2021-01-01" in header and "逾期" in header
        assert "已将今天设为 2021-01-01" in transcript(app)
        await type_line(pilot, "/today")
        assert "今天是 2021-01-01" in transcript(app)


@pytest.mark.parametrize("line", ["/stats", "看板"])
async def test_stats_and_board(app: ZwgkApp, line: str) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_line(pilot, line)
        try:
            from zwgk.tui.screens.board import BoardScreen
        except ImportError:
            assert "共 29 项" in transcript(app)
        else:
            assert isinstance(app.screen, BoardScreen)
            await pilot.press("escape")


async def test_board_key(app: ZwgkApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        assert not isinstance(app.screen, MainScreen) or "共 29 项" in transcript(app)


async def test_import_and_export(app: ZwgkApp, db: Path, tmp_path: Path) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_line(pilot, f"/import {ROOT / 'data' / 'seed_plan.txt'}")
        assert "已导入" in transcript(app)
        out = tmp_path / "台账.csv"
        await type_line(pilot, f"/export {out}")
        assert out.exists()
        assert "已导出 29 项" in transcript(app)
        await type_line(pilot, f"/import {tmp_path / 'missing.docx'}")
        await type_line(pilot, f"/export {tmp_path / 'x.pdf'}")
        assert "不支持导出" in transcript(app)
        assert len(fresh(db).snapshot().tasks) == 29


async def test_import_takes_split_subitems_as_zwgk_import_does(app: ZwgkApp) -> None:
    """`/import PATH --split-subitems`: each numbered sub-item becomes a task of its own."""
    plan = ROOT / "tests" / "fixtures" / "import" / "subitems.xlsx"
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_line(pilot, f"/import {plan} --split-subitems")
        assert "新增 10 项" in transcript(app)
        await type_line(pilot, f"/import {plan} --force")
        assert "--force" in transcript(app) and "--split-subitems" in transcript(app)


async def test_import_of_an_exported_json_file(app: ZwgkApp, db: Path, tmp_path: Path) -> None:
    """`/import x.json` reads a `zwgk export x.json` file (once: "没有找到可识别的表头")."""
    out = tmp_path / "交换.json"
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_line(pilot, "7 完成 已印发")
        await type_line(pilot, f"/export {out}")
        assert "已导出 29 项" in transcript(app)
        await type_line(pilot, f"/import {out}")
        assert "已导入" in transcript(app) and "表头" not in transcript(app)
    assert task_in_db(db, 7).status == "已完成"


async def test_quit_command(app: ZwgkApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_line(pilot, "/quit", enter=False)
        await pilot.press("enter")
        await pilot.pause()
    assert not app.is_running


BAD_LINES = [
    "/foo",
    "7 blah",
    "#x",
    "99 完成",
    "/today 2021-13-45",
    "/export",
    "/",
    "退回 3",
    "2021年13月",
    "7 备注 " + "长" * 2100,
    "\x1b[31m红色\x07",
    "   ",
]


async def test_bad_input_gets_a_helpful_reply(app: ZwgkApp, db: Path) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for line in BAD_LINES:
            before = len(app.main.transcript.plain)
            await type_line(pilot, line)
            assert isinstance(app.screen, MainScreen)
            if line.strip():
                assert len(app.main.transcript.plain) >= before + 2, line  # echo and reply
            assert "\x1b" not in transcript(app)
            assert all(t.status == "未开始" for t in fresh(db).snapshot().tasks.values())


# -- working beside others -------------------------------------------------------------------
async def test_live_reload_from_another_store_keeps_selection_and_input(
    app: ZwgkApp, db: Path
) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("down", "j", "j")  # task 3
        await pilot.press("escape", *"abc")
        await settle(pilot)
        app.main.prompt.value = ""
        await settle(pilot)
        app.main.tasks_widget.highlighted = 2
        app.main.prompt.value = "区"
        other = Store(Context(db, TODAY, user="张三"))
        t = threading.Thread(target=other.set_status, args=(5, "已完成", "已公开"))
        t.start()
        t.join()
        await wait_until(pilot, lambda: "张三" in transcript(app))
        text = transcript(app)
        assert "张三 刚刚修改" in text and "#5 状态 未开始 → 已完成" in text
        assert app.main.snap.tasks[5].status == "已完成"
        assert app.main.prompt.value == "区"
        assert "已完成1" in str(app.main.query_one("#header-counts").render())


async def test_live_reload_from_a_second_process(app: ZwgkApp, db: Path) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("down", "j", "j")  # task 3 highlighted
        env = {k: v for k, v in os.environ.items() if not k.startswith("ZWGK_")}
        env.update({"ZWGK_USER": "李四", "ZWGK_TODAY": TODAY.isoformat(), "NO_COLOR": "1"})
        proc = subprocess.run(
            [sys.executable, "-m", "zwgk.tui.cli.main", "--db", str(db), "mark", "3", "done"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            cwd=ROOT,
        )
        assert proc.returncode == 0, proc.stderr
        await wait_until(pilot, lambda: "李四" in transcript(app))
        assert "李四 刚刚修改" in transcript(app)
        assert app.main.tasks_widget.task_id == 3
        assert app.main.snap.tasks[3].status == "已完成"
        assert isinstance(app.focused, TaskList)


async def test_own_changes_are_not_reported_as_others(app: ZwgkApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_line(pilot, "7 完成")
        await pilot.pause(POLL * 5)  # several polls of the file
        await settle(pilot)
        assert "刚刚修改" not in transcript(app)


async def test_the_board_follows_a_colleagues_change(app: ZwgkApp, db: Path) -> None:
    from zwgk.tui.screens.board import BoardScreen

    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        board = app.screen
        assert isinstance(board, BoardScreen)

        def title() -> str:
            return str(board.query_one("#board-title").render())

        assert "完成0" in title()
        Store(Context(db, TODAY, user="张三")).set_status(5, "已完成")
        await wait_until(pilot, lambda: "完成1" in title())
        assert app.screen is board  # still open, now showing the new numbers


def test_run_passes_mouse_flag(monkeypatch: pytest.MonkeyPatch, db: Path) -> None:
    from zwgk.tui import app as app_module

    seen = {}

    def fake_run(self, **kwargs):  # type: ignore[no-untyped-def]
        seen.update(kwargs)
        return 0

    monkeypatch.setattr(app_module.ZwgkApp, "run", fake_run)
    assert app_module.run(Context(db, TODAY, user="t"), mouse=False) == 0
    assert seen == {"mouse": False}


def test_bad_database_is_reported_before_the_tui_starts(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZWGK_")}
    proc = subprocess.run(
        [sys.executable, "-m", "zwgk.tui.cli.main", "--db", str(bad)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert proc.returncode != 0
    assert "zwgk：" in proc.stderr and "Traceback" not in proc.stderr


async def test_marking_in_a_view_keeps_the_place(app: ZwgkApp, db: Path) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_line(pilot, "逾期")
        await pilot.press("down", "j")  # the second overdue task
        second = app.main.tasks_widget.task_id
        assert second is not None
        await pilot.press("d")  # done: it leaves the 逾期 view
        await answer(pilot)
        assert second not in listed(app) and len(listed(app)) == 3
        assert app.main.tasks_widget.highlighted == 1
        assert task_in_db(db, second).status == "已完成"


async def test_random_keys_never_crash(
    app: ZwgkApp, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import random

    from zwgk.tui.screens.confirm import ConfirmChange

    # Every answer that lets a change through, counted: random typing may change the record
    # only through one of them.
    confirmed: list[object] = []
    answer_as_is, save_as_is = ConfirmChange.answer, NotePrompt.save

    def counted_answer(self: ConfirmChange, yes: bool) -> None:
        if yes and not self._answered:
            confirmed.append(self.question)
        answer_as_is(self, yes)

    def counted_save(self: NotePrompt, event: object) -> None:
        confirmed.append(event)
        save_as_is(self, event)  # type: ignore[arg-type]

    monkeypatch.setattr(ConfirmChange, "answer", counted_answer)
    monkeypatch.setattr(NotePrompt, "save", counted_save)
    rng = random.Random(5)
    keys = [
        "down", "up", "j", "k", "tab", "enter", "escape", "pagedown", "pageup", "home", "end",
        "s", "d", "b", "r", "space", "u", "c", "v", "f2", "backspace", "7", "区", "逾", "/",
        "n", "y", "h", "q",
    ]  # fmt: skip
    asked = 0
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for _ in range(150):
            key = rng.choice(keys)
            asked += isinstance(app.screen, ConfirmChange | NotePrompt)
            # Keys reach the main screen and its questions; other screens (help, board) close.
            if isinstance(app.screen, MainScreen | ConfirmChange | NotePrompt) or key == "escape":
                await pilot.press(key)
            else:
                await pilot.press("escape")
        await settle(pilot)
        assert app.is_running
        snap = fresh(db).snapshot()  # the database still loads
        changes = [
            e for e in fresh(db).events() if e.action in ("status", "note", "confirm", "undo")
        ]
        assert asked  # random keys did open questions (and typed into them)
        assert len(changes) <= len(confirmed), (changes, confirmed)
        if not confirmed:
            assert {t.status for t in snap.tasks.values()} == {"未开始"}


async def test_transcript_follows_only_at_the_bottom(app: ZwgkApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        log = app.main.transcript
        for line in ("/units", "编办", "逾期", "7"):
            await type_line(pilot, line)
        assert log.max_scroll_y > 0 and log.scroll_y == log.max_scroll_y  # followed
        await pilot.press("pageup")  # from the prompt: scroll the transcript back
        await pilot.pause()
        held = log.scroll_y
        assert held < log.max_scroll_y
        app.main.say("张三 刚刚修改：#5 状态 未开始 → 已完成")  # news while reading back
        await pilot.pause()
        assert log.scroll_y == held  # not yanked down
        await type_line(pilot, "8")  # asking something shows the answer
        assert log.scroll_y == log.max_scroll_y


async def test_transcript_rewraps_when_the_width_changes(app: ZwgkApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        log = app.main.transcript
        narrow = len(log.lines)
        await pilot.press("f2")  # hide the detail pane: the transcript gets wider
        await settle(pilot)
        assert len(log.lines) <= narrow
        assert log.lines[0].cell_length <= log.scrollable_content_region.width


async def test_command_palette_marks_the_highlighted_task(app: ZwgkApp, db: Path) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("down", "j")  # task 2
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"标记受阻")
        await wait_until(pilot, lambda: app.screen.query_one(CommandList).option_count > 0)
        await pilot.press("enter")
        await answer(pilot)
        assert task_in_db(db, 2).status == "受阻"


@pytest.mark.skipif(sys.platform == "win32", reason="needs a pty")
def test_real_terminal_session_with_no_mouse(tmp_path: Path) -> None:
    """`zwgk --no-mouse` in a real pseudo-terminal: marks a task, quits with Ctrl+Q."""
    import fcntl
    import pty
    import select
    import struct
    import termios
    import time

    db = tmp_path / "z.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZWGK_")}
    env.update({"TERM": "xterm", "ZWGK_USER": "pty", "ZWGK_HISTORY": str(tmp_path / "h.json")})
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        os.chdir(ROOT)
        os.execvpe(
            sys.executable,
            [sys.executable, "-m", "zwgk.tui.cli.main", "--db", str(db), "--today", "2020-09-01",
             "--no-mouse"],
            env,
        )  # fmt: skip
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    out = bytearray()

    def pump(seconds: float) -> None:
        end = time.time() + seconds
        while time.time() < end:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                try:
                    out.extend(os.read(fd, 65536))
                except OSError:
                    return

    pump(4)
    for chunk in ("7", " ", "完", "成", "\r"):
        os.write(fd, chunk.encode())
        pump(0.3)
    pump(1.5)
    os.write(fd, b"\x11")  # Ctrl+Q
    pump(2)
    _, status = os.waitpid(pid, 0)
    os.close(fd)
    text = out.decode("utf-8", "replace")
    assert os.waitstatus_to_exitcode(status) == 0
    assert "Traceback" not in text
    assert b"\x1b[?1000h" not in out  # no mouse capture
    assert task_in_db(db, 7).status == "已完成"


async def test_a_failing_search_is_reported_not_fatal(
    app: ZwgkApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)

        class Broken:
            def search(self, *args: object, **kwargs: object) -> None:
                raise RuntimeError("boom")

        monkeypatch.setattr(app.main.pane, "index", lambda: Broken())
        await pilot.press(*"制度")
        await settle(pilot)
        assert app.is_running
        assert "后台任务出错" in transcript(app)


async def test_narrow_enter_opens_detail_and_escape_returns_to_conversation(app: ZwgkApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        main = app.main
        await pilot.press("down", "enter")
        await settle(pilot)
        assert main.query_one("#detail-box").display
        assert not main.transcript.display
        await pilot.press("escape")
        await settle(pilot)
        assert not main.query_one("#detail-box").display
        assert main.transcript.display
        assert isinstance(app.focused, PromptInput)


async def test_a_database_broken_by_someone_else_is_reported_once(app: ZwgkApp, db: Path) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        db.write_text("{broken", encoding="utf-8")
        await wait_until(pilot, lambda: "界面仍显示" in transcript(app))
        await pilot.pause(POLL * 5)  # more polls of the same broken file: no second report
        text = transcript(app)
        assert text.count("界面仍显示上次读到的内容") == 1
        assert app.is_running and len(listed(app)) == 29


async def test_permission_file_refuses_and_the_detail_says_read_only(
    app: ZwgkApp, db: Path, tmp_path: Path
) -> None:
    (tmp_path / "zwgk.toml").write_text('[users]\ntester = "区编办"\n', encoding="utf-8")
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("down", "j", "j", "s")  # task 3: not a task of 区编办
        await answer(pilot)
        assert task_in_db(db, 3).status == "未开始"
        assert "不能修改状态" in transcript(app)
        assert "只读" in str(app.main.query_one("#detail-body").render())
        await pilot.press("home", "s")  # task 1: 区编办 is its guide unit
        await answer(pilot)
        assert task_in_db(db, 1).status == "进行中"
        assert "只读" not in str(app.main.query_one("#detail-body").render())

"""Issue 10, items 1-4: nothing typed by mistake in the app changes the official record.

1. Stray typing on the list goes to the prompt; a list key that changes data asks first and
   is answered only deliberately; focus shows without colour.
2. A paste of several lines keeps every line.
3. Notes are saved as typed, by the chat line and by the `n` dialog alike.
4. One's own refused change is not announced as news; a date at the calendar's end does not
   crash the app.

Every change is checked in the database as another process reads it.
"""

from __future__ import annotations

import html
import re
from datetime import date
from pathlib import Path

import pytest
from conftest import POLL, settle, transcript, type_line, wait_until
from textual import events
from textual.pilot import Pilot
from textual.widgets import Input

from zwgk.store.context import Context
from zwgk.store.db import Store
from zwgk.store.model import Event, Task
from zwgk.tui.app import ZwgkApp, make_app
from zwgk.tui.screens.confirm import ConfirmChange
from zwgk.tui.screens.main import MainScreen
from zwgk.tui.screens.note import NotePrompt
from zwgk.tui.widgets.panetitle import PaneTitle
from zwgk.tui.widgets.prompt import PromptInput
from zwgk.tui.widgets.tasklist import TaskList

TODAY = date(2020, 9, 1)
SIZES = [(80, 24), (120, 40)]
CHANGES = ("status", "note", "confirm", "send_back", "undo")


# -- helpers (test_tui.py and test_actions.py answer questions with `answer` too) -------------
async def opened(pilot: Pilot[object], kind: type = ConfirmChange) -> None:
    """Wait for the question (or the note dialog), then read it as a person does: a pause
    longer than the gap between typed keys, so the next key counts as an answer."""
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, kind))
    await pilot.pause(kind.GUARD + 0.05)  # type: ignore[attr-defined]


async def answer(pilot: Pilot[object], key: str = "enter") -> None:
    """Answer the open question deliberately with `key` (Enter, y, n, Esc)."""
    await opened(pilot)
    await pilot.press(key)
    await settle(pilot)


def fresh(db: Path) -> Store:
    return Store(Context(db, TODAY, user="reader"))


def task_in_db(db: Path, task_id: int) -> Task:
    return fresh(db).snapshot().tasks[task_id]


def changes_in_db(db: Path) -> list[Event]:
    """Every change of a task in the log (the seed's import is not one)."""
    return [e for e in fresh(db).events() if e.action in CHANGES]


def screen_text(app: ZwgkApp) -> str:
    svg = app.export_screenshot()
    text = "".join(html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg))
    return text.replace("\xa0", " ")


async def to_list(pilot: Pilot[object], app: ZwgkApp) -> None:
    """An empty prompt, then ↓: the list has focus, task 1 highlighted."""
    app.main.prompt.value = ""
    app.main.prompt.focus()
    await settle(pilot)
    await pilot.press("down")
    await settle(pilot)
    assert isinstance(app.focused, TaskList)


# -- 1. stray typing --------------------------------------------------------------------------
@pytest.mark.parametrize("size", SIZES)
async def test_typing_on_the_list_goes_to_the_prompt(
    app: ZwgkApp, db: Path, size: tuple[int, int]
) -> None:
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        for line in ("hello world", "qbb", "区编办 清单", "x7"):
            await to_list(pilot, app)
            await pilot.press(*line)
            await settle(pilot)
            assert isinstance(app.screen, MainScreen), line
            assert app.main.prompt.value == line
            assert isinstance(app.focused, PromptInput)
        await to_list(pilot, app)
        app.post_message(events.Paste("7 完成 已印发"))  # a paste on the list: to the prompt
        await settle(pilot)
        assert app.main.prompt.value == "7 完成 已印发" and isinstance(app.focused, PromptInput)
        assert changes_in_db(db) == []
        assert {t.status for t in fresh(db).snapshot().tasks.values()} == {"未开始"}


async def test_typing_that_starts_with_a_list_key_is_handed_back(
    app: ZwgkApp, db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # However slow the machine, these keys come as one burst of typing.
    monkeypatch.setattr(ConfirmChange, "GUARD", 30.0)
    monkeypatch.setattr(NotePrompt, "GUARD", 30.0)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for line in ("done", "by the way", "sure", "nice", "really", "u2", "cyan", "bye"):
            await to_list(pilot, app)
            await pilot.press(*line)
            await settle(pilot)
            assert isinstance(app.screen, MainScreen), line
            assert app.main.prompt.value == line
        # Enter (or y) straight after the key is typing too: the question stays open.
        for keys in (("d", "enter"), ("b", "y", "enter"), ("space", "enter"), ("u", "y")):
            await to_list(pilot, app)
            await pilot.press(*keys)
            await settle(pilot)
            assert isinstance(app.screen, ConfirmChange), keys
            await pilot.press("escape")
            await settle(pilot)
        await to_list(pilot, app)
        await pilot.press("n", "enter")  # `n⏎`: no note dialog waiting for more
        await settle(pilot)
        assert isinstance(app.screen, MainScreen) and app.main.prompt.value == "n"
        assert changes_in_db(db) == []


async def test_a_note_dialog_asked_for_takes_typing_at_once(app: ZwgkApp, db: Path) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_line(pilot, "13 备注")  # asked for by a line, not opened by a stray key
        await wait_until(pilot, lambda: isinstance(app.screen, NotePrompt))
        await pilot.press(*"已报送", "enter")
        await settle(pilot)
        assert task_in_db(db, 13).note == "已报送"


@pytest.mark.parametrize("size", SIZES)
async def test_a_status_key_asks_and_saves_only_when_confirmed(
    app: ZwgkApp, db: Path, size: tuple[int, int]
) -> None:
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await to_list(pilot, app)
        await pilot.press("d")
        await opened(pilot)
        text = screen_text(app)
        assert "把 #1 标记为 已完成？" in text and "未开始 → 已完成" in text
        assert "Enter 或 y 确认" in text and "Esc 或 n 取消" in text
        assert task_in_db(db, 1).status == "未开始"
        await pilot.press("enter")
        await settle(pilot)
        assert task_in_db(db, 1).status == "已完成"
        assert isinstance(app.focused, TaskList) and app.main.tasks_widget.task_id == 1
        for key in ("escape", "n"):  # cancelled: nothing written
            await pilot.press("s")
            await answer(pilot, key)
            assert task_in_db(db, 1).status == "已完成"
        await pilot.press("s")
        await answer(pilot, "y")
        assert task_in_db(db, 1).status == "进行中"
        await pilot.press("space")  # cycle: asks about the next status
        await opened(pilot)
        assert "把 #1 标记为 已完成？" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("c")
        await answer(pilot)
        assert task_in_db(db, 1).confirmed_by == "tester"
        await pilot.press("u")
        await opened(pilot)
        assert "撤销自己最近一次修改？" in screen_text(app)
        assert "将撤销：#1" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        assert task_in_db(db, 1).confirmed_by is None
        # One event per confirmed question, none for the cancelled ones.
        assert [e.action for e in changes_in_db(db)] == ["status"] * 3 + ["confirm", "undo"]


@pytest.mark.parametrize("size", SIZES)
async def test_focus_is_visible_without_colour(
    db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    from textual import constants

    monkeypatch.setattr(constants, "COLOR_SYSTEM", "standard")  # TERM=xterm over SSH
    monkeypatch.setenv("TERM", "xterm")
    app = make_app(Context(db, TODAY, user="tester"), history_path=tmp_path / "h.json")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        assert app.console.color_system == "standard"
        title = app.main.query_one("#tasks-title", PaneTitle)
        assert "> [任务" not in screen_text(app) and "> 输入编号" in screen_text(app)
        await pilot.press("down")
        await settle(pilot)
        text = screen_text(app)
        assert "> [任务 29 项]" in text  # the marker and the bracketed title
        assert "> 输入编号" not in text  # the prompt's marker went with the focus
        assert title.rich_style.reverse and title.rich_style.bold
        await pilot.press("escape")
        await settle(pilot)
        assert "> [任务" not in screen_text(app) and not title.rich_style.reverse


# -- 2. multi-line paste ----------------------------------------------------------------------
@pytest.mark.parametrize("size", SIZES)
async def test_a_multi_line_paste_keeps_every_line(
    app: ZwgkApp, db: Path, size: tuple[int, int]
) -> None:
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        app.main.prompt.focus()
        await settle(pilot)
        app.post_message(events.Paste("14 备注 已印发《工作机制》\n已报送市政务公开办\n"))
        await settle(pilot)
        assert app.main.prompt.value == "14 备注 已印发《工作机制》 已报送市政务公开办"
        assert "粘贴的 2 行已合并为一行" in transcript(app)
        await pilot.press("enter")
        await settle(pilot)
        assert task_in_db(db, 14).note == "已印发《工作机制》 已报送市政务公开办"
        # The note dialog takes a pasted note whole too.
        await to_list(pilot, app)
        await pilot.press("n")
        await opened(pilot, NotePrompt)
        app.post_message(events.Paste("第一行\r\n第二行"))
        await settle(pilot)
        assert "粘贴的 2 行已合并为一行" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        assert task_in_db(db, 1).note == "第一行 第二行"


# -- 3. notes as typed ------------------------------------------------------------------------
NOTE = "缺少经费，等待财政拨付：预计１０月  到位（第２稿）"


async def test_notes_are_saved_as_typed_by_chat_and_dialog(app: ZwgkApp, db: Path) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_line(pilot, "9 受阻 缺少经费，等待财政拨付")
        assert task_in_db(db, 9).status == "受阻"
        assert task_in_db(db, 9).note == "缺少经费，等待财政拨付"
        await type_line(pilot, f"１０ 备注 {NOTE}")  # full-width number: still task 10
        await type_line(pilot, f"完成 11 {NOTE}\x07")  # a control character is dropped
        await type_line(pilot, f"12 退回 {NOTE}")
        await to_list(pilot, app)
        await pilot.press("n")  # the dialog, on task 1
        await opened(pilot, NotePrompt)
        app.screen.query_one(Input).value = NOTE
        await pilot.press("enter")
        await settle(pilot)
        snap = fresh(db).snapshot()
        assert snap.tasks[1].note == NOTE
        assert snap.tasks[10].note == NOTE and snap.tasks[11].note == NOTE
        assert snap.tasks[11].status == "已完成"
        assert "退回" in transcript(app)  # 12 is not done: refused, and said so


# -- 4. own refusals, far dates ---------------------------------------------------------------
async def test_an_own_refusal_is_not_announced_as_news(
    app: ZwgkApp, db: Path, tmp_path: Path
) -> None:
    (tmp_path / "zwgk.toml").write_text(
        'admins = ["张三"]\n[users]\ntester = "区编办"\n', encoding="utf-8"
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_line(pilot, "3 进行中")  # task 3: not a task of 区编办
        assert "不能修改状态" in transcript(app)
        await pilot.pause(POLL * 6)  # several polls of the file that now holds the refusal
        await settle(pilot)
        assert "刚刚修改" not in transcript(app)
        await to_list(pilot, app)
        await pilot.press("j", "j", "s")  # task 3 again, from the list
        await answer(pilot)
        assert [e.action for e in fresh(db).events() if e.action == "refused"] == ["refused"] * 2
        await pilot.pause(POLL * 6)
        await settle(pilot)
        assert "刚刚修改" not in transcript(app)
        # A colleague's change is still news.
        Store(Context(db, TODAY, user="张三")).set_status(5, "已完成")
        await wait_until(pilot, lambda: "张三 刚刚修改" in transcript(app))
        assert "tester 刚刚修改" not in transcript(app)
        assert task_in_db(db, 3).status == "未开始"


async def test_a_date_at_the_calendars_end_never_crashes(app: ZwgkApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_line(pilot, "/today 9999-12-31")
        for line in ("30天内", "本周", "本月", "9999年12月", "逾期"):
            before = len(app.main.transcript.plain)
            await type_line(pilot, line)
            assert app.is_running and isinstance(app.screen, MainScreen), line
            assert len(app.main.transcript.plain) >= before + 2, line  # echoed and answered
        assert "30 天内到期：共 0 项" in transcript(app)
        await type_line(pilot, "/today 0001-01-01")
        await type_line(pilot, "本周")
        assert app.is_running and "本周到期：共 0 项" in transcript(app)
        await type_line(pilot, "7")  # still working
        assert "#7" in transcript(app)


async def test_export_over_an_existing_file_asks_first(app: ZwgkApp, tmp_path: Path) -> None:
    out = tmp_path / "台账.csv"
    out.write_text("别人的文件\n", encoding="utf-8")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_line(pilot, f"/export {out}")
        await answer(pilot, "n")  # no: the file stays as it was
        assert out.read_text(encoding="utf-8") == "别人的文件\n"
        await type_line(pilot, f"/export {out}")
        question = app.screen
        assert isinstance(question, ConfirmChange) and "已存在" in question.question
        await answer(pilot, "y")
        await wait_until(pilot, lambda: "已导出 29 项" in transcript(app))
        assert "具体事项" in out.read_text(encoding="utf-8-sig")
        assert str(out) in transcript(app)  # the full path, always

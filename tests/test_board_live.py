"""The board follows the database while it is open (issue 14): another process marks a task,
and the board takes that task's old version out of its numbers and puts the new one in (the
same `Tally`, not a count of every task), showing what a freshly opened board would show.
The real app through Textual's pilot, at 80×24 and 120×40; the colleague is a `zwgk mark`
process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from conftest import POLL, SAMPLES, TUI_TODAY, run_zwgk, settle, type_line, wait_until, zwgk_env
from textual.widgets import Static

from zwgk.store.context import Context
from zwgk.store.db import Store
from zwgk.store.service import Service
from zwgk.store.stats import compute
from zwgk.tui.app import ZwgkApp, make_app
from zwgk.tui.messages import SnapshotChanged
from zwgk.tui.screens.board import (
    BoardScreen,
    Scoreboard,
    Timeline,
    month_counts,
    scoreboard_text,
    timeline_text,
)

SIZES = [(80, 24), (120, 40)]


def mark(db: Path, home: Path, task: str, status: str) -> None:
    """A colleague's `zwgk mark` in another process."""
    env = zwgk_env(home, ZWGK_DB=str(db), ZWGK_USER="张三", ZWGK_TODAY=TUI_TODAY.isoformat())
    proc = run_zwgk(["mark", task, status], env)
    assert proc.returncode == 0, proc.stderr


def text(widget: Any) -> str:
    return str(widget.render())


def board_of(app: ZwgkApp) -> BoardScreen:
    board = app.screen
    assert isinstance(board, BoardScreen)
    return board


def title(board: BoardScreen) -> str:
    return text(board.query_one("#board-title", Static))


def assert_as_if_opened_now(app: ZwgkApp, board: BoardScreen) -> None:
    """The board's numbers and drawings are a full count of the snapshot the app shows."""
    snap = app.live.snapshot
    assert board.snapshot is snap
    tasks = [snap.tasks[k] for k in sorted(snap.tasks)]
    full = compute(tasks, app.live.today, snap.title, snap).to_json()
    shown = board.stats.to_json()
    assert shown["units"] == full["units"] and shown["totals"] == full["totals"]
    assert shown["months"] == full["months"]
    scoreboard = board.query_one(Scoreboard)
    want = scoreboard_text(
        compute(tasks, app.live.today, snap.title, snap),
        board.role,
        scoreboard.content_size.width,
        scoreboard.cursor,
    )
    assert text(scoreboard) == str(want)
    timeline = board.query_one(Timeline)
    assert timeline.by_month == month_counts(tasks, app.live.today)
    width = timeline.content_size.width
    assert text(timeline) == str(timeline_text(tasks, app.live.today, width, timeline.chart_rows))


@pytest.mark.parametrize("size", SIZES)
async def test_another_process_marks_while_the_board_is_open(
    app: ZwgkApp, db: Path, tmp_path: Path, size: tuple[int, int]
) -> None:
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        board = board_of(app)
        tally = board.tally
        lead = app.live.snapshot.tasks[5].lead_units[0]
        unit = board.stats.unit(lead)
        assert unit is not None
        done = unit.roles["lead"].done
        # TUI_TODAY: tasks 1, 2, 3 and 13 are overdue, none done.
        assert "完成0" in title(board) and "逾期4" in title(board)

        mark(db, tmp_path, "5", "done")
        await wait_until(pilot, lambda: "完成1" in title(board))
        assert app.screen is board and board.tally is tally  # followed, not counted again
        unit = board.stats.unit(lead)
        assert unit is not None and unit.roles["lead"].done == done + 1
        assert_as_if_opened_now(app, board)

        mark(db, tmp_path, "1", "done")  # an overdue task done: 逾期 goes down
        await wait_until(pilot, lambda: "完成2" in title(board))
        assert "逾期3" in title(board) and board.tally is tally
        assert_as_if_opened_now(app, board)

        mark(db, tmp_path, "5", "todo")  # back as it was: only task 1 done now
        await wait_until(pilot, lambda: "完成1" in title(board))
        assert board.tally is tally
        assert_as_if_opened_now(app, board)

        # The list and the header under the board skipped the changes; shown, they catch up.
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is app.main
        shown = app.main.tasks_widget
        row = shown.find(1)
        assert row is not None and shown.tasks[row].status == "已完成"
        header = app.main.query_one("#header-counts", Static)
        assert "已完成1" in str(header.render())


async def test_a_new_today_counts_everything_again(app: ZwgkApp) -> None:
    from datetime import date

    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        board = board_of(app)
        tally = board.tally
        app.live.set_today(date(2021, 1, 1))  # overdue is as of today: every task again
        await settle(pilot)
        assert board.tally is not tally and board.tally.today == date(2021, 1, 1)
        assert board.today == date(2021, 1, 1)
        assert_as_if_opened_now(app, board)


@pytest.fixture
def two_plans(db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ZwgkApp:
    """The bundled plan (29 tasks) and the 宣城 sample (5) in one database."""
    monkeypatch.setenv("ZWGK_USER", "tester")
    monkeypatch.delenv("ZWGK_HISTORY", raising=False)
    ctx = Context(db, TUI_TODAY, user="tester")
    Service(Store(ctx)).import_file(SAMPLES / "xuancheng-2020.xlsx")
    return make_app(ctx, history_path=tmp_path / "history.json", poll_seconds=POLL)


async def test_the_plan_shown_stays_the_plan_shown(
    two_plans: ZwgkApp, db: Path, tmp_path: Path
) -> None:
    """With one plan chosen, a change to the other plan's task is no task of the board's or
    the header's; a change to the plan's own moves its numbers."""
    app = two_plans
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await type_line(pilot, "/plan 宣城2020")
        header = app.main.query_one("#header-counts", Static)
        assert "共5 " in text(header)
        await pilot.press("f3")
        await settle(pilot)
        board = board_of(app)
        assert "共5项" in title(board) and "完成0" in title(board)

        held = board.snapshot
        mark(db, tmp_path, "基层政务2020-5", "done")
        await wait_until(pilot, lambda: board.snapshot is not held)
        await settle(pilot)
        assert "共5项" in title(board) and "完成0" in title(board)
        assert "共5 " in text(header) and "已完成0" in text(header)
        assert_as_if_opened_now(app, board)

        mark(db, tmp_path, "宣城2020-3", "done")
        await wait_until(pilot, lambda: "完成1" in title(board))
        assert_as_if_opened_now(app, board)
        assert "已完成0" in text(header)  # hidden under the board, the header waits…
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is app.main
        assert "共5 " in text(header) and "已完成1" in text(header)  # …and catches up


def test_changed_since_names_tasks_only_for_the_snapshot_held(tmp_path: Path) -> None:
    from datetime import date

    store = Store(Context(tmp_path / "z.json", TUI_TODAY, user="t"))
    before, after, other = store.snapshot(), store.snapshot(), store.snapshot()
    change = SnapshotChanged(after, TUI_TODAY, changed=frozenset({5}), before=before)
    assert change.changed_since(before, TUI_TODAY) == {5}
    assert change.changed_since(other, TUI_TODAY) is None  # the view missed a change
    assert change.changed_since(before, date(2021, 1, 1)) is None  # another day: all again
    assert SnapshotChanged(after, TUI_TODAY).changed_since(before, TUI_TODAY) is None


async def test_a_board_made_before_a_change_catches_up_when_shown(
    app: ZwgkApp, db: Path, tmp_path: Path
) -> None:
    """A change published between making the board and its listening is not lost."""
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        old = app.live.snapshot
        board = BoardScreen(old, app.live.today, live=app.live)
        assert board.stats.totals.done == 0
        mark(db, tmp_path, "5", "done")
        await wait_until(pilot, lambda: app.live.snapshot is not old)
        app.push_screen(board)
        await settle(pilot)
        assert board.stats.totals.done == 1 and "完成1" in title(board)
        assert_as_if_opened_now(app, board)


async def test_numbers_that_do_not_add_up_are_counted_again(app: ZwgkApp) -> None:
    """The board never fails on a change: an old version it never counted (a unit it has no
    row for) makes it count everything again instead."""
    from zwgk.store import record

    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        board = board_of(app)
        snap = app.live.snapshot
        odd = record.replace(snap.tasks[5], lead_units=["从未计入的单位"])
        board.snapshot = record.replace(snap, tasks={**dict(snap.tasks), 5: odd})
        tally = board.tally
        board.update_data(snap, app.live.today, {5})
        await settle(pilot)
        assert board.tally is not tally
        assert_as_if_opened_now(app, board)

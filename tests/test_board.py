"""看板: the unit scoreboard and the deadline timeline (snapshots at 80×24, and their logic)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from textual.app import App

from zwgk.store import signoff
from zwgk.store.context import Context
from zwgk.store.db import Snapshot, Store
from zwgk.store.model import BLOCKED, DOING, DONE
from zwgk.store.stats import compute
from zwgk.tui.screens.board import BoardScreen, scoreboard_text, timeline_months, timeline_text

TODAY = date(2020, 12, 15)


def worked_snapshot(tmp_path: Path) -> Snapshot:
    store = Store(Context(tmp_path / "z.json", TODAY, user="tester"))
    for tid in (1, 3, 4, 9, 12, 27):
        store.set_status(tid, DONE)
    signoff.confirm(store, 3)
    store.set_status(6, DOING)
    store.set_status(14, BLOCKED)
    return store.snapshot()


class BoardApp(App[None]):
    """The smallest host: the board pushed over an empty app, as the TUI does."""

    def __init__(self, snap: Snapshot, today: date) -> None:
        super().__init__()
        self.snap, self.today = snap, today

    def on_mount(self) -> None:
        self.push_screen(BoardScreen(self.snap, self.today))


def test_board_snapshot_scoreboard_and_timeline(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(BoardApp(worked_snapshot(tmp_path), TODAY), terminal_size=(80, 24))


def test_board_snapshot_guide_role(snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app = BoardApp(worked_snapshot(tmp_path), TODAY)
    assert snap_compare(app, press=["r"], terminal_size=(80, 24))


def plain(text: object) -> list[str]:
    return str(text).split("\n")


def test_scoreboard_sorted_by_overdue_with_numbers(tmp_path: Path) -> None:
    snap = worked_snapshot(tmp_path)
    stats = compute(snap.task_list(), TODAY, snap.title)
    rows = plain(scoreboard_text(stats, "lead", 78))
    names = [r.split()[0] for r in rows]
    assert names[0] == "各街道"  # 5 overdue as lead: (2)(5)(13)… the most
    overdue = [int(r.rsplit("逾期", 1)[1]) for r in rows]
    assert overdue == sorted(overdue, reverse=True)
    street = rows[0]
    assert "5/26" in street and "19%" in street
    guide = [r.split()[0] for r in plain(scoreboard_text(stats, "guide", 78))]
    assert "区编办" in guide and "各街道" not in guide


@pytest.mark.parametrize("width", [40, 78, 120])
def test_rows_fit_the_width(tmp_path: Path, width: int) -> None:
    from rich.cells import cell_len

    from zwgk.tui.screens.board import NAME_CELLS, TAIL_CELLS

    snap = worked_snapshot(tmp_path)
    stats = compute(snap.task_list(), TODAY, snap.title)
    for line in plain(scoreboard_text(stats, "any", width)):
        assert cell_len(line) <= max(width, NAME_CELLS + 8 + TAIL_CELLS + 2)  # bar >= 8
    for line in plain(timeline_text(snap.task_list(), TODAY, width)):
        assert cell_len(line) <= width


def test_timeline_months_and_marker(tmp_path: Path) -> None:
    snap = worked_snapshot(tmp_path)
    tasks = snap.task_list()
    months, col = timeline_months(tasks, TODAY, 76)
    # 2020-07 … 2022-10 is 28 months: too many for 76 cells, so only months with tasks.
    assert months[0] == "2020-07" and months[-1] == "2022-10" and len(months) == 14
    assert "2020-12" in months and col >= 3
    lines = plain(timeline_text(tasks, TODAY, 76))
    assert lines[-1].strip().startswith("^ 本月（12月）")
    assert "2020" in lines[-2] and "2021" in lines[-2] and "2022" in lines[-2]
    # The tallest month (2020-12, 8 tasks) carries its count above the bar.
    assert "8" in lines[0]
    wide, _ = timeline_months(tasks, TODAY, 200)
    assert len(wide) == 28  # room for every month: gaps are shown as empty months


def test_this_month_is_shown_even_without_tasks(tmp_path: Path) -> None:
    snap = worked_snapshot(tmp_path)
    months, _ = timeline_months(snap.task_list(), date(2021, 2, 10), 76)
    assert "2021-02" in months


async def test_keys_close_and_cycle_roles(tmp_path: Path) -> None:
    app = BoardApp(worked_snapshot(tmp_path), TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        board = app.screen
        assert isinstance(board, BoardScreen)
        await pilot.press("r")
        assert board.role == "guide"
        await pilot.press("r", "r")
        assert board.role == "lead"
        await pilot.press("q")
        await pilot.pause()
        assert not isinstance(app.screen, BoardScreen)
        app.push_screen(BoardScreen(app.snap, TODAY))
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, BoardScreen)


async def test_an_empty_database_still_opens(tmp_path: Path) -> None:
    store = Store(Context(tmp_path / "empty.json", TODAY, user="tester"), seed=False)
    app = BoardApp(store.snapshot(), TODAY)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, BoardScreen)
        assert "没有担任牵头的单位" in str(app.screen.query_one("#scoreboard").render())

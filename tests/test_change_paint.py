"""A colleague's change repaints what moved, without a layout of the screen (issue 14: a
change costs an open app ≤ 50 ms at 100,000 tasks, and a layout repaints every widget). The
real app through Textual's pilot; the colleague is a `zwgk mark` process."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import settle, transcript, wait_until
from test_board_live import board_of, mark, text, title
from textual.widgets import Static

from zwgk.tui.app import ZwgkApp
from zwgk.tui.render import glyph


def count_layouts(screen: Any) -> list[int]:
    """How often `screen` is laid out from now on (a one-element counter)."""
    calls = [0]
    layout = screen._refresh_layout

    def counted(*args: Any, **kwargs: Any) -> None:
        calls[0] += 1
        layout(*args, **kwargs)

    screen._refresh_layout = counted
    return calls


async def test_a_colleagues_change_shows_without_a_layout(
    app: ZwgkApp, db: Path, tmp_path: Path
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        main = app.main
        header = main.query_one("#header-counts", Static)
        shown = main.tasks_widget
        row = shown.find(5)
        assert row is not None and "已完成0" in text(header)
        before = shown.row_text(row).plain
        layouts = count_layouts(main)
        mark(db, tmp_path, "5", "done")
        await wait_until(pilot, lambda: "已完成1" in text(header))
        # What is shown moved: the header's count, the row's status mark, the news line.
        task = shown.tasks[row]
        assert task.id == 5 and task.status == "已完成"
        after = shown.row_text(row).plain
        assert after != before and glyph(task) in after
        assert "张三 刚刚修改" in transcript(app)
        # No line changed width or height, so the screen was not laid out again.
        assert layouts[0] == 0


async def test_a_wider_count_lays_the_header_out(app: ZwgkApp, db: Path, tmp_path: Path) -> None:
    """`已完成9` -> `已完成10` is a cell wider: the header's line is laid out and shows it all."""
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        header = app.main.query_one("#header-counts", Static)
        for task in range(1, 10):
            mark(db, tmp_path, str(task), "done")
        await wait_until(pilot, lambda: "已完成9" in text(header))
        width = header.size.width
        mark(db, tmp_path, "10", "done")
        await wait_until(pilot, lambda: "已完成10" in text(header))
        assert header.size.width == width + 1
        assert header.render_line(0).text.rstrip().endswith("逾期1")  # not cut off


async def test_news_under_the_board_is_written_when_it_closes(
    app: ZwgkApp, db: Path, tmp_path: Path
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await settle(pilot)
        board = board_of(app)
        said = len(app.main.transcript.plain)
        mark(db, tmp_path, "5", "done")
        await wait_until(pilot, lambda: "完成1" in title(board))
        mark(db, tmp_path, "6", "doing")
        await wait_until(pilot, lambda: board.snapshot.tasks[6].status == "进行中")
        assert len(app.main.transcript.plain) == said  # nothing of the main screen shows
        await pilot.press("escape")
        await settle(pilot)
        news = app.main.transcript.plain[said:]
        assert len(news) == 2 and all("张三 刚刚修改" in line for line in news)
        assert "5" in news[0] and "6" in news[1]  # in the order they came


async def test_the_transcript_follows_its_newest_line(app: ZwgkApp) -> None:
    """Lines added without a layout: the transcript still scrolls to the newest."""
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        pane = app.main.transcript
        for i in range(60):
            pane.say(f"第{i}行")
        await settle(pilot)
        assert pane.virtual_size.height == len(pane.lines)
        assert pane.scroll_y == pane.max_scroll_y > 0
        last = pane.render_line(pane.scrollable_content_region.height - 1)
        assert "第59行" in last.text

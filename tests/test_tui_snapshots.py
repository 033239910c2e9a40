"""Snapshot tests (pytest-textual-snapshot) with Chinese content: double-width bugs show here.

Update after an intended change with `pytest tests/test_tui_snapshots.py --snapshot-update`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from conftest import settle

from zwgk.store.context import Context
from zwgk.tui.app import ZwgkApp, make_app

TODAY = date(2020, 9, 1)


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ZwgkApp:
    monkeypatch.setenv("ZWGK_USER", "tester")
    monkeypatch.setenv("HOME", str(tmp_path))  # the header shows the database as ~/z.json
    return make_app(Context(tmp_path / "z.json", TODAY, user="tester"), history_path=tmp_path / "h")


@pytest.fixture(autouse=True)
def no_cursor_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    """Stable snapshots: the prompt's cursor never blinks (it is off in the app anyway)."""
    from textual.widgets import Input

    monkeypatch.setattr(Input, "cursor_blink", False)


def test_main_screen_80x24(snap_compare, app: ZwgkApp) -> None:  # type: ignore[no-untyped-def]
    assert snap_compare(app, terminal_size=(80, 24), run_before=settle)


def test_main_screen_120x40_search(snap_compare, app: ZwgkApp) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        await pilot.press(*"清单")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_unit_card(snap_compare, app: ZwgkApp, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        await pilot.press(*"编办", "enter")
        await settle(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


def test_help_80x24(snap_compare, app: ZwgkApp) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        await pilot.press("f1")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_task_detail_80x24(snap_compare, app: ZwgkApp) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        await pilot.press("down", "j", "j", "enter")
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_confirm_question_80x24(snap_compare, app: ZwgkApp) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot) -> None:  # type: ignore[no-untyped-def]
        await settle(pilot)
        await pilot.press("down", "d")  # the list's `d` asks before anything is written
        await settle(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)

"""The action registry (tui/actions.py) and the command palette built from it.

Every key is declared once; these tests check that the bindings, the key bar, the palette and
the help table all come from it, that the palette finds commands by pinyin typed without an IME,
and that nothing of Textual's English reaches the screen.
"""

from __future__ import annotations

import html
import re
from collections import Counter

from conftest import settle, wait_until
from rich.cells import cell_len
from textual.command import CommandList, CommandPalette
from textual.pilot import Pilot

from zwgk.tui.actions import ACTIONS, BY_ID, CHAT_COMMANDS, bindings_for, key_name, key_rows
from zwgk.tui.app import ZwgkApp
from zwgk.tui.screens.board import BoardScreen
from zwgk.tui.screens.help import help_text
from zwgk.tui.screens.main import MainScreen
from zwgk.tui.screens.palette import NO_MATCHES, PLACEHOLDER, ChatCommands, pinyin_match
from zwgk.tui.widgets.keybar import HINTS, hint_text
from zwgk.tui.widgets.prompt import PromptInput
from zwgk.tui.widgets.tasklist import TaskList

OWNERS = {"app": ZwgkApp, "screen": MainScreen, "list": TaskList, "prompt": PromptInput}
BOUND = [a for a in ACTIONS if a.keys]

# What Textual itself would show in English (palette, system commands, Ctrl+C).
TEXTUAL_ENGLISH = (
    "Search for", "No matches", "Theme", "Quit the", "Keys", "Screenshot", "Maximize",
    "Minimize", "Do you want", "to quit", "palette", "Change", "Press",
)  # fmt: skip


# -- the registry ----------------------------------------------------------------------------
def test_every_binding_is_generated_from_the_registry() -> None:
    for action in BOUND:
        owner = OWNERS[action.scope]
        found = [b for b in owner.BINDINGS if getattr(b, "id", None) == action.id]
        assert len(found) == 1, action.id
        assert found[0].key == action.keys and found[0].action == action.binding_action
    for scope, owner in OWNERS.items():
        assert owner.BINDINGS == bindings_for(scope)  # type: ignore[arg-type]


def test_no_key_is_bound_twice_in_one_scope() -> None:
    for scope in OWNERS:
        keys = Counter(k for b in bindings_for(scope) for k in b.key.split(","))  # type: ignore[arg-type]
        assert [k for k, n in keys.items() if n > 1] == [], scope
    assert len(BY_ID) == len(ACTIONS)


def test_every_action_exists_where_it_runs() -> None:
    for action in BOUND:
        name = action.action.split("(")[0]
        assert callable(getattr(OWNERS[action.runs], f"action_{name}", None)), action.id


def test_key_bar_is_the_registry_and_unchanged_at_80_columns() -> None:
    for action in ACTIONS:
        for mode in action.bar:
            assert (action.bar_keys, action.label) in HINTS[mode], action.id
    prompt = hint_text(HINTS["prompt"]).plain.rstrip()
    listed = hint_text(HINTS["list"]).plain.rstrip()
    assert prompt == "Enter 发送  ↑↓ 历史  Tab 补全  F1 帮助  F2 详情  F3 看板  ^P 命令  ^Q 退出"
    assert (
        listed == "s 进行中  d 完成  b 受阻  空格 切换  n 备注  u 撤销  c 办结  Esc 输入  F1 帮助"
    )
    assert cell_len(prompt) <= 80 and cell_len(listed) <= 80


def test_help_table_names_every_key() -> None:
    rows = key_rows()
    text = help_text()
    for where, keys, what in rows:
        assert f"| {where} | {keys} | {what} |" in text
    where_of = {"prompt": "输入框", "list": "列表", "any": "任何地方"}
    for action in BOUND:
        # A key sharing its row with a neighbour (↑ ↓ / j k) is named in that row.
        cells = " ".join(k for w, k, _ in rows if w == where_of[action.focus])
        for key in action.keys.split(","):
            assert key_name(key) in cells, (action.id, key)
    assert "| s |" in text and "Ctrl+P" in text and "/import" in text  # table and chat commands


# -- helpers for the palette -----------------------------------------------------------------
def options(app: ZwgkApp) -> list[str]:
    listing = app.screen.query_one(CommandList)
    prompts = (listing.get_option_at_index(i).prompt for i in range(listing.option_count))
    return [str(prompt).split("\n")[0] for prompt in prompts]  # the title, not its help line


async def open_palette(pilot: Pilot[object], app: ZwgkApp) -> None:
    await pilot.press("ctrl+p")
    await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette) and bool(options(app)))


async def search(pilot: Pilot[object], app: ZwgkApp, query: str, first: str) -> None:
    """Type `query` into the open palette and wait until `first` is the top entry."""
    await pilot.press(*query)
    await wait_until(pilot, lambda: bool(options(app)) and options(app)[0].startswith(first))


def screen_text(app: ZwgkApp) -> str:
    svg = app.export_screenshot()
    text = "".join(html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg))
    return text.replace("\xa0", " ")


def ascii_words(text: str) -> set[str]:
    return set(re.findall(r"[A-Za-z]{2,}", text))


# -- the palette -----------------------------------------------------------------------------
def test_pinyin_full_initials_and_mixed() -> None:
    for query in ("dc", "daochu", "daoc"):
        assert pinyin_match(query, "导出")[0] > 0, query
    assert pinyin_match("kb", "看板")[0] > pinyin_match("kb", "打开看板")[0] > 0
    assert pinyin_match("xyz", "导出") == (0.0, [])


async def test_palette_offers_every_action_and_chat_command(tui_app: ZwgkApp) -> None:
    async with tui_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_palette(pilot, tui_app)
        provider = next(
            p
            for p in tui_app.screen._providers
            if isinstance(p, ChatCommands)  # type: ignore[attr-defined]
        )
        assert provider.screen is tui_app.main  # the screen it was opened from
        titles = [e.title for e in provider._entries()]
        assert titles == [a.palette_title for a in ACTIONS if a.palette] + [
            c.title for c in CHAT_COMMANDS
        ]
        for word in ("导入", "导出", "看板", "单位一览", "撤销", "今天", "帮助", "退出", "逾期"):
            assert word in titles
        # Discovery (nothing typed): all of them, in registry order.
        await wait_until(pilot, lambda: options(tui_app) == titles)


async def test_palette_pinyin_dc_puts_export_into_the_prompt(tui_app: ZwgkApp) -> None:
    async with tui_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_palette(pilot, tui_app)
        await search(pilot, tui_app, "dc", "导出")
        await pilot.press("enter")
        await settle(pilot)
        prompt = tui_app.main.prompt
        assert isinstance(tui_app.screen, MainScreen)
        assert prompt.value == "/export " and tui_app.focused is prompt
        assert prompt.cursor_position == len("/export ")


async def test_palette_pinyin_kb_opens_the_board_and_yq_runs_a_view(tui_app: ZwgkApp) -> None:
    async with tui_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_palette(pilot, tui_app)
        await search(pilot, tui_app, "kb", "看板")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(tui_app.screen, BoardScreen))
        await pilot.press("escape")
        await open_palette(pilot, tui_app)
        await search(pilot, tui_app, "yq", "逾期")
        await pilot.press("enter")  # posts RunLine("逾期") to the main screen
        await settle(pilot)
        assert sorted(tui_app.main.tasks_widget.ids) == [1, 2, 3, 13]
        assert "逾期" in tui_app.main.transcript.text()


async def test_palette_on_another_screen_offers_only_what_runs_there(tui_app: ZwgkApp) -> None:
    async with tui_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f3")
        await wait_until(pilot, lambda: isinstance(tui_app.screen, BoardScreen))
        await open_palette(pilot, tui_app)
        assert options(tui_app) == [
            a.palette_title for a in ACTIONS if a.palette and a.runs == "app"
        ]


async def test_palette_speaks_chinese(tui_app: ZwgkApp) -> None:
    async with tui_app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_palette(pilot, tui_app)
        seen = [screen_text(tui_app)]
        assert PLACEHOLDER in seen[0] and ">" in seen[0]
        for query in ("bz", "help"):
            await pilot.press(*query)
            await wait_until(pilot, lambda: bool(options(tui_app)))
            seen.append(screen_text(tui_app))
            await pilot.press(*["backspace"] * len(query))
        await pilot.press(*"qqqxxx")
        await wait_until(pilot, lambda: NO_MATCHES in screen_text(tui_app))
        seen.append(screen_text(tui_app))
        # The only ASCII words on screen are ours: key names, the user, the placeholder's
        # pinyin examples, what was typed and the database's path in the header.
        ours = {"zwgk", "tester", "bz", "help", "qqqxxx", *ascii_words(PLACEHOLDER)}
        ours |= {w for a in ACTIONS for w in ascii_words(f"{a.help_keys} {a.bar_keys}")}
        ours |= ascii_words(str(tui_app.main.query_one("#header-db").render()))  # the database
        for text in seen:
            for english in TEXTUAL_ENGLISH:
                assert english not in text, english
            assert ascii_words(text) <= ours, ascii_words(text) - ours
        assert "🔎" not in "".join(seen)


async def test_ctrl_c_says_how_to_quit_in_chinese(tui_app: ZwgkApp) -> None:
    async with tui_app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("down", "ctrl+c")  # on the list: nothing to copy, so Textual's hint
        await wait_until(pilot, lambda: "要退出吗" in screen_text(tui_app))
        text = screen_text(tui_app)
        assert "Ctrl+Q" in text
        for english in TEXTUAL_ENGLISH:
            assert english not in text, english
        assert tui_app.is_running

"""Command palette (Ctrl+P): every action of the registry and every chat command, in Chinese.

Entries come from `tui.actions`: its actions (run on the app or on the screen the palette was
opened from, `Provider.screen`) and its chat commands (posted to that screen as `RunLine`, or
put into the prompt when they need an argument). They match Chinese, English words and pinyin
typed without an IME: full (`daochu`), initials (`dc`) or a mix (`daoc`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache, partial
from typing import Any

from rich.align import Align
from rich.text import Text
from textual.command import (
    CommandList,
    CommandPalette,
    DiscoveryHit,
    Hit,
    Hits,
    Matcher,
    Provider,
    SearchIcon,
)
from textual.content import Content
from textual.style import Style
from textual.widgets.option_list import Option

from zwgk.store.pinyin import char_readings
from zwgk.tui.actions import CHAT_COMMANDS, Action, ChatCommand, palette_actions
from zwgk.tui.messages import RunLine

PLACEHOLDER = "搜索命令：中文、拼音（如 dc、daochu）或英文"
NO_MATCHES = "没有匹配的命令"


class ZwgkPalette(CommandPalette):
    """Textual's palette with Chinese texts and a plain `>` for the emoji magnifier (wide, and
    missing from some SSH fonts)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(placeholder=PLACEHOLDER, **kwargs)

    def on_mount(self) -> None:
        self.query_one(SearchIcon).icon = ">"

    def _start_no_matches_countdown(self, search_value: str) -> None:
        # Textual's version, with the one English sentence it shows replaced.
        self._stop_no_matches_countdown()

        def show_no_matches() -> None:
            if search_value:
                self.query_one(CommandList).add_option(
                    Option(
                        Align.center(Text(NO_MATCHES, style="not bold")),
                        disabled=True,
                        id=self._NO_MATCHES,
                    )
                )
                self._list_visible = True
            else:
                self._list_visible = False

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show_no_matches)


# -- pinyin ---------------------------------------------------------------------------------
Syllables = tuple[tuple[int, tuple[str, ...]], ...]


@cache
def syllables(name: str) -> Syllables:
    """(position in `name`, readings) per hanzi or ASCII letter/digit; computed once per title."""
    out: list[tuple[int, tuple[str, ...]]] = []
    for i, ch in enumerate(name):
        if ch.isascii():
            if ch.isalnum():
                out.append((i, (ch.lower(),)))
        elif readings := char_readings(ch):
            out.append((i, readings))
    return tuple(out)


def pinyin_match(query: str, name: str) -> tuple[float, list[int]]:
    """Score `query` (pinyin without tones or spaces) against `name`, and the matched positions.

    Each syllable from some starting one takes a non-empty prefix of one of its readings
    (`dc`, `daochu`, `daoc`); starting at the first syllable and covering all of them score
    highest, so `kb` puts 看板 above 看板 hidden inside a longer title.
    """
    keys = syllables(name)

    def walk(q: int, s: int) -> int | None:
        """How many syllables from `s` consume query[q:]; None if they cannot."""
        if q == len(query):
            return 0
        if s == len(keys):
            return None
        for reading in keys[s][1]:
            for n in range(min(len(reading), len(query) - q), 0, -1):
                if query.startswith(reading[:n], q) and (rest := walk(q + n, s + 1)) is not None:
                    return rest + 1
        return None

    for start in range(len(keys)):
        used = walk(0, start)
        if used:
            whole = start == 0 and used == len(keys)
            score = (3.0 if whole else 2.0 if start == 0 else 1.0) * (1 + used / len(keys))
            return score * 4, [keys[start + i][0] for i in range(used)]
    return 0.0, []


# -- entries --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Entry:
    """One command of the palette: its title, help, action and the words it is found by."""

    title: str
    help: str
    run: Callable[[], Any]
    words: tuple[str, ...] = ()


class ChatCommands(Provider):
    """The registry's actions and the chat commands, for the screen the palette was opened on."""

    @property
    def _on_main(self) -> bool:
        from zwgk.tui.screens.main import MainScreen

        return isinstance(self.screen, MainScreen)

    async def startup(self) -> None:
        # pypinyin takes ~0.5 s to import: load it off the event loop while the palette opens.
        names = [n for e in self._entries() for n in (e.title, *e.words) if not n.isascii()]
        await asyncio.to_thread(lambda: [syllables(n) for n in names])

    def _entries(self) -> Iterator[Entry]:
        on_main = self._on_main
        for action in palette_actions():
            if action.runs == "app" or on_main:
                yield Entry(
                    action.palette_title,
                    f"{action.help_keys}：{action.description}",
                    partial(self._act, action),
                    action.words,
                )
        if on_main:
            for command in CHAT_COMMANDS:
                yield Entry(
                    command.title,
                    command.description,
                    partial(self._chat, command),
                    command.words,
                )

    async def _act(self, action: Action) -> None:
        target = self.app if action.runs == "app" else self.screen
        await target.run_action(action.action)

    def _chat(self, command: ChatCommand) -> None:
        if command.fill:
            from zwgk.tui.widgets.prompt import PromptInput

            self.screen.query_one(PromptInput).prefill(command.line)
        else:
            self.screen.post_message(RunLine(command.line))

    async def discover(self) -> Hits:
        for entry in self._entries():
            yield DiscoveryHit(entry.title, entry.run, help=entry.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        compact = "".join(query.lower().split())
        ascii_query = compact.isascii() and compact.isalnum()
        for entry in self._entries():
            score, display = self._score(entry, matcher, compact if ascii_query else "")
            if score > 0:
                yield Hit(score, display, entry.run, text=entry.title, help=entry.help)

    def _score(self, entry: Entry, matcher: Matcher, pinyin: str) -> tuple[float, Content]:
        """The best of: fuzzy on the title and the words; pinyin on the Chinese ones."""
        best = matcher.match(entry.title)
        display = matcher.highlight(entry.title) if best else Content(entry.title)
        for word in entry.words:
            best = max(best, matcher.match(word))
        if pinyin:
            for name in (entry.title, *entry.words):
                if name.isascii():
                    continue
                score, positions = pinyin_match(pinyin, name)
                if score > best:
                    best = score
                    display = Content(entry.title)
                    if name == entry.title:
                        style = self.match_style or Style(reverse=True)
                        for i in positions:
                            display = display.stylize(style, i, i + 1)
        return best, display

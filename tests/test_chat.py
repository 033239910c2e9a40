"""The chat parser (tui/chat.py): pure Python, Chinese first with English aliases."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zwgk.tui.chat import Command, common_prefix, completions, parse
from zwgk.tui.history import History


@pytest.mark.parametrize(
    ("line", "name", "task_id", "status", "text"),
    [
        ("7", "card", 7, None, ""),
        ("#7", "card", 7, None, ""),
        ("＃７", "card", 7, None, ""),
        ("7 完成 已印发制度文件", "mark", 7, "已完成", "已印发制度文件"),
        ("完成 7 已印发制度文件", "mark", 7, "已完成", "已印发制度文件"),
        ("7 done printed", "mark", 7, "已完成", "printed"),
        ("done 7", "mark", 7, "已完成", ""),
        ("7完成已印发", "mark", 7, "已完成", "已印发"),
        ("7 进行中", "mark", 7, "进行中", ""),
        ("7 开始 起草中", "mark", 7, "进行中", "起草中"),
        ("7 受阻 缺经费", "mark", 7, "受阻", "缺经费"),
        ("7 blocked", "mark", 7, "受阻", ""),
        ("7 未开始", "mark", 7, "未开始", ""),
        ("7 todo", "mark", 7, "未开始", ""),
        ("7 备注 已报送", "note", 7, None, "已报送"),
        ("备注 7 已报送", "note", 7, None, "已报送"),
        ("7 note hello world", "note", 7, None, "hello world"),
        ("7 备注", "note_prompt", 7, None, ""),
        ("7 确认", "confirm", 7, None, ""),
        ("7 退回 材料不全", "send_back", 7, None, "材料不全"),
        ("7 in-progress", "mark", 7, "进行中", ""),  # the chat once missed this model word
        ("7 重置", "mark", 7, "未开始", ""),
    ],
)
def test_task_commands(line: str, name: str, task_id: int, status: str | None, text: str) -> None:
    cmd = parse(line)
    assert (cmd.name, cmd.task_id, cmd.status, cmd.text) == (name, task_id, status, text)


@pytest.mark.parametrize(
    ("line", "view", "extra"),
    [
        ("逾期", "overdue", {}),
        ("overdue", "overdue", {}),
        ("本周", "week", {}),
        ("本月", "month", {}),
        ("30天内", "within", {"days": 30}),
        ("7 天内", "within", {"days": 7}),
        ("2021年6月", "year_month", {"year": 2021, "month": 6}),
        ("2021-06", "year_month", {"year": 2021, "month": 6}),
        ("6月", "year_month", {"year": None, "month": 6}),
        ("未开始", "status", {"status": "未开始"}),
        ("进行中", "status", {"status": "进行中"}),
        ("受阻", "status", {"status": "受阻"}),
        ("已完成", "status", {"status": "已完成"}),
    ],
)
def test_views(line: str, view: str, extra: dict[str, object]) -> None:
    cmd = parse(line)
    assert cmd.name == "view" and cmd.view == view
    for key, value in extra.items():
        assert getattr(cmd, key) == value


@pytest.mark.parametrize(
    ("line", "name", "text"),
    [
        ("/help", "help", ""),
        ("/帮助", "help", ""),
        ("？", "help", ""),
        ("/undo", "undo", ""),
        ("撤销", "undo", ""),
        ("/units", "units", ""),
        ("/stats", "stats", ""),
        ("看板", "board", ""),
        ("/import 方案.docx", "import_file", "方案.docx"),
        ("/export /tmp/台账 2.xlsx", "export_file", "/tmp/台账 2.xlsx"),
        ("/today 2021-06-30", "today", "2021-06-30"),
        ("/today", "today", ""),
        ("/quit", "quit", ""),
        ("/退出", "quit", ""),
        ("／help", "help", ""),
    ],
)
def test_slash_commands(line: str, name: str, text: str) -> None:
    cmd = parse(line)
    assert (cmd.name, cmd.text) == (name, text)


@pytest.mark.parametrize(
    "line", ["区编办", "qbb", "制度 清单", "26个领域", "12345热线", "unit:编办 逾期", "#x1"]
)
def test_everything_else_is_a_search_or_a_clear_error(line: str) -> None:
    cmd = parse(line)
    assert cmd.name in ("search", "error")
    if cmd.name == "search":
        assert cmd.text == line


@pytest.mark.parametrize(
    "line",
    ["/foo", "/", "7 blah", "/today 2021-02-30", "/export", "/import", "退回 3", "2021年13月"],
)
def test_malformed_lines_get_a_chinese_hint(line: str) -> None:
    cmd = parse(line)
    assert cmd.name == "error" and cmd.text
    assert any("\u4e00" <= ch <= "\u9fff" for ch in cmd.text)


def test_empty() -> None:
    assert parse("").name == "empty"
    assert parse("   ").name == "empty"


@given(st.text(max_size=80))
@settings(max_examples=500, deadline=None)
def test_parse_never_raises(line: str) -> None:
    cmd = parse(line)
    assert isinstance(cmd, Command)
    assert cmd.name
    if cmd.task_id is not None:
        assert cmd.task_id > 0


@given(
    st.lists(
        st.sampled_from(
            [
                "7",
                "#7",
                "完成",
                "done",
                "备注",
                "/",
                "today",
                "逾期",
                "30天内",
                " ",
                "年",
                "月",
                "区",
            ]
        ),
        max_size=8,
    ).map("".join)
)
@settings(max_examples=300, deadline=None)
def test_parse_never_raises_on_command_like_noise(line: str) -> None:
    assert isinstance(parse(line), Command)


def test_completion_helpers() -> None:
    words = ["区编办", "区信息办", "区政府办", "各街道"]
    assert completions("编", words) == ["区编办"]
    assert completions("区", words) == ["区编办", "区信息办", "区政府办"]
    assert completions("qb", words, {"qbb": "区编办"}) == ["区编办"]
    assert completions("", words) == []
    assert common_prefix(["区编办", "区信息办"]) == "区"


def test_history_walk_and_persist(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "h.json"
    h = History(path)
    for line in ("a", "b", "b", " ", "c"):
        h.add(line)
    assert h.lines == ["a", "b", "c"]
    assert h.previous("draft") == "c"
    assert h.previous("") == "b"
    assert h.previous("") == "a"
    assert h.previous("") is None
    assert h.next() == "b"
    assert h.next() == "c"
    assert h.next() == "draft"
    assert not h.walking
    assert History(path).lines == ["a", "b", "c"]


def test_history_survives_a_broken_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "h.json"
    path.write_text("{not json", encoding="utf-8")
    h = History(path)
    assert h.lines == []
    h.add("x")
    assert History(path).lines == ["x"]
    History(None).add("nowhere")  # no file: history only for this session


def test_parser_and_history_are_pure_python() -> None:
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "tui"
    for name in ("chat.py", "history.py"):
        tree = ast.parse((root / name).read_text(encoding="utf-8"))
        modules = {
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        } | {
            node.module
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module
        }
        assert not {m.split(".")[0] for m in modules} & {"textual", "rich", "store"}, name


def test_chat_accepts_every_status_word_the_command_line_does() -> None:
    """One vocabulary: every spelling `zwgk mark` knows (store/model.py) marks in the chat."""
    from zwgk.store.model import STATUS_ALIASES

    for word, status in STATUS_ALIASES.items():
        cmd = parse(f"7 {word}")
        assert (cmd.name, cmd.status) == ("mark", status), word


def test_import_takes_the_options_of_zwgk_import() -> None:
    cmd = parse("/import /tmp/方案 2021.xlsx --split-subitems --year 2021 --plan 宣城方案")
    assert (cmd.name, cmd.text, cmd.year, cmd.title, cmd.split) == (
        "import_file",
        "/tmp/方案 2021.xlsx",
        2021,
        "宣城方案",
        True,
    )
    assert parse("/import 方案.docx").split is False
    for line, words in [
        ("/import 方案.docx --year 二〇二一", "年份"),
        ("/import 方案.docx --force", "--force"),
        ("/import --split-subitems", "文件路径"),
    ]:
        cmd = parse(line)
        assert cmd.name == "error" and words in cmd.text, line

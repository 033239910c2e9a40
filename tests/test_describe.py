"""The one-line event descriptions the CLI log and the app's transcript share."""

from __future__ import annotations

from zwgk.store.describe import describe_event, event_line
from zwgk.store.model import Event


def ev(action: str, **kw: object) -> Event:
    return Event(seq=1, ts="2020-12-15T09:30:00+08:00", user="zhang", action=action, **kw)  # type: ignore[arg-type]


def test_status_change_with_note() -> None:
    e = ev(
        "status",
        task=7,
        changes={"status": ["未开始", "已完成"], "note": ["", "已印发"]},
        note="已印发",
    )
    assert describe_event(e) == "#7 状态 未开始 → 已完成"
    assert event_line(e) == "2020-12-15 09:30 zhang #7 状态 未开始 → 已完成  备注：已印发"


def test_kinds_of_event() -> None:
    assert describe_event(ev("undo", task=3, changes={"status": ["进行中", "未开始"]})) == (
        "#3 撤销：状态 进行中 → 未开始"
    )
    assert describe_event(ev("note", task=3, changes={"note": ["", "x"]})) == "#3 添加进展"
    assert describe_event(ev("confirm", task=3, changes={"confirmed_by": [None, "li"]})) == (
        "#3 办结确认：办结确认 - → li"
    )
    assert describe_event(ev("restore")) == "恢复备份"
    assert describe_event(ev("refused", task=3)) == "#3 被拒绝"


def test_an_import_is_described_by_its_note_once() -> None:
    line = event_line(ev("import", note="导入 a.xlsx：新增 3 项，更新 0 项"))
    assert line.count("导入 a.xlsx") == 1


def test_hostile_text_is_neutralised() -> None:
    e = ev("status", task=1, changes={"status": ["\x1b[2J", "已完成"]}, note="\x1b]0;x\x07好")
    e.user = "evil\x1b[31m"
    assert "\x1b" not in event_line(e) and "\x07" not in event_line(e)

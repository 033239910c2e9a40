"""The import's fast paths give exactly what the general code gives (issue 14: import at 100k).

Each shortcut is checked against the code it stands in for, on inputs built to reach the
corners (role words, brackets, one-character pieces; NFKC-changing characters, combining
marks, compatibility ideographs), not just on the plans that made it worth writing.
"""

from __future__ import annotations

import gc
import unicodedata
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zwgk.store.context import Context
from zwgk.store.db import Store
from zwgk.store.importers.base import ParsedPlan, ParsedTask
from zwgk.store.importers.subitems import split_subitems
from zwgk.store.importers.table import _plain_units, join_lines
from zwgk.store.importing import collector_paused, import_into
from zwgk.store.pinyin import char_readings, task_keys, text_readings
from zwgk.store.unitsplit import split_units

UNIT_PIECES = [
    "区财政局", "区教育局", "各街道", "各相关部门", "区委宣传部", "市", "县", "区政府",
    "牵头", "配合", "负责", "落实", "由", "会同", "等", "协办", "参与", "按职责分工",
    "（", "）", "(", ")", "【", "】", "：", ":", "牵头单位：", "责任单位：", "各县（市、区）",
    "、", "，", ",", "；", ";", "\n", " ", "\u3000", "。", ".",
]  # fmt: skip


@settings(max_examples=600, deadline=None)
@given(st.lists(st.sampled_from(UNIT_PIECES), max_size=12))
def test_a_cell_of_plain_names_splits_as_split_units_splits_it(pieces: list[str]) -> None:
    cell = "".join(pieces).replace("\r", "\n").strip()
    plain = _plain_units(cell)
    if plain is not None:  # None: the cell needs the full splitter, which is then used
        assert (plain, []) == split_units(cell)


def test_the_usual_cells_take_the_fast_path() -> None:
    assert _plain_units("区财政局、区教育局、各街道") == ["区财政局", "区教育局", "各街道"]
    assert _plain_units("区政府办\n区信息办、区政府办") == ["区政府办", "区信息办"]
    assert _plain_units("区发改委牵头，区财政局配合") is None
    assert _plain_units("各县、市、区政府") is None  # one-character pieces are glued back


def _reference_readings(*texts: str) -> str:
    """What text_readings computed before it was made fast: one character at a time."""
    out: dict[str, str] = {}
    for text in texts:
        for ch in unicodedata.normalize("NFKC", text or ""):
            if ch not in out and (readings := char_readings(ch)):
                out[ch] = ",".join(readings)
    return "".join(ch + readings for ch, readings in out.items())


# Characters NFKC changes or composes: full-width punctuation and letters, combining marks, a
# compatibility ideograph (U+F900) and a Kangxi radical (U+2F00) that NFKC turns into hanzi,
# Hangul jamo that compose, circled numbers; and hanzi with several readings.
ALPHABET = "政务公开行重长调乐，；：（）！？　ＡＢ１ａ,;:()e\u0301\u0327ﬁ①㈠⑴\uf900\u2f00\u1100\u1161가、。"


@settings(max_examples=600, deadline=None)
@given(st.lists(st.text(alphabet=ALPHABET, max_size=30), max_size=5))
def test_text_readings_are_those_of_each_character_in_turn(texts: list[str]) -> None:
    assert text_readings(*texts) == _reference_readings(*texts)
    rec = {"text": texts[0] if texts else "", "group_title": texts[1] if texts[1:] else ""}
    rec["lead_units"] = texts[2:]
    assert task_keys(rec)["py"] == _reference_readings(*texts[:1], *texts[1:2], *texts[2:])


def test_task_keys_put_text_then_group_title_then_units() -> None:
    rec = {
        "text": "长期坚持",
        "group_title": "调整",
        "lead_units": ["区财政局"],
        "support_units": ["区行政中心"],
        "guide_units": ["区重点办"],
    }
    expected = _reference_readings("长期坚持", "调整", "区财政局", "区行政中心", "区重点办")
    assert task_keys(rec)["py"] == expected
    assert expected.startswith("长zhang,chang期qi,ji")


def test_split_subitems_without_any_number_is_the_whole_text() -> None:
    assert split_subitems("开展培训，政策解读") == ("开展培训，政策解读", [])
    assert split_subitems("开展培训：1.政策解读；2.舆情回应") == (
        "开展培训：",
        ["政策解读", "舆情回应"],
    )
    assert split_subitems("①政策解读②舆情回应")[1] == ["政策解读", "舆情回应"]


@pytest.mark.parametrize(
    ("cell", "joined"),
    [
        ("", ""),
        ("  区财政局 ", "区财政局"),
        ("\u3000区信息办\xa0", "区信息办"),
        ("区财政局\n区教育局", "区财政局区教育局"),
        ("\r区信息办\r\n", "区信息办"),
        ("ABC\nDEF", "ABC DEF"),
        ("2021年\n8月底前", "2021年8月底前"),
    ],
)
def test_join_lines_one_line_or_many(cell: str, joined: str) -> None:
    assert join_lines(cell) == joined


def test_new_tasks_never_share_lists_or_dicts(tmp_path: Path) -> None:
    plan = ParsedPlan(title="共享测试", source="t.csv", year=2021)
    plan.tasks = [
        ParsedTask(num=i, text=f"事项{i}", lead_units=["区财政局"], deadline_text="2021年6月底前")
        for i in (1, 2, 3)
    ]
    store = Store(Context(tmp_path / "z.json", date(2021, 1, 1), user="t"), seed=False)
    with store.transaction() as txn:
        import_into(txn, plan, year=None)
        records = [txn.db.table("tasks").get(doc_id=i) for i in (1, 2, 3)]
        assert all(r is not None for r in records)
        for name in ("lead_units", "support_units", "guide_units", "parts", "extra"):
            values = [r[name] for r in records if r is not None]
            assert len({id(v) for v in values}) == 3, name
        first = records[0]
        assert first is not None and first["due"] == "2021-06-30" and first["status"] == "未开始"
        assert "subitems" not in first


def test_the_collector_is_paused_then_restored() -> None:
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ValueError), collector_paused():
        raise ValueError
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # it was off before: it stays off
    finally:
        gc.enable()

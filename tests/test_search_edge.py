"""Search never throws: empty databases, odd queries, hostile input; and it never loads pypinyin."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zwgk.store.context import Context
from zwgk.store.db import Snapshot, Store
from zwgk.store.model import Task, Unit
from zwgk.store.pinyin import ensure_keys, has_keys, parse_readings, task_keys, unit_keys
from zwgk.store.search import SearchIndex, parse_query, resolve_units, search, suggest_unit

TODAY = date(2021, 1, 1)
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = Path(tmp_path_factory.mktemp("edge")) / "z.json"
    Store(Context(path, TODAY, user="tester")).snapshot()  # seeds it
    return path


@pytest.fixture(scope="module")
def snap(db: Path) -> Snapshot:
    return Store(Context(db, TODAY, user="tester")).snapshot()


@pytest.fixture(scope="module")
def index(snap: Snapshot) -> SearchIndex:
    return SearchIndex.from_snapshot(snap)


ODD = [
    "",
    " ",
    "\u3000\u3000",
    "办",
    "a",
    "，。！？（）【】",
    "   ;;; ---   ",
    "政" * 10_000,
    "a" * 10_000,
    "舆情 " * 3000,
    "\x1b[31m舆情\x1b[0m",
    "\x00\x07\x08舆\x7f情\x9b",
    "unit:",
    "status:",
    "due:",
    "due:<abc",
    "due:<99999999",
    "due:>99999",
    "#",
    "#99999999999999999999",
    "99999999999999999999",
    "status:不存在",
    "unit:不存在的单位",
    ":::",
    "(((",
    "[a-z]+.*",
    "\\",
    "🙂",
    "ｙｉｂｅｎｔｏｎｇ",
    "zhzhzhzhzhzhzhzhzhzhzhzhzhzhzhzhzh",
    "xianxianxianxianxianxianxianxianxian",
]


@pytest.mark.parametrize("query", ODD, ids=range(len(ODD)))
def test_odd_queries_answer_without_exception(index: SearchIndex, query: str) -> None:
    result = index.search(query, today=TODAY, limit=10)
    assert result.total >= len(result.hits)
    assert len(result.hits) <= 10
    for hit in result.hits:
        assert isinstance(hit.spans, list)
        assert isinstance(hit.group_spans, list)


@pytest.mark.parametrize("query", ["", "舆情", "ybt", "逾期", "unit:编办", "#3", "3", "不存在"])
def test_empty_database(tmp_path: Path, query: str) -> None:
    snap = Store(Context(tmp_path / "e.json", TODAY), seed=False).snapshot()
    result = search(snap, query, today=TODAY)
    assert result.hits == [] and result.total == 0
    empty = SearchIndex([], {})
    assert empty.search(query, today=TODAY).total == 0


def test_blank_and_punctuation_queries_list_everything(index: SearchIndex, snap: Snapshot) -> None:
    for query in ("", "   ", "，。"):
        assert index.search(query, today=TODAY).total == len(snap.tasks)


def test_long_query_is_cut_and_says_so(index: SearchIndex) -> None:
    result = index.search("舆情" + "x" * 10_000, today=TODAY)
    assert result.warnings
    assert parse_query("a " * 100).terms == ["a"] * 8


def test_control_characters_are_dropped(index: SearchIndex) -> None:
    assert index.search("\x1b[31m舆情\x1b[0m", today=TODAY).total == 3
    assert index.search("舆\x00情", today=TODAY).total == 3


def test_nothing_matched_suggests_something_known(index: SearchIndex, snap: Snapshot) -> None:
    result = index.search("网络安全", today=TODAY)
    assert result.total == 0 and result.suggestion
    result = index.search("unit:信息版", today=TODAY)
    assert result.total == 0 and result.suggestion == "区信息办" and result.warnings
    result = index.search("qxxbb", today=TODAY)
    assert result.total == 0 or result.hits[0].task.id
    assert suggest_unit("qxxbb", snap.units) == "区信息办"
    result = index.search("舆情 一本通", today=TODAY)  # each alone matches, not together
    assert result.total == 0 and result.suggestion in ("舆情", "一本通")


def test_bad_filters_narrow_instead_of_widening(index: SearchIndex) -> None:
    for query in ("status:不存在", "due:<abc", "#9999", "unit:不存在的单位"):
        result = index.search(query, today=TODAY)
        assert result.total == 0 and result.warnings, query


# -- units ------------------------------------------------------------------------------


def test_resolve_units(snap: Snapshot) -> None:
    units = snap.units
    assert resolve_units("区编办", units) == ["区编办"]
    assert resolve_units("编办", units) == ["区编办"]
    assert resolve_units("bianban", units) == ["区编办"]
    assert resolve_units("qbb", units) == ["区编办"]
    assert resolve_units("qxxb", units) == ["区信息办"]
    assert resolve_units("QXXB", units) == ["区信息办"]
    assert resolve_units("xinxiban", units) == ["区信息办"]
    assert resolve_units("quxinxiban", units) == ["区信息办"]
    assert resolve_units("信息办", units) == ["区信息办"]
    assert resolve_units("网信办", units) == ["区网信办"]
    assert resolve_units(" 区信息办 ", units) == ["区信息办"]
    assert resolve_units("部门", units) == ["各相关部门", "各部门"]  # a part of several: all
    assert resolve_units("不存在", units) == []
    assert resolve_units("", units) == []
    assert resolve_units("办", units) == []  # one character names nothing


def test_resolve_units_exact_beats_part() -> None:
    units = {
        "信息办": Unit("信息办", pinyin="xinxiban", initials="xxb"),
        "区信息办": Unit("区信息办", pinyin="quxinxiban", initials="qxxb"),
        "各街道": Unit("各街道", aliases=["各街道办"], pinyin="gejiedao", initials="gjd"),
    }
    assert resolve_units("信息办", units) == ["信息办"]
    assert resolve_units("各街道办", units) == ["各街道"]  # alias
    assert resolve_units("街道", units) == ["各街道"]


# -- pinyin keys --------------------------------------------------------------------------


def test_task_keys_keep_every_reading_and_are_json() -> None:
    rec = {"text": "银行重新调整长期规划", "group_title": "区编办", "lead_units": ["区网信办"]}
    keys = task_keys(rec)
    json.dumps(keys)
    py = parse_readings(keys["py"])
    assert {"xing", "hang"} <= set(py["行"].split(","))
    assert {"zhong", "chong"} <= set(py["重"].split(","))
    assert {"tiao", "diao"} <= set(py["调"].split(","))
    assert {"chang", "zhang"} <= set(py["长"].split(","))
    assert "bian" in py["编"] and "wang" in py["网"]  # group title and units too
    assert unit_keys("区信息办") == ("quxinxiban", "qxxb")


def test_ensure_keys_upgrades_old_records() -> None:
    rec = {"text": "编制一本通", "group_title": "", "extra": {"other": 1}}
    assert not has_keys(rec)
    assert ensure_keys(rec) is True
    assert has_keys(rec) and rec["extra"]["other"] == 1
    assert ensure_keys(rec) is False


def test_version_one_keys_still_work() -> None:
    old = {"pyv": 1, "py": {"一": "yi", "本": "ben", "通": "tong", "行": "xing hang"}}
    task = Task(id=1, plan="p", group=1, group_title="", text="一本通行", extra=old)
    index = SearchIndex([task], {})
    assert index.search("ybt", today=TODAY).total == 1
    assert index.search("tonghang", today=TODAY).total == 1


def test_search_without_keys_still_finds_chinese() -> None:
    task = Task(id=1, plan="p", group=1, group_title="组", text="编制一本通")
    index = SearchIndex([task], {})
    assert index.search("一本通", today=TODAY).total == 1
    assert index.search("ybt", today=TODAY).total == 0  # no stored keys: no pinyin, no error


def test_search_path_never_imports_pypinyin(db: Path) -> None:
    code = f"""
import sys
from datetime import date
from pathlib import Path
from zwgk.store.context import Context
from zwgk.store.db import Store
from zwgk.store.search import SearchIndex, resolve_units, search
snap = Store(Context(Path({str(db)!r}), date(2021, 1, 1))).snapshot()
for q in ["yibentong", "ybt", "xinxiban", "一本同", "网络安全", "unit:qxxb", "zzzz"]:
    r = search(snap, q, today=date(2021, 1, 1))
    [h.spans for h in r.hits]
resolve_units("qxxb", snap.units)
assert "pypinyin" not in sys.modules, "pypinyin was imported"
print("ok")
"""
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


ALPHABET = "公开政务舆情信息办区编网站专栏村(居)（）【】，。、 ：:#<>0123456789abcxyzqbtngh\x00\x1b\t\n🙂ｙ１"


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=st.text(alphabet=ALPHABET, max_size=40))
def test_any_query_answers_with_spans_inside_the_text(index: SearchIndex, query: str) -> None:
    result = index.search(query, today=TODAY, limit=5)
    assert result.total >= len(result.hits)
    for hit in result.hits:
        for text, spans in ((hit.task.text, hit.spans), (hit.task.group_title, hit.group_spans)):
            for a, b in spans:
                assert 0 <= a < b <= len(text)

"""Relevance of `store.search` over the bundled seed plan (29 tasks).

Each row: a query, then what the top of the result must look like. Rows are checked against
the seed's own data where possible (units, due dates), so a better deadline parser or unit
splitter elsewhere does not break them for the wrong reason.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from zwgk.store.context import Context
from zwgk.store.db import Snapshot, Store
from zwgk.store.model import DOING, DONE
from zwgk.store.search import SearchIndex, norm, search

TODAY = date(2021, 1, 1)


@pytest.fixture(scope="module")
def snap(tmp_path_factory: pytest.TempPathFactory) -> Snapshot:
    path = Path(tmp_path_factory.mktemp("seed")) / "z.json"
    store = Store(Context(path, TODAY, user="tester"))
    store.set_status(3, DOING)
    store.set_status(22, DONE)
    return store.snapshot()


@pytest.fixture(scope="module")
def index(snap: Snapshot) -> SearchIndex:
    return SearchIndex.from_snapshot(snap)


def ids(index: SearchIndex, query: str, limit: int = 50, today: date = TODAY) -> list[int]:
    return [h.task.id for h in index.search(query, today=today, limit=limit).hits]


def with_unit(snap: Snapshot, unit: str, role: str = "any") -> set[int]:
    return {t.id for t in snap.tasks.values() if unit in t.units(role)}


# (query, ids that must be the first hits in this order-insensitive set, total or None)
TOP = [
    ("一本通", {22}, 1),  # plain Chinese word
    ("村居务公开", {25}, None),  # brackets in the text must not block: 村(居)务公开
    ("（居）务", {25}, None),  # ... nor brackets in the query
    ("网站专栏", {6}, None),  # group title 设置网站公开专栏 + text ...专栏
    ("舆请", {7, 14, 15}, None),  # one wrong character
    ("一本同", {22}, None),  # one wrong character in a three-character word
    ("一本", {22}, 1),
    ("舆情", {7, 14, 15}, 3),
    ("办事大厅", {21}, 1),
    ("yibentong", {22}, None),  # full pinyin
    ("ybt", {22}, None),  # initials
    ("yibent", {22}, None),  # the syllable still being typed
    ("xingzheng", {17, 18}, 2),  # 行 read xing (heteronym)
    ("hangzheng", {17, 18}, 2),  # ... and its other reading hang
    ("网信办", {14, 15}, 2),  # unit part
    ("舆情 网信办", {14, 15}, 2),  # AND of a word and a unit
    ("#7", {7}, 1),
    ("7", {7}, None),  # bare number: that task first
    ("12345", {23}, 1),
    ("１２３４５", {23}, 1),  # full-width digits (NFKC)
    ("unit:编办 目录", {4, 28}, 2),
    ("status:进行中", {3}, 1),
    ("状态:进行中", {3}, 1),
    ("status:doing", {3}, 1),
    ("status：done", {22}, 1),  # full-width colon
    ("zhengce jiedu", {7, 16}, None),  # two pinyin terms
    ("政策解读", {7, 16}, 2),
]


@pytest.mark.parametrize(("query", "top", "total"), TOP, ids=[r[0] for r in TOP])
def test_top_results(index: SearchIndex, query: str, top: set[int], total: int | None) -> None:
    result = index.search(query, today=TODAY)
    got = [h.task.id for h in result.hits]
    assert set(got[: len(top)]) == top, got
    if total is not None:
        assert result.total == total


def test_unit_names_rank_that_units_tasks_first(index: SearchIndex, snap: Snapshot) -> None:
    for query, unit in [
        ("编办", "区编办"),
        ("信息办", "区信息办"),
        ("xinxiban", "区信息办"),
        ("qxxb", "区信息办"),
        ("区信息办", "区信息办"),
        ("gjd", "各街道"),
        ("bianban", "区编办"),
    ]:
        result = index.search(query, today=TODAY)
        own = with_unit(snap, unit)
        got = [h.task.id for h in result.hits]
        assert set(got[: len(own)]) == own, (query, got)
        assert result.hits[0].matched == "unit"
    # lead units before guiding ones
    first = index.search("信息办", today=TODAY).hits[0].task
    assert "区信息办" in first.lead_units


def test_unit_filter_is_exact(index: SearchIndex, snap: Snapshot) -> None:
    assert set(ids(index, "unit:编办")) == with_unit(snap, "区编办")
    assert set(ids(index, "单位:qxxb")) == with_unit(snap, "区信息办")


def test_overdue_and_due_filters(index: SearchIndex, snap: Snapshot) -> None:
    overdue = {t.id for t in snap.tasks.values() if t.overdue(TODAY)}
    assert overdue
    assert set(ids(index, "逾期")) == overdue
    assert set(ids(index, "overdue")) == overdue
    assert set(ids(index, "status:逾期")) == overdue
    day = date(2021, 6, 1)
    soon = {t.id for t in snap.tasks.values() if t.due and day <= t.due <= day + timedelta(30)}
    assert soon
    assert set(ids(index, "due:<30", today=day)) == soon
    assert set(ids(index, "逾期 公开", today=day)) <= {
        t.id for t in snap.tasks.values() if t.overdue(day)
    }


def test_exact_beats_fuzzy_and_text_beats_group(index: SearchIndex) -> None:
    hits = index.search("网站", today=TODAY).hits
    kinds = [(h.task.id, h.matched) for h in hits]
    text_ids = [i for i, k in kinds if k == "text"]
    group_ids = [i for i, k in kinds if k == "group"]
    assert 6 in group_ids and text_ids  # 设置网站公开专栏 is only the group title
    assert kinds.index((6, "group")) > max(kinds.index((i, "text")) for i in text_ids)
    hits = index.search("舆情回应", today=TODAY).hits
    assert hits[0].task.id == 7 and hits[0].matched == "text"
    assert all(a.score >= b.score for a, b in zip(hits, hits[1:], strict=False))


def test_generic_word_prefers_text_over_a_piece_of_a_unit_name(index: SearchIndex) -> None:
    hit = index.search("政务", today=TODAY).hits[0]
    assert "政务" in hit.task.text


def test_ties_break_by_due_then_id(index: SearchIndex) -> None:
    hits = index.search("公开", today=TODAY).hits
    for a, b in zip(hits, hits[1:], strict=False):
        if a.score == b.score:
            ka = (a.task.due is None, a.task.due or date.min, a.task.id)
            kb = (b.task.due is None, b.task.due or date.min, b.task.id)
            assert ka < kb


def test_scores_are_stable(snap: Snapshot) -> None:
    a = SearchIndex.from_snapshot(snap).search("公开 xinxiban", today=TODAY)
    b = SearchIndex.from_snapshot(snap).search("公开 xinxiban", today=TODAY)
    assert [(h.task.id, h.score) for h in a.hits] == [(h.task.id, h.score) for h in b.hits]


# -- spans -------------------------------------------------------------------------------


def test_spans_cover_the_matched_characters(index: SearchIndex, snap: Snapshot) -> None:
    hit = index.search("村居务公开", today=TODAY).hits[0]
    assert hit.spans == [(4, 11)]
    assert hit.task.text[4:11] == "村(居)务公开"
    hit = index.search("yibentong", today=TODAY).hits[0]
    assert [hit.task.text[a:b] for a, b in hit.spans] == ["一本通"]
    hit = index.search("xingzheng", today=TODAY).hits[0]
    assert [hit.task.text[a:b] for a, b in hit.spans] == ["行政"]
    hit = index.search("舆情 网信", today=TODAY).hits[0]
    assert {hit.task.text[a:b] for a, b in hit.spans} == {"舆情", "网信"}
    hit = index.search("网站专栏", today=TODAY).hits[0]
    title = hit.task.group_title
    assert {title[a:b] for a, b in hit.group_spans} == {"网站", "专栏"}


@pytest.mark.parametrize("query", ["公开", "zhengwu", "舆请", "政务工开", "12345", "一本同"])
def test_every_span_is_inside_the_text_and_matches(index: SearchIndex, query: str) -> None:
    for hit in index.search(query, today=TODAY).hits:
        assert hit.spans or hit.group_spans or hit.matched == "unit", hit
        for text, spans in ((hit.task.text, hit.spans), (hit.task.group_title, hit.group_spans)):
            prev = -1
            for a, b in spans:
                assert prev <= a < b <= len(text)
                assert norm(text[a:b])  # never only punctuation
                prev = b


def test_module_level_search_reuses_the_index(snap: Snapshot) -> None:
    first = search(snap, "舆情", today=TODAY)
    again = search(snap, "舆情", today=TODAY, limit=1)
    assert first.total == again.total == 3
    assert len(again.hits) == 1


def test_hit_json_and_warm(snap: Snapshot) -> None:
    index = SearchIndex.from_snapshot(snap)
    index.warm()
    hit = index.search("一本通", today=TODAY).hits[0]
    data = hit.to_json(TODAY)
    assert data["id"] == 22 and data["spans"] == [[9, 12]] and data["score"] == 100.0
    assert data["matched"] == "text"


@pytest.mark.parametrize("query", ["zfb", "zhfb", "zhengfuban", "zhengfb"])
def test_pinyin_with_two_letter_initials_and_mixed_forms(index: SearchIndex, query: str) -> None:
    # zh may be typed as z or zh; full syllables and initials may mix (zhengfb)
    hit = index.search(query, today=TODAY).hits[0]
    assert "区政府办" in hit.task.units(), query


@pytest.mark.parametrize("query", ["zxpx", "zhxpx", "zhuanxiangpeixun", "xinxigongkai"])
def test_pinyin_readings_with_different_first_tokens(index: SearchIndex, query: str) -> None:
    # zh|x|p|x and z|h|x|p|x start differently: both are searched in one regex pass
    hit = index.search(query, today=TODAY).hits[0]
    assert hit.task.id == 13 and hit.matched == "pinyin"
    assert all(hit.task.text[a:b] for a, b in hit.spans)


def test_homophone_typos_rank_first_among_typos(index: SearchIndex) -> None:
    hits = index.search("舆请", today=TODAY).hits
    assert [h.task.id for h in hits][:3] and {h.task.id for h in hits[:3]} == {7, 14, 15}
    assert hits[0].score > hits[-1].score  # 申请/邀请 (one wrong, not a homophone) come last
    hit = index.search("一本同", today=TODAY).hits[0]
    assert [hit.task.text[a:b] for a, b in hit.spans] == ["一本通"]

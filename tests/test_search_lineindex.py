"""The line index (store/search/lineindex.py) answers exactly as the scan it replaces: an index
built the ordinary way (every word scanned for) and the same index prepared for the read
snapshot (words looked up by character and pair) give the same hits, order, scores, kinds,
totals, spans and suggestions, for every prefix of many words typed a keystroke at a time."""

from __future__ import annotations

import sys
from datetime import date

import pytest
from conftest import ROOT

from zwgk.store.search import SearchIndex, SearchResult
from zwgk.store.search.lineindex import LineIndex, rare_below
from zwgk.store.service import Service

sys.path.insert(0, str(ROOT / "bench"))
from gen import make_plan, plan_name  # noqa: E402

TODAY = date(2021, 6, 1)
WORDS = [
    "舆情回应", "政策解读", "公开目录", "财政局", "政务公开事项清单", "信息公开", "依申请公开",
    "区政府办", "各街道", "zcjd", "zwgk", "yiqing", "zhengce", "xxgk", "gkml", "shuju",
    "逾期", "舆请", "公开木录", "政策解渎", "财正局", "公", "开", "的", "xinxi gongkai",
    "政策 解读", "unit:区政府办 公开", "status:未开始 zc", "2021", "7", "zz", "a", "ü",
    # runs of initials (store/search/initials.py), alone, after a word, beside full syllables
    "gkzd", "zhcj", "zcjdgz", "xxgkzd", "sjgx", "zwgk zcjd", "公开 gkml", "zhengcejd", "hx",
]  # fmt: skip


@pytest.fixture(scope="module")
def indexes(tmp_path_factory: pytest.TempPathFactory) -> tuple[SearchIndex, SearchIndex]:
    """(scanning, indexed) over a generated plan of 3,000 tasks."""
    from zwgk.store.context import Context
    from zwgk.store.db import Store

    tmp = tmp_path_factory.mktemp("lineindex")
    csv = tmp / plan_name(3000)
    make_plan(csv, 3000)
    store = Store(Context(tmp / "zwgk.json", TODAY, user="测试"))
    Service(store).import_file(csv)
    snap = store.snapshot()
    scanning = SearchIndex(snap.tasks, snap.units, snap.reach if snap.directory else None)
    state = SearchIndex(snap.tasks, snap.units, snap.reach if snap.directory else None).prepared()
    statuses = [t.status for t in scanning.tasks]
    indexed = SearchIndex.from_prepared(state, scanning.tasks, statuses)
    assert scanning._text_lines is None and indexed._text_lines is not None
    return scanning, indexed


def described(result: SearchResult) -> tuple[object, ...]:
    hits = [(h.task.id, h.score, h.matched, h.spans, h.group_spans) for h in result.hits]
    return (result.total, hits, result.suggestion, result.warnings)


def same_for_every_prefix(
    scanning: SearchIndex, indexed: SearchIndex, words: list[str], limit: int = 200
) -> int:
    """Each prefix of each word, as typed a key at a time, finds the same with both indexes
    (hits, scores, spans, suggestion, warnings); the number of queries checked."""
    checked = 0
    for word in words:
        for i in range(1, len(word) + 1):
            query = word[:i]
            want = described(scanning.search(query, today=TODAY, limit=limit))
            assert described(indexed.search(query, today=TODAY, limit=limit)) == want, query
            checked += 1
    return checked


def test_every_prefix_finds_the_same_with_and_without_the_line_index(
    indexes: tuple[SearchIndex, SearchIndex],
) -> None:
    scanning, indexed = indexes
    assert same_for_every_prefix(scanning, indexed, WORDS) > 120


def test_pairs_rarer_than_the_threshold_are_scanned_for(
    indexes: tuple[SearchIndex, SearchIndex],
) -> None:
    """A word holding a pair the index leaves out is found by scanning, with the same lines."""
    scanning, indexed = indexes
    lines = indexed._text_lines
    assert lines is not None
    pairs: dict[str, int] = {}
    for text in scanning.norm:
        for pair in {text[i : i + 2] for i in range(len(text) - 1)}:
            pairs[pair] = pairs.get(pair, 0) + 1
    rare = [p for p, k in pairs.items() if k < rare_below(scanning.n)][:40]
    assert rare and all(p not in lines.pairs for p in rare)
    for pair in rare:
        assert indexed.text_bits(pair) == scanning.text_bits(pair)
        assert indexed.text_bits(pair) != 0


def test_a_line_index_of_few_lines() -> None:
    lines = LineIndex.build(["甲乙丙", "", "乙丙乙", "丁"], all_pairs=True)
    assert lines.char_lines("乙") == 0b101
    assert lines.char_lines("乙丁") == 0b1101
    assert lines.char_lines("戊") == 0
    assert lines.pair_lines("乙", "丙") == 0b101
    assert lines.pair_lines("甲乙", "丙乙") == 0b101
    assert lines.pair_lines("丙", "丁") == 0
    again = LineIndex.from_state(lines.state())
    assert again.pairs == lines.pairs and again.uni == lines.uni
    assert LineIndex.build([]).char_lines("甲") == 0


def test_the_prepared_index_keeps_it(indexes: tuple[SearchIndex, SearchIndex]) -> None:
    import marshal

    scanning, _ = indexes
    fresh = SearchIndex(scanning.tasks, scanning.units)
    state = marshal.loads(marshal.dumps(fresh.prepared()))
    assert set(state["text_lines"][1]) == set(scanning.hay) - {"\n"}


@pytest.mark.parametrize("all_pairs", [False, True])
def test_runs_are_certain_only_where_the_pairs_must_chain(all_pairs: bool) -> None:
    """`run_lines`: certain lines hold the word, the others may; a line holding both pairs of
    甲乙丙 apart (乙 followed by different characters) is left to be checked."""
    texts = ["甲乙丙", "乙丙甲乙", "甲乙丁乙丙", "丙", "甲乙丙乙丙", "丁甲乙丙甲乙丙"]
    lines = LineIndex.build(texts, all_pairs=all_pairs)
    for word in ["甲乙丙", "乙丙", "甲乙丙甲", "丙甲乙丙", "乙丁乙", "丁"]:
        holding = sum(1 << p for p, t in enumerate(texts) if word in t)
        certain, maybe = lines.run_lines(word)
        assert certain & ~holding == 0 and certain & maybe == 0, word
        assert holding & ~(certain | maybe) == 0, word
    certain, maybe = lines.run_lines("甲乙丙")
    if all_pairs:  # 乙 always before 丙 on lines 0, 4, 5; lines 1 and 2 hold both pairs
        assert certain == 0b110001 and maybe == 0b000110
    else:  # six lines: every pair is rare, only bucketed, so nothing is certain
        assert certain == 0 and maybe & 0b110001 == 0b110001


def test_group_titles_hit_reach_their_tasks_however_many(
    indexes: tuple[SearchIndex, SearchIndex],
) -> None:
    """`groups_bits`: few groups hit (their member lists joined) or many (each line looks its
    group up) give each hit group's tasks, in both kinds of index."""
    from zwgk.store.search.bitsets import regex_find

    for index in indexes:
        titles, members = index.group_titles, index.group_members
        for word in ["公开", "政策解读", "的", "工作", "舆情回应机制", "无此词"]:
            want = sum(1 << p for g, t in enumerate(titles) if word in t for p in members[g])
            assert index.group_bits(word) == want, word
        for word in ["z", "zc", "gk", "zhengce"]:
            for pat in index.pinyin_patterns(word):
                coded = [index.to_codes(t) for t in titles]
                hit = [g for g, t in enumerate(coded) if pat.rx.search(t)]
                want = sum(1 << p for g in hit for p in members[g])
                assert index.groups_bits(regex_find(pat.rx), coded=True) == want, word

"""The line index against the scan on the real sample plans (tests/fixtures/import): they use
many more distinct characters than the generated plan, so most pairs are rare (kept in
buckets) and long words chain through characters with mixed neighbours. Every prefix of
words cut from the plans' own texts, and of pinyin and typos, finds the same both ways."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from conftest import SAMPLES
from test_search_lineindex import same_for_every_prefix

from zwgk.store.search import SearchIndex
from zwgk.store.service import Service

TODAY = date(2021, 6, 1)
PINYIN = [
    "zcjd", "gkml", "xxgk", "zwgk", "shuju", "zhengwu gongkai", "jzs", "ybt", "zz",
    "gkzd", "zhcj", "xzsp", "sjzl", "cz", "hx", "zfxxgk", "zcjdgz", "公开 zc", "zhengcejd",
]  # fmt: skip


def _indexes(tmp: Path, sample: str) -> tuple[SearchIndex, SearchIndex]:
    from zwgk.store.context import Context
    from zwgk.store.db import Store

    store = Store(Context(tmp / "zwgk.json", TODAY, user="测试"))
    Service(store).import_file(SAMPLES / sample)
    snap = store.snapshot()
    scanning = SearchIndex(snap.tasks, snap.units, snap.reach if snap.directory else None)
    state = SearchIndex(snap.tasks, snap.units, snap.reach if snap.directory else None).prepared()
    statuses = [t.status for t in scanning.tasks]
    return scanning, SearchIndex.from_prepared(state, scanning.tasks, statuses)


def _words(index: SearchIndex) -> list[str]:
    """Pieces of 2 to 7 characters from every third text, at varied places."""
    out: list[str] = []
    for k, text in enumerate(index.norm[::3]):
        if len(text) > 8:
            start = (k * 5) % (len(text) - 7)
            out.append(text[start : start + 2 + k % 6])
    return out


@pytest.mark.parametrize("sample", ["jingzhou-2022.docx", "merged.docx"])
def test_every_prefix_finds_the_same_on_a_real_plan(tmp_path: Path, sample: str) -> None:
    scanning, indexed = _indexes(tmp_path, sample)
    words = _words(scanning)
    typos = [w[:1] + "某" + w[2:] for w in words if len(w) > 3][:10]
    assert same_for_every_prefix(scanning, indexed, [*words, *PINYIN, *typos], limit=100) > 100
    # the words themselves, looked up one by one
    for word in words:
        assert indexed.text_bits(word) == scanning.text_bits(word) != 0, word

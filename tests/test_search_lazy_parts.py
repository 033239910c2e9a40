"""The prepared search index as the read snapshot keeps it (store/readviews.py): each part
marshalled on its own (search/marshalled.py) and read on first use answers exactly as an
index built the ordinary way, and a run of initials never unmarshals the texts, their codes
or the code line index."""

from __future__ import annotations

import marshal
import sys
from datetime import date

import pytest
from conftest import ROOT

from zwgk.store.search import SearchIndex, SearchResult
from zwgk.store.search.marshalled import Marshalled
from zwgk.store.service import Service

sys.path.insert(0, str(ROOT / "bench"))
from gen import make_plan, plan_name  # noqa: E402

TODAY = date(2021, 6, 1)
WORDS = [
    "zcjd", "gkml", "xxgkzd", "zwgk zcjd", "zhengce", "政策解读", "舆请", "公开木录", "公",
    "unit:区政府办 公开", "status:未开始 zc", "区政府办", "各街道", "2021", "7", "a",
]  # fmt: skip


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[SearchIndex, dict[str, bytes]]:
    """(an index built the ordinary way, its prepared state packed as the snapshot keeps it)."""
    from zwgk.store.context import Context
    from zwgk.store.db import Store

    tmp = tmp_path_factory.mktemp("lazy")
    csv = tmp / plan_name(1500)
    make_plan(csv, 1500)
    store = Store(Context(tmp / "zwgk.json", TODAY, user="测试"))
    Service(store).import_file(csv)
    snap = store.snapshot()
    reach = snap.reach if snap.directory else None
    scanning = SearchIndex(snap.tasks, snap.units, reach)
    packed = Marshalled.pack(SearchIndex(snap.tasks, snap.units, reach).prepared())
    return scanning, marshal.loads(marshal.dumps(packed))  # as a later process reads it


def loaded(built: tuple[SearchIndex, dict[str, bytes]]) -> tuple[SearchIndex, Marshalled]:
    scanning, packed = built
    state = Marshalled(packed)
    statuses = [t.status for t in scanning.tasks]
    return SearchIndex.from_prepared(state, scanning.tasks, statuses), state


def described(result: SearchResult) -> tuple[object, ...]:
    hits = [(h.task.id, h.score, h.matched, h.spans, h.group_spans) for h in result.hits]
    return (result.total, hits, result.suggestion, result.warnings)


@pytest.mark.parametrize("word", WORDS)
def test_a_lazily_loaded_index_finds_the_same(
    built: tuple[SearchIndex, dict[str, bytes]], word: str
) -> None:
    scanning, _ = built
    index, _ = loaded(built)  # fresh: nothing unmarshalled before this query
    assert described(index.search(word, today=TODAY, limit=30)) == described(
        scanning.search(word, today=TODAY, limit=30)
    )


def test_runs_of_initials_leave_the_texts_marshalled(
    built: tuple[SearchIndex, dict[str, bytes]],
) -> None:
    index, state = loaded(built)
    result = index.search("zcjd", today=TODAY, limit=20)
    assert result.total > 0
    read = set(state._done)
    assert not read & {"hay", "coded_hay"}, read
    coded = index._coded_lines
    assert coded is not None
    assert isinstance(coded.pairs, Marshalled) and coded.pairs._raw is None  # never opened
    assert index.hay == built[0].hay and "hay" in state._done  # read when first needed
    assert index._coded_hay == built[0]._coded_hay


def test_a_loaded_index_prepares_the_same_state(
    built: tuple[SearchIndex, dict[str, bytes]],
) -> None:
    _, packed = built
    index, _ = loaded(built)
    index.search("unit:区政府办 zcjd", today=TODAY)  # some unit positions unpacked
    again = Marshalled.pack(index.prepared())
    for key in ("hay", "coded_hay", "coded", "lines", "unit_pos", "initials", "group_of"):
        assert marshal.loads(again[key]) == marshal.loads(packed[key]), key


def test_a_marshalled_mapping() -> None:
    values = {"甲": 1 << 70, "乙": b"\x01\x00\x00\x00", "丙": None}
    for raw in (Marshalled.pack(values), Marshalled.pack(values, whole=True)):
        found = Marshalled(raw)
        assert len(found) == 3 and list(found) == ["甲", "乙", "丙"]
        assert "甲" in found and "丁" not in found
        assert found["甲"] == 1 << 70 and found.get("乙") == b"\x01\x00\x00\x00"
        assert found.get("丙", 5) is None and found.get("丁", 5) == 5
        with pytest.raises(KeyError):
            found["丁"]
        assert dict(found.items()) == values
        assert Marshalled.pack(found, whole=isinstance(raw, bytes)) == raw

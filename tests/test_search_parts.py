"""The prepared search index in parts (store/readviews.py `search_part`, `SearchIndex.LATER`).

The read snapshot keeps the texts, their pinyin codes and the two line indexes each in a
section of its own. `zwgk search` (one query, then the process ends) reads a part only when
its query first needs it; the app loads every part at once and keeps no section's bytes. A
part that is damaged, missing or no longer readable is made again from the tasks (or, a line
index, done without): the answers are the ordinary search's in every case.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SEED_TODAY

from zwgk.store.db import Store
from zwgk.store.readcache import ReadCache, open_cache
from zwgk.store.readviews import index_in_view, search_index, search_part
from zwgk.store.search import search
from zwgk.store.search.index import LATER, SearchIndex
from zwgk.store.snapfile import SnapFile, snap_path

PARTS = [search_part(key) for key in LATER]
# initials (by position), words (line index, then the texts), pinyin, a homophone slip, a
# unit, an id, a filter, two words, nothing at all
QUERIES = ["zwgk", "公开", "政务公开 目录", "gkml", "zhengwu", "zw", "舆请", "区信息办", "7"]
QUERIES += ["status:进行中 公开", "zc", "无此词语"]


def answer(index: SearchIndex, query: str) -> tuple[object, ...]:
    found = index.search(query, today=SEED_TODAY, limit=30)
    hits = [(h.task.id, h.score, h.matched, h.spans, h.group_spans) for h in found.hits]
    return found.total, found.suggestion, hits


def answers_as_before(index: SearchIndex, reference: dict[str, tuple[object, ...]]) -> None:
    """Every query answers exactly as the index made in one piece did."""
    for q in QUERIES:
        assert answer(index, q) == reference[q], q


@pytest.fixture
def seeded(store: Store) -> Path:
    store.ensure_seeded()
    cache = open_cache(store.path)  # makes the snapshot, the search index's parts with it
    assert cache is not None
    cache.close()
    return store.path


@pytest.fixture
def reference(seeded: Path, store: Store) -> dict[str, tuple[object, ...]]:
    """Each query's answer from the ordinary search of the task file."""
    snap = store.snapshot()
    out = {}
    for q in QUERIES:
        found = search(snap, q, today=SEED_TODAY, limit=30)
        hits = [(h.task.id, h.score, h.matched, h.spans, h.group_spans) for h in found.hits]
        out[q] = (found.total, found.suggestion, hits)
    return out


@pytest.fixture
def cache(seeded: Path) -> Iterator[ReadCache]:
    found = open_cache(seeded, rebuild=False)
    assert found is not None
    yield found
    found.close()


@pytest.fixture
def lazy_index(cache: ReadCache) -> SearchIndex:
    """The index `zwgk search` makes: its parts read from `cache` when first used."""
    index = search_index(cache, None, lazy=True)
    assert index is not None
    return index


def test_the_snapshot_keeps_each_part_in_its_own_section(seeded: Path) -> None:
    kept = SnapFile.open(snap_path(seeded))
    assert kept is not None
    assert {"search", *PARTS} <= set(kept.sections)
    kept.close()


def test_a_query_reads_only_the_parts_it_uses(
    cache: ReadCache, lazy_index: SearchIndex, reference: dict[str, tuple[object, ...]]
) -> None:
    index = lazy_index
    assert answer(index, "zwgk") == reference["zwgk"]  # runs of initials: by position
    assert not set(PARTS) & set(cache.sections), "initials read a part they do not need"
    assert answer(index, "公开") == reference["公开"]
    assert search_part("text_lines") in cache.sections
    assert search_part("coded_hay") not in cache.sections
    answers_as_before(index, reference)


def test_the_app_loads_every_part_and_keeps_no_bytes(
    cache: ReadCache, reference: dict[str, tuple[object, ...]]
) -> None:
    index = index_in_view(cache, cache.view_titles(None))
    assert index is not None
    assert set(PARTS) <= set(cache.sections)
    assert not index._later
    assert all(name in vars(index) for name in LATER.values())
    assert not {name for name in cache.raw if name.startswith("search")}
    answers_as_before(index, reference)


@pytest.mark.parametrize("part", PARTS)
@pytest.mark.parametrize("lazy", [True, False], ids=["command", "app"])
def test_a_damaged_part_is_made_again(
    seeded: Path, reference: dict[str, tuple[object, ...]], part: str, lazy: bool
) -> None:
    snap = snap_path(seeded)
    kept = SnapFile.open(snap)
    assert kept is not None
    offset, length, _ = kept.sections[part]
    kept.close()
    bad = bytearray(snap.read_bytes())
    bad[offset + length // 2] ^= 0x55
    snap.write_bytes(bytes(bad))
    cache = ReadCache(seeded)
    assert cache.attach()  # the part is only checked when read
    try:
        index = search_index(cache, None, lazy=lazy)
        assert index is not None
        answers_as_before(index, reference)
    finally:
        cache.close()


def test_parts_asked_for_after_the_snapshot_is_closed_are_made_again(
    cache: ReadCache, lazy_index: SearchIndex, reference: dict[str, tuple[object, ...]]
) -> None:
    index = lazy_index
    assert cache.file is not None
    cache.file.close()  # (its descriptor's number may be another file's by now)
    assert cache.file.raw("search") is None
    answers_as_before(index, reference)


def test_a_copy_of_a_lazy_index_loads_its_own_parts(
    lazy_index: SearchIndex, reference: dict[str, tuple[object, ...]]
) -> None:
    import copy

    index = lazy_index
    twin = copy.copy(index)
    assert answer(index, "公开") == reference["公开"]
    assert answer(twin, "政务公开 目录") == reference["政务公开 目录"]


# -- what `zwgk search` loads in a fresh interpreter ------------------------------------------
NOT_FOR_INITIALS = [
    "zwgk.store.search.lineindex",  # a part's line index: not read for a run of initials
    "zwgk.store.search.suggest",  # only after an empty result
    "zwgk.store.db",
    "zwgk.store.service",
    "zwgk.store.loading",
    "tinydb",
    "rapidfuzz",
    "pypinyin",
    "textual",
]


def test_a_search_of_initials_loads_no_part_and_no_module_it_does_not_use(seeded: Path) -> None:
    from test_mark_startup import modules_after

    env = {k: v for k, v in os.environ.items() if not k.startswith("ZWGK_")}
    env.update(ZWGK_DB=str(seeded), ZWGK_USER="tester", ZWGK_TODAY=SEED_TODAY.isoformat())
    env["NO_COLOR"] = "1"
    rc, out, modules = modules_after(["search", "zwgk", "--json"], env)
    assert rc == 0 and '"matched": "pinyin"' in out
    loaded = sorted(
        m for m in modules for name in NOT_FOR_INITIALS if m == name or m.startswith(name + ".")
    )
    assert loaded == [], f"`zwgk search zwgk` imported {loaded}"
    assert "zwgk.store.search.initials" in modules  # (the guard sees the search's modules)

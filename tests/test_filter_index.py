"""A `TaskFilter` through the search index's bitsets equals `TaskFilter.apply`, task for task
and in the same order (the app's views take the bitset path once the index is built)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from conftest import ROOT, SEED_TODAY
from hypothesis import given, settings
from hypothesis import strategies as st

from zwgk.store.context import Context
from zwgk.store.db import Store
from zwgk.store.errors import InputError
from zwgk.store.filters import TaskFilter
from zwgk.store.search import SearchIndex
from zwgk.store.search.masks import filter_tasks
from zwgk.store.service import Service
from zwgk.store.snapshot import Snapshot

WORDS = ["编办", "区信息办", "各街道", "甘棠街道", "信息办", "政府办", "qxxb", "教育局", "网信办"]


def _snapshots() -> list[Snapshot]:
    import tempfile
    from pathlib import Path

    out = []
    for directory in (False, True):
        folder = Path(tempfile.mkdtemp(prefix="zwgk-flt-"))
        service = Service(Store(Context(folder / "z.json", SEED_TODAY, user="tester")))
        for task_id, status in ((1, "已完成"), (4, "进行中"), (10, "受阻"), (14, "进行中")):
            service.mark(task_id, status, "")
        if directory:
            service.import_directory(ROOT / "data" / "example_directory.csv")
        out.append(service.snapshot())
    return out


SNAPS = _snapshots()
INDEXES = [SearchIndex.from_snapshot(s) for s in SNAPS]
days = st.one_of(st.none(), st.integers(-200, 800).map(lambda n: SEED_TODAY + timedelta(n)))


@settings(max_examples=300, deadline=None)
@given(
    which=st.integers(0, 1),
    units=st.lists(st.sampled_from(WORDS), max_size=2),
    role=st.sampled_from(["any", "lead", "support", "guide"]),
    statuses=st.lists(st.sampled_from(["未开始", "进行中", "受阻", "已完成"]), max_size=2),
    overdue=st.booleans(),
    due_from=days,
    due_to=days,
    by_due=st.booleans(),
)
def test_bitsets_equal_apply(
    which: int,
    units: list[str],
    role: str,
    statuses: list[str],
    overdue: bool,
    due_from: date | None,
    due_to: date | None,
    by_due: bool,
) -> None:
    snap, index = SNAPS[which], INDEXES[which]
    flt = TaskFilter(
        units=tuple(units),
        role=role,
        statuses=tuple(statuses),
        overdue=overdue,
        due_from=due_from,
        due_to=due_to,
        by_due=by_due,
    )
    try:
        want = [t.id for t in flt.apply(snap, SEED_TODAY)]
    except InputError:
        with pytest.raises(InputError):
            filter_tasks(index, flt, SEED_TODAY)
        return
    assert [t.id for t in filter_tasks(index, flt, SEED_TODAY)] == want

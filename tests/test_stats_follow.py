"""Stats that follow changes (`Tally.remove` / `replace`, the board's live numbers): after any
sequence of changed tasks the tallies are exactly what a full `compute` of the new tasks gives,
in every bucket — units by role (by parts, collective words expanded, with a directory), groups,
months, totals, overdue, confirmed — with no bucket left empty."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from test_export_golden import DEPARTMENTS, GUIDES, STREETS, TODAY, golden_snapshot

from zwgk.store import record
from zwgk.store.model import STATUSES, Task
from zwgk.store.parts import assignments
from zwgk.store.snapshot import Snapshot
from zwgk.store.stats import Tally, compute


@cache
def base(directory: bool) -> Snapshot:
    """60 tasks in two plans (few to a bucket, so changes empty some), with a unit directory
    whose units' parts are recorded, or without one (names in cells stand for themselves).
    Never changed: tests copy its tasks."""
    return golden_snapshot(60, directory=directory)


# Collective words the directory covers (各街道, 各相关部门) and one it does not (各部门).
UNIT_CELLS = [*DEPARTMENTS[:14], *STREETS[:3], "各街道", "各相关部门", "各部门", *GUIDES]

# One change: which task (an index into the plan), and the fields it gets.
change = st.tuples(
    st.integers(0, 10_000),
    st.fixed_dictionaries(
        {},
        optional={
            "status": st.sampled_from(STATUSES),
            "due": st.none() | st.integers(-400, 400).map(lambda d: TODAY + timedelta(days=d)),
            "confirmed_by": st.sampled_from([None, "王五"]),
            "parts": st.lists(st.tuples(st.integers(0, 40), st.sampled_from(STATUSES)), max_size=4),
            "lead_units": st.lists(st.sampled_from(UNIT_CELLS), min_size=1, max_size=3),
            "guide_units": st.lists(st.sampled_from(UNIT_CELLS), max_size=2),
            "group": st.sampled_from([None, 1, 2, 999]),
            "gone": st.booleans(),  # the task leaves (deleted, or out of the plan shown)
        },
    ),
)


def changed(snap: Snapshot, task: Task, fields: dict[str, Any]) -> Task | None:
    """`task` with `fields`: `parts` as (which of its units, status) pairs, recorded."""
    fields = dict(fields)
    if fields.pop("gone", False):
        return None
    if "parts" in fields:
        units = [u for u, _, _ in assignments(task, snap.directory)]
        fields["parts"] = {units[i % len(units)]: {"status": s} for i, s in fields["parts"]}
        if not units:
            fields["parts"] = {}
    if "group" in fields:
        fields["group_title"] = f"第{fields['group']}组" if fields["group"] else ""
    return record.replace(task, **fields)


def follow(directory: bool, today: date, changes: list[tuple[int, dict[str, Any]]]) -> None:
    snap = base(directory)
    tasks: dict[int, Task] = dict(snap.tasks)
    ids = sorted(tasks)
    tally = Tally(today, snap)
    board = Tally(today, snap, by_group=False, by_month=True)  # what the board keeps
    for task in tasks.values():
        tally.add(task)
        board.add(task)
    for which, fields in changes:
        tid = ids[which % len(ids)]
        old = tasks.get(tid)
        new = changed(snap, old or snap.tasks[tid], fields)  # a gone task may come back
        tally.replace(old, new)
        board.replace(old, new)
        if new is None:
            tasks.pop(tid, None)
        else:
            tasks[tid] = new
    full = compute([tasks[k] for k in sorted(tasks)], today, snap.title, snap)
    assert tally.stats(snap.title).to_json() == full.to_json()
    lean = board.stats(snap.title).to_json()
    assert lean["units"] == full.to_json()["units"] and lean["totals"] == full.totals.to_json()
    assert lean["months"] == full.to_json()["months"] and lean["groups"] == []
    assert all(u.any.total for u in tally.units.values())  # no empty bucket left behind


@settings(max_examples=150, deadline=None)
@given(
    directory=st.booleans(),
    today=st.sampled_from([TODAY, date(2020, 12, 15), date(2022, 1, 1)]),
    changes=st.lists(change, min_size=1, max_size=25),
)
def test_incremental_equals_full_compute(
    directory: bool, today: date, changes: list[tuple[int, dict[str, Any]]]
) -> None:
    follow(directory, today, changes)


def test_every_task_out_leaves_nothing() -> None:
    snap = base(True)
    tally = Tally(TODAY, snap)
    for task in snap.tasks.values():
        tally.add(task)
    assert tally.units and tally.groups and tally.months
    for task in snap.tasks.values():
        tally.remove(task)
    assert tally.stats().to_json() == compute([], TODAY).to_json()


def test_a_unit_on_a_task_in_two_roles_is_taken_out_once() -> None:
    """区编办 leads and guides the same task: `any` counted it once, and removes it once."""
    snap = base(False)
    task = record.replace(
        snap.tasks[min(snap.tasks)], lead_units=["区编办"], guide_units=["区编办"]
    )
    tally = Tally(TODAY, snap)
    tally.add(task)
    unit = tally.units["区编办"]
    assert unit.any.total == 1 and unit.roles["lead"].total == unit.roles["guide"].total == 1
    tally.replace(task, record.replace(task, status="已完成"))
    assert tally.units["区编办"].any.done == 1
    tally.remove(record.replace(task, status="已完成"))
    assert not tally.units

"""Stats counted by hand against the bundled plan (seed) and `zwgk stats`."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from conftest import SEED_TODAY, Runner, json_of

from zwgk.store import signoff
from zwgk.store.db import Store
from zwgk.store.model import BLOCKED, DOING, DONE
from zwgk.store.snapshot import Snapshot
from zwgk.store.stats import Stats, Tally, UnitStats, of_snapshot
from zwgk.tui.cli.render import width


@pytest.fixture
def worked(store: Store) -> Store:
    """The seed with some work done: #1 and #27 done (#1 confirmed), #9 doing, #14 blocked."""
    store.set_status(1, DONE)
    signoff.confirm(store, 1)
    store.set_status(27, DONE)
    store.set_status(9, DOING)
    store.set_status(14, BLOCKED)
    return store


def stats_of(store: Store, today: date = SEED_TODAY) -> Stats:
    return of_snapshot(store.snapshot(), today)


def test_role_totals_match_the_document(store: Store) -> None:
    st = stats_of(store)
    lead = {u.name: u.roles["lead"].total for u in st.units if u.roles["lead"].total}
    guide = {u.name: u.roles["guide"].total for u in st.units if u.roles["guide"].total}
    # Counted in the seed table: 区信息办 leads (6)(9)(13); 区政府办 leads (13) only.
    assert lead == {"各街道": 26, "各相关部门": 21, "区信息办": 3, "各部门": 2, "区政府办": 1}
    # 区编办 guides (1)(2)(4)(26)(27)(28); 区网信办 (14)(15).
    assert guide == {
        "区信息办": 21,
        "区政府办": 20,
        "区政务服务局": 12,
        "区编办": 6,
        "区网信办": 2,
    }
    assert st.totals.total == 29
    assert not any(u.roles["support"].total for u in st.units)


def test_overdue_on_the_seed_before_any_work(store: Store) -> None:
    st = stats_of(store)
    # Due before 2020-12-15: (1)(2)(3) Aug, (4)(14) Oct, (5) Nov, (6) Sep, (13) Jul.
    assert st.totals.overdue == 8
    bb = st.unit("区编办")
    assert bb is not None and bb.roles["guide"].overdue == 3  # (1)(2)(4)
    xx = st.unit("区信息办")
    assert xx is not None
    assert xx.roles["lead"].overdue == 2  # (6)(13); (9) is due 2020-12-31
    assert xx.roles["guide"].overdue == 6  # (3)(4)(5)(6)(13)(14)
    assert xx.any.total == 21  # leads (6)(9)(13) all also guided by it
    assert st.unit("区网信办").roles["guide"].overdue == 1  # type: ignore[union-attr]


def test_counts_after_work(worked: Store) -> None:
    st = stats_of(worked)
    t = st.totals
    assert (t.total, t.done, t.confirmed, t.doing, t.blocked, t.overdue) == (29, 2, 1, 1, 1, 7)
    assert t.todo == 25
    bb = st.unit("区编办").roles["guide"]  # type: ignore[union-attr]
    assert (bb.total, bb.done, bb.confirmed, bb.overdue) == (6, 2, 1, 2)
    assert bb.rate == pytest.approx(2 / 6)
    wx = st.unit("区网信办").roles["guide"]  # type: ignore[union-attr]
    assert (wx.total, wx.blocked, wx.overdue, wx.done) == (2, 1, 1, 0)  # blocked (14) is late
    xl = st.unit("区信息办").roles["lead"]  # type: ignore[union-attr]
    assert (xl.total, xl.doing, xl.overdue, xl.done) == (3, 1, 2, 0)
    assert st.unit("各街道").roles["lead"].done == 2  # type: ignore[union-attr]


def test_groups_and_months(worked: Store) -> None:
    st = stats_of(worked)
    groups = {g.group: g for g in st.groups}
    assert len(groups) == 13
    assert groups[1].title == "梳理基层政务公开事项"
    assert (groups[1].counts.total, groups[1].counts.done, groups[1].counts.overdue) == (3, 1, 2)
    assert groups[4].counts.total == 2  # the repeated group row is one group
    assert groups[5].counts.total == 4 and groups[13].counts.total == 4
    months = {m.month: m.counts.total for m in st.months}
    assert months == {
        "2020-07": 1,
        "2020-08": 3,
        "2020-09": 1,
        "2020-10": 2,
        "2020-11": 1,
        "2020-12": 8,
        "2021-04": 1,
        "2021-06": 3,
        "2021-07": 1,
        "2021-09": 1,
        "2021-12": 3,
        "2022-08": 2,
        "2022-09": 1,
        "2022-10": 1,
    }
    assert [m.month for m in st.months] == sorted(months)
    dec = next(m for m in st.months if m.month == "2020-12")
    assert dec.counts.doing == 1  # (9)


def test_ranking_puts_the_most_overdue_first(worked: Store) -> None:
    st = stats_of(worked)
    lead = [u.name for u in st.ranked("lead")]
    assert lead[0] == "各街道"  # 5 overdue as lead
    overdue = [st.unit(n).roles["lead"].overdue for n in lead]  # type: ignore[union-attr]
    assert overdue == sorted(overdue, reverse=True)
    assert "区编办" not in lead and "区编办" in [u.name for u in st.ranked("guide")]


def test_stats_json_through_the_command(zwgk: Runner) -> None:
    assert zwgk("mark", "4", "done").returncode == 0
    data = json_of(zwgk("stats", "--json"))
    assert isinstance(data, dict)
    assert set(data) == {"today", "plan", "totals", "units", "groups", "months"}
    assert data["today"] == "2020-12-15"
    assert data["totals"] == {
        "total": 29,
        "todo": 28,
        "doing": 0,
        "blocked": 0,
        "done": 1,
        "confirmed": 0,
        "overdue": 7,
        "completion_rate": round(1 / 29, 4),
    }
    units = {u["name"]: u for u in data["units"]}
    assert set(units["区编办"]) == {"name", "lead", "support", "guide", "any"}
    assert units["区编办"]["guide"]["total"] == 6 and units["区编办"]["guide"]["done"] == 1
    assert units["区编办"]["guide"]["overdue"] == 2
    assert data["groups"][0]["group"] == 1 and data["groups"][0]["total"] == 3
    assert data["months"][0] == {
        "month": "2020-07",
        "total": 1,
        "todo": 1,
        "doing": 0,
        "blocked": 0,
        "done": 0,
        "confirmed": 0,
        "overdue": 1,
        "completion_rate": 0.0,
    }


def test_stats_text_fits_80_columns(zwgk: Runner) -> None:
    proc = zwgk("stats", env={"LANG": "C"})
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert any(line.startswith("按单位（牵头）") for line in lines)
    assert any(line.startswith("区编办") for line in lines)
    assert max(width(line) for line in lines) <= 80
    assert "\x1b" not in proc.stdout


# -- counting by parts, a task at a time (the export's one pass) ------------------------------
def by_reach(snap: Snapshot, today: date) -> dict[str, dict[str, Any]]:
    """Units counted as `compute` did before it took a task's parts: through `Snapshot.reach`
    (lead, support and guide), each unit with its part's status."""
    units: dict[str, UnitStats] = {}
    for task in snap.task_list():
        status = {p.unit: p.status for p in snap.parts(task)}
        seen: set[str] = set()
        for name, role, _ in snap.reach(task):
            us = units.setdefault(name, UnitStats(name))
            us.roles[role].add(task, today, status.get(name))
            if name not in seen:
                seen.add(name)
                us.any.add(task, today, status.get(name))
    return {name: u.to_json() for name, u in units.items()}


def test_units_by_parts_count_as_through_reach() -> None:
    """A 1,000-task plan with a unit directory and recorded parts: the guides reached beside
    the parts, a guide that also has a part counting that part."""
    from test_export_golden import TODAY, golden_snapshot

    snap = golden_snapshot()
    for task in snap.task_list()[::5]:  # units that also guide: by name, by collective word
        task.guide_units = [*task.guide_units, task.lead_units[0], "各街道"]
    want = by_reach(snap, TODAY)
    st = of_snapshot(snap, TODAY)
    assert {u.name: u.to_json() for u in st.units} == want
    assert [u.name for u in st.units] == sorted(want, key=lambda n: (-want[n]["any"]["total"], n))
    assert any(u.roles["guide"].total and u.roles["lead"].total for u in st.units)

    # Fed a task at a time with the parts the caller worked out: the same numbers, and
    # without groups (the export's 单位统计) the same units.
    full, units_only = Tally(TODAY, snap), Tally(TODAY, snap, by_group=False)
    for task in snap.task_list():
        parts = snap.parts(task)
        full.add(task, parts)
        units_only.add(task, parts)
    assert full.stats(snap.title).to_json() == st.to_json()
    lean = units_only.stats(snap.title)
    assert [u.to_json() for u in lean.units] == [u.to_json() for u in st.units]
    assert lean.totals == st.totals and not lean.groups and not lean.months


def test_without_a_directory_parts_change_nothing(worked: Store) -> None:
    snap = worked.snapshot()
    tally = Tally(SEED_TODAY, snap)
    for task in snap.task_list():
        tally.add(task, snap.parts(task))
    assert tally.stats(snap.title).to_json() == of_snapshot(snap, SEED_TODAY).to_json()

"""Per-unit parts of shared tasks: who they are, and the task status they add up to."""

from __future__ import annotations

import pytest
from conftest import ROOT

from zwgk.store.db import Store
from zwgk.store.directory import read_directory
from zwgk.store.model import BLOCKED, DOING, DONE, TODO
from zwgk.store.parts import assignments, derived_status, parts_of, progress

STREETS = ["甘棠街道", "湓浦街道", "人民路街道", "白水湖街道", "湖滨街道", "滨兴街道", "向阳街道"]


@pytest.fixture(scope="module")
def directory():  # type: ignore[no-untyped-def]
    return read_directory(ROOT / "data" / "example_directory.csv")


def test_a_task_for_every_street_and_department_has_a_part_each(store: Store, directory) -> None:  # type: ignore[no-untyped-def]
    task = store.snapshot().tasks[1]  # 各相关部门、各街道 lead; 区政务服务局、区编办 guide
    parts = parts_of(task, directory)
    departments = [d for d in directory.members("部门") if d not in ("区政务服务局", "区编办")]
    assert [p.unit for p in parts] == [*departments, *STREETS]
    assert {p.via for p in parts} == {"各相关部门", "各街道"}
    assert all(p.role == "lead" and p.status == TODO for p in parts)
    assert progress(parts) == {"done": 0, "total": len(departments) + 7}
    guides = [u for u, role, _ in assignments(task, directory, ("guide",))]
    assert guides == ["区政务服务局", "区编办"]  # named as guides: not also leads


def test_status_follows_the_parts(store: Store, directory) -> None:  # type: ignore[no-untyped-def]
    task = store.snapshot().tasks[20]  # 各街道 only
    assert [p.unit for p in parts_of(task, directory)] == STREETS
    one_done = parts_of(task, directory, {"甘棠街道": {"status": DONE, "updated_by": "gantang"}})
    assert derived_status(one_done) == DOING and progress(one_done) == {"done": 1, "total": 7}
    assert one_done[0].updated_by == "gantang"
    blocked = parts_of(task, directory, {"湓浦街道": {"status": BLOCKED}})
    assert derived_status(blocked) == BLOCKED
    all_done = parts_of(task, directory, {s: {"status": DONE} for s in STREETS})
    assert derived_status(all_done) == DONE
    assert derived_status(parts_of(task, directory)) == TODO


def test_marking_one_streets_part(tmp_path, directory) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from zwgk.store.context import Context
    from zwgk.store.service import Service

    store = Store(Context(tmp_path / "z.json", date(2020, 12, 15), user="gantang"))
    Service(store).import_directory(ROOT / "data" / "example_directory.csv")
    event = store.set_status(20, DONE, "已公开", unit="甘棠街道")
    assert event.unit == "甘棠街道" and event.changes["status"] == [TODO, DOING]
    task = store.snapshot().tasks[20]
    assert task.status == DOING and task.parts["甘棠街道"]["updated_by"] == "gantang"
    assert progress(store.snapshot().parts(task)) == {"done": 1, "total": 7}
    for street in STREETS[1:]:
        store.set_status(20, DONE, unit=street)
    assert store.snapshot().tasks[20].status == DONE  # every lead part done
    with pytest.raises(Exception, match="不是任务 #20 的牵头或配合单位"):
        store.set_status(20, DONE, unit="区教育局")

"""A re-import does only the work its changes need (issue 14: import at 100k), with the same
result: unchanged tasks keep their pinyin keys, the commit checks only the records the import
changed, and the plan's tasks are let go of as they are merged."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import SEED, SEED_TODAY

from zwgk.store import pinyin, transaction
from zwgk.store.context import Context
from zwgk.store.importing import import_into, parse_file
from zwgk.store.service import Service


def _service(tmp_path: Path) -> Service:
    return Service.open(Context(tmp_path / "zwgk.json", SEED_TODAY, user="t"), seed=False)


def _tasks(service: Service) -> dict[str, Any]:
    return json.loads(service.store.path.read_bytes())["tasks"]


def test_unchanged_tasks_keep_their_keys_without_computing_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = _service(tmp_path)
    service.import_file(SEED)
    before = _tasks(service)
    calls: list[str] = []
    real = pinyin.task_keys
    monkeypatch.setattr(pinyin, "task_keys", lambda rec: calls.append(rec["text"]) or real(rec))
    report = service.import_file(SEED).report
    assert report.unchanged == len(before) and calls == []
    assert _tasks(service) == before


def test_keys_of_another_version_or_with_more_in_extra_are_made_again(tmp_path: Path) -> None:
    service = _service(tmp_path)
    service.import_file(SEED)
    path = service.store.path
    data = json.loads(path.read_bytes())
    data["tasks"]["1"]["extra"] = {"pyv": 1, "py": "x"}
    data["tasks"]["2"]["extra"]["mine"] = "kept?"
    data["tasks"]["3"]["extra"]["py"] = 5  # not a string: not this version's keys
    path.write_text(json.dumps(data, ensure_ascii=False), "utf-8")  # not zwgk's layout: checked
    report = service.import_file(SEED).report
    assert report.updated == 3
    after = _tasks(service)
    fresh = pinyin.task_keys(after["1"])
    assert after["1"]["extra"] == fresh and after["2"]["extra"] == pinyin.task_keys(after["2"])
    assert after["3"]["extra"] == pinyin.task_keys(after["3"])


def test_the_commit_checks_only_what_the_import_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = _service(tmp_path)
    service.import_file(SEED)
    checked: list[int] = []
    real = transaction.validate

    def spy(data: Any, *, limit: int | None = None) -> list[str]:
        checked.append(len(data.get("tasks", {})))
        return real(data, limit=limit)

    monkeypatch.setattr(transaction, "validate", spy)
    service.import_file(SEED)  # nothing changed: no task record to check
    assert checked[-1] == 0
    edited = tmp_path / "plan.txt"
    edited.write_text(
        SEED.read_text("utf-8").replace("2020年10月底前", "2020年12月底前", 1), "utf-8"
    )
    report = service.import_file(edited).report
    assert report.updated >= 1 and checked[-1] == report.updated + report.added


def test_a_bad_changed_record_is_still_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = _service(tmp_path)
    service.import_file(SEED)
    before = service.store.path.read_bytes()
    real = transaction.Transaction.changed_tasks

    def spoil(self: transaction.Transaction, ids: Any) -> None:
        self.db.table("tasks").update({"status": "坏状态"}, doc_ids=[min(ids)])
        real(self, ids)

    monkeypatch.setattr(transaction.Transaction, "changed_tasks", spoil)
    edited = tmp_path / "plan.txt"
    edited.write_text(
        SEED.read_text("utf-8").replace("2020年10月底前", "2020年12月底前", 1), "utf-8"
    )
    with pytest.raises(Exception, match="状态"):
        service.import_file(edited)
    assert service.store.path.read_bytes() == before


def test_a_consumed_plan_gives_the_same_records(tmp_path: Path) -> None:
    out = []
    for consume in (False, True):
        service = _service(tmp_path / str(consume))
        parsed = parse_file(SEED)
        count = len(parsed.tasks)
        with service.store.transaction() as txn:
            report = import_into(txn, parsed, year=None, consume=consume)
        assert report.tasks == count and len(parsed.tasks) == (0 if consume else count)
        out.append(_tasks(service))
    assert out[0] == out[1]

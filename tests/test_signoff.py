"""Completion sign-off (办结确认): confirm and send back, in the store and through `zwgk`."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Runner, json_of

from zwgk.store import signoff
from zwgk.store.db import Store
from zwgk.store.errors import InputError
from zwgk.store.model import DOING, DONE


def test_confirm_only_a_completed_task(store: Store) -> None:
    with pytest.raises(InputError, match="只有“已完成”"):
        signoff.confirm(store, 4)
    store.set_status(4, DONE)
    event = signoff.confirm(store, 4, "材料齐全")
    assert event.action == "confirm" and event.note == "材料齐全"
    assert event.changes["confirmed_by"] == [None, "tester"]
    task = store.snapshot().tasks[4]
    assert task.status == DONE and task.confirmed_by == "tester" and task.confirmed_at
    with pytest.raises(InputError, match="无需重复确认"):
        signoff.confirm(store, 4)


def test_send_back_reopens_and_withdraws_confirmation(store: Store) -> None:
    store.set_status(4, DONE)
    signoff.confirm(store, 4)
    with pytest.raises(InputError, match="原因"):
        signoff.send_back(store, 4, "  ")
    event = signoff.send_back(store, 4, "缺少佐证材料")
    assert event.action == "sendback"
    task = store.snapshot().tasks[4]
    assert task.status == DOING and task.note == "缺少佐证材料"
    assert task.confirmed_by is None and task.confirmed_at is None
    with pytest.raises(InputError, match="只有“已完成”"):
        signoff.send_back(store, 4, "again")


def test_undo_reverts_a_confirmation(store: Store) -> None:
    store.set_status(7, DONE)
    signoff.confirm(store, 7)
    store.undo()
    task = store.snapshot().tasks[7]
    assert task.status == DONE and task.confirmed_by is None


def test_confirm_and_sendback_through_the_command(zwgk: Runner) -> None:
    refused = zwgk("confirm", "5")
    assert refused.returncode == 2 and "只有“已完成”" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert zwgk("mark", "5", "done", user="lead-clerk").returncode == 0
    ok = zwgk("confirm", "5", "--note", "同意办结", user="guide-chief")
    assert ok.returncode == 0, ok.stderr
    assert "已办结确认 #5" in ok.stdout and "guide-chief" in ok.stdout
    shown = json_of(zwgk("show", "5", "--json"))
    assert isinstance(shown, dict)
    assert shown["confirmed_by"] == "guide-chief" and shown["confirmed_at"]
    assert [e["action"] for e in shown["history"]] == ["status", "confirm"]
    assert shown["history"][1]["note"] == "同意办结"

    missing = zwgk("sendback", "5")
    assert missing.returncode == 2  # --reason is required
    back = zwgk("sendback", "5", "--reason", "台账未更新", user="guide-chief")
    assert back.returncode == 0, back.stderr
    assert "已退回 #5" in back.stdout and "台账未更新" in back.stdout
    shown = json_of(zwgk("show", "5", "--json"))
    assert shown["status"] == "进行中" and shown["confirmed_by"] is None  # type: ignore[index]
    assert shown["note"] == "台账未更新"  # type: ignore[index]
    # `reject` is the same command.
    assert zwgk("mark", "5", "done").returncode == 0
    assert zwgk("reject", "5", "--reason", "再核实").returncode == 0
    assert json_of(zwgk("show", "5", "--json"))["status"] == "进行中"  # type: ignore[index]


def test_exports_tell_confirmed_from_unconfirmed(zwgk: Runner, tmp_path: Path) -> None:
    for args in (("mark", "1", "done"), ("mark", "2", "done"), ("confirm", "1")):
        assert zwgk(*args).returncode == 0
    out = tmp_path / "t.md"
    assert zwgk("export", str(out), "--status", "done").returncode == 0
    text = out.read_text(encoding="utf-8")
    assert "已完成（已确认）" in text and "已完成（待确认）" in text


def test_confirm_follows_the_permission_file(zwgk: Runner, db_path: Path) -> None:
    pytest.importorskip("zwgk.store.permissions")
    db_path.parent.mkdir(parents=True, exist_ok=True)
    (db_path.parent / "zwgk.toml").write_text(
        'admins = ["boss"]\n[users]\nbb = "区编办"\nstreet = "各街道"\n', encoding="utf-8"
    )
    assert zwgk("mark", "4", "done", user="street").returncode == 0  # a lead unit of (4)
    assert zwgk("mark", "6", "done", user="boss").returncode == 0
    denied = zwgk("confirm", "4", user="street")  # leads may not sign off their own work
    assert denied.returncode != 0 and "Traceback" not in denied.stderr
    assert zwgk("confirm", "6", user="bb").returncode != 0  # 区编办 does not guide (6)
    assert zwgk("sendback", "6", "--reason", "x", user="bb").returncode != 0
    assert zwgk("confirm", "4", user="bb").returncode == 0  # 区编办 guides (4)
    assert zwgk("confirm", "6", user="boss").returncode == 0  # admins may
    tasks = {t["id"]: t for t in json_of(zwgk("list", "--status", "done", "--json"))}  # type: ignore[union-attr]
    assert tasks[4]["confirmed_by"] == "bb" and tasks[6]["confirmed_by"] == "boss"

"""Who may change what, through the real `zwgk` command under different $ZWGK_USER values."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import date
from pathlib import Path

import pytest
from conftest import zwgk_command as zwgk_cmd

from zwgk.store import config, files, permissions
from zwgk.store.context import Context
from zwgk.store.db import Store
from zwgk.store.errors import DatabaseError, PermissionDenied

CONFIG = """
admins = ["boss"]

[users]
li = "区信息办"
zhao = ["区司法局"]
gov = "区政府办"
jd = "各街道办"   # an alias of 各街道

[units]
"区政务服务局" = ["wu"]
"""


def make_db(path: Path) -> None:
    """A small database written by hand, so the rules are tested apart from the importer."""

    def task(tid: int, lead: list[str], support: list[str], guide: list[str]) -> dict:
        return {
            "id": tid,
            "plan": "测试方案",
            "group": 1,
            "group_title": "测试",
            "text": f"第{tid}项任务",
            "lead_units": lead,
            "support_units": support,
            "guide_units": guide,
            "deadline_text": "2021年6月底前",
            "due": "2021-06-30",
            "deadline_kind": "date",
            "status": "未开始",
            "note": "",
            "num": tid,
        }

    units = ["区信息办", "区司法局", "区政府办", "各街道", "区政务服务局"]
    data = {
        "plans": {"1": {"title": "测试方案", "year": 2021, "source": "t.txt"}},
        "units": {
            str(i): {"name": n, "aliases": ["各街道办"] if n == "各街道" else []}
            for i, n in enumerate(units, start=1)
        },
        "tasks": {
            "1": task(1, ["区信息办"], ["区司法局"], ["区政府办"]),
            "2": task(2, ["区司法局"], [], ["区政务服务局"]),
            "3": task(3, ["各街道"], [], ["区政府办"]),
        },
        "meta": {"1": {"schema": 1, "last_seq": 0, "events_offset": 0}},
    }
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


@pytest.fixture
def env(tmp_path: Path, monkeypatch) -> dict[str, str]:
    db = tmp_path / "zwgk.json"
    make_db(db)
    cfg = tmp_path / "rules.toml"
    cfg.write_text(CONFIG, encoding="utf-8")
    monkeypatch.setattr(config, "SYSTEM_CONFIG", tmp_path / "no-such-system-config.toml")
    e = dict(os.environ, ZWGK_DB=str(db), ZWGK_TODAY="2021-01-01", ZWGK_CONFIG=str(cfg))
    e.pop("NO_COLOR", None)
    return e


def run(env: dict[str, str], user: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*zwgk_cmd(), *args],
        env=dict(env, ZWGK_USER=user),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_rules_through_the_real_command(env: dict[str, str]) -> None:
    # a lead unit may mark its task
    r = run(env, "li", "mark", "1", "doing", "--note", "开始")
    assert r.returncode == 0, r.stderr
    # another unit's task: refused with the unit and the task named, nothing changed
    tasks, log = state(env)
    r = run(env, "li", "mark", "2", "done")
    assert r.returncode == 4
    assert "区信息办" in r.stderr and "#2" in r.stderr and "未做修改" in r.stderr
    assert "Traceback" not in r.stderr
    after_tasks, after_log = state(env)
    assert after_tasks == tasks  # no task changed
    assert [e["action"] for e in after_log[len(log) :]] == ["refused"]  # only the refusal
    # a support unit may add a note; a guide unit may mark; an alias in the config works
    assert run(env, "zhao", "note", "1", "配合完成").returncode == 0
    assert run(env, "gov", "mark", "3", "done").returncode == 0
    assert run(env, "jd", "mark", "3", "doing").returncode == 0
    # [units] table form
    assert run(env, "wu", "mark", "2", "blocked").returncode == 0
    # someone the file does not know
    r = run(env, "stranger", "mark", "1", "done")
    assert r.returncode == 4 and "未在权限文件" in r.stderr
    # admins may change anything
    assert run(env, "boss", "mark", "2", "done").returncode == 0
    # undo of your own change is a change like any other
    assert run(env, "li", "undo").returncode == 0
    # the refusals are in the log, the task file did not change for them
    r = run(env, "boss", "log", "--json")
    events = json.loads(r.stdout)
    refused = [e for e in events if e["action"] == "refused"]
    assert {(e["user"], e["task"]) for e in refused} == {("li", 2), ("stranger", 1)}
    assert all("未做修改" in e["note"] for e in refused)
    seqs = [e["seq"] for e in events]
    assert seqs == sorted(set(seqs))
    show = json.loads(run(env, "boss", "show", "2", "--json").stdout)
    assert show["status"] == "已完成"
    show = json.loads(run(env, "boss", "show", "1", "--json").stdout)
    assert show["status"] == "未开始"  # li's mark was undone


def state(env: dict[str, str]) -> tuple[list[dict], list[dict]]:
    """Every task and the whole log as `zwgk` shows them (a refused change leaves the tasks as
    they were and adds one `refused` event; the task file alone proves nothing, since a change
    is an append to the log)."""
    tasks, log = run(env, "boss", "list", "--json"), run(env, "boss", "log", "--json")
    assert tasks.returncode == 0 and log.returncode == 0, tasks.stderr + log.stderr
    return json.loads(tasks.stdout), json.loads(log.stdout)


def test_import_and_restore_are_for_admins(env: dict[str, str], tmp_path: Path) -> None:
    from zwgk.store.seed import seed_path

    tasks, log = state(env)
    r = run(env, "li", "import", str(seed_path()))
    assert r.returncode == 4 and "管理员" in r.stderr
    after_tasks, after_log = state(env)
    assert after_tasks == tasks
    assert [e["action"] for e in after_log[len(log) :]] == ["refused"]
    r = run(env, "li", "doctor", "--restore")
    assert r.returncode == 4 and "管理员" in r.stderr
    r = run(env, "boss", "doctor", "--restore")
    assert r.returncode == 0 and "无需恢复" in r.stdout
    r = run(env, "boss", "import", str(seed_path()))
    assert r.returncode == 0, r.stderr


def test_confirm_is_for_guide_units(tmp_path: Path, monkeypatch) -> None:
    db = tmp_path / "zwgk.json"
    make_db(db)
    (tmp_path / "zwgk.toml").write_text(CONFIG, encoding="utf-8")  # beside the database
    monkeypatch.delenv("ZWGK_CONFIG", raising=False)
    monkeypatch.setattr(config, "SYSTEM_CONFIG", tmp_path / "none.toml")

    def store(user: str) -> Store:
        return Store(Context(db_path=db, today=date(2021, 1, 1), user=user, host="", tty=""))

    assert store("li").policy().source == tmp_path / "zwgk.toml"
    with pytest.raises(PermissionDenied) as err, store("li").transaction() as txn:
        txn.require(1, "confirm")  # li leads task 1 but does not guide it
    assert "指导责任单位" in err.value.message and "#1" in err.value.message
    with store("gov").transaction() as txn:
        txn.require(1, "confirm")
    with store("boss").transaction() as txn:
        txn.require(2, "confirm")
    assert store("li").may(2, "status") is not None
    assert store("li").may(1, "status") is None
    snap = store("li").snapshot()
    assert store("li").may(2, "status", snapshot=snap) is not None
    assert store("gov").may(1, "confirm", snapshot=snap) is None
    # li's refusal is logged (the database, written by hand without plan codes, also gets
    # them logged on its first committed change)
    assert [e.action for e in store("li").events() if e.action != "plan"][-1] == "refused"


def test_config_lookup_order_and_broken_config(tmp_path: Path, monkeypatch) -> None:
    db = tmp_path / "zwgk.json"
    make_db(db)
    monkeypatch.setattr(config, "SYSTEM_CONFIG", tmp_path / "etc.toml")
    monkeypatch.delenv("ZWGK_CONFIG", raising=False)
    assert permissions.find_config(db) is None
    assert not permissions.load_policy(db).configured
    (tmp_path / "etc.toml").write_text('admins = ["a"]', encoding="utf-8")
    assert permissions.find_config(db) == tmp_path / "etc.toml"
    (tmp_path / "zwgk.toml").write_text('admins = ["b"]', encoding="utf-8")
    assert permissions.find_config(db) == tmp_path / "zwgk.toml"
    env_cfg = tmp_path / "env.toml"
    env_cfg.write_text('admins = ["c"]', encoding="utf-8")
    monkeypatch.setenv("ZWGK_CONFIG", str(env_cfg))
    assert permissions.load_policy(db).admins == {"c"}
    env_cfg.write_text("admins = [", encoding="utf-8")
    ctx = Context(db_path=db, today=date(2021, 1, 1), user="c", host="", tty="")
    status = Store(ctx).snapshot().tasks[1].status
    with pytest.raises(DatabaseError) as err:
        Store(ctx).set_status(1, "done")
    assert "格式有误" in err.value.message
    monkeypatch.setenv("ZWGK_CONFIG", str(tmp_path / "typo.toml"))
    with pytest.raises(DatabaseError):
        Store(ctx).set_status(1, "done")
    assert Store(ctx).snapshot().tasks[1].status == status  # a broken rule file: no change
    assert not os.path.exists(files.events_path(db))


def test_doctor_says_when_no_permission_file_is_in_force(tmp_path: Path) -> None:
    if config.SYSTEM_CONFIG.exists():
        pytest.skip("this machine has a system-wide permission file")
    db = tmp_path / "zwgk.json"
    make_db(db)
    e = dict(os.environ, ZWGK_DB=str(db))
    e.pop("ZWGK_CONFIG", None)
    r = subprocess.run([*zwgk_cmd(), "doctor"], env=e, capture_output=True, text=True, timeout=60)
    assert "未配置权限文件：所有人都可以修改所有任务" in r.stdout
    r = subprocess.run(
        [*zwgk_cmd(), "mark", "2", "done"], env=dict(e, ZWGK_USER="anyone"), capture_output=True
    )
    assert r.returncode == 0

"""Each unit's part of a shared task, through the installed `zwgk` on the bundled plan."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT, Runner, json_of

EXAMPLE = str(ROOT / "data" / "example_directory.csv")
STREETS = ["甘棠街道", "湓浦街道", "人民路街道", "白水湖街道", "湖滨街道", "滨兴街道", "向阳街道"]


@pytest.fixture
def zw(zwgk: Runner) -> Runner:
    """The bundled plan with the example directory imported."""
    assert zwgk("directory", "import", EXAMPLE).returncode == 0
    return zwgk


def task(zw: Runner, tid: int) -> dict:  # type: ignore[type-arg]
    data = json_of(zw("show", str(tid), "--json"))
    assert isinstance(data, dict)
    return data


def parts(zw: Runner, tid: int) -> dict[str, str]:
    return {p["unit"]: p["status"] for p in task(zw, tid)["parts"]}


def test_a_streets_login_marks_only_its_own_part(zw: Runner) -> None:
    r = zw("mark", "20", "done", "--note", "已公开", user="gantang")
    assert r.returncode == 0, r.stderr
    assert "#20 甘棠街道 未开始 → 已完成" in r.stdout
    t = task(zw, 20)
    assert t["status"] == "进行中" and t["progress"] == {"done": 1, "total": 7}
    assert parts(zw, 20) == {s: "已完成" if s == "甘棠街道" else "未开始" for s in STREETS}
    mine = next(p for p in t["parts"] if p["unit"] == "甘棠街道")
    assert mine["note"] == "已公开" and mine["updated_by"] == "gantang" and mine["via"] == "各街道"
    for street, login in [("湓浦街道", "penpu"), ("人民路街道", "renminlu")]:
        assert zw("mark", "20", "done", user=login).returncode == 0, street
    assert task(zw, 20)["progress"] == {"done": 3, "total": 7}
    for street in STREETS[3:]:
        assert zw("mark", "20", "done", "--unit", street, user="admin").returncode == 0
    assert task(zw, 20)["status"] == "已完成"  # every lead part done


def test_a_blocked_part_blocks_the_task_and_undo_restores_only_that_part(zw: Runner) -> None:
    assert zw("mark", "20", "doing", user="gantang").returncode == 0
    assert zw("mark", "20", "blocked", "--note", "缺经费", user="penpu").returncode == 0
    assert task(zw, 20)["status"] == "受阻"
    r = zw("undo", user="gantang")
    assert r.returncode == 0, r.stderr
    assert parts(zw, 20)["甘棠街道"] == "未开始" and parts(zw, 20)["湓浦街道"] == "受阻"
    assert task(zw, 20)["status"] == "受阻"


def test_without_a_directory_login_the_whole_task_is_marked(zw: Runner) -> None:
    assert zw("mark", "20", "doing", user="someone").returncode == 0
    t = task(zw, 20)
    assert t["status"] == "进行中"
    assert set(parts(zw, 20).values()) == {"进行中"}  # a whole-task mark shows on every part
    r = zw("mark", "20", "done", "--unit", "区教育局", user="admin")
    assert r.returncode == 2 and "不是任务 #20 的牵头或配合单位" in r.stderr


def test_a_unit_word_is_a_name_alias_or_pinyin(zw: Runner) -> None:
    for word, street in [("湓浦", "湓浦街道"), ("湖滨街道办", "湖滨街道"), ("bxjd", "滨兴街道")]:
        assert zw("mark", "20", "doing", "--unit", word, user="admin").returncode == 0, word
        assert parts(zw, 20)[street] == "进行中"
    r = zw("mark", "20", "doing", "--unit", "不存在的单位", user="admin")
    assert r.returncode == 2 and "单位名录中没有" in r.stderr


def test_permission_rules_hold_per_unit(zw: Runner, tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text('admins = ["boss"]\n[users]\nzf = "区政府办"\n', encoding="utf-8")
    env = {"ZWGK_CONFIG": str(rules)}
    # the directory gives gantang its unit: its own part yes, another street's no
    assert zw("mark", "20", "done", user="gantang", env=env).returncode == 0
    r = zw("mark", "20", "done", "--unit", "湓浦街道", user="gantang", env=env)
    assert r.returncode == 4 and "湓浦街道" in r.stderr and "未做修改" in r.stderr
    # a guide unit may set any part; the whole task stays closed to a street
    assert zw("mark", "20", "doing", "--unit", "湓浦街道", user="zf", env=env).returncode == 0
    r = zw("mark", "3", "done", user="gantang", env=env)  # 3: 各相关部门、各街道 lead it
    assert r.returncode == 0, r.stderr  # gantang's own part of task 3
    assert parts(zw, 3)["甘棠街道"] == "已完成" and task(zw, 3)["status"] == "进行中"


def test_list_json_carries_parts_and_progress(zw: Runner) -> None:
    rows = json_of(zw("list", "--unit", "甘棠街道", "--json"))
    assert isinstance(rows, list) and len(rows) == 26
    assert all({"parts", "progress"} <= row.keys() for row in rows)
    assert rows[0]["progress"]["total"] >= 7


def test_a_unit_with_recorded_progress_is_removed_only_with_force(zw: Runner, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert zw("mark", "20", "done", user="gantang").returncode == 0
    text = (ROOT / "data" / "example_directory.csv").read_text("utf-8")
    smaller = tmp_path / "名录.csv"
    smaller.write_text(
        "\n".join(line for line in text.splitlines() if not line.startswith("甘棠街道")) + "\n",
        encoding="utf-8",
    )
    r = zw("directory", "import", str(smaller))
    assert r.returncode == 2 and "甘棠街道（1 项）" in r.stderr and "--force" in r.stderr
    assert "甘棠街道" in zw("directory", "list").stdout  # nothing changed
    r = zw("directory", "import", str(smaller), "--force")
    assert r.returncode == 0 and "移除 1 个" in r.stdout
    t = task(zw, 20)
    assert "甘棠街道" not in {p["unit"] for p in t["parts"]}  # no longer one of its parts …
    assert zw("show", "20").returncode == 0  # … and the task still reads

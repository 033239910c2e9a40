"""`zwgk directory …` and lookups by a real unit, through the installed command."""

from __future__ import annotations

from conftest import ROOT, Runner, json_of

EXAMPLE = str(ROOT / "data" / "example_directory.csv")
STREETS = ["甘棠街道", "湓浦街道", "人民路街道", "白水湖街道", "湖滨街道", "滨兴街道", "向阳街道"]


def ids(zwgk: Runner, *args: str) -> list[int]:
    return [t["id"] for t in json_of(zwgk("list", *args, "--json"))]  # type: ignore[union-attr]


def test_a_street_and_a_department_find_their_tasks_by_name_alias_and_pinyin(zwgk: Runner) -> None:
    assert zwgk("list", "--unit", "区教育局").returncode == 2  # unknown before the directory
    r = zwgk("directory", "import", EXAMPLE)
    assert r.returncode == 0, r.stderr
    assert "共 19 个单位（街道 7 个，部门 12 个）" in r.stdout
    every_street = ids(zwgk, "--unit", "各街道")
    assert len(every_street) == 26
    for street in STREETS:
        assert ids(zwgk, "--unit", street) == every_street, street
    assert "甘棠街道：经 各街道 26 项" in zwgk("list", "--unit", "甘棠街道").stdout  # which way
    assert ids(zwgk, "--unit", "甘棠街道办") == every_street  # an alias
    assert ids(zwgk, "--unit", "gtjd") == every_street  # pinyin initials
    education = ids(zwgk, "--unit", "区教育局")
    assert education == ids(zwgk, "--unit", "教育局") == ids(zwgk, "--unit", "qjyj")
    assert len(education) == 23 and 13 not in education  # 13 is 区信息办/区政府办's own
    # a department named as a task's guide is not also its lead through 各相关部门
    assert ids(zwgk, "--unit", "区编办", "--role", "guide") == [1, 2, 4, 26, 27, 28]
    assert not set(ids(zwgk, "--unit", "区编办", "--role", "lead")) & {1, 2, 4, 26, 27, 28}


def test_directory_list_show_check_and_reimport(zwgk: Runner, tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert "还没有单位名录" in zwgk("directory", "list").stdout
    assert zwgk("directory", "import", EXAMPLE).returncode == 0
    units = json_of(zwgk("directory", "list", "--json"))
    assert isinstance(units, list) and len(units) == 19
    gantang = next(u for u in units if u["name"] == "甘棠街道")
    assert gantang["kind"] == "街道" and gantang["logins"] == ["gantang"]
    shown = json_of(zwgk("directory", "show", "甘棠", "--json"))
    assert shown == {
        "name": "甘棠街道",
        "kind": "街道",
        "aliases": ["甘棠街道办", "甘棠"],
        "logins": ["gantang"],
        "in_directory": True,
        "tasks": 26,
        "by_role": {"lead": 26, "support": 0, "guide": 0},
        "via": ["各街道"],
    }
    assert "没有发现问题" in zwgk("directory", "check").stdout
    # a second file: one street renamed, one department gone
    text = (ROOT / "data" / "example_directory.csv").read_text("utf-8")
    text = text.replace("向阳街道,街道,向阳街道办", "向阳路街道,街道,向阳街道办")
    text = "\n".join(line for line in text.splitlines() if not line.startswith("区司法局"))
    second = tmp_path / "新名录.csv"
    second.write_text(text + "\n", encoding="utf-8")
    r = zwgk("directory", "import", str(second))
    assert r.returncode == 0, r.stderr
    assert "新增 1 个，更新 0 个，移除 2 个" in r.stdout and "区司法局" in r.stdout
    assert len(ids(zwgk, "--unit", "向阳路街道")) == 26
    log = json_of(zwgk("log", "--json"))
    assert [e["action"] for e in log][-2:] == ["directory", "directory"]  # type: ignore[index]


def test_look_alike_names_are_reported(zwgk: Runner, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "名录.csv"
    path.write_text(
        "单位名称,类别\n区信息办,部门\n区政府信息办,部门\n甘棠街道,街道\n", encoding="utf-8"
    )
    assert zwgk("directory", "import", str(path)).returncode == 0
    out = zwgk("directory", "check").stdout
    assert "区信息办 / 区政府信息办" in out
    assert "区政府办" in out  # named by the plan, not in this directory


def test_a_bad_directory_file_changes_nothing(zwgk: Runner, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "坏.csv"
    path.write_text("单位名称,类别\n甘棠街道,街道办\n", encoding="utf-8")
    r = zwgk("directory", "import", str(path))
    assert r.returncode == 2 and "第 2 行" in r.stderr and "Traceback" not in r.stderr
    assert "还没有单位名录" in zwgk("directory", "list").stdout

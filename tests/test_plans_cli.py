"""Plans as first-class, through the installed `zwgk` (issue 12 items 1–2)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import ROOT, SAMPLES, Runner, json_of

OLD = ROOT / "tests" / "fixtures" / "db-0.1"


@pytest.fixture
def two_plans(zwgk: Runner) -> Runner:
    """The bundled plan and the 宣城 sample in one database."""
    assert zwgk("list").returncode == 0  # the bundled plan first
    assert zwgk("import", str(SAMPLES / "xuancheng-2020.xlsx")).returncode == 0
    return zwgk


def rows(zwgk: Runner, *args: str) -> list[dict]:  # type: ignore[type-arg]
    data = json_of(zwgk("list", *args, "--json"))
    assert isinstance(data, list)
    return data


def test_each_plan_keeps_its_own_numbers(two_plans: Runner) -> None:
    plans = json_of(two_plans("plans", "--json"))
    assert [p["code"] for p in plans] == ["基层政务2020", "宣城2020"]  # type: ignore[index]
    xc = rows(two_plans, "--plan", "宣城2020")
    assert [t["id"] for t in xc] == [1, 2, 3, 4, 6]  # the document's own numbers
    assert [t["key"] for t in xc][:2] == ["宣城2020-1", "宣城2020-2"]
    assert {t["plan_code"] for t in xc} == {"宣城2020"}
    assert len(rows(two_plans)) == 34  # every active plan by default
    assert two_plans("import", str(SAMPLES / "jingzhou-2022.docx")).returncode == 0
    jz = rows(two_plans, "--plan", "政务公开2022")
    assert [t["key"] for t in jz] == ["政务公开2022-1", "政务公开2022-2"]
    assert [t["id"] for t in rows(two_plans, "--plan", "基层政务2020")] == list(range(1, 30))


def test_a_key_a_number_with_plan_and_an_ambiguous_number(two_plans: Runner) -> None:
    r = two_plans("mark", "宣城2020-3", "done")
    assert r.returncode == 0, r.stderr
    r = two_plans("mark", "3", "doing", "--plan", "基层政务2020")
    assert r.returncode == 0, r.stderr
    keyed = {t["key"]: t["status"] for t in rows(two_plans)}
    assert keyed["宣城2020-3"] == "已完成" and keyed["基层政务2020-3"] == "进行中"
    r = two_plans("mark", "4", "done")
    assert r.returncode == 2
    assert "基层政务2020-4" in r.stderr and "宣城2020-4" in r.stderr  # the candidates
    assert "Traceback" not in r.stderr
    assert json_of(two_plans("show", "宣城2020-3", "--json"))["status"] == "已完成"  # type: ignore[index]


def test_rename_and_archive(two_plans: Runner) -> None:
    assert two_plans("plan", "rename", "宣城2020", "XC20").returncode == 0
    assert two_plans("mark", "XC20-1", "doing").returncode == 0
    assert two_plans("plan", "rename", "XC20", "基层政务2020").returncode == 2  # taken
    r = two_plans("plan", "archive", "XC20")
    assert r.returncode == 0, r.stderr
    assert len(rows(two_plans)) == 29  # hidden from the default views
    assert len(rows(two_plans, "--plan", "XC20")) == 5  # still there when asked for
    r = two_plans("mark", "XC20-1", "done")
    assert r.returncode == 2 and "已归档" in r.stderr  # read-only
    assert json_of(two_plans("show", "XC20-1", "--json"))["status"] == "进行中"  # type: ignore[index]
    assert two_plans("mark", "4", "done").returncode == 0  # one active plan: 4 is clear again
    assert two_plans("plan", "activate", "XC20").returncode == 0
    assert two_plans("mark", "XC20-1", "done").returncode == 0


def test_a_database_from_the_first_release_is_migrated_with_nothing_lost(
    zwgk: Runner, db_path: Path
) -> None:
    for name in ("zwgk.json", "zwgk.json.events.jsonl"):
        shutil.copy(OLD / name, db_path.parent / name.replace("zwgk.json", db_path.name))
    before = json_of(zwgk("log", "--json"))
    tasks = {t["key"]: t for t in rows(zwgk)}
    assert tasks["基层政务2020-3"]["status"] == "已完成"
    assert tasks["基层政务2020-3"]["confirmed_by"] == "zhang"
    assert tasks["基层政务2020-7"]["note"] == "正在起草"
    assert tasks["宣城2020-3"]["status"] == "受阻" and tasks["宣城2020-3"]["note"] == "缺少经费"
    assert tasks["宣城2020-1"]["status"] == "已完成"
    assert tasks["基层政务2020-12"]["note"] == ""  # the note was undone
    # the first change writes the codes: the old file kept as a backup, the step logged
    assert zwgk("mark", "宣城2020-4", "doing").returncode == 0
    backups = list((db_path.parent / f"{db_path.name}.backups").iterdir())
    assert backups
    after = json_of(zwgk("log", "--json"))
    assert isinstance(before, list) and isinstance(after, list)
    assert after[: len(before)] == before  # every old event is still there, unchanged
    assert [e["action"] for e in after[len(before) :]] == ["plan", "status"]
    assert json_of(zwgk("plans", "--json"))[1]["code"] == "宣城2020"  # type: ignore[index]


def test_exports_say_which_plan_each_row_is_from(two_plans: Runner, tmp_path: Path) -> None:
    import csv

    out = tmp_path / "台账.csv"
    assert two_plans("export", str(out)).returncode == 0
    with out.open(encoding="utf-8-sig") as fh:
        table = list(csv.reader(fh))
    assert table[0][0] == "方案"
    assert {row[0] for row in table[1:]} == {"基层政务2020", "宣城2020"}
    one = tmp_path / "宣城.csv"
    assert two_plans("export", str(one), "--plan", "宣城2020").returncode == 0
    assert len(one.read_text(encoding="utf-8-sig").splitlines()) == 6  # header + 5 tasks

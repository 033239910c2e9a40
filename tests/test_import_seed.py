"""The bundled seed plan imported into a real database file, checked by hand against the text."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from zwgk.store.context import Context
from zwgk.store.db import Store
from zwgk.store.importing import ImportReport, import_into, parse_file
from zwgk.store.model import DOING, KIND_DATE, TODO, Task

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "data" / "seed_plan.txt"


def new_store(tmp_path: Path) -> Store:
    return Store(Context(tmp_path / "z.json", date(2021, 1, 1), user="tester"), seed=False)


def import_file(store: Store, path: Path, year: int | None = None) -> ImportReport:
    with store.transaction() as txn:
        return import_into(txn, parse_file(path), year=year)


@pytest.fixture
def seeded(tmp_path: Path) -> Store:
    store = new_store(tmp_path)
    import_file(store, SEED)
    return store


def task(store: Store, tid: int) -> Task:
    return store.snapshot().tasks[tid]


def test_seed_has_13_groups_and_29_tasks(tmp_path: Path) -> None:
    report = import_file(new_store(tmp_path), SEED)
    assert (report.groups, report.tasks, report.added) == (13, 29, 29)
    assert report.title == "基层政务公开标准化规范化工作任务分工及进度安排表"
    assert report.year == 2020
    assert report.unparsed == []


def test_ids_are_the_documents_item_numbers(seeded: Store) -> None:
    tasks = seeded.snapshot().tasks
    assert sorted(tasks) == list(range(1, 30))
    assert all(t.num == tid for tid, t in tasks.items())
    assert {t.group for t in tasks.values()} == set(range(1, 14))


def test_task_9(seeded: Store) -> None:
    t = task(seeded, 9)
    assert t.text == "全面完成“中国浔阳”网的集约化建设，实现全区网站信息互联互通、融合发展"
    assert (t.group, t.group_title) == (5, "规范基层政务公开平台")
    assert t.lead_units == ["区信息办"]
    assert t.support_units == []
    assert t.guide_units == ["区信息办"]
    assert t.deadline_text == "2020年12月底前"
    assert (t.due, t.deadline_kind) == (date(2020, 12, 31), KIND_DATE)


def test_task_13(seeded: Store) -> None:
    t = task(seeded, 13)
    assert t.text.startswith("把《中华人民共和国政府信息公开条例》纳入")  # "（13）" stripped
    assert t.group == 6
    assert t.lead_units == ["区信息办", "区政府办"]
    assert t.guide_units == ["区信息办", "区政府办"]
    assert t.deadline_text == "2020年8月前"
    assert t.due == date(2020, 7, 31)


def test_task_26_streets_alias(seeded: Store) -> None:
    snap = seeded.snapshot()
    t = snap.tasks[26]
    assert t.text == "系统梳理其他领域政务公开事项"
    assert t.lead_units == ["各相关部门", "各街道"]  # the document writes 各街道办 here
    assert t.guide_units == ["区政务服务局", "区编办"]
    assert t.due == date(2022, 8, 31)
    assert snap.units["各街道"].aliases == ["各街道办"]
    assert "各街道办" not in snap.units


def test_more_tasks_by_hand(seeded: Store) -> None:
    t1 = task(seeded, 1)
    assert (t1.text, t1.group, t1.group_title) == (
        "梳理规范基层政府权责清单",
        1,
        "梳理基层政务公开事项",
    )
    assert t1.due == date(2020, 8, 31)  # "2020年\n8月底前"
    t6 = task(seeded, 6)
    # full-width "（6）" stripped, the sentence's own full stop kept
    assert t6.text == "设置基层政务公开标准化规范化工作专栏，打造具有本地特色的成果展示平台。"
    assert (t6.lead_units, t6.guide_units) == (["区信息办"], ["区政府办", "区信息办"])
    t10 = task(seeded, 10)
    assert t10.guide_units == ["区政府办", "区信息办", "区政务服务局"]
    assert t10.due == date(2021, 6, 30)
    t24 = task(seeded, 24)
    assert t24.text == "建立完善村(居)民委员会公开事项清单"
    assert t24.group_title == "探索推动村(居)务公开机制"
    assert t24.lead_units == ["各街道"]


def test_repeated_group_row_is_one_group(seeded: Store) -> None:
    tasks = seeded.snapshot().tasks
    assert (tasks[7].group, tasks[8].group) == (4, 4)
    titles = {(t.group, t.group_title) for t in tasks.values()}
    assert [g for g, title in titles if title == "健全完善政务公开制度"] == [4]
    assert len(titles) == 13


def test_group_5_with_blank_line_in_its_number_cell(seeded: Store) -> None:
    tasks = seeded.snapshot().tasks
    assert [tid for tid, t in tasks.items() if t.group == 5] == [9, 10, 11, 12]


def test_reimport_changes_nothing(seeded: Store) -> None:
    seeded.set_status(3, DOING, note="已开始梳理")
    before = seeded.snapshot().tasks
    report = import_file(seeded, SEED)
    assert (report.added, report.updated, report.unchanged) == (0, 0, 29)
    assert seeded.snapshot().tasks == before


def test_revised_document_updates_by_number_and_keeps_status(seeded: Store, tmp_path: Path) -> None:
    seeded.set_status(9, DOING, note="网站集约化已过半")
    text = SEED.read_text(encoding="utf-8")
    text = text.replace(
        "融合发展\n\t区信息办\n\t区信息办", "融合发展（修订）\n\t区信息办\n\t区信息办"
    )
    text = text.replace("编制企业和群众办事一本通", "编制企业和群众办事指南一本通")
    text = text.replace("\t2022年\n10月底前", "\t2022年\n11月底前")
    revised = tmp_path / "seed_revised.txt"
    revised.write_text(text, encoding="utf-8")
    report = import_file(seeded, revised)
    assert (report.added, report.updated, report.unchanged) == (0, 3, 26)
    snap = seeded.snapshot()
    t9 = snap.tasks[9]
    assert t9.text.endswith("融合发展（修订）")
    assert (t9.status, t9.note) == (DOING, "网站集约化已过半")
    assert snap.tasks[22].text == "编制企业和群众办事指南一本通"
    assert snap.tasks[29].due == date(2022, 11, 30)
    assert snap.tasks[29].status == TODO
    assert len(snap.tasks) == 29


def test_unit_pinyin_is_precomputed(seeded: Store) -> None:
    unit = seeded.snapshot().units["区信息办"]
    assert (unit.pinyin, unit.initials) == ("quxinxiban", "qxxb")


def test_a_task_dropped_from_the_document_is_kept_and_reported(
    seeded: Store, tmp_path: Path
) -> None:
    text = SEED.read_text(encoding="utf-8")
    cut = text.index("\t\n\t\n\t(29)")
    revised = tmp_path / "seed_short.txt"
    revised.write_text(text[:cut], encoding="utf-8")
    report = import_file(seeded, revised)
    assert (report.tasks, report.unchanged, report.missing) == (28, 28, [29])
    assert report.to_json()["missing"] == [29]
    assert 29 in seeded.snapshot().tasks


def test_a_second_plan_gets_ids_after_the_first(seeded: Store) -> None:
    report = import_file(seeded, ROOT / "tests" / "fixtures" / "import" / "xuancheng-2020.xlsx")
    assert report.added == 5
    tasks = seeded.snapshot().tasks
    assert sorted(tasks)[29:] == [30, 31, 32, 33, 35]  # 29 + its own numbers 1,2,3,4,6
    assert tasks[35].text.startswith("县、乡两级政府")
    assert tasks[1].plan != tasks[30].plan


def test_unnumbered_plan_matches_by_text_when_a_task_is_inserted(tmp_path: Path) -> None:
    store = new_store(tmp_path)
    first = tmp_path / "plan.csv"
    first.write_text(
        "工作任务,责任单位\n甲任务,区政府办\n乙任务,区信息办\n丙任务,区财政局\n", "utf-8"
    )
    import_file(store, first)
    store.set_status(2, DOING)
    first.write_text(
        "工作任务,责任单位\n甲任务,区政府办\n新任务,区编办\n乙任务,区信息办\n丙任务,区审计局\n",
        "utf-8",
    )
    report = import_file(store, first)
    assert (report.added, report.updated, report.unchanged) == (1, 2, 1)  # 甲 as it was
    tasks = store.snapshot().tasks
    assert (tasks[2].text, tasks[2].status) == ("乙任务", DOING)  # followed its text
    assert tasks[3].lead_units == ["区审计局"]
    assert tasks[4].text == "新任务"

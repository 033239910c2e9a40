"""The table layouts of issue 12 item 3, each from a fixture in a real document's shape
(tests/fixtures/import/make_fixtures.py): section rows, numbered sub-items in one cell, roles
inside a unit cell, 及/和 between units, deadline cells with two dates."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from conftest import SAMPLES, Runner, json_of

from zwgk.store.context import Context
from zwgk.store.db import Store
from zwgk.store.deadlines import Deadline, parse_deadline
from zwgk.store.importers import read_plan
from zwgk.store.importing import ImportReport, import_into, parse_file
from zwgk.store.model import KIND_DATE, Task
from zwgk.store.present import task_card
from zwgk.store.unitsplit import split_units
from zwgk.store.validation import task_problem


def import_file(store: Store, path: Path, **kw: bool) -> ImportReport:
    with store.transaction() as txn:
        return import_into(txn, parse_file(path, **kw), year=None)


@pytest.fixture
def empty(tmp_path: Path) -> Store:
    return Store(Context(tmp_path / "z.json", date(2021, 1, 1), user="tester"), seed=False)


def heads(path: Path) -> list[tuple[int | None, int | None, str, str]]:
    return [(t.num, t.group, t.section, t.group_title) for t in read_plan(path).tasks]


# -- section rows ----------------------------------------------------------------------------
def test_section_rows_in_xlsx_three_levels(empty: Store) -> None:
    s1, s2 = "一、2025年经济社会发展的主要预期目标", "二、重点工作任务"
    assert heads(SAMPLES / "sections.xlsx") == [
        # A section row with no `（一）` under it is the group of the rows below it.
        (1, 1, s1, s1),
        (2, 2, s2, "（一）大力提振消费"),  # an unmerged row: only column A filled
        (3, 2, s2, "（一）大力提振消费"),
        # `1.…` on a row of its own is the third level, under its `（一）` heading.
        (4, 3, s2, "（二）扩大有效投资 1.实施一批重大项目"),
        (5, 3, s2, "（二）扩大有效投资 1.实施一批重大项目"),
    ]
    report = import_file(empty, SAMPLES / "sections.xlsx")
    assert (report.tasks, report.groups) == (5, 3)
    assert empty.snapshot().tasks[1].group_title == s1


def test_section_rows_in_docx_without_a_number_column() -> None:
    p1, p2 = "第一部分 重点领域信息公开", "第二部分 保障措施"
    assert heads(SAMPLES / "sections.docx") == [
        (None, 1, p1, "财政信息公开"),  # merged across the table
        (None, 1, p1, "财政信息公开"),
        (None, 2, p2, p2),  # only in the first (工作任务) cell: a section, not a group title
    ]


def test_section_rows_in_gb18030_csv_numbered_in_the_number_column() -> None:
    p1, p2 = "第一部分 重点领域信息公开", "第二部分 保障措施"
    plan = read_plan(SAMPLES / "sections.csv")
    assert [t.text for t in plan.tasks] == [
        "公开预决算",
        "公开政府债务",
        "公开审批结果",
        "加强组织领导",
    ]
    assert heads(SAMPLES / "sections.csv") == [
        (1, 1, p1, "（一）财政信息公开"),
        (2, 1, p1, "（一）财政信息公开"),
        (3, 2, p1, "（二）重大项目信息公开"),
        (4, 3, p2, p2),
    ]


def test_plain_csv_section_heads_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "plan.csv"
    path.write_text(
        "序号,重点工作任务,牵头单位,完成时间\n"
        "一、主要预期目标,,,\n"
        "1,地区生产总值增长6%左右,市发展改革委,2025年底\n"
        "二、重点工作任务,,,\n"
        "2,扩大有效投资,市发展改革委,2025年底\n",
        encoding="utf-8",
    )
    assert heads(path) == [
        (1, 1, "一、主要预期目标", "一、主要预期目标"),
        (2, 2, "二、重点工作任务", "二、重点工作任务"),
    ]


# -- numbered sub-items in one cell ----------------------------------------------------------
SUBITEMS = {
    1: ["优化政府网站检索功能", "规范政务新媒体管理", "加强政务公开专区建设"],
    2: ["同步解读重大政策", "及时回应社会关切"],
    3: ["完善办理流程", "规范答复文书"],
    4: ["按时发布年度报告", "做好年报数据统计"],
}


@pytest.mark.parametrize(
    ("text", "head", "items"),
    [
        ("1.制定方案；2.组织实施", "", ["制定方案", "组织实施"]),
        ("1、制定方案\n2、组织实施", "", ["制定方案", "组织实施"]),
        (
            "开展培训：①政策解读②舆情回应③依申请公开",
            "开展培训：",
            ["政策解读", "舆情回应", "依申请公开"],
        ),
        ("(1)制定方案 (2)组织实施", "", ["制定方案", "组织实施"]),
        ("1)制定方案 2)组织实施", "", ["制定方案", "组织实施"]),
        # Nested lists: the outer numbering wins.
        (
            "1.公开预算：(1)部门预算(2)三公经费；2.公开决算",
            "",
            ["公开预算：(1)部门预算(2)三公经费", "公开决算"],
        ),
        # Not sub-items: one number, decimals, numbers listed together.
        ("（1）完善制度", "（1）完善制度", []),
        ("推进1.5万户棚改", "推进1.5万户棚改", []),
        ("在1、2季度完成", "在1、2季度完成", []),
        ("公开12345热线2.0版", "公开12345热线2.0版", []),
    ],
)
def test_split_subitems(text: str, head: str, items: list[str]) -> None:
    from zwgk.store.importers.subitems import split_subitems

    assert split_subitems(text) == (head, items)


def test_subitems_stay_one_task(empty: Store) -> None:
    import_file(empty, SAMPLES / "subitems.xlsx")
    tasks = empty.snapshot().tasks
    assert sorted(tasks) == [1, 2, 3, 4, 5]
    assert {i: t.subitems for i, t in tasks.items() if t.subitems} == SUBITEMS
    # The whole cell stays the text, so every sub-item is searched.
    assert tasks[2].text == "做好解读回应工作：①同步解读重大政策；②及时回应社会关切"
    assert tasks[5].subitems == []
    with empty.transaction() as txn:  # omitted from the record when empty, like `parts`
        recs = {d.doc_id: dict(d) for d in txn.db.table("tasks").all()}
    assert "subitems" not in recs[5] and recs[1]["subitems"] == SUBITEMS[1]
    lines = [line.plain for line in task_card(tasks[1], date(2021, 1, 1))]
    at = lines.index("具体事项：" + tasks[1].text)
    assert lines[at + 1 : at + 4] == [f"  {n}. {item}" for n, item in enumerate(SUBITEMS[1], 1)]


def test_subitems_field_is_validated() -> None:
    rec = Task(id=1, plan="p", group=None, group_title="", text="t", subitems=["a"]).to_record()
    assert task_problem("1", rec) is None
    assert "subitems" not in Task(id=1, plan="p", group=None, group_title="", text="t").to_record()
    assert task_problem("1", {**rec, "subitems": "a"}) is not None
    assert task_problem("1", {**rec, "subitems": [1]}) is not None


def test_subitems_shown_and_searched_through_the_cli(zwgk: Runner) -> None:
    assert zwgk("import", str(SAMPLES / "subitems.xlsx")).returncode == 0
    found = json_of(zwgk("search", "规范政务新媒体", "--json"))
    assert 1 in [t["id"] for t in found]  # type: ignore[union-attr]
    shown = zwgk("show", "1")
    assert "  2. 规范政务新媒体管理" in shown.stdout
    listed = {t["id"]: t for t in json_of(zwgk("list", "--json"))}  # type: ignore[union-attr]
    assert listed[1]["subitems"] == SUBITEMS[1] and listed[5]["subitems"] == []
    assert json_of(zwgk("show", "1", "--json"))["subitems"] == SUBITEMS[1]  # type: ignore[index]


def test_split_subitems_makes_tasks_numbered_after_the_cell(zwgk: Runner) -> None:
    proc = zwgk("import", "--split-subitems", str(SAMPLES / "subitems.xlsx"), "--json")
    assert json_of(proc)["added"] == 10  # type: ignore[index]
    tasks = {t["id"]: t for t in json_of(zwgk("list", "--json"))}  # type: ignore[union-attr]
    assert sorted(tasks) == [5, 101, 102, 103, 201, 202, 301, 302, 401, 402]
    assert tasks[102]["text"] == "规范政务新媒体管理"
    assert tasks[201]["text"] == "做好解读回应工作：同步解读重大政策"  # the cell's lead-in kept
    assert tasks[402]["group_title"] == "做好年报" and tasks[402]["lead_units"] == ["市政府办公室"]


def test_split_numbers_grow_past_collisions(tmp_path: Path) -> None:
    from zwgk.store.importers.subitems import split_plan

    path = tmp_path / "plan.csv"
    path.write_text(
        "序号,工作任务,责任单位\n1,1.公开预算；2.公开决算,区财政局\n101,公开债务,区财政局\n",
        encoding="utf-8",
    )
    assert [t.num for t in split_plan(read_plan(path)).tasks] == [1001, 1002, 101]


# -- unit cells ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("cell", "lead", "support"),
    [
        ("由区委宣传部牵头，区网信办、区公安分局配合", ["区委宣传部"], ["区网信办", "区公安分局"]),
        ("市发改委牵头 市住建局、市交通局配合", ["市发改委"], ["市住建局", "市交通局"]),
        ("市发改委牵头市住建局、市交通局配合", ["市发改委"], ["市住建局", "市交通局"]),
        ("市发改委牵头，会同市住建局、市交通局", ["市发改委"], ["市住建局", "市交通局"]),
        ("市发改委牵头，市住建局、市交通局按职责分工配合", ["市发改委"], ["市住建局", "市交通局"]),
        ("市发改委、市住建局按职责分工负责，市财政局配合", ["市发改委", "市住建局"], ["市财政局"]),
        ("牵头：市发改委；配合：市住建局、市交通局", ["市发改委"], ["市住建局", "市交通局"]),
        ("市发改委负责牵头，市住建局协助", ["市发改委"], ["市住建局"]),
    ],
)
def test_roles_inside_one_unit_cell(cell: str, lead: list[str], support: list[str]) -> None:
    assert split_units(cell) == (lead, support)


def test_units_docx_roles_first_listed_and_joined() -> None:
    tasks = {t.num: t for t in read_plan(SAMPLES / "units.docx").tasks}
    roles = {n: (t.lead_units, t.support_units) for n, t in tasks.items()}
    assert roles == {
        1: (["区财政局"], ["区审计局", "区统计局"]),  # A牵头，B、C配合
        # The note under the table: 排在第一位的为牵头单位.
        2: (["区审计局"], ["区财政局"]),
        # 及 between two units the plan names on their own; a pair joined by 及 leads together.
        3: (["区财政局", "区审计局"], []),
        4: (["区民族和宗教事务局"], []),  # never inside one organisation's name
        5: (["区委宣传部"], ["区网信办", "区公安分局"]),
        6: (["区委宣传部", "区网信办"], []),  # 网信办 after 区委宣传部和: the plan's 区网信办
    }


def _csv(tmp_path: Path, header: str, rows: list[str], notes: list[str] = ()) -> Path:  # type: ignore[assignment]
    path = tmp_path / "plan.csv"
    path.write_text("\n".join([header, *rows, *notes]) + "\n", encoding="utf-8")
    return path


def test_first_listed_leads_only_when_the_document_says_so(tmp_path: Path) -> None:
    rows = ["1,公开审计结果,区审计局、区财政局,年底前", "2,公开预算,区财政局牵头、区审计局,年底前"]
    header = "序号,工作任务,牵头单位,完成时限"
    silent = read_plan(_csv(tmp_path, header, rows)).tasks
    assert [(t.lead_units, t.support_units) for t in silent] == [
        (["区审计局", "区财政局"], []),
        (["区财政局"], ["区审计局"]),
    ]
    noted = read_plan(_csv(tmp_path, header, rows, ["注：第一个为牵头单位。,,,"])).tasks
    assert [(t.lead_units, t.support_units) for t in noted] == [
        (["区审计局"], ["区财政局"]),
        (["区财政局"], ["区审计局"]),  # the cell's own 牵头 still decides
    ]
    # Said in the header itself, which stays a header.
    header = "序号,工作任务,责任单位（排在第一位的为牵头单位）,完成时限"
    (t, _) = read_plan(_csv(tmp_path, header, rows)).tasks
    assert (t.text, t.lead_units, t.support_units) == ("公开审计结果", ["区审计局"], ["区财政局"])


def test_joined_units_split_only_when_both_are_known(tmp_path: Path, empty: Store) -> None:
    path = _csv(
        tmp_path,
        "序号,工作任务,责任单位",
        [
            "1,公开预算,区财政局",
            "2,公开审计结果,区审计局和区财政局",
            "3,公开统计公报,区财政局和区统计局",  # 区统计局 is nowhere else
            "4,宗教事务公开,区民族和宗教事务局",
            "5,宗教场所公开,宗教事务局",
            "6,公开审计整改,区审计局",
        ],
    )
    units = [t.lead_units for t in read_plan(path).tasks]
    assert units[1:4] == [["区审计局", "区财政局"], ["区财政局和区统计局"], ["区民族和宗教事务局"]]
    # Units the database already knows count too.
    more = tmp_path / "more.csv"
    more.write_text("序号,工作任务,责任单位\n1,公开统计数据,区统计局\n", encoding="utf-8")
    import_file(empty, more)
    import_file(empty, path)
    tasks = {t.text: t for t in empty.snapshot().tasks.values()}
    assert tasks["公开统计公报"].lead_units == ["区财政局", "区统计局"]
    assert "区财政局和区统计局" not in empty.snapshot().units


# -- deadline cells with two dates -----------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("2021年6月底前完成初稿，12月底前印发", date(2021, 12, 31)),
        ("1.2021年6月底前完成初稿；\n2.12月底前印发", date(2021, 12, 31)),
        ("(1)2021年6月底前完成初稿；(2)12月底前印发", date(2021, 12, 31)),
        ("①6月底前完成初稿；②12月底前印发", date(2021, 12, 31)),
        ("2021年5月底前完成方案制定，6-12月组织实施", date(2021, 12, 31)),
        ("2021年6至9月", date(2021, 9, 30)),
        # Milestones in any order: the task is due when the last one is.
        ("2021年底前完成，其中6月底前完成初稿", date(2021, 12, 31)),
    ],
)
def test_milestone_deadlines(text: str, due: date) -> None:
    assert parse_deadline(text, 2021) == Deadline(KIND_DATE, due)


def test_milestones_xlsx_keeps_the_words_and_dates_the_last(empty: Store) -> None:
    report = import_file(empty, SAMPLES / "milestones.xlsx")
    assert report.unparsed == []
    tasks = empty.snapshot().tasks
    assert tasks[1].deadline_text == "2021年6月底前完成初稿，12月底前印发"
    assert tasks[2].deadline_text == "1.2021年6月底前完成初稿；2.12月底前印发"
    assert [(t.deadline_kind, t.due) for t in tasks.values()] == [
        (KIND_DATE, date(2021, 12, 31)),
        (KIND_DATE, date(2021, 12, 31)),
        (KIND_DATE, date(2021, 12, 31)),
        (KIND_DATE, date(2021, 3, 31)),  # one date: as before
    ]

"""Every supported format, from the two real samples and small fixtures in the FIELD.md shapes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from zwgk.store.context import Context
from zwgk.store.db import Store
from zwgk.store.importers import read_plan
from zwgk.store.importers.base import ParsedPlan
from zwgk.store.importing import ImportReport, import_into, parse_file
from zwgk.store.model import DONE, KIND_ONGOING, KIND_RECURRING, KIND_UNKNOWN, TODO

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "import"


def import_file(tmp_path: Path, path: Path) -> tuple[Store, ImportReport]:
    store = Store(Context(tmp_path / "z.json", date(2021, 1, 1), user="tester"), seed=False)
    with store.transaction() as txn:
        report = import_into(txn, parse_file(path), year=None)
    return store, report


def by_num(plan: ParsedPlan) -> dict[int | None, object]:
    return {t.num: t for t in plan.tasks}


def test_xuancheng_xlsx_sample(tmp_path: Path) -> None:
    store, report = import_file(tmp_path, FIXTURES / "xuancheng-2020.xlsx")
    assert report.title == "宣城市基层政务公开标准化规范化工作任务分解表"
    assert report.year == 2020  # from the file name
    tasks = store.snapshot().tasks
    assert sorted(tasks) == [1, 2, 3, 4, 6]  # the document skips 5, so do the ids
    assert tasks[1].text.startswith("根据省基层政务公开事项梳理指南")  # 工 作 任 务 is the text
    assert tasks[1].lead_units == ["市直26个试点领域业务主管部门"]
    assert tasks[1].due == date(2020, 10, 31)
    assert tasks[3].lead_units == ["市数据资源局", "各县市区政府", "各乡镇政府", "街道办事处"]
    assert tasks[3].due == date(2020, 12, 31)
    assert tasks[6].lead_units == ["各县（市、区）政府", "各乡镇政府", "街道办事处"]
    assert tasks[6].due == date(2021, 12, 31)
    assert all(t.group is None for t in tasks.values())


def test_jingzhou_docx_sample(tmp_path: Path) -> None:
    store, report = import_file(tmp_path, FIXTURES / "jingzhou-2022.docx")
    assert report.title == "2022年政务公开任务分解责任清单"
    assert (report.year, report.tasks, report.groups) == (2022, 2, 1)
    t1, t2 = (store.snapshot().tasks[i] for i in (1, 2))
    # Two columns headed 工作任务 are two heading levels.
    assert t1.section == "一、以公开助力经济平稳健康发展。"
    assert (t1.group, t1.group_title) == (1, "（一）加强涉及市场主体的信息公开。")
    assert t1.text.startswith("进一步增强政策文件制定实施的透明度")
    assert t1.lead_units == ["市政府各有关部门", "各县市区人民政府", "功能区管委会"]
    assert (t1.deadline_kind, t1.due) == (KIND_ONGOING, None)
    assert t2.text.startswith("开设行业帮扶政策公开专题")
    assert t2.section == t1.section and t2.group == 1


def test_gb18030_crlf_csv_with_lead_and_support_columns() -> None:
    plan = read_plan(FIXTURES / "gb18030_crlf.csv")
    assert plan.title == "2021年某市政务公开工作任务分工"  # `附件2` dropped
    assert plan.year == 2021
    tasks = by_num(plan)
    assert sorted(tasks) == [1, 2, 3, 4, 5]
    t1 = tasks[1]
    assert t1.text == "完善重大行政决策预公开制度"  # a CRLF inside a quoted cell joined
    assert (t1.group, t1.group_title) == (1, "推进决策公开")
    assert t1.lead_units == ["市司法局"]
    assert t1.support_units == ["市政府办公室", "各县（市、区）政府"]
    t2 = tasks[2]
    assert (t2.group, t2.lead_units, t2.support_units) == (1, ["市发展改革委"], ["市住建局"])
    assert tasks[3].support_units == ["各县(市)区政府", "市大数据局"]
    # An empty lead or deadline cell is the same as above (a merge the CSV lost).
    assert (tasks[4].lead_units, tasks[4].deadline_text) == (["市政务公开办"], "年底前")
    assert tasks[4].support_units == ["市网信办"]
    assert tasks[5].group == 3


def test_utf8_bom_csv_without_numbers_gets_ids_1_to_n(tmp_path: Path) -> None:
    store, report = import_file(tmp_path, FIXTURES / "utf8_bom.csv")
    tasks = store.snapshot().tasks
    assert sorted(tasks) == [1, 2, 3]
    assert tasks[1].text == "梳理公开事项清单"  # no BOM glued to the first header
    assert tasks[2].lead_units == ["区政府办", "各街道办"]
    assert tasks[2].deadline_kind == KIND_ONGOING
    assert tasks[3].due == date(2022, 12, 31)  # 下半年 in the year the deadlines name
    assert report.year == 2022


def test_tab_separated_txt() -> None:
    plan = read_plan(FIXTURES / "tab_separated.txt")
    assert [(t.num, t.text, t.lead_units) for t in plan.tasks] == [
        (1, "公开财政预决算", ["区财政局"]),
        (2, "公开重大建设项目", ["区发改委"]),
    ]


def test_xlsx_with_merged_cells_title_and_section_rows(tmp_path: Path) -> None:
    store, report = import_file(tmp_path, FIXTURES / "merged.xlsx")
    assert report.title == "2023年政务公开重点工作任务分工方案"
    tasks = store.snapshot().tasks
    assert sorted(tasks) == [1, 2, 3, 4]
    assert tasks[1].text == "全面公开预决算和“三公”经费"  # the cell's line break joined
    assert tasks[1].section == tasks[2].section == "一、深化重点领域信息公开"
    assert tasks[2].group_title == "做好财政信息公开"  # merged B5:B6
    assert tasks[2].lead_units == ["区财政局"]  # merged D5:D6
    assert tasks[2].support_units == ["各街道"]  # 责任单位 beside 牵头单位 supports
    assert tasks[2].due == date(2023, 9, 30)  # a date-typed cell
    assert tasks[3].section == "二、加强平台建设"
    assert (tasks[3].deadline_kind, tasks[3].due) == (KIND_RECURRING, None)
    assert (tasks[4].deadline_kind, tasks[4].due) == (KIND_UNKNOWN, None)  # 2022年底11月前
    assert report.unparsed == [(4, "2022年底11月前")]
    # 区政府办公室 and 区政府办 are one unit, named as the document mostly writes it.
    assert tasks[4].lead_units == ["区政府办"]
    assert store.snapshot().units["区政府办"].aliases == ["区政府办公室"]
    assert report.groups == 2


def test_docx_with_merged_cells_repeated_header_and_status(tmp_path: Path) -> None:
    store, report = import_file(tmp_path, FIXTURES / "merged.docx")
    assert report.title == "2024年度政务公开工作要点任务分解表"
    tasks = store.snapshot().tasks
    assert sorted(tasks) == [1, 2, 3, 4]  # the header repeated after a page break is skipped
    assert tasks[1].text == "修订政务公开工作制度"  # `1. ` prefix stripped
    assert tasks[2].text == "完善依申请公开办理流程"  # `2、` prefix stripped
    assert tasks[1].section == "一、推进政务公开标准化"  # a row merged across the table
    assert tasks[2].group_title == "健全制度"  # vertically merged
    assert tasks[2].due == date(2024, 9, 30)
    assert tasks[1].status == DONE  # from 完成情况
    assert tasks[2].status == TODO
    assert (tasks[3].lead_units, tasks[3].support_units) == (["区信息办"], ["各街道"])
    # A cell of numbered sub-items keeps them; the 序号 column gives the number.
    assert tasks[4].text == "开展专题培训：1.政策解读；2.舆情回应"
    assert tasks[4].deadline_kind == KIND_RECURRING


def test_seed_dump_read_through_read_plan() -> None:
    plan = read_plan(Path(__file__).resolve().parent.parent / "data" / "seed_plan.txt")
    assert len(plan.tasks) == 29
    assert plan.tasks[0].line == 12  # where task (1) starts, for messages


@pytest.mark.parametrize(
    ("header", "roles"),
    [
        ("序号,工作任务,具体事项,主体责任单位,指导责任单位,完成时间", ("lead", "guide")),
        ("序号,重点工作任务,牵头责任单位,协同配合单位,完成时限", ("lead", "support")),
        ("序号,目标与任务,责任科室,协办单位,时限", ("lead", "support")),
        ("编号,任务,责任部门,备注", ("lead",)),
        ("序 号,具体要求,主要责任单位,配合单位,时 限", ("lead", "support")),
    ],
)
def test_header_synonyms(tmp_path: Path, header: str, roles: tuple[str, ...]) -> None:
    width = header.count(",") + 1
    row = ["1", "做好公开工作", "区政府办", "区信息办", "2021年6月底前", ""][:width]
    if "具体事项" in header:
        row = ["1", "建设平台", "做好公开工作", "区政府办", "区信息办", "2021年6月底前"]
    if width == 4:
        row = ["1", "做好公开工作", "区政府办", "2021年6月底前"]
    path = tmp_path / "plan.csv"
    path.write_text(header + "\n" + ",".join(row) + "\n", encoding="utf-8")
    (t,) = read_plan(path).tasks
    assert t.text == "做好公开工作"
    assert t.lead_units == ["区政府办"]
    if "support" in roles:
        assert t.support_units == ["区信息办"]
    if "guide" in roles:
        assert t.guide_units == ["区信息办"]
    assert t.deadline_text == "2021年6月底前"  # 备注 holds it when there is no deadline column


def test_two_row_header(tmp_path: Path) -> None:
    path = tmp_path / "plan.csv"
    path.write_text(
        "序号,工作任务,责任单位,,完成时限\n"
        ",,牵头单位,配合单位,\n"
        "1,公开财政预算,区财政局,各部门,2021年3月底前\n",
        encoding="utf-8",
    )
    (t,) = read_plan(path).tasks
    assert (t.num, t.text, t.lead_units, t.support_units) == (
        1,
        "公开财政预算",
        ["区财政局"],
        ["各部门"],
    )
    assert t.deadline_text == "2021年3月底前"


def test_heading_rows_numbered_in_the_number_column(tmp_path: Path) -> None:
    path = tmp_path / "plan.csv"
    path.write_text(
        "序号,工作任务,责任单位,完成时限\n"
        "一,推进决策公开,,\n"
        "（一）,完善制度,,\n"
        "1,修订工作规则,区司法局,2021年6月底前\n"
        "二,加强平台建设,,\n"
        "（一）,完善制度,,\n"
        "2,优化网站,区信息办,持续推进\n",
        encoding="utf-8",
    )
    t1, t2 = read_plan(path).tasks
    assert (t1.num, t1.section, t1.group, t1.group_title) == (
        1,
        "一、推进决策公开",
        1,
        "（一）完善制度",
    )
    # The same sub-heading under another section is another group.
    assert (t2.num, t2.section, t2.group) == (2, "二、加强平台建设", 2)


def test_section_lines_in_a_plain_csv(tmp_path: Path) -> None:
    path = tmp_path / "plan.csv"
    path.write_text(
        "序号,重点工作任务,牵头单位,完成时间\n"
        "一、2025年经济社会发展的主要预期目标,,,\n"
        "1,地区生产总值增长6%左右,市发展改革委,2025年底\n",
        encoding="utf-8",
    )
    (t,) = read_plan(path).tasks
    assert t.section == "一、2025年经济社会发展的主要预期目标"
    assert (t.num, t.text, t.lead_units) == (1, "地区生产总值增长6%左右", ["市发展改革委"])
    assert read_plan(path).year == 2025


def test_remark_holds_the_deadline_a_row_leaves_empty(tmp_path: Path) -> None:
    path = tmp_path / "plan.csv"
    path.write_text(
        "序号,工作任务,责任单位,完成时间,备注\n"
        "1,公开预算,区财政局,2021年3月底前,按要求公开\n"
        "2,公开决算,区财政局,,2021年9月底前完成\n"
        "3,公开三公经费,区财政局,,另行通知\n",
        encoding="utf-8",
    )
    t1, t2, t3 = read_plan(path).tasks
    assert t1.deadline_text == "2021年3月底前"
    assert t2.deadline_text == "2021年9月底前完成"
    assert t3.deadline_text == "2021年9月底前完成"  # the remark says nothing: same as above


def test_word_table_split_in_two_continues(tmp_path: Path) -> None:
    import docx

    doc = docx.Document()
    doc.add_paragraph("2021年政务公开工作任务清单")
    first = doc.add_table(rows=2, cols=4)
    for c, value in enumerate(["序号", "工作任务", "责任单位", "完成时限"]):
        first.cell(0, c).text = value
    for c, value in enumerate(["1", "公开预算", "区财政局", "2021年3月底前"]):
        first.cell(1, c).text = value
    doc.add_paragraph("")
    second = doc.add_table(rows=1, cols=4)  # the rest, after a page break, without a header
    for c, value in enumerate(["2", "公开决算", "区财政局", "2021年9月底前"]):
        second.cell(0, c).text = value
    doc.add_paragraph("附件2")
    other = doc.add_table(rows=2, cols=2)  # another attachment with its own header
    other.cell(0, 0).text, other.cell(0, 1).text = "序号", "联系人"
    path = tmp_path / "plan.docx"
    doc.save(path)
    plan = read_plan(path)
    assert plan.title == "2021年政务公开工作任务清单"
    assert [(t.num, t.text) for t in plan.tasks] == [(1, "公开预算"), (2, "公开决算")]


def test_units_known_from_an_earlier_plan_stay_one_unit(tmp_path: Path) -> None:
    store, _ = import_file(
        tmp_path, Path(__file__).resolve().parent.parent / "data" / "seed_plan.txt"
    )
    path = tmp_path / "more.csv"
    path.write_text("序号,工作任务,责任单位\n1,清理公开事项,各街道办\n", encoding="utf-8")
    with store.transaction() as txn:
        import_into(txn, parse_file(path), year=None)
    snap = store.snapshot()
    assert snap.tasks[30].lead_units == ["各街道"]
    assert "各街道办" not in snap.units


def test_word_table_inside_a_content_control(tmp_path: Path) -> None:
    import docx
    from docx.oxml import OxmlElement

    doc = docx.Document()
    doc.add_paragraph("2021年政务公开清单")
    table = doc.add_table(rows=2, cols=3)
    for c, value in enumerate(["序号", "工作任务", "责任单位"]):
        table.cell(0, c).text = value
    for c, value in enumerate(["1", "公开预算", "区财政局"]):
        table.cell(1, c).text = value
    sdt, content = OxmlElement("w:sdt"), OxmlElement("w:sdtContent")
    table._tbl.addprevious(sdt)
    sdt.append(content)
    content.append(table._tbl)
    path = tmp_path / "plan.docx"
    doc.save(path)
    (t,) = read_plan(path).tasks
    assert (t.num, t.text, t.lead_units) == (1, "公开预算", ["区财政局"])


def test_number_column_that_numbers_only_groups(tmp_path: Path) -> None:
    path = tmp_path / "plan.csv"
    path.write_text(
        "序号,工作任务,具体事项,责任单位,完成时间\n"
        "1,梳理事项,梳理权责清单,区编办,2021年3月底前\n"
        ",,梳理服务清单,区政务服务局,2021年3月底前\n"
        "2,编制目录,编制公开目录,区信息办,2021年6月底前\n",
        encoding="utf-8",
    )
    tasks = read_plan(path).tasks
    assert [(t.num, t.group, t.group_title) for t in tasks] == [
        (None, 1, "梳理事项"),
        (None, 1, "梳理事项"),
        (None, 2, "编制目录"),
    ]


def test_units_labelled_inside_the_task_text(tmp_path: Path) -> None:
    path = tmp_path / "plan.csv"
    path.write_text(
        "序号,主要任务,责任单位,完成时限\n"
        "1,推进审批服务便民化。（牵头单位：市审批局、市发改委；责任单位：市直各部门）,,年底前\n"
        "2,公开审批结果（2021年版）,市审批局,年底前\n"
        "3,编制许可事项清单。（市政府办公室牵头，市级各有关部门按职责分工负责）,,年底前\n",
        encoding="utf-8",
    )
    t1, t2, t3 = read_plan(path).tasks
    assert t1.text == "推进审批服务便民化。"
    assert (t1.lead_units, t1.support_units) == (["市审批局", "市发改委"], ["市直各部门"])
    assert t2.text == "公开审批结果（2021年版）"
    assert t3.text == "编制许可事项清单。"
    assert (t3.lead_units, t3.support_units) == (["市政府办公室"], ["市级各有关部门"])

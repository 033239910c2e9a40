"""Exports: the xlsx ledger opened with openpyxl, CSV with BOM, Markdown, and the JSON round trip."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from conftest import Runner, json_of

from zwgk.store import signoff
from zwgk.store.context import Context
from zwgk.store.db import Store
from zwgk.store.export import GREEN_FILL, RED_FILL, YELLOW_FILL, export_file, ledger_title
from zwgk.store.filters import TaskFilter
from zwgk.store.model import DONE, Plan, Task
from zwgk.store.snapshot import Snapshot, snapshot_of, tables_of

LATE_DEC = date(2020, 12, 28)  # (7)(8)(9)… are due 2020-12-31: within 7 days
HEADER = ["序号", "工作任务", "具体事项", "主体责任单位", "指导责任单位", "完成时间"]
PROGRESS = ["状态", "最新进展", "更新时间", "更新人", "办结确认"]


@pytest.fixture
def worked(store: Store) -> Store:
    store.set_status(3, DONE, "已梳理完毕")
    signoff.confirm(store, 3, "材料齐全")
    store.set_status(4, DONE)
    store.add_note(5, "目录体系 | 初稿已成\n待审定")
    return store


def fill_of(ws: object, ref: str) -> str | None:
    cell = ws[ref]  # type: ignore[index]
    if cell.fill is None or cell.fill.fill_type != "solid":
        return None
    return str(cell.fill.fgColor.rgb)[-6:]


def test_xlsx_layout_title_merges_and_fills(worked: Store, tmp_path: Path) -> None:
    out = tmp_path / "台账.xlsx"
    rows = export_file(worked.snapshot(), out, today=LATE_DEC)
    assert rows == 29
    wb = openpyxl.load_workbook(out)
    ws = wb.active
    assert ws["A1"].value == "基层政务公开标准化规范化工作任务进度台账（截至 2020年12月28日）"
    assert [c.value for c in ws[3]] == [*HEADER, *PROGRESS]  # no 配合单位: the seed has none
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert "A1:K1" in merged  # the title spans the table
    # Group cells merged as in the document: group 1 = (1)(2)(3), group 2 = (4)(5).
    assert {"A4:A6", "B4:B6", "A7:A8", "B7:B8"} <= merged
    assert not any(r.startswith("A9:") for r in merged)  # group 3 has one item
    assert ws["A4"].value == 1 and ws["B4"].value == "梳理基层政务公开事项"
    assert ws["A5"].value is None and ws["A7"].value == 2
    assert ws["C4"].value == "(1)梳理规范基层政府权责清单"
    assert ws["D4"].value == "各相关部门\n各街道"
    assert ws["F4"].value == "2020年8月底前"
    # 29 task rows from row 4, then one summary row.
    items = [ws.cell(r, 3).value for r in range(4, 33)]
    assert all(isinstance(v, str) and v.startswith(f"({i})") for i, v in enumerate(items, 1))
    assert ws["A33"].value.startswith("共 29 项：已完成 2 项（已确认 1 项）")
    # Status labels: confirmed vs unconfirmed completion, with who confirmed.
    assert ws["G6"].value == "已完成（已确认）"
    assert ws["K6"].value.startswith("tester ")
    assert ws["G7"].value == "已完成（待确认）" and ws["K7"].value is None
    assert ws["G4"].value == "未开始（逾期）"
    assert ws["H6"].value == "已梳理完毕" and ws["J6"].value == "tester"
    # Fills: overdue red, done green, due within 7 days yellow, later none.
    assert fill_of(ws, "C4") == RED_FILL and fill_of(ws, "K4") == RED_FILL
    assert fill_of(ws, "C6") == GREEN_FILL and fill_of(ws, "C7") == GREEN_FILL
    assert fill_of(ws, "C10") == YELLOW_FILL  # (7) due 2020-12-31
    assert fill_of(ws, "C14") is None  # (11) due 2021-12-31
    # Frozen header, wrapped text, widths, A4 landscape with the header repeating.
    assert ws.freeze_panes == "A4"
    assert ws["C4"].alignment.wrap_text
    assert ws.column_dimensions["C"].width >= 30
    assert ws.page_setup.orientation == "landscape"
    assert str(ws.page_setup.paperSize) == str(ws.PAPERSIZE_A4)
    assert ws.print_title_rows == "$3:$3"


def test_xlsx_support_column_only_when_used(tmp_path: Path) -> None:
    sample = tmp_path / "plan.csv"
    sample.write_text(
        "序号,具体事项,牵头单位,配合单位,完成时限\n1,编制目录,区信息办,区编办,2021年6月底前\n",
        encoding="utf-8",
    )
    from zwgk.store.importing import import_into, parse_file

    store = Store(Context(tmp_path / "s.json", LATE_DEC, user="tester"), seed=False)
    with store.transaction() as txn:
        import_into(txn, parse_file(sample), year=2021)
    out = tmp_path / "s.xlsx"
    assert export_file(store.snapshot(), out, today=LATE_DEC) == 1
    ws = openpyxl.load_workbook(out).active
    header = [c.value for c in ws[3]]
    assert header[4] == "配合单位" and ws["E4"].value == "区编办"


def test_export_filters_through_the_command(zwgk: Runner, tmp_path: Path) -> None:
    out = tmp_path / "bb.xlsx"
    proc = zwgk("export", str(out), "--unit", "区编办", "--role", "guide")
    assert proc.returncode == 0, proc.stderr
    assert "6" in proc.stdout
    ws = openpyxl.load_workbook(out).active
    items = [ws.cell(r, 3).value.split(")")[0] + ")" for r in range(4, 10)]
    assert items == ["(1)", "(2)", "(4)", "(26)", "(27)", "(28)"]
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert {"A4:A5", "A7:A9"} <= merged  # groups 1 and 13 of the filtered rows
    assert "区编办" in ws["A2"].value  # the filter is stated under the title

    late = tmp_path / "late.csv"
    assert zwgk("export", str(late), "--overdue").returncode == 0
    with late.open(encoding="utf-8-sig", newline="") as fh:
        body = list(csv.reader(fh))[1:]
    assert len(body) == 8 and all(r[6].endswith("（逾期）") for r in body)


def test_csv_has_bom_and_one_row_per_task(worked: Store, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    export_file(worked.snapshot(), out, today=LATE_DEC)
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    with out.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == [*HEADER, *PROGRESS]
    assert len(rows) == 30
    assert rows[1][:6] == [
        "1",
        "梳理基层政务公开事项",
        "(1)梳理规范基层政府权责清单",
        "各相关部门、各街道",
        "区政务服务局、区编办",
        "2020年8月底前",
    ]
    assert rows[3][6] == "已完成（已确认）" and rows[4][6] == "已完成（待确认）"
    assert rows[5][7] == "目录体系 | 初稿已成\n待审定"


def test_markdown_escapes_pipes_and_shows_groups_once(worked: Store, tmp_path: Path) -> None:
    out = tmp_path / "out.md"
    export_file(worked.snapshot(), out, today=LATE_DEC, flt=TaskFilter(group=2))
    text = out.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == "## " + ledger_title(worked.snapshot().title, LATE_DEC)
    table = [line for line in lines if line.startswith("|")]
    assert table[0].startswith("| 序号 | 工作任务 | 具体事项 |")
    assert len(table) == 4  # header, rule, (4), (5)
    assert table[2].startswith("| 2 | 编制政务公开事项目录 |")
    assert table[3].startswith("|  |  | (5)")
    assert "目录体系 \\| 初稿已成<br>待审定" in table[3]
    assert table[3].count(" | ") == 7  # the escaped pipe does not add a column


def test_unknown_suffix_is_one_sentence(zwgk: Runner, tmp_path: Path) -> None:
    proc = zwgk("export", str(tmp_path / "out.pdf"))
    assert proc.returncode == 2
    assert ".xlsx" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "out.pdf").exists()


def history(runner: Runner, db: Path) -> list[dict[str, object]]:
    events = json_of(runner("--db", str(db), "log", "--json"))
    assert isinstance(events, list)
    keep = ("ts", "user", "action", "task", "changes", "note")
    return [{k: e[k] for k in keep} for e in events]


def test_json_round_trip_through_zwgk_import(zwgk: Runner, db_path: Path, tmp_path: Path) -> None:
    for args in (
        ("mark", "3", "done", "--note", "已梳理"),
        ("confirm", "3", "--note", "同意"),
        ("mark", "6", "blocked", "--note", "等待网站改版"),
        ("note", "9", "集约化平台已上线"),
        ("mark", "10", "doing"),
        ("undo",),
    ):
        assert zwgk(*args).returncode == 0, args
    out = tmp_path / "out.json"
    assert zwgk("export", str(out)).returncode == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["format"] == "zwgk-exchange" and len(data["tasks"]) == 29

    new_db = tmp_path / "new.json"
    proc = zwgk("--db", str(new_db), "import", str(out))
    assert proc.returncode == 0, proc.stderr
    assert "新增 29 项" in proc.stdout

    before = json_of(zwgk("list", "--json"))
    after = json_of(zwgk("--db", str(new_db), "list", "--json"))
    assert after == before  # plan, units, deadlines, statuses, notes, sign-off, updated_*
    by_id = {t["id"]: t for t in after}  # type: ignore[union-attr]
    assert by_id[3]["confirmed_by"] == "tester" and by_id[6]["status"] == "受阻"
    assert by_id[10]["status"] == "未开始"  # the undo came along too

    old_log, new_log = history(zwgk, db_path), history(zwgk, new_db)
    assert new_log[: len(old_log)] == old_log
    assert [e["action"] for e in new_log[len(old_log) :]] == ["import"]
    show = json_of(zwgk("--db", str(new_db), "show", "3", "--json"))
    assert [e["action"] for e in show["history"]] == ["status", "confirm"]  # type: ignore[index]

    # Importing the same file again changes nothing; so does importing it into its source.
    again = zwgk("--db", str(new_db), "import", str(out))
    assert again.returncode == 0 and "新增 0 项，更新 0 项" in again.stdout
    assert history(zwgk, new_db) == new_log
    assert zwgk("import", str(out)).returncode == 0
    assert json_of(zwgk("list", "--json")) == before
    assert history(zwgk, db_path) == old_log


def test_bad_json_is_refused_without_touching_the_database(zwgk: Runner, tmp_path: Path) -> None:
    new_db = tmp_path / "fresh.json"
    for name, body in (("a.json", '{"tasks": []}'), ("b.json", "{not json"), ("c.json", "[]")):
        path = tmp_path / name
        path.write_text(body, encoding="utf-8")
        proc = zwgk("--db", str(new_db), "import", str(path))
        assert proc.returncode == 2, name
        assert name in proc.stderr and "Traceback" not in proc.stderr
    assert not new_db.exists()


def test_notes_that_look_like_formulas_stay_text(store: Store, tmp_path: Path) -> None:
    store.add_note(2, '=HYPERLINK("http://evil","点我")')
    xlsx, csv_path = tmp_path / "f.xlsx", tmp_path / "f.csv"
    export_file(store.snapshot(), xlsx, today=LATE_DEC)
    export_file(store.snapshot(), csv_path, today=LATE_DEC)
    cell = openpyxl.load_workbook(xlsx).active["H5"]
    assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")
    with csv_path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[2][7].startswith("'=HYPERLINK")


def test_section_rows_and_titles_of_other_layouts(tmp_path: Path) -> None:
    from zwgk.store.importing import import_into, parse_file

    doc = Path(__file__).parent / "fixtures" / "import" / "jingzhou-2022.docx"
    store = Store(Context(tmp_path / "j.json", LATE_DEC, user="tester"), seed=False)
    with store.transaction() as txn:
        import_into(txn, parse_file(doc), year=None)
    snap = store.snapshot()
    out = tmp_path / "j.xlsx"
    rows = export_file(snap, out, today=LATE_DEC)
    ws = openpyxl.load_workbook(out).active
    assert ws["A1"].value.startswith("2022年政务公开任务进度台账（截至")
    assert ws["A4"].value.startswith("一、")  # the section heading spans the table
    merged = {str(r) for r in ws.merged_cells.ranges}
    last = ws.cell(3, ws.max_column).column_letter
    assert f"A4:{last}4" in merged
    assert ws.cell(5, 3).value.startswith("(1)")
    assert ws.cell(5 + rows, 1).value.startswith(f"共 {rows} 项")
    md = tmp_path / "j.md"
    export_file(snap, md, today=LATE_DEC)
    assert "| **一、" in md.read_text(encoding="utf-8")


def test_xlsx_second_sheet_counts_units(worked: Store, tmp_path: Path) -> None:
    out = tmp_path / "s.xlsx"
    export_file(worked.snapshot(), out, today=LATE_DEC)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["任务进度台账", "单位统计", "各单位进度"]
    ws = wb["单位统计"]
    assert ws["A1"].value.startswith("基层政务公开标准化规范化工作单位完成情况统计")
    rows = {r[0]: r for r in ws.iter_rows(values_only=True) if r[0]}
    assert "作为主体责任单位" in rows and "作为指导责任单位" in rows
    # 区编办 guides (1)(2)(4)(26)(27)(28): (4) done; (1)(2) overdue on 2020-12-28.
    assert rows["区编办"][1:8] == (6, 1, 0, 0, 0, 5, 2)
    assert rows["区编办"][8] == pytest.approx(1 / 6)


def _snapshot_of(tasks: list[Task]) -> Snapshot:
    plan = Plan(title="测试方案", year=2021, code="测试2021")
    return snapshot_of(
        tables_of(
            {
                "plans": {"1": plan.to_record()},
                "tasks": {str(t.id): t.to_record() for t in tasks},
            }
        )
    )


def test_xlsx_text_reads_back_as_it_was_written(tmp_path: Path) -> None:
    """Cells are written as XML text (store/xlsxrows.py): what XML escapes, a CR, spaces at
    either end, characters beyond the BMP and a tab come back as they were; what XML cannot
    hold (a bell, a lone surrogate) is left out, as openpyxl leaves it out."""
    odd = [
        "<b>加粗</b> & A&B > 50%",
        "第一行\r\n第二行\r",
        "  前后有空格  ",
        "生僻字𠀀𠮷与表情🙂",
        "\t制表符开头",
        "响铃\x07字符",
        "代理\ud800字符",
        "]]> CDATA 结尾",
    ]
    tasks = [
        Task(id=i, plan="测试方案", group=i, group_title=f"组{i}", text=text, note=text, num=i)
        for i, text in enumerate(odd, start=1)
    ]
    out = tmp_path / "odd.xlsx"
    export_file(_snapshot_of(tasks), out, today=LATE_DEC)
    wb = openpyxl.load_workbook(out)
    ledger, matrix = wb["任务进度台账"], wb["各单位进度"]
    want = [t.replace("\x07", "").replace("\ud800", "") for t in odd]
    assert [ledger.cell(r, 8).value for r in range(4, 4 + len(odd))] == want  # 最新进展
    assert [ledger.cell(r, 3).value for r in range(4, 4 + len(odd))] == [
        f"({i}){t}" for i, t in enumerate(want, start=1)
    ]
    assert [matrix.cell(5, c).value for c in range(5, 5 + len(odd))] == want  # 具体事项


def test_matrix_deadline_words_are_never_a_formula(tmp_path: Path) -> None:
    """The matrix shows an undated task's deadline words: text, even when they begin with
    `=` (openpyxl's cells took such a string for a formula)."""
    tasks = [Task(id=1, plan="测试方案", group=1, group_title="组", text="事项", num=1)]
    tasks[0].deadline_text = "=1+1"
    tasks[0].lead_units = ["区编办"]
    out = tmp_path / "f.xlsx"
    export_file(_snapshot_of(tasks), out, today=LATE_DEC)
    wb = openpyxl.load_workbook(out)
    for cell in (wb["各单位进度"]["E4"], wb["任务进度台账"]["F4"]):
        assert cell.data_type == "s" and cell.value == "=1+1"


def test_splice_refuses_a_sheet_that_is_not_empty() -> None:
    """Rows are spliced only into the empty sheet openpyxl writes for them; anything else is
    a mistake in the export, not something to write over."""
    import io

    from openpyxl import Workbook

    from zwgk.store.xlsxrows import SheetRows, splice

    wb = Workbook()
    wb.active["A1"] = "已有内容"
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(ValueError, match="sheet1.xml"):
        splice(
            buf.getvalue(),
            {"xl/worksheets/sheet1.xml": SheetRows("A1:A1", lambda: iter([]))},
            io.BytesIO(),
        )

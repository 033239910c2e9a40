"""Reports by real unit (issue 11): the .xlsx 单位 × 任务 sheet and the per-street digest,
through the installed `zwgk` on the bundled plan with the example directory."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from conftest import ROOT, Runner

from zwgk.store import export
from zwgk.store.db import Store
from zwgk.store.export import GREEN_FILL, RED_FILL, YELLOW_FILL

EXAMPLE = str(ROOT / "data" / "example_directory.csv")
MATRIX_SHEET = "各单位进度"
STREETS = ["甘棠街道", "湓浦街道", "人民路街道", "白水湖街道", "湖滨街道", "滨兴街道", "向阳街道"]
DEC_28 = ("--today", "2020-12-28")  # (1)-(5), (14) overdue; (20) due 12-31, within 7 days
SINCE = ("--since", "2000-01-01")


@pytest.fixture
def zw(zwgk: Runner) -> Runner:
    """The bundled plan with the example directory, and parts marked by different streets:
    甘棠 finished (1) and (20), 湓浦 started (20), 人民路 is blocked on (3)."""
    assert zwgk("directory", "import", EXAMPLE).returncode == 0
    for args, user in [
        (("mark", "1", "done", "--note", "清单已公布"), "gantang"),
        (("mark", "20", "done"), "gantang"),
        (("mark", "20", "doing"), "penpu"),
        (("mark", "3", "blocked", "--unit", "人民路街道", "--note", "缺人手"), "admin"),
    ]:
        r = zwgk(*args, user=user)
        assert r.returncode == 0, r.stderr
    return zwgk


# -- the xlsx matrix ---------------------------------------------------------------------------
def matrix(zw: Runner, out: Path) -> Any:
    r = zw(*DEC_28, "export", str(out))
    assert r.returncode == 0, r.stderr
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["任务进度台账", "单位统计", MATRIX_SHEET]
    return wb[MATRIX_SHEET]


def grid(ws: Any) -> tuple[dict[str, int], dict[int, int]]:
    """Row of each unit, column of each task (from the `#N` header row)."""
    cols = {int(str(c.value)[1:]): c.column for c in ws[3] if str(c.value or "").startswith("#")}
    rows = {ws.cell(r, 1).value: r for r in range(6, ws.max_row + 1) if ws.cell(r, 1).value}
    return rows, cols


def look(ws: Any, row: int, col: int) -> tuple[Any, str | None, bool]:
    """A cell's value, fill colour and whether its font is bold."""
    cell = ws.cell(row, col)
    fill = str(cell.fill.fgColor.rgb)[-6:] if cell.fill.fill_type == "solid" else None
    return cell.value, fill, bool(cell.font.b)


def test_matrix_has_a_row_per_real_unit_and_a_column_per_task(zw: Runner, tmp_path: Path) -> None:
    ws = matrix(zw, tmp_path / "m.xlsx")
    rows, cols = grid(ws)
    assert sorted(cols) == list(range(1, 30))
    assert set(STREETS) <= set(rows) and "区教育局" in rows
    assert not {"各街道", "各相关部门"} & set(rows)  # collective words are their members
    assert "基层政务公开标准化规范化工作各单位任务进度" in ws["A1"].value
    assert "指导单位不列入" in ws["A2"].value
    assert [ws.cell(3, c).value for c in range(1, 5)] == ["单位＼任务", "任务数", "已完成", "逾期"]
    assert ws.cell(4, cols[1]).value == "2020\n08-31"  # the deadline under the number
    assert ws.cell(5, cols[1]).value == "梳理规范基层政府权责清单"  # and the task's text
    assert ws.freeze_panes == "E6"
    assert ws.column_dimensions["E"].width <= 8  # narrow task columns
    assert not ws.merged_cells.ranges


def test_each_cell_is_that_units_part(zw: Runner, tmp_path: Path) -> None:
    ws = matrix(zw, tmp_path / "m.xlsx")
    rows, cols = grid(ws)
    gantang, penpu, renminlu = rows["甘棠街道"], rows["湓浦街道"], rows["人民路街道"]
    # (1) overdue: done by 甘棠 (green), still open for 湓浦 (red, bold)
    assert look(ws, gantang, cols[1]) == ("完成", GREEN_FILL, False)
    assert look(ws, penpu, cols[1]) == ("未开始", RED_FILL, True)
    assert look(ws, renminlu, cols[3]) == ("受阻", RED_FILL, True)
    # (20) due within 7 days: 甘棠 done, 湓浦 in progress (yellow), 湖滨 not started (yellow)
    assert look(ws, gantang, cols[20]) == ("完成", GREEN_FILL, False)
    assert look(ws, penpu, cols[20]) == ("进行", YELLOW_FILL, False)
    assert look(ws, rows["湖滨街道"], cols[20]) == ("未开始", YELLOW_FILL, False)
    # (11) due 2021-12-31: plain
    assert look(ws, penpu, cols[11]) == ("未开始", None, False)
    # blank where a unit has no part: streets on (6); 区政府办 only guides (20)
    assert ws.cell(gantang, cols[6]).value is None
    assert ws.cell(rows["区政府办"], cols[20]).value is None
    assert ws.cell(rows["区教育局"], cols[1]).value == "未开始"  # via 各相关部门


def test_rows_count_parts_and_are_sorted_by_overdue(zw: Runner, tmp_path: Path) -> None:
    ws = matrix(zw, tmp_path / "m.xlsx")
    rows, _ = grid(ws)

    def counts(unit: str) -> tuple[int, int, int]:
        return tuple(ws.cell(rows[unit], c).value for c in (2, 3, 4))  # type: ignore[return-value]

    assert counts("甘棠街道") == (26, 2, 5)  # (1) done: 5 of the 6 overdue left
    assert counts("湓浦街道") == (26, 0, 6)
    assert counts("人民路街道") == (26, 0, 6)  # blocked is still overdue
    order = sorted(rows, key=rows.__getitem__)
    overdue = [ws.cell(rows[u], 4).value for u in order]
    assert overdue == sorted(overdue, reverse=True)
    assert order.index("甘棠街道") > order.index("湓浦街道")
    assert look(ws, rows["湓浦街道"], 4)[1] == RED_FILL


def test_without_a_directory_rows_are_the_names_in_the_cells(zwgk: Runner, tmp_path: Path) -> None:
    assert zwgk("mark", "1", "done").returncode == 0
    out = tmp_path / "plain.xlsx"
    assert zwgk(*DEC_28, "export", str(out)).returncode == 0
    ws = openpyxl.load_workbook(out)[MATRIX_SHEET]
    rows, cols = grid(ws)
    assert {"各街道", "各相关部门"} <= set(rows) and "甘棠街道" not in rows
    assert look(ws, rows["各街道"], cols[1]) == ("完成", GREEN_FILL, False)
    assert look(ws, rows["各街道"], cols[2]) == ("未开始", RED_FILL, True)
    assert "未导入单位名录" in ws["A2"].value


def test_a_filtered_export_has_a_column_per_kept_task(zw: Runner, tmp_path: Path) -> None:
    out = tmp_path / "late.xlsx"
    assert zw(*DEC_28, "export", str(out), "--overdue").returncode == 0
    ws = openpyxl.load_workbook(out)[MATRIX_SHEET]
    rows, cols = grid(ws)
    assert list(cols) == [1, 2, 3, 4, 5, 6, 13, 14]  # the ledger's rows, in its order
    assert ws["A2"].value.startswith("筛选条件：")
    assert ws.cell(rows["甘棠街道"], 2).value == 6  # its parts of the kept tasks only


# -- the digest --------------------------------------------------------------------------------
def digest(zw: Runner, *args: str) -> str:
    r = zw(*DEC_28, "digest", *SINCE, *args)
    assert r.returncode == 0, r.stderr
    return r.stdout


def section(text: str, unit: str) -> list[str]:
    lines = text.splitlines()
    start = lines.index(f"== {unit} ==")
    end = next((i for i in range(start + 1, len(lines)) if lines[i] == ""), len(lines))
    return lines[start:end]


def ids(lines: list[str], head: str) -> list[str]:
    """The task numbers listed under a heading such as `逾期 5 项：`."""
    start = lines.index(head) + 1
    out = []
    for line in lines[start:]:
        if not line.startswith("  "):
            break
        out.append(line.split()[0])
    return out


def test_each_street_sees_its_own_part(zw: Runner) -> None:
    gantang = section(digest(zw, "--unit", "甘棠街道"), "甘棠街道")
    penpu = section(digest(zw, "--unit", "湓浦"), "湓浦街道")
    # 甘棠 finished (1): it is not reminded of it; 湓浦 is
    assert ids(gantang, "逾期 5 项：") == ["#2", "#3", "#4", "#14", "#5"]
    assert ids(penpu, "逾期 6 项：") == ["#1", "#2", "#3", "#4", "#14", "#5"]
    assert all(line.endswith("牵头") for line in gantang if line.startswith("  #"))
    # (20), due 12-31: done by 甘棠, so only 湓浦 sees it coming
    assert "#20" not in ids(gantang, "7 天内到期 6 项：")
    assert "#20" in ids(penpu, "7 天内到期 7 项：")
    # changes: each street its own part, not the other's
    text_g, text_p = "\n".join(gantang), "\n".join(penpu)
    assert "近期变化 2 条：" in text_g
    assert "gantang #1 甘棠街道 未开始→已完成，任务状态 未开始→进行中：清单" in text_g
    assert "#20 甘棠街道 未开始→已完成" in text_g and "湓浦街道" not in text_g
    assert "近期变化 1 条：" in text_p and "#20 湓浦街道 未开始→进行中" in text_p
    assert "甘棠街道" not in text_p
    assert "{" not in text_g + text_p  # a part's change is words, not a record


def test_a_collective_word_gives_each_member_its_own_list(zw: Runner) -> None:
    text = digest(zw, "--unit", "各街道")
    heads = [line for line in text.splitlines() if line.startswith("== ")]
    assert sorted(heads) == sorted(f"== {s} ==" for s in STREETS)
    everyone = digest(zw)
    assert "== 各街道 ==" not in everyone and "== 各相关部门 ==" not in everyone
    assert all(f"== {s} ==" in everyone for s in STREETS)
    assert "== 区教育局 ==" in everyone


def test_a_guide_sees_every_part_change_of_the_task_it_guides(zw: Runner) -> None:
    # 区政府办 guides (3) and (20); on (1) it has a part of its own (through 各相关部门)
    part = "\n".join(section(digest(zw, "--unit", "区政府办"), "区政府办"))
    assert "#20 甘棠街道 未开始→已完成" in part and "#20 湓浦街道 未开始→进行中" in part
    assert "#3 人民路街道 未开始→受阻" in part
    assert "#1 甘棠街道" not in part
    lines = part.splitlines()
    # its own parts of (1)(2)(4)(5)(14) and (13), and the tasks it guides, (3) and (6)
    assert sorted(ids(lines, "逾期 8 项：")) == sorted(f"#{n}" for n in (1, 2, 3, 4, 5, 6, 13, 14))
    assert next(line for line in lines if line.split()[0] == "#3").endswith("指导")


def test_tasks_past_excels_last_column_go_on_in_another_sheet(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export, "EXCEL_COLUMNS", 4 + 10)  # ten task columns a sheet
    out = tmp_path / "wide.xlsx"
    export.export_file(store.snapshot(), out, today=date(2020, 12, 28))
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[2:] == [MATRIX_SHEET, f"{MATRIX_SHEET}2", f"{MATRIX_SHEET}3"]
    firsts = [wb[name]["E3"].value for name in wb.sheetnames[2:]]
    assert firsts == ["#1", "#11", "#21"]
    last = wb[f"{MATRIX_SHEET}3"]
    assert last.max_column == 4 + 9 and "（第 3/3 页）" in last["A1"].value
    # every sheet has every unit's row and its totals over all the tasks
    assert last["A6"].value == wb[MATRIX_SHEET]["A6"].value
    assert last["B6"].value == wb[MATRIX_SHEET]["B6"].value

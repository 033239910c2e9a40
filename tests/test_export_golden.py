"""The exported workbook (and .csv/.md/.json) of a 1,000-task plan, compared with a golden dump.

The plan is generated here, deterministically (two plans, sections, multi-line group titles,
support units, a unit directory with recorded parts, every status, sign-offs, notes that look
like formulas or hold control characters). The .xlsx is compared through `dump_xlsx`, a
canonical reading of the file's XML — every cell's value, type and resolved style (font, fill,
border, alignment, number format, protection), merged ranges sorted, rows, columns, panes,
print settings, defined names and document properties — so the same workbook compares equal
however its style or string tables are ordered, and zip timestamps never count.

The golden file was made by the export as it was before it was made linear (issue 14). Only
when the workbook is meant to change: `python tests/test_export_golden.py --regen`.
"""

from __future__ import annotations

import gzip
import json
import random
import re
import sys
import zipfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from unittest import mock
from xml.etree import ElementTree as ET

import pytest

from zwgk.store import export
from zwgk.store.directory import Directory, DirUnit
from zwgk.store.export import export_file
from zwgk.store.filters import TaskFilter
from zwgk.store.model import BLOCKED, DOING, DONE, TODO, Plan, Task, Unit
from zwgk.store.snapshot import Snapshot, snapshot_of, tables_of

GOLDEN = Path(__file__).parent / "fixtures" / "export_golden_1k.json.gz"
TODAY = date(2021, 6, 1)
SUFFIXES = (".xlsx", ".csv", ".md", ".json")

PLAN_A = Plan(
    title="甲区2021年政务公开工作任务分工及进度安排表",
    year=2021,
    source="甲区.docx",
    imported_at="2021-01-05T09:00:00+08:00",
    code="甲区2021",
)
PLAN_B = Plan(
    title="乙市2022年政务公开工作要点任务分解表",
    year=2022,
    source="乙市.xlsx",
    imported_at="2022-01-06T09:00:00+08:00",
    code="乙市2022",
)
DEPARTMENTS = [
    "区发改委", "区财政局", "区教体局", "区科技局", "区工信局", "区民政局", "区司法局",
    "区人社局", "区自然资源局", "区住建局", "区交通局", "区水利局", "区农业农村局",
    "区商务局", "区文旅局", "区卫健委", "区应急局", "区审计局", "区统计局", "区医保局",
]  # fmt: skip
STREETS = [
    "甘棠街道", "湓浦街道", "人民路街道", "白水湖街道", "湖滨街道", "向阳街道", "东门街道", "西园街道",
]  # fmt: skip
GUIDES = ["区政府办", "区信息办", "区编办", "区政务服务局", "区网信办"]
COLLECTIVE = ["各街道", "各相关部门"]
USERS = ["张三", "李四", "王五", "赵六"]
VERBS = ["梳理", "编制", "建立", "健全", "完善", "优化", "加强", "推进", "落实", "规范"]
NOUNS = [
    "政务公开事项清单", "权责清单", "公共服务清单", "标准目录体系", "政策解读机制",
    "政务新媒体矩阵", "舆情回应机制", "办事服务指南", "村(居)务公开渠道", "依申请公开流程",
    "重大决策预公开", "网站集约化平台", "政务公开专区", "政府信息管理制度",
]  # fmt: skip
NOTES = [
    "已完成初稿，正在征求意见",
    "已上线运行",
    "等待上级部门批复",
    "材料已报送区政府办",
    "第一阶段完成\n第二阶段推进中",
    "目录体系 | 初稿已成\n待审定",
    '=HYPERLINK("http://example.com","点我")',
    "+86 电话已公开",
    "-已撤回，重新报送",
    "@全体 请于周五前反馈",
    "含控制字符\x07的进展",
    "  前后有空格  ",
    "<b>加粗</b> & 比例 > 50%，A&B",
    "第一行\r\n第二行\r",
    "生僻字𠀀𠮷与表情🙂",
    "\t制表符开头",
]
SECTIONS = [
    "一、推进决策公开",
    "二、深化政务服务公开",
    "三、加强政策解读与回应",
    "四、夯实公开基础",
]


def _words(rnd: random.Random, n: int) -> str:
    return "，".join(f"{rnd.choice(VERBS)}{rnd.choice(NOUNS)}" for _ in range(n))


def _stamp(rnd: random.Random) -> str:
    day = date(2021, 3, 1) + timedelta(days=rnd.randint(0, 90))
    return f"{day.isoformat()}T{rnd.randint(8, 18):02d}:{rnd.randint(0, 59):02d}:00+08:00"


def _deadline(rnd: random.Random) -> tuple[str, date | None, str]:
    pick = rnd.random()
    if pick < 0.12:
        return rnd.choice(["长期坚持", "持续推进"]), None, "ongoing"
    if pick < 0.15:
        return "每季度", None, "recurring"
    offset = rnd.choice([-200, -60, -10, -1, 0, 3, 7, 8, 20, 30, 31, 90, 300])
    due = TODAY + timedelta(days=offset + rnd.randint(0, 2))
    return f"{due.year}年{due.month}月{due.day}日前", due, "date"


def _units(rnd: random.Random, i: int) -> tuple[list[str], list[str], list[str]]:
    lead = rnd.sample(DEPARTMENTS, rnd.randint(1, 3))
    if i % 3 == 0:
        lead.append(rnd.choice(COLLECTIVE))
    if i % 11 == 0:
        lead = ["各街道"]
    support = rnd.sample(DEPARTMENTS + STREETS[:2], rnd.randint(1, 2)) if i % 4 == 1 else []
    support = [u for u in support if u not in lead]
    guide = rnd.sample(GUIDES, rnd.randint(0, 2))
    return lead, support, guide


def _people(rnd: random.Random, task: Task) -> None:
    """Status, note, who and when, sign-off: what people recorded."""
    task.status = rnd.choices([TODO, DOING, BLOCKED, DONE], weights=[35, 30, 10, 25])[0]
    if rnd.random() < 0.6:
        task.note = rnd.choice(NOTES) if rnd.random() < 0.3 else _words(rnd, rnd.randint(1, 3))
    if task.status != TODO or task.note:
        task.updated_at, task.updated_by = _stamp(rnd), rnd.choice(USERS)
    if task.status == DONE and rnd.random() < 0.6:
        task.confirmed_by, task.confirmed_at = rnd.choice(GUIDES), _stamp(rnd)


def _parts(rnd: random.Random, task: Task, directory: Directory) -> None:
    """Some units record their own part of a shared task."""
    names = [
        u for name in (*task.lead_units, *task.support_units) for u, _ in directory.expand(name)
    ]
    if len(names) < 2 or rnd.random() < 0.5:
        return
    for unit in rnd.sample(names, rnd.randint(1, len(names))):
        part: dict[str, Any] = {
            "status": rnd.choice([TODO, DOING, BLOCKED, DONE]),
            "updated_at": _stamp(rnd),
            "updated_by": rnd.choice(USERS),
        }
        if rnd.random() < 0.3:
            part["note"] = _words(rnd, 1)
        task.parts[unit] = part


def golden_directory() -> Directory:
    units = [DirUnit(s, "街道", (s[:2],), (f"s{i}",)) for i, s in enumerate(STREETS)]
    units += [DirUnit(d, "部门", (), (f"d{i}",)) for i, d in enumerate(DEPARTMENTS[:12])]
    return Directory({u.name: u for u in units}, {"各街道": "街道", "各相关部门": "部门"})


def golden_snapshot(
    n: int = 1000, seed: int = 14, *, two_plans: bool = True, directory: bool = True
) -> Snapshot:
    """`n` tasks in two plans (60 % / 40 %), the second with `一、…` sections; or in one plan
    without sections. `directory`: with a unit directory (its units' parts recorded)."""
    rnd = random.Random(seed)
    units_dir = golden_directory() if directory else Directory()
    tasks: list[Task] = []
    split = n * 6 // 10 if two_plans else n
    group: int | None = 0
    counter, title, left = 0, "", 0
    for i in range(1, n + 1):
        plan = PLAN_A if i <= split else PLAN_B
        num = i if i <= split else i - split
        if num == 1:
            left = 0
        if left == 0:  # a new 工作任务: 1 to 6 items share its merged cells
            left = rnd.choice([1, 1, 2, 3, 3, 4, 6])
            if i == split + 1:
                pass  # the second plan opens with the first plan's last group number and title
            elif rnd.random() < 0.04:
                group, title = None, ""
            else:
                counter += 1
                group, title = counter, f"{rnd.choice(VERBS)}{rnd.choice(NOUNS)}"
                if counter % 50 == 7:
                    title += "&<整改>"
                if rnd.random() < 0.25:  # the document's cell breaks the line
                    title += f"\n（牵头：{rnd.choice(GUIDES)}）"
        left -= 1
        # Sections every 100 items of the second plan, now and then inside a group's run.
        section = SECTIONS[min(3, (num - 1) // 100)] if plan is PLAN_B else ""
        lead, support, guide = _units(rnd, i)
        text, due, kind = _deadline(rnd)
        body = _words(rnd, rnd.randint(1, 4))
        subitems: list[str] = []
        if i % 17 == 0:
            subitems = [f"{k}.{_words(rnd, 1)}" for k in range(1, 4)]
            body = "；".join(subitems)
        if i % 97 == 0:
            body = _words(rnd, 14)  # a long cell
        task = Task(
            id=i,
            plan=plan.title,
            group=group,
            group_title=title,
            text=body,
            lead_units=lead,
            support_units=support,
            guide_units=guide,
            deadline_text=text,
            due=due,
            deadline_kind=kind,
            num=num,
            section=section,
            subitems=subitems,
        )
        _people(rnd, task)
        if directory:
            _parts(rnd, task, units_dir)
        tasks.append(task)
    names = sorted({u for t in tasks for u in t.units()})
    data = tables_of(
        {
            "plans": {"1": PLAN_A.to_record(), "2": PLAN_B.to_record()}
            if two_plans
            else {"1": PLAN_A.to_record()},
            "tasks": {str(t.id): t.to_record() for t in tasks},
            "units": {str(k): Unit(u).to_record() for k, u in enumerate(names, 1)},
            "directory": {"1": units_dir.to_records()} if directory else {},
        }
    )
    return snapshot_of(data)


FILTERED = TaskFilter(units=("区财政局",), role="lead", notes=("单位：区财政局（牵头）",))


CASES = ("full", "one_plan_filtered", "plain", "wide", "empty")
WIDE_COLUMNS = 4 + 10  # `wide`: ten task columns a matrix sheet, so 30 tasks take three


def cases() -> dict[str, tuple[Snapshot, TaskFilter | None]]:
    """full: 1,000 tasks, two plans, a directory; one_plan_filtered: the second plan, one
    unit's tasks; plain: 200 tasks, one plan, no directory; wide: 30 tasks over three matrix
    sheets; empty: a filter nothing passes."""
    snap = golden_snapshot()
    return {
        "full": (snap, None),
        "one_plan_filtered": (snap.only("乙市2022"), FILTERED),
        "plain": (golden_snapshot(200, seed=15, two_plans=False, directory=False), None),
        "wide": (snap, TaskFilter(ids=tuple(range(590, 620)))),
        "empty": (snap, TaskFilter(ids=(100_000,))),
    }


# -- the canonical dump of an .xlsx -----------------------------------------------------------
NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
M = f"{{{NS['m']}}}"
R_ID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"


def _c14n(el: ET.Element | None) -> str | None:
    """An element as canonical XML (attributes sorted), without the namespace noise."""
    if el is None:
        return None
    text = ET.canonicalize(ET.tostring(el, encoding="unicode"))
    return text.replace(f' xmlns:ns0="{NS["m"]}"', "").replace("ns0:", "")


XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def _text(el: ET.Element) -> str:
    """A shared or inline string: its `t` runs joined, `␣` first where a run keeps its
    spaces (xml:space="preserve"; without it Excel trims them)."""
    runs = list(el.iter(f"{M}t"))
    kept = "␣" if any(t.get(XML_SPACE) == "preserve" for t in runs) else ""
    return kept + "".join(t.text or "" for t in runs)


INDEXED = ("numFmtId", "fontId", "fillId", "borderId")  # resolved; xfId kept (cellStyleXfs)
STYLE_TABLES = ("numFmts", "fonts", "fills", "borders", "cellXfs")


def _named_styles(zf: zipfile.ZipFile) -> dict[str, str | None]:
    """The rest of styles.xml (cellStyleXfs, cellStyles — the named styles Excel lists —,
    dxfs …), as it is: a style that became a named one would show here."""
    root = ET.fromstring(zf.read("xl/styles.xml"))
    return {
        child.tag.split("}")[1]: _c14n(child)
        for child in root
        if child.tag.split("}")[1] not in STYLE_TABLES
    }


def _styles(zf: zipfile.ZipFile) -> list[dict[str, Any]]:
    """Each cell format (`cellXfs` entry) resolved into its parts, so indices do not matter."""
    root = ET.fromstring(zf.read("xl/styles.xml"))
    fmts = {f.get("numFmtId"): f.get("formatCode") for f in root.iterfind("m:numFmts/m:numFmt", NS)}

    def table(name: str) -> list[str | None]:
        box = root.find(f"m:{name}", NS)
        return [] if box is None else [_c14n(child) for child in box]

    fonts, fills, borders = table("fonts"), table("fills"), table("borders")
    out = []
    for xf in root.iterfind("m:cellXfs/m:xf", NS):
        num = xf.get("numFmtId", "0")
        attrs = {k: v for k, v in sorted(xf.attrib.items()) if k not in INDEXED}
        out.append(
            {
                "numFmt": fmts.get(num, f"builtin:{num}"),
                "font": fonts[int(xf.get("fontId", "0"))],
                "fill": fills[int(xf.get("fillId", "0"))],
                "border": borders[int(xf.get("borderId", "0"))],
                "alignment": _c14n(xf.find("m:alignment", NS)),
                "protection": _c14n(xf.find("m:protection", NS)),
                "attrs": attrs,
            }
        )
    return out


def dump_xlsx(path: Path) -> dict[str, Any]:
    """What the file holds, canonically (see the module docstring)."""
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        strings = []
        if "xl/sharedStrings.xml" in names:
            root = ET.fromstring(zf.read("xl/sharedStrings.xml"))
            strings = [_text(si) for si in root.iterfind("m:si", NS)]
        styles = _styles(zf)
        look: dict[str, int] = {}  # a resolved style -> its number in this dump
        workbook = ET.fromstring(zf.read("xl/workbook.xml"))
        rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
        targets = {r.get("Id"): r.get("Target", "") for r in rels}
        sheets = []
        for sheet in workbook.iterfind("m:sheets/m:sheet", NS):
            target = targets[sheet.get(R_ID)]
            part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            sheets.append(_dump_sheet(sheet.get("name", ""), zf.read(part), strings, styles, look))
        core = ET.fromstring(zf.read("docProps/core.xml"))
        props = {
            el.tag.split("}")[1]: el.text
            for el in core
            if el.tag.split("}")[1] not in ("created", "modified")
        }
        return {
            "files": sorted(names),
            "named_styles": _named_styles(zf),
            "sheets": sheets,
            "defined_names": sorted(
                [d.get("name", ""), d.get("localSheetId", ""), d.text or ""]
                for d in workbook.iterfind("m:definedNames/m:definedName", NS)
            ),
            "book_views": [_c14n(v) for v in workbook.iterfind("m:bookViews/*", NS)],
            "properties": props,
            "styles": [json.loads(k) for k, _ in sorted(look.items(), key=lambda kv: kv[1])],
        }


def _dump_sheet(
    name: str, xml: bytes, strings: list[str], styles: list[dict[str, Any]], look: dict[str, int]
) -> dict[str, Any]:
    root = ET.fromstring(xml)
    rows, cells = [], []
    for row in root.iterfind("m:sheetData/m:row", NS):
        attrs = dict(sorted(row.attrib.items()))
        if set(attrs) - {"r", "spans"}:  # a row with a height or a style of its own
            rows.append(attrs)
        for c in row.iterfind("m:c", NS):
            kind = c.get("t", "n")
            v = c.find("m:v", NS)
            value: Any = None if v is None else v.text
            if kind == "s" and value is not None:
                value = strings[int(value)]
            elif kind == "inlineStr":
                is_ = c.find("m:is", NS)
                value, kind = (_text(is_) if is_ is not None else ""), "s"
            f = c.find("m:f", NS)
            key = json.dumps(styles[int(c.get("s", "0"))], ensure_ascii=False, sort_keys=True)
            style = look.setdefault(key, len(look))
            cells.append([c.get("r"), kind, value, _c14n(f), style])
    merged = sorted(m.get("ref", "") for m in root.iterfind("m:mergeCells/m:mergeCell", NS))
    other = {
        child.tag.split("}")[1]: _c14n(child)
        for child in root
        if child.tag not in (f"{M}sheetData", f"{M}mergeCells")
    }
    return {"name": name, "parts": other, "rows": rows, "cells": cells, "merged": merged}


# -- every format of every case -----------------------------------------------------------------
def export_all(tmp: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for case, (snap, flt) in cases().items():
        got: dict[str, Any] = {}
        for suffix in SUFFIXES:
            path = tmp / f"{case}{suffix}"
            columns = WIDE_COLUMNS if case == "wide" else export.EXCEL_COLUMNS
            with mock.patch.object(export, "EXCEL_COLUMNS", columns):
                got["rows"] = export_file(snap, path, today=TODAY, flt=flt)
            if suffix == ".xlsx":
                got[suffix] = dump_xlsx(path)
            elif suffix == ".json":
                data = json.loads(path.read_text(encoding="utf-8"))
                data["exported_at"] = "<now>"
                got[suffix] = data
            else:
                got[suffix] = path.read_bytes().decode("utf-8")
        out[case] = got
    return out


def read_golden() -> dict[str, Any]:
    return json.loads(gzip.decompress(GOLDEN.read_bytes()))


def write_golden(data: dict[str, Any]) -> None:
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    GOLDEN.write_bytes(gzip.compress(raw, mtime=0))


@pytest.fixture(scope="module")
def golden() -> dict[str, Any]:
    return read_golden()


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return export_all(tmp_path_factory.mktemp("golden"))


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("suffix", ["rows", *SUFFIXES])
def test_export_is_the_golden_one(
    golden: dict[str, Any], exported: dict[str, Any], case: str, suffix: str
) -> None:
    want, got = golden[case][suffix], exported[case][suffix]
    if suffix == ".xlsx":
        assert [s["name"] for s in got["sheets"]] == [s["name"] for s in want["sheets"]]
        assert got["styles"] == want["styles"]
        for g, w in zip(got["sheets"], want["sheets"], strict=True):
            assert g["merged"] == w["merged"], g["name"]
            assert g["parts"] == w["parts"], g["name"]
            assert g["rows"] == w["rows"], g["name"]
            assert g["cells"] == w["cells"], g["name"]
    assert got == want


def test_the_golden_plan_has_what_the_export_shows(exported: dict[str, Any]) -> None:
    """The generated plan exercises every kind of cell: a check on the generator."""
    book = exported["full"][".xlsx"]
    ledger, stats, matrix = book["sheets"]
    assert book["properties"]["creator"] == "zwgk"
    header = {c[2] for c in ledger["cells"] if re.fullmatch(r"[A-Z]+3", c[0])}
    assert {"方案", "配合单位", "办结确认"} <= header
    assert len(ledger["merged"]) > 300  # group cells, the title, the note, sections, the summary
    assert any("\n" in str(c[2]) for c in ledger["cells"] if c[0].startswith("C"))
    values = {str(c[2]) for c in ledger["cells"]}
    assert {"已完成（已确认）", "已完成（待确认）", "受阻（逾期）", "进行中"} <= values
    assert any(v.startswith("=HYPERLINK") for v in values)
    assert {"完成", "进行", "受阻", "未开始"} <= {str(c[2]) for c in matrix["cells"]}
    assert exported["full"]["rows"] == 1000
    assert 0 < exported["one_plan_filtered"]["rows"] < 400
    assert stats["merged"]
    assert [s["name"] for s in exported["wide"][".xlsx"]["sheets"]][2:] == [
        "各单位进度",
        "各单位进度2",
        "各单位进度3",
    ]
    assert exported["empty"]["rows"] == 0 and exported["plain"]["rows"] == 200
    plain = exported["plain"][".xlsx"]["sheets"][0]
    assert "方案" not in {c[2] for c in plain["cells"] if re.fullmatch(r"[A-Z]+3", c[0])}


if __name__ == "__main__" and sys.argv[1:] == ["--regen"]:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        write_golden(export_all(Path(tmp)))
    print(f"wrote {GOLDEN}")

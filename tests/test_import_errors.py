"""Bad input: one Chinese sentence naming the file, never a library traceback."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from zwgk.store.context import Context
from zwgk.store.db import Store
from zwgk.store.errors import InputError
from zwgk.store.importers import read_plan
from zwgk.store.importing import import_into, parse_file


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _zip(members: dict[str, str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, text in members.items():
            z.writestr(name, text)
    return buf.getvalue()


CASES = {
    "empty": ("plan.txt", b""),
    "only_blank_lines": ("plan.csv", b"\r\n\r\n   \r\n"),
    "binary_junk": ("plan.txt", bytes(range(256)) * 8),
    "undecodable": ("plan.csv", "序号,任务\n".encode() + b"\xff\x80\xfe\x81,\x80\xff\n"),
    "not_a_table": ("plan.txt", "这是一段普通的文字。\n没有任何表格。\n".encode()),
    "no_header": ("plan.csv", "甲,乙,丙\n1,2,3\n4,5,6\n".encode()),
    "header_without_rows": ("plan.csv", "序号,工作任务,责任单位,完成时间\n".encode()),
    "docx_not_zip": ("plan.docx", "序号\t工作任务\n".encode()),
    "xlsx_not_zip": ("plan.xlsx", b"\x00\x01garbage"),
    "truncated_zip": ("plan.xlsx", _zip({"xl/workbook.xml": "<x/>"})[:40]),
    "zip_not_office": ("plan.docx", _zip({"readme.txt": "hello"})),
    "broken_docx": ("plan.docx", _zip({"word/document.xml": "<not xml"})),
    "broken_xlsx": ("plan.xlsx", _zip({"xl/workbook.xml": "<not xml"})),
    "old_office": ("plan.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100),
    "dump_without_header": ("plan.txt", "\t甲\n\t乙\n\t丙\n\t丁\n\t戊\n".encode()),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_names_the_file(tmp_path: Path, case: str) -> None:
    name, data = CASES[case]
    path = write(tmp_path, name, data)
    with pytest.raises(InputError) as err:
        read_plan(path)
    message = err.value.message
    assert str(path) in message
    assert "\n" not in message and "Traceback" not in message
    assert message.endswith("。")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="找不到文件"):
        read_plan(tmp_path / "nope.xlsx")


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="目录"):
        read_plan(tmp_path)


def test_no_header_message_says_what_it_looked_for(tmp_path: Path) -> None:
    path = write(tmp_path, "plan.csv", "甲,乙,丙\n1,2,3\n".encode())
    with pytest.raises(InputError, match="表头"):
        read_plan(path)


def test_bad_file_leaves_the_database_untouched(tmp_path: Path) -> None:
    store = Store(Context(tmp_path / "z.json", date(2021, 1, 1), user="tester"), seed=False)
    with store.transaction() as txn:
        import_into(
            txn,
            parse_file(
                write(tmp_path, "ok.csv", "序号,任务,责任单位\n1,做好公开,区政府办\n".encode())
            ),
            year=2021,
        )
    before = (tmp_path / "z.json").read_bytes()
    bad = write(tmp_path, "bad.txt", b"")
    with pytest.raises(InputError), store.transaction() as txn:
        import_into(txn, parse_file(bad), year=None)
    assert (tmp_path / "z.json").read_bytes() == before


def test_dump_with_a_missing_cell_names_the_line(tmp_path: Path) -> None:
    seed = (Path(__file__).resolve().parent.parent / "data" / "seed_plan.txt").read_text("utf-8")
    # Drop the lead cell of task (5), which starts on line 54: every later row would shift.
    broken = seed.replace("统一公开\n\t各相关部门\n各街道\n\t区政府办", "统一公开\n\t区政府办")
    assert broken != seed
    path = write(tmp_path, "plan.txt", broken.encode())
    with pytest.raises(InputError, match=r"第 54 行起.*6 列"):
        read_plan(path)


def test_trailing_empty_cells_are_not_a_row(tmp_path: Path) -> None:
    seed = (Path(__file__).resolve().parent.parent / "data" / "seed_plan.txt").read_text("utf-8")
    path = write(tmp_path, "plan.txt", (seed + "\t\n\t\n").encode())
    assert len(read_plan(path).tasks) == 29


# Property: whatever the bytes, read_plan returns a plan or raises InputError — never a library
# exception. The prefixes steer the fuzzing into each reader.
PREFIXES = [
    b"",
    b"PK\x03\x04",
    "序号,工作任务,责任单位,完成时间\n".encode(),
    "\t序号\n\t工作任务\n\t责任单位\n".encode(),
]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    prefix=st.sampled_from(PREFIXES),
    body=st.binary(max_size=400),
    suffix=st.sampled_from([".txt", ".csv", ".docx", ".xlsx", ""]),
)
def test_fuzz_never_escapes_as_a_library_error(
    tmp_path: Path, prefix: bytes, body: bytes, suffix: str
) -> None:
    path = write(tmp_path, "fuzz" + suffix, prefix + body)
    try:
        plan = read_plan(path)
    except InputError as err:
        assert str(path) in err.message
    else:
        assert plan.tasks


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    cells=st.lists(
        st.lists(
            st.text(
                alphabet='序号工作任务责任单位完成时间一、（）()1. 2\n\t,"年月底前各区', max_size=12
            ),
            min_size=1,
            max_size=6,
        ),
        max_size=8,
    )
)
def test_fuzz_csv_like_text(tmp_path: Path, cells: list[list[str]]) -> None:
    import csv

    buf = io.StringIO()
    csv.writer(buf).writerows([["序号", "工作任务", "责任单位", "完成时间"], *cells])
    path = write(tmp_path, "fuzz.csv", buf.getvalue().encode("utf-8"))
    try:
        read_plan(path)
    except InputError as err:
        assert str(path) in err.message


def test_escape_sequences_never_leave_the_reader(tmp_path: Path) -> None:
    seed = (Path(__file__).resolve().parent.parent / "data" / "seed_plan.txt").read_text("utf-8")
    hostile = seed.replace("区信息办", "区信息办\x1b]0;pwned\x07", 1)
    plan = read_plan(write(tmp_path, "plan.txt", hostile.encode()))
    assert "区信息办" in plan.tasks[2].guide_units
    assert not any("\x1b" in u or "\x07" in u for t in plan.tasks for u in t.guide_units)
    bad = write(tmp_path, "bad\x1b[31m.txt", b"")
    with pytest.raises(InputError) as err:
        read_plan(bad)
    assert "\x1b" not in err.value.message


def test_word_document_without_a_table(tmp_path: Path) -> None:
    import docx

    doc = docx.Document()
    doc.add_paragraph("2021年政务公开工作要点")
    doc.add_paragraph("一、推进决策公开（区政府办牵头）")
    path = tmp_path / "prose.docx"
    doc.save(path)
    with pytest.raises(InputError, match="没有表格"):
        read_plan(path)

"""The unit directory (单位名录): reading the files offices keep, collective words, variants."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from conftest import ROOT

from zwgk.store.directory import Directory, DirUnit, default_collective, read_directory
from zwgk.store.errors import InputError

EXAMPLE = ROOT / "data" / "example_directory.csv"
STREETS = ["甘棠街道", "湓浦街道", "人民路街道", "白水湖街道", "湖滨街道", "滨兴街道", "向阳街道"]


@pytest.fixture
def example() -> Directory:
    return read_directory(EXAMPLE)


def test_the_shipped_example_reads(example: Directory) -> None:
    assert example.members("街道") == STREETS
    assert "区教育局" in example.members("部门") and "区编办" in example.members("部门")
    assert example.units["区政府办"].aliases == ("区政府办公室", "政府办")
    assert example.units_of_login("gantang") == ["甘棠街道"]
    assert not any(name.startswith("#") for name in example.units)  # the note row is a comment


@pytest.mark.parametrize(
    ("word", "kind"),
    [
        ("各街道", "街道"),
        ("各街道办", "街道"),
        ("各街道办事处", "街道"),
        ("各相关部门", "部门"),
        ("各部门", "部门"),
        ("区直各部门", "部门"),
        ("区直各单位", "部门"),
        ("各乡镇", "乡镇"),
        ("各乡镇政府", "乡镇"),
        ("各乡镇人民政府", "乡镇"),
        ("各 街道", "街道"),
    ],
)
def test_collective_words_cover_a_kind(example: Directory, word: str, kind: str) -> None:
    assert example.covered_kind(word) == kind


def test_expansion_keeps_the_way_a_unit_was_reached(example: Directory) -> None:
    streets = example.expand("各街道办")
    assert [u for u, _ in streets] == STREETS and {via for _, via in streets} == {"各街道办"}
    assert example.expand("区政府办公室") == [("区政府办", None)]  # an alias: the directory name
    assert example.expand("区档案馆") == [("区档案馆", None)]  # unknown names stay
    assert example.expand("各乡镇") == [("各乡镇", None)]  # no 乡镇 in this directory: unexpanded


def test_variants_of_one_name_meet() -> None:
    d = Directory({"各县市区政府": DirUnit("各县市区政府", "其他")}, default_collective())
    for spelling in ("各县（市、区）政府", "各县(市、区)政府", "各县市区人民政府", "各县市区政府"):
        assert d.canonical(spelling) == "各县市区政府", spelling


def test_look_alikes_are_reported_not_merged() -> None:
    d = Directory(
        {
            "区信息办": DirUnit("区信息办", "部门"),
            "区政府信息办": DirUnit("区政府信息办", "部门"),
            "区教育局": DirUnit("区教育局", "部门"),
            "区教育体育局": DirUnit("区教育体育局", "部门"),
            "区财政局": DirUnit("区财政局", "部门"),
            "区民政局": DirUnit("区民政局", "部门"),
        },
        default_collective(),
    )
    pairs = d.look_alikes()
    assert ("区信息办", "区政府信息办") in pairs
    assert ("区教育体育局", "区教育局") in pairs
    assert not any("区民政局" in p for p in pairs)  # 民政局 / 财政局: alike, not one unit
    assert d.canonical("区政府信息办") == "区政府信息办"  # reported, never merged silently


def test_gb18030_csv_with_other_headers_and_a_collective_row(tmp_path: Path) -> None:
    text = (
        "单位, 类型 ,别名,登录名,涵盖\r\n"
        '城东社区,社区,城东,"wang, li",\r\n'
        "城西社区,社区,,zhao,\r\n"
        "各社区居委会,统称,各居委会,,社区\r\n"
    )
    path = tmp_path / "名录.csv"
    path.write_bytes(text.encode("gb18030"))
    d = read_directory(path)
    assert d.units["城东社区"].logins == ("wang", "li")
    assert [u for u, _ in d.expand("各社区居委会")] == ["城东社区", "城西社区"]
    assert [u for u, _ in d.expand("各居委会")] == ["城东社区", "城西社区"]


def test_xlsx_and_tab_separated_text(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["名录（2021年）"])
    sheet.append(["序号", "单位名称", "类别", "简称或别名", "账号"])
    sheet.append([1, "甘棠街道", "街道", "甘棠", "gt1、gt2"])
    book.save(tmp_path / "d.xlsx")
    d = read_directory(tmp_path / "d.xlsx")
    unit = d.units["甘棠街道"]
    assert (unit.kind, unit.aliases, unit.logins) == ("街道", ("甘棠",), ("gt1", "gt2"))
    assert (unit.pinyin, unit.initials) == ("gantangjiedao", "gtjd")  # for lookups by pinyin
    (tmp_path / "d.txt").write_text("单位名称\t类别\n湓浦街道\t街道\n", encoding="utf-8")
    assert read_directory(tmp_path / "d.txt").members("街道") == ["湓浦街道"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("名称的列\n甘棠街道\n", "没有找到表头"),
        ("单位名称,类别\n甘棠街道,街道办\n", "第 2 行：类别“街道办”无效"),
        ("单位名称,类别\n甘棠街道,街道\n甘棠街道,街道\n", "第 3 行：单位“甘棠街道”重复"),
        ("单位名称,类别,涵盖\n各居委会,统称,\n", "第 2 行：统称“各居委会”需在“涵盖”列"),
        ("单位名称,类别\n", "没有单位"),
    ],
)
def test_bad_files_get_one_sentence_with_the_line(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_directory(path)
    assert words in err.value.message and "bad.csv" in err.value.message


def test_records_round_trip(example: Directory) -> None:
    again = Directory.from_records(example.to_records())
    assert again.units == example.units and again.collective == example.collective

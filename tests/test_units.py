"""Unit cells as real documents write them (FIELD.md, "How units are written")."""

from __future__ import annotations

import pytest

from zwgk.store.importers.base import ParsedPlan, ParsedTask
from zwgk.store.unitsplit import build_aliases, split_units


@pytest.mark.parametrize(
    ("cell", "lead", "support"),
    [
        ("各相关部门\n各街道", ["各相关部门", "各街道"], []),
        ("区信息办\n区政府办\n\n", ["区信息办", "区政府办"], []),
        (
            "市数据资源局，各县市区政府，各乡镇政府、街道办事处",
            ["市数据资源局", "各县市区政府", "各乡镇政府", "街道办事处"],
            [],
        ),
        (
            "区财政局,区审计局;区统计局；区税务局",
            ["区财政局", "区审计局", "区统计局", "区税务局"],
            [],
        ),
        # Brackets hold separators that must not split.
        ("各县（市、区）政府，市直各单位", ["各县（市、区）政府", "市直各单位"], []),
        ("各县(市)区政府、市教育局", ["各县(市)区政府", "市教育局"], []),
        ("各县〔区〕政府；市民政局", ["各县〔区〕政府", "市民政局"], []),
        # `等` ends a list; a one-character piece rejoins its neighbours.
        (
            "市经信局、市财政局等，各县、市、区政府",
            ["市经信局", "市财政局", "各县、市、区政府"],
            [],
        ),
        ("市税务局等市有关单位", ["市税务局"], []),
        ("市公安局等相关部门。", ["市公安局"], []),
        # Verb tails and trailing punctuation.
        (
            "市政府各有关部门，各县市区人民政府、功能区管委会负责落实",
            ["市政府各有关部门", "各县市区人民政府", "功能区管委会"],
            [],
        ),
        ("各部门按职能分工落实。", ["各部门"], []),
        ("各单位按职责分工负责", ["各单位"], []),
        ("各区分别牵头落实", ["各区"], []),
        ("区司法局落实", ["区司法局"], []),
        # Inline roles.
        ("市发展改革委牵头，市住建局等", ["市发展改革委"], ["市住建局"]),
        ("办公室牵头，各科室配合", ["办公室"], ["各科室"]),
        (
            "市政务公开办牵头，市有关单位落实；各区政府",
            ["市政务公开办"],
            ["市有关单位", "各区政府"],
        ),
        ("市财政局、市审计局牵头，各县区配合", ["市财政局", "市审计局"], ["各县区"]),
        ("区信息办（牵头）、各街道", ["区信息办"], ["各街道"]),
        (
            "（牵头单位：市审批局、市发改委；责任单位：市直各部门）",
            ["市审批局", "市发改委"],
            ["市直各部门"],
        ),
        ("责任单位：市直各部门", ["市直各部门"], []),
        # Repeats collapse; a lead never appears again as support.
        ("区政府办、区政府办，区信息办", ["区政府办", "区信息办"], []),
        ("区政府办牵头，区政府办、区信息办配合", ["区政府办"], ["区信息办"]),
        ("", [], []),
    ],
)
def test_split_units(cell: str, lead: list[str], support: list[str]) -> None:
    assert split_units(cell) == (lead, support)


def _plan(*cells: str) -> ParsedPlan:
    plan = ParsedPlan(title="t", source="t.txt")
    for i, cell in enumerate(cells, start=1):
        lead, support = split_units(cell)
        plan.tasks.append(ParsedTask(num=i, text="x", lead_units=lead, support_units=support))
    return plan


def test_street_offices_are_the_streets() -> None:
    aliases = build_aliases(_plan("各街道", "各街道", "各街道办", "各街道办事处"))
    assert aliases == {"各街道办": "各街道", "各街道办事处": "各街道"}


def test_office_short_and_long_names_are_one_unit() -> None:
    aliases = build_aliases(_plan("区政府办", "区政府办", "区政府办公室"))
    assert aliases == {"区政府办公室": "区政府办"}


def test_government_is_not_its_office() -> None:
    assert build_aliases(_plan("区政府", "区政府办", "市政府办公厅")) == {}


def test_bracket_width_does_not_make_two_units() -> None:
    aliases = build_aliases(_plan("各县（市、区）政府", "各县（市、区）政府", "各县(市、区)政府"))
    assert aliases == {"各县(市、区)政府": "各县（市、区）政府"}


def test_reader_aliases_are_kept() -> None:
    plan = _plan("区信息办")
    plan.aliases = {"信息办": "区信息办"}
    assert build_aliases(plan) == {"信息办": "区信息办"}

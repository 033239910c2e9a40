"""Every deadline phrasing from FIELD.md: a date, ongoing, recurring, or a clear "unknown"."""

from __future__ import annotations

from datetime import date

import pytest

from zwgk.store.deadlines import Deadline, next_due, next_occurrence, parse_deadline
from zwgk.store.model import KIND_DATE, KIND_NONE, KIND_ONGOING, KIND_RECURRING, KIND_UNKNOWN

PLAN_YEAR = 2020


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("2020年8月底前", date(2020, 8, 31)),
        ("2020年10月底", date(2020, 10, 31)),
        ("8月底前", date(2020, 8, 31)),
        ("6月底前", date(2020, 6, 30)),
        ("3月底前", date(2020, 3, 31)),
        ("2月底前", date(2020, 2, 29)),  # leap year: relativedelta finds the month's end
        ("2020年8月前", date(2020, 7, 31)),  # before August starts
        ("2020年9月30日前", date(2020, 9, 30)),
        ("2021年1月31日前", date(2021, 1, 31)),
        ("2月7日前", date(2020, 2, 7)),
        ("2020年底", date(2020, 12, 31)),
        ("2020年年底前", date(2020, 12, 31)),
        ("到2022年底前", date(2022, 12, 31)),
        ("到2023年底", date(2023, 12, 31)),
        ("年底前", date(2020, 12, 31)),
        ("2020年12月", date(2020, 12, 31)),
        ("2020年上半年", date(2020, 6, 30)),
        ("下半年", date(2020, 12, 31)),
        ("第三季度", date(2020, 9, 30)),
        ("三季度末", date(2020, 9, 30)),
        ("2021年第一季度", date(2021, 3, 31)),
        ("2020年\n8月底前", date(2020, 8, 31)),  # a line break inside the cell
        ("2020 年 12 月底前", date(2020, 12, 31)),
        ("11月底前完成", date(2020, 11, 30)),
        ("6月底完成", date(2020, 6, 30)),
        ("２０２０年８月底前", date(2020, 8, 31)),  # full-width digits
        ("二〇二〇年十二月底前", date(2020, 12, 31)),
        ("2020.10.31", date(2020, 10, 31)),
        ("2020年9月30日", date(2020, 9, 30)),  # how an xlsx date cell is worded
        # Two stages: the task is due when its last stage is; a later date keeps the year.
        ("2020年6月底前启动，12月底前完成", date(2020, 12, 31)),
        ("2021年6月底前、12月底前", date(2021, 12, 31)),
        ("2020年8月—12月", date(2020, 12, 31)),
        ("2020年8月-2021年12月", date(2021, 12, 31)),
        # Years relative to the plan.
        ("今年6月底前", date(2020, 6, 30)),
        ("本年度", date(2020, 12, 31)),
        ("明年底", date(2021, 12, 31)),
        ("次年1月31日前", date(2021, 1, 31)),
        ("2020年度", date(2020, 12, 31)),
    ],
)
def test_dates(text: str, due: date) -> None:
    assert parse_deadline(text, PLAN_YEAR) == Deadline(KIND_DATE, due)


def test_plan_year_fills_phrases_without_a_year() -> None:
    assert parse_deadline("年底前", 2023).due == date(2023, 12, 31)
    assert parse_deadline("8月底前", 2023).due == date(2023, 8, 31)


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("每季度末", "quarterly:end"),
        ("每月25日前", "monthly:25"),
        ("每月28日前", "monthly:28"),
        ("每个季度第1个月的20日前", "quarterly:1:20"),
        ("每年4月1日之前", "yearly:4-1"),
        ("按年公开", "yearly"),
        ("每半年", "halfyearly"),
        ("信息形成后7个工作日内", "event"),
        ("收到申请之日起20个工作日内", "event"),
    ],
)
def test_recurring(text: str, rule: str) -> None:
    assert parse_deadline(text, PLAN_YEAR) == Deadline(KIND_RECURRING, None, rule)


@pytest.mark.parametrize(
    "text", ["长期坚持", "持续推进", "长期", "常态化推进", "2021年起", "自2021年1月起持续推进"]
)
def test_ongoing(text: str) -> None:
    assert parse_deadline(text, PLAN_YEAR) == Deadline(KIND_ONGOING)


def test_empty_is_none() -> None:
    assert parse_deadline("", PLAN_YEAR).kind == KIND_NONE
    assert parse_deadline("  \n", PLAN_YEAR).kind == KIND_NONE


@pytest.mark.parametrize(
    "text",
    [
        "2022年底11月前",  # two deadlines back to back: a typo, not a date to guess
        "2011年底前",  # a typo for 2021 in a 2020 plan: far from the plan year
        "2021年前",  # "before 2021" — ambiguous, so not guessed
        "2021年春节前",  # a holiday, not the end of the year
        "2月30日前",  # no such day
        "视情况而定",
        "1个月内",
    ],
)
def test_not_understood_is_unknown_never_a_wrong_date(text: str) -> None:
    assert parse_deadline(text, PLAN_YEAR) == Deadline(KIND_UNKNOWN)


def test_typo_year_is_unknown_relative_to_the_plan_year() -> None:
    assert parse_deadline("2011年底前", 2021).kind == KIND_UNKNOWN
    assert parse_deadline("2021年底前", 2021).due == date(2021, 12, 31)


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        ("每月25日前", date(2021, 3, 5), date(2021, 3, 25)),
        ("每月25日前", date(2021, 3, 25), date(2021, 3, 25)),
        ("每月25日前", date(2021, 3, 26), date(2021, 4, 25)),
        ("每月28日前", date(2021, 12, 29), date(2022, 1, 28)),
        ("每季度末", date(2021, 5, 2), date(2021, 6, 30)),
        ("每季度末", date(2021, 12, 31), date(2021, 12, 31)),
        ("每个季度第1个月的20日前", date(2021, 4, 10), date(2021, 4, 20)),
        ("每个季度第1个月的20日前", date(2021, 4, 21), date(2021, 7, 20)),
        ("每个季度第1个月的20日前", date(2021, 11, 1), date(2022, 1, 20)),
        ("每年4月1日之前", date(2021, 3, 1), date(2021, 4, 1)),
        ("每年4月1日之前", date(2021, 4, 2), date(2022, 4, 1)),
        ("按年公开", date(2021, 4, 2), date(2021, 12, 31)),
        ("每半年", date(2021, 7, 1), date(2021, 12, 31)),
        ("2020年8月底前", date(2021, 1, 1), date(2020, 8, 31)),  # a fixed date stays fixed
    ],
)
def test_next_occurrence(text: str, today: date, expected: date) -> None:
    assert next_occurrence(parse_deadline(text, PLAN_YEAR), today) == expected


@pytest.mark.parametrize("text", ["长期坚持", "信息形成后7个工作日内", "视情况而定", ""])
def test_no_next_occurrence_without_a_schedule(text: str) -> None:
    assert next_occurrence(parse_deadline(text, PLAN_YEAR), date(2021, 1, 1)) is None


def test_next_due_from_the_stored_text() -> None:
    assert next_due("每月25日前", 2020, date(2021, 3, 26)) == date(2021, 4, 25)
    assert next_due("年底前", 2020, date(2021, 3, 26)) == date(2020, 12, 31)
    assert next_due("持续推进", 2020, date(2021, 3, 26)) is None

"""Questions typed into the app's chat line at 80×24: the list, and the transcript's answer."""

from __future__ import annotations

from typing import Any

from conftest import listed, said_since, settle, type_line


async def test_three_questions_in_the_chat(app: Any) -> None:
    async with app.run_test(size=(80, 24)) as pilot:  # today 2020-09-01
        await settle(pilot)
        before = len(app.main.transcript.plain)
        await type_line(pilot, "区编办负责哪些任务")
        await settle(pilot)
        assert listed(app) == [1, 2, 4, 26, 27, 28]
        said = said_since(app, before)
        assert "理解为：单位：区编办" in said
        assert "区编办负责的任务共 6 项：#1 梳理规范基层政府权责清单" in said

        before = len(app.main.transcript.plain)
        await type_line(pilot, "网信办的逾期任务？")
        await settle(pilot)
        assert listed(app) == []
        said = said_since(app, before)
        assert "理解为：单位：区网信办 · 逾期" in said
        assert "区网信办没有逾期的任务。区网信办共有 2 项" in said

        before = len(app.main.transcript.plain)
        await type_line(pilot, "下个月到期的有几项")
        await settle(pilot)
        assert listed(app) == [4, 14]
        said = said_since(app, before)
        assert "期限：下个月（2020-10-01～2020-10-31）" in said
        assert "下个月到期的任务共 2 项。" in said


async def test_keywords_units_and_views_keep_their_old_meaning(app: Any) -> None:
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await type_line(pilot, "编办")  # a unit alone: its card, as before
        await settle(pilot)
        assert listed(app) == [1, 2, 4, 26, 27, 28]
        before = len(app.main.transcript.plain)
        await type_line(pilot, "舆情 机制")  # keywords: a search
        await settle(pilot)
        assert listed(app) == [14]
        assert "理解为" not in said_since(app, before)
        await type_line(pilot, "逾期")  # a view
        await settle(pilot)
        assert sorted(listed(app)) == [1, 2, 3, 13]


async def test_a_status_question_about_a_task_changes_nothing(app: Any) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        before = len(app.main.transcript.plain)
        await type_line(pilot, "7完成了吗")
        await settle(pilot)
        said = said_since(app, before)
        assert "还没有。#7 " in said and "已保存" not in said
        assert app.live.full.tasks[7].status == "未开始"
        assert listed(app) == [7]

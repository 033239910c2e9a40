"""Deterministic work plans of N tasks, shaped like the real ones, for the benchmarks.

    from gen import make_plan, plan_tasks
    rows = plan_tasks(10_000)            # the same list for the same (n, seed), every time
    make_plan(path, 10_000)              # a CSV `zwgk import` reads (序号 … 完成时间)

What makes it realistic (compared with data/seed_plan.txt and the plans seen so far):
- tasks come in groups (工作任务) of 1–8 具体事项; the group title is written on the group's
  first row only, the rows below leave it empty as a merged cell does;
- 具体事项 are sentences of 10–80 characters joined from the seed plan's verbs and objects
  (舆情回应机制, 政策解读, 政务公开事项清单 …), so Chinese words and pinyin initials (zcjd) hit
  as they would in a real plan;
- lead cells name 1–3 of ~40 departments and streets, and about a third also say 各街道,
  各相关部门 or 各部门 (the collective words a unit directory expands);
- guide cells name 1–3 of the coordinating offices (区政府办, 区信息办 …);
- deadlines mix the forms real plans use: 2021年8月底前, 2021年6月30日前, 2021年12月,
  长期坚持, 持续推进, 每季度 ….

Only the standard library is used, so the generator can run before zwgk is installed.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

YEAR = 2021  # the plan's year, also in the file name so `zwgk import` dates deadlines by it

VERBS = (
    "梳理", "编制", "建立", "健全", "完善", "优化", "加强", "探索", "推进", "落实", "公开",
    "规范", "制定", "开展", "强化", "深化", "创新", "丰富", "整合", "及时发布", "全面落实",
    "严格执行", "定期更新", "集中公开", "主动公开",
)  # fmt: skip
OBJECTS = (
    "政务公开事项清单", "权责清单", "公共服务清单", "标准目录体系", "政策解读机制",
    "政务新媒体矩阵", "舆情回应机制", "办事服务指南", "村(居)务公开渠道", "政府信息管理制度",
    "依申请公开流程", "重大决策预公开", "网站集约化平台", "政务公开专区", "政策解读材料",
    "政务舆情处置回应工作机制", "信息发布审核程序", "政府信息公开年度报告", "公众参与行政决策事项清单",
    "政务服务大厅公开栏", "便民服务中心办事指南", "政府文件公开属性源头认定", "监督考核制度",
    "公共企事业单位办事公开", "基层政务公开标准化规范化工作", "政府开放日活动", "政策咨询服务",
    "涉企政策发布", "财政预决算信息", "重点领域信息公开", "统一的办事服务入口", "互动交流入口",
)  # fmt: skip
CLAUSES = (
    "做到应公开尽公开", "确保信息准确及时", "及时回应社会关切", "方便群众查询办事",
    "提升政务公开质量和实效", "按时反馈办理情况", "并向社会公布", "实现全区信息互联互通",
    "做到快速发声、及时回应", "接受社会监督", "增强政府公信力", "形成长效机制",
    "充分听取公众意见建议", "促进政务公开与业务工作融合发展",
)  # fmt: skip
GROUP_TITLES = (
    "梳理基层政务公开事项", "编制政务公开事项目录", "健全完善政务公开制度", "规范基层政务公开平台",
    "强化基层政务公开培训", "压实舆情处置回应责任", "加强政策措施阐释解读", "创新基层决策参与方式",
    "推进办事服务公开", "加强政府信息管理", "深化重点领域信息公开", "强化政务公开监督考核",
)  # fmt: skip
DEPARTMENTS = (
    "区发展改革委", "区财政局", "区教育局", "区科技局", "区工信局", "区民政局", "区司法局",
    "区人社局", "区自然资源局", "区住建局", "区交通运输局", "区水利局", "区农业农村局",
    "区商务局", "区文旅局", "区卫健委", "区应急局", "区审计局", "区统计局", "区医保局",
    "区市场监管局", "区生态环境局", "区城管局", "区退役军人局", "区信访局", "区政务服务局",
    "区数据资源局", "区融媒体中心", "区档案馆", "区公安分局",
)  # fmt: skip
STREETS = (
    "甘棠街道", "湓浦街道", "人民路街道", "白水湖街道", "湖滨街道", "滨兴街道", "向阳街道",
    "金鸡坡街道", "五里街道", "城东街道",
)  # fmt: skip
COLLECTIVE = ("各街道", "各相关部门", "各部门", "各街道、各相关部门")
GUIDES = ("区政府办", "区信息办", "区编办", "区政务服务局", "区网信办", "区司法局")
UNIT = DEPARTMENTS[1]  # 区财政局: the unit `list --unit` and `task project:X` ask for


@dataclass
class GenTask:
    num: int
    group: int
    group_title: str
    text: str
    lead: list[str] = field(default_factory=list)
    guide: list[str] = field(default_factory=list)
    deadline: str = ""
    due: date | None = None  # what the deadline means, for peers that want a date


def plan_tasks(n: int, seed: int = 7) -> list[GenTask]:
    """n tasks, numbered 1..n, the same for the same (n, seed)."""
    rng = random.Random(seed)
    out: list[GenTask] = []
    group, left, title = 0, 0, ""
    for num in range(1, n + 1):
        if left == 0:
            group, left = group + 1, rng.randint(1, 8)
            title = rng.choice(GROUP_TITLES)
            if rng.random() < 0.5:  # real plans rarely repeat a title word for word
                title = rng.choice(VERBS) + rng.choice(OBJECTS)
        left -= 1
        due, deadline = _deadline(rng)
        out.append(
            GenTask(
                num=num,
                group=group,
                group_title=title,
                text=_text(rng),
                lead=_lead(rng),
                guide=rng.sample(GUIDES, rng.randint(1, 3)),
                deadline=deadline,
                due=due,
            )
        )
    return out


def _text(rng: random.Random) -> str:
    target = rng.randint(10, 80)
    out = ""
    while len(out) < target:
        piece = rng.choice(VERBS) + rng.choice(OBJECTS)
        if out and rng.random() < 0.3:
            piece = rng.choice(CLAUSES)
        out += ("，" if out else "") + piece
    return out


def _lead(rng: random.Random) -> list[str]:
    units = rng.sample(DEPARTMENTS, rng.randint(1, 3))
    if rng.random() < 0.1:
        units.append(rng.choice(STREETS))
    if rng.random() < 0.33:
        units += rng.choice(COLLECTIVE).split("、")
    return units


def _deadline(rng: random.Random) -> tuple[date | None, str]:
    roll = rng.random()
    m, d = rng.randint(1, 12), rng.randint(1, 28)
    y = YEAR + (1 if rng.random() < 0.2 else 0)
    end = date(y, 12, 31) if m == 12 else date(y, m + 1, 1) - timedelta(days=1)
    if roll < 0.45:
        return end, f"{y}年{m}月底前"
    if roll < 0.65:
        return date(y, m, d), f"{y}年{m}月{d}日前"
    if roll < 0.75:
        return end, f"{y}年{m}月"
    if roll < 0.85:
        return None, "长期坚持"
    if roll < 0.95:
        return None, "持续推进"
    return None, "每季度"


def make_plan(path: Path, n: int, seed: int = 7) -> list[GenTask]:
    """Write the plan as the CSV a clerk saves from Excel (UTF-8 with BOM); returns its tasks."""
    tasks = plan_tasks(n, seed)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["序号", "工作任务", "具体事项", "主体责任单位", "指导责任单位", "完成时间"])
        prev = 0
        for t in tasks:
            first = t.group != prev
            prev = t.group
            w.writerow(
                [t.num, t.group_title if first else "", t.text, "、".join(t.lead),
                 "、".join(t.guide), t.deadline]
            )  # fmt: skip
    return tasks


def plan_name(n: int) -> str:
    """A file name whose year dates the deadlines (`2021年8月底前`; `8月底前` would use it)."""
    return f"{YEAR}年政务公开工作任务分工-{n}.csv"


def task_line(t: GenTask) -> str:
    """One task as one line (what fzf filters): text, group title and every unit."""
    return f"{t.num} {t.text} {t.group_title} {' '.join(t.lead)} {' '.join(t.guide)}"

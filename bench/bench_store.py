"""Import time and `zwgk list --unit` time for generated plans of 1,000 and 10,000 tasks.

Run: python bench/bench_store.py [--sizes 1000 10000] [--repeat 5]
Each number is a whole `zwgk` process, as a person at a terminal would wait for it. The plan's
lead cells mix named units with 各街道 / 各相关部门; the last two columns run
`list --unit 甘棠街道` on the same plan before and after importing a unit directory of 20
units (10 streets, 10 departments), which expands those collective words (issue 11).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

VERBS = [
    "梳理",
    "编制",
    "建立",
    "健全",
    "完善",
    "优化",
    "加强",
    "探索",
    "推进",
    "落实",
    "公开",
    "规范",
]
NOUNS = [
    "政务公开事项清单",
    "权责清单",
    "公共服务清单",
    "标准目录体系",
    "政策解读机制",
    "政务新媒体矩阵",
    "舆情回应机制",
    "办事服务指南",
    "村(居)务公开渠道",
    "政府信息管理制度",
    "依申请公开流程",
    "重大决策预公开",
    "网站集约化平台",
    "政务公开专区",
]
UNITS = [
    f"区{a}{b}" for a in "发财教科工民司人自住交水农商文卫应审统医" for b in ("局", "办", "委")
]
GUIDES = ["区政府办", "区信息办", "区编办", "区政务服务局", "区网信办"]
DEADLINES = ["2021年{m}月底前", "2022年{m}月底", "长期坚持", "2021年{m}月{d}日前", "持续推进"]


def make_plan(path: Path, n: int, seed: int = 7) -> None:
    rnd = random.Random(seed)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["序号", "工作任务", "具体事项", "主体责任单位", "指导责任单位", "完成时间"])
        for i in range(1, n + 1):
            group = f"{rnd.choice(VERBS)}{rnd.choice(NOUNS)}"
            text = "，".join(
                f"{rnd.choice(VERBS)}{rnd.choice(NOUNS)}" for _ in range(rnd.randint(1, 4))
            )
            lead = "、".join(rnd.sample(UNITS, rnd.randint(1, 3)))
            if i % 3 == 0:
                lead += "、" + rnd.choice(["各街道", "各相关部门", "各街道、各相关部门"])
            guide = "、".join(rnd.sample(GUIDES, rnd.randint(1, 2)))
            deadline = rnd.choice(DEADLINES).format(m=rnd.randint(1, 12), d=rnd.randint(1, 28))
            w.writerow([i, group if i % 5 == 1 else "", text, lead, guide, deadline])


STREETS = [f"{a}街道" for a in "甘湓人白湖滨向东西南"]


def make_directory(path: Path) -> None:
    """20 units: ten streets, ten of the plan's departments."""
    rows = ["单位名称,类别,简称或别名,账号"]
    rows += [f"{s},街道,{s}办,s{i}" for i, s in enumerate(STREETS)]
    rows += [f"{u},部门,,d{i}" for i, u in enumerate(UNITS[:10])]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")


def p50(cmd: list[str], env: dict[str, str], repeat: int) -> float:
    return statistics.median(timed(cmd, env) * 1000 for _ in range(repeat))


def timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    zwgk = [sys.executable, "-m", "zwgk.tui.cli.main"]
    print(
        f"{'tasks':>7} {'import s':>9} {'list --unit p50 ms':>19} {'p95 ms':>8}"
        f" {'street, no dir':>15} {'street, 20-unit dir':>20} {'ratio':>6}"
    )
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            plan = Path(tmp) / f"plan-{n}.csv"
            make_plan(plan, n)
            db = Path(tmp) / "bench.json"
            env = {
                **os.environ,
                "ZWGK_DB": str(db),
                "ZWGK_TODAY": "2021-06-01",
                "ZWGK_USER": "bench",
                "ZWGK_NO_WARMUP": "1",  # no snapshot made in the background while timing
            }
            env["PYTHONPATH"] = str(ROOT)
            imp = timed([*zwgk, "import", str(plan)], env)
            runs = [
                timed([*zwgk, "list", "--unit", "区财", "--role", "lead"], env) * 1000
                for _ in range(args.repeat)
            ]
            runs.sort()
            p95 = runs[min(len(runs) - 1, int(len(runs) * 0.95))]
            street = [*zwgk, "list", "--unit", "各街道"]
            before = p50(street, env, args.repeat)  # the collective word itself, no directory
            directory = Path(tmp) / "名录.csv"
            make_directory(directory)
            subprocess.run([*zwgk, "directory", "import", str(directory)], check=True, env=env,
                           stdout=subprocess.DEVNULL)  # fmt: skip
            after = p50([*zwgk, "list", "--unit", STREETS[0]], env, args.repeat)
            print(
                f"{n:>7} {imp:>9.2f} {statistics.median(runs):>19.0f} {p95:>8.0f}"
                f" {before:>15.0f} {after:>20.0f} {after / before:>6.2f}"
            )


if __name__ == "__main__":
    main()

"""How long a question takes: parsing it (issue 13's goal: ≤ 2 ms at 10,000 tasks) and answering.

Run: python bench/bench_ask.py [--sizes 1000 10000] [--repeat 200]
The plan is bench_store.py's generated CSV (60 departments, 各街道 / 各相关部门, five guides)
with the unit directory of 20 units imported, so the lexicon holds every name a question may
use. "parse" is `parse_question` alone (the slots); "answer" is `ask` with the search index
already built (what each chat line costs once the app is open); "first" is the first `ask` of
a fresh snapshot (the index and the lexicon built on the way).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from bench_store import make_directory, make_plan  # noqa: E402

from zwgk.store.ask import ask, lexicon_for, parse_question  # noqa: E402
from zwgk.store.context import Context  # noqa: E402
from zwgk.store.db import Store  # noqa: E402
from zwgk.store.service import Service  # noqa: E402

QUESTIONS = [
    "区编办负责哪些任务",
    "哪些任务逾期了",
    "区网信办指导的逾期任务有几项",
    "还没开始的",
    "2021年6月底前要完成的",
    "甘街道牵头的下个月到期的任务",
    "政务新媒体矩阵什么时候完成",
    "第7项完成了吗",
    "qzfb指导的未完成任务有多少",
    "舆情回应机制相关的受阻任务",
]
TODAY = date(2021, 6, 1)


def p50_ms(run, repeat: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--repeat", type=int, default=200)
    args = ap.parse_args()
    print(
        f"{'tasks':>7} {'parse p50 ms':>13} {'p95':>6} {'answer p50 ms':>14} {'p95':>6} {'first ms':>9}"
    )
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            plan, directory = Path(tmp) / "plan.csv", Path(tmp) / "dir.csv"
            make_plan(plan, n)
            make_directory(directory)
            service = Service(Store(Context(Path(tmp) / "db.json", TODAY, user="bench")))
            service.import_file(plan)
            service.import_directory(directory)
            snap = service.snapshot()
            start = time.perf_counter()
            ask(snap, QUESTIONS[0], today=TODAY)
            first = (time.perf_counter() - start) * 1000
            lexicon = lexicon_for(snap.units, [p.code for p in snap.plans])
            parse = [
                p50_ms(lambda q=q, lx=lexicon: parse_question(q, lx, TODAY), args.repeat)
                for q in QUESTIONS
            ]
            answer = [
                p50_ms(lambda q=q, s=snap: ask(s, q, today=TODAY), max(5, args.repeat // 20))
                for q in QUESTIONS
            ]
            print(
                f"{n:>7} {max(p for p, _ in parse):>13.3f} {max(q for _, q in parse):>6.3f}"
                f" {max(p for p, _ in answer):>14.2f} {max(q for _, q in answer):>6.2f} {first:>9.1f}"
            )
    print("(worst question of", len(QUESTIONS), "for each column)")


if __name__ == "__main__":
    main()

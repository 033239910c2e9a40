"""`zwgk export` (whole processes) on generated ledgers of 1,000, 10,000 and 100,000 tasks.

Run: python bench/bench_export.py [--sizes 1000 10000 100000] [--formats .xlsx .csv .md .json]
     [--repeat 3] [--keep DIR] [--cold]

Each database is written through the Store as an import and a season of work would leave it:
two plans (the second with `一、…` sections), groups of one to six items, lead, support and
guide units, collective words (各街道, 各相关部门) expanded by a unit directory of 20 units,
every status, notes, sign-offs and parts recorded per unit; its read snapshot (`<db>.snap`) is
made once before the runs, as the first read command after an import makes it (the export reads
through it: store/readcache.py; `--cold` leaves it out, and the .xlsx etc. load the database
whole, as `ZWGK_NO_SNAPSHOT=1` does). The numbers are of a
whole `zwgk export FILE` process — the median of `--repeat` runs below 100,000 tasks, one run
at 100,000 —: wall time, CPU time (user + system: what the wall time would be on an idle
machine, since the export runs on one core), peak RSS (from /usr/bin/time -v when present,
else getrusage(RUSAGE_CHILDREN)). "load" and "write" split one more run in process: reading
the database as `Service.export_file` does (the read snapshot opened, or `Service.snapshot` and
the log for .json and `--cold`), then `export_file`; "load MB" is
that process's peak RSS while loading, "+export MB" how far the export's own peak rises above
the RSS the loaded database leaves (from VmHWM reset through /proc/self/clear_refs; "?" where
that cannot be reset). Loading peaks above what it leaves, so an export that adds less than
the difference leaves the whole process's peak at the load's. Targets (issue 14): .xlsx at
10,000 ≤ 3 s, at 100,000 ≤ 40 s and ≤ 400 MB; every format linear (µs/task about constant).
"""

from __future__ import annotations

import argparse
import math
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

TODAY = date(2021, 6, 1)
DEPARTMENTS = [f"区{a}{b}" for a in "发财教科工民司人自住交水农商文卫应审统医" for b in "局委"][:20]
STREETS = [f"{a}街道" for a in ("甘棠", "湓浦", "人民路", "白水湖", "湖滨", "向阳", "东门", "西园")]
GUIDES = ["区政府办", "区信息办", "区编办", "区政务服务局", "区网信办"]
USERS = ["张三", "李四", "王五", "赵六"]
VERBS = ["梳理", "编制", "建立", "健全", "完善", "优化", "加强", "推进", "落实", "规范"]
NOUNS = [
    "政务公开事项清单", "权责清单", "公共服务清单", "标准目录体系", "政策解读机制",
    "政务新媒体矩阵", "舆情回应机制", "办事服务指南", "村(居)务公开渠道", "依申请公开流程",
    "重大决策预公开", "网站集约化平台", "政务公开专区", "政府信息管理制度",
]  # fmt: skip
STATUSES = ["未开始", "进行中", "受阻", "已完成"]
SECTIONS = [
    "一、推进决策公开",
    "二、深化政务服务公开",
    "三、加强政策解读与回应",
    "四、夯实公开基础",
]


def _words(rnd: random.Random, n: int) -> str:
    return "，".join(f"{rnd.choice(VERBS)}{rnd.choice(NOUNS)}" for _ in range(n))


def _stamp(rnd: random.Random) -> str:
    day = date(2021, 3, 1) + timedelta(days=rnd.randrange(90))
    return f"{day.isoformat()}T{rnd.randint(8, 18):02d}:{rnd.randrange(60):02d}:00+08:00"


def make_records(n: int, seed: int = 14) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(plan records, task records) of a two-plan ledger of `n` tasks."""
    from zwgk.store.model import Plan, Task

    rnd = random.Random(seed)
    plans = [
        Plan("甲区政务公开工作任务分工及进度安排表", 2021, code="甲区2021"),
        Plan("乙市政务公开工作要点任务分解表", 2022, code="乙市2022"),
    ]
    split = n * 6 // 10
    tasks = []
    group, title, left = 0, "", 0
    for i in range(1, n + 1):
        plan = plans[0] if i <= split else plans[1]
        num = i if i <= split else i - split
        if left == 0 or num == 1:
            left = rnd.choice([1, 1, 2, 3, 3, 4, 6])
            group += 1
            title = _words(rnd, 1) + (f"\n（牵头：{rnd.choice(GUIDES)}）" if group % 4 == 0 else "")
        left -= 1
        lead = rnd.sample(DEPARTMENTS, rnd.randint(1, 3))
        if i % 3 == 0:
            lead.append(rnd.choice(["各街道", "各相关部门"]))
        support = [u for u in rnd.sample(DEPARTMENTS, 2) if u not in lead] if i % 4 == 1 else []
        offset = rnd.choice([-200, -30, -3, 0, 5, 20, 60, 300])
        due = TODAY + timedelta(days=offset) if i % 8 else None
        status = rnd.choice(STATUSES)
        task = Task(
            id=i,
            plan=plan.title,
            group=group,
            group_title=title,
            text=_words(rnd, rnd.randint(1, 4)),
            lead_units=lead,
            support_units=support,
            guide_units=rnd.sample(GUIDES, rnd.randint(1, 2)),
            deadline_text=f"{due.year}年{due.month}月{due.day}日前" if due else "长期坚持",
            due=due,
            deadline_kind="date" if due else "ongoing",
            status=status,
            num=num,
            section=SECTIONS[min(3, (num - 1) * 4 // max(n - split, 1))]
            if plan is plans[1]
            else "",
        )
        if status != "未开始" or i % 5 == 0:
            task.note = _words(rnd, rnd.randint(1, 3))
            task.updated_at, task.updated_by = _stamp(rnd), rnd.choice(USERS)
        if status == "已完成" and i % 2:
            task.confirmed_by, task.confirmed_at = rnd.choice(GUIDES), _stamp(rnd)
        if "各街道" in lead and i % 2:
            for street in rnd.sample(STREETS, 3):
                task.parts[street] = {
                    "status": rnd.choice(STATUSES),
                    "updated_at": _stamp(rnd),
                    "updated_by": rnd.choice(USERS),
                }
        tasks.append(task.to_record())
    return [p.to_record() for p in plans], tasks


def write_db(path: Path, n: int) -> None:
    """The ledger, its units and a 20-unit directory, in one Store transaction."""
    from tinydb.table import Document

    from zwgk.store.context import Context
    from zwgk.store.db import Store
    from zwgk.store.directory import Directory, DirUnit
    from zwgk.store.model import Unit

    plans, tasks = make_records(n)
    units = [DirUnit(s, "街道", (), ()) for s in STREETS]
    units += [DirUnit(d, "部门", (), ()) for d in DEPARTMENTS[:12]]
    directory = Directory({u.name: u for u in units}, {"各街道": "街道", "各相关部门": "部门"})
    names = sorted({*DEPARTMENTS, *STREETS, *GUIDES, "各街道", "各相关部门"})
    store = Store(Context(path, TODAY, user="bench"), seed=False)
    with store.transaction() as txn:
        txn.db.table("plans").insert_multiple(plans)
        # One call: TinyDB's `insert` rewrites the table each time (quadratic at 100,000).
        txn.db.table("tasks").insert_multiple(Document(rec, doc_id=rec["id"]) for rec in tasks)
        txn.db.table("units").insert_multiple(Unit(u).to_record() for u in names)
        txn.db.table("directory").upsert(Document(directory.to_records(), doc_id=1))


TIME_V = Path("/usr/bin/time").exists()


def measured(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak RSS in MB) of one process."""
    if TIME_V:
        cmd = ["/usr/bin/time", "-v", *cmd]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    found = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
    if found:
        return wall, cpu, int(found.group(1)) / 1024
    # ru_maxrss of the children is the largest so far: exact only while runs grow.
    return wall, cpu, max(before.ru_maxrss, after.ru_maxrss) / 1024


def runs(cmd: list[str], env: dict[str, str], repeat: int) -> tuple[float, float, float]:
    got = [measured(cmd, env) for _ in range(repeat)]
    return (
        statistics.median(w for w, _, _ in got),
        statistics.median(c for _, c, _ in got),
        max(m for _, _, m in got),
    )


SPLIT = """
import re, sys, time
from pathlib import Path
from zwgk.store.context import Context, resolve_db_path, resolve_today
from zwgk.store.export import export_file
from zwgk.store.readcache import open_cache
from zwgk.store.service import Service

def mb(field):
    found = re.search(field + r":\\s+(\\d+) kB", open("/proc/self/status").read())
    return int(found.group(1)) / 1024 if found else float("nan")

out = Path(sys.argv[1])
t0 = time.perf_counter()
service = Service.open(Context(resolve_db_path(None), resolve_today(None)))
cache = open_cache(service.store.path) if out.suffix != ".json" else None
snap = cache.lazy_snapshot().only() if cache is not None else service.snapshot()
events = service.store.events() if out.suffix == ".json" else None
t1 = time.perf_counter()
load_peak, loaded = mb("VmHWM"), mb("VmRSS")
try:
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")  # VmHWM from here on is the export's
    reset = mb("VmHWM") < load_peak
except OSError:
    reset = False
export_file(snap, out, today=service.today, force=True, events=events)
print(t1 - t0, time.perf_counter() - t1, load_peak, mb("VmHWM") - loaded if reset else "nan")
"""


WARM = """
import sys
from pathlib import Path
from zwgk.store.readcache import open_cache
open_cache(Path(sys.argv[1])).close()
"""


def split(out: Path, env: dict[str, str]) -> tuple[float, float, float, float]:
    """(load s, write s, load's peak MB, MB the export adds to the loaded process) of one
    export, in process."""
    proc = subprocess.run(
        [sys.executable, "-c", SPLIT, str(out)], env=env, capture_output=True, text=True
    )
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    load, write, load_mb, adds = proc.stdout.split()
    return float(load), float(write), float(load_mb), float(adds)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    ap.add_argument("--formats", nargs="+", default=[".xlsx", ".csv", ".md", ".json"])
    ap.add_argument("--repeat", type=int, default=3, help="runs a size below 100,000 (median)")
    ap.add_argument("--keep", type=Path, help="leave the databases and exports in this folder")
    ap.add_argument("--cold", action="store_true", help="no read snapshot: load the database")
    args = ap.parse_args()
    zwgk = [sys.executable, "-m", "zwgk.tui.cli.main"]
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; peak RSS from "
          f"{'/usr/bin/time -v' if TIME_V else 'getrusage'}")  # fmt: skip
    print(f"{'tasks':>7} {'format':>6} {'wall s':>7} {'cpu s':>6} {'peak MB':>8} {'file MB':>8}"
          f" {'load s':>7} {'write s':>8} {'write µs/task':>14} {'load MB':>8}"
          f" {'+export MB':>10}")  # fmt: skip
    for n in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            where = args.keep or Path(tmp)
            where.mkdir(parents=True, exist_ok=True)
            db = where / f"bench-{n}.json"
            for old in where.glob(f"{db.name}*"):  # a kept run's database, log, lock
                old.unlink()
            write_db(db, n)
            env = {**os.environ, "ZWGK_DB": str(db), "ZWGK_TODAY": TODAY.isoformat()}
            env["ZWGK_USER"] = "bench"
            if args.cold:
                env["ZWGK_NO_SNAPSHOT"] = "1"
            else:  # made as the first read after an import makes it (not measured here)
                subprocess.run([sys.executable, "-c", WARM, str(db)], env=env, check=True)
            repeat = 1 if n >= 100_000 else args.repeat
            for fmt in args.formats:
                out = where / f"export-{n}{fmt}"
                wall, cpu, peak = runs([*zwgk, "export", str(out), "--force"], env, repeat)
                size = out.stat().st_size / 1e6
                load, write, load_mb, adds = split(out, env)
                added = "?" if math.isnan(adds) else f"{adds:.0f}"
                print(
                    f"{n:>7} {fmt:>6} {wall:>7.2f} {cpu:>6.2f} {peak:>8.0f} {size:>8.1f}"
                    f" {load:>7.2f} {write:>8.2f} {write * 1e6 / n:>14.0f} {load_mb:>8.0f}"
                    f" {added:>10}",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())

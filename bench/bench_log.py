"""`zwgk show N` and `zwgk undo` with a long history: 100,000 and 1,000,000 logged events.

    python bench/bench_log.py [--sizes 100000,1000000] [--runs 3]

The seeded database gets N events (notes and status changes by 50 people on all tasks,
~300 bytes a line) written straight to the log and absorbed by a checkpoint, as years of use
would leave it. Each figure is one whole process: wall time (median of runs) and its peak
resident memory (ru_maxrss of that child alone, measured in a fresh wrapper process).

`undo` is timed twice: the acting user's newest change near the end of the log (the usual
case) and at its very beginning (the worst case: the whole log is scanned backwards, but
only the lines naming this user are parsed).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from bench_mark import zwgk_cmd  # the same zwgk process the other benches time

STATUSES = ("未开始", "进行中", "受阻", "已完成")
WRAPPER = (
    "import resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)\n"
    "wall = time.perf_counter() - t\n"
    "if r.returncode: sys.exit(r.stderr.decode(errors='replace'))\n"
    "print(wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def measured(cmd: list[str], env: dict[str, str]) -> tuple[float, int]:
    """(wall seconds, peak RSS in KB) of one whole process."""
    out = subprocess.run(
        [sys.executable, "-c", WRAPPER, *cmd], env=env, capture_output=True, text=True
    )
    if out.returncode:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{out.stderr}")
    wall, rss = out.stdout.split()
    return float(wall), int(rss)


def make_db(db: Path, n: int, *, mine_first: bool) -> None:
    """The seeded plan plus `n` events; user `me` made one change, first or near the end."""
    from zwgk.store.context import Context
    from zwgk.store.db import Store
    from zwgk.store.files import events_path

    ctx = Context(db_path=db, today=date(2021, 1, 1), user="me", host="", tty="")
    store = Store(ctx)
    if mine_first:
        store.set_status(5, "进行中")
    seq = store.snapshot().meta["last_seq"]
    tasks = sorted(store.snapshot().tasks)
    with open(events_path(db), "a", encoding="utf-8") as fh:
        lines = []
        for i in range(n):
            seq += 1
            task = tasks[i % len(tasks)]
            if task == 5:
                task = 6  # nobody else touches task 5: undo goes ahead
            if i % 3:
                action, changes = "note", {"note": [None, f"第{i}次进展：按计划推进，已报送材料"]}
            else:
                old, new = STATUSES[i % 4], STATUSES[(i + 1) % 4]
                action, changes = "status", {"status": [old, new]}
            rec = {
                "seq": seq,
                "ts": "2021-01-01T09:00:00+08:00",
                "user": f"user{i % 50}",
                "action": action,
                "task": task,
                "changes": changes,
                "field": next(iter(changes)),
                "note": "",
                "host": "server",
                "tty": "pts/1",
                "undoes": None,
            }
            lines.append(json.dumps(rec, ensure_ascii=False, separators=(",", ":")))
            if len(lines) >= 10000:
                fh.write("\n".join(lines) + "\n")
                lines = []
        if lines:
            fh.write("\n".join(lines) + "\n")
    if not mine_first:
        store.set_status(5, "进行中")
    store.checkpoint()


def bench(n: int, runs: int, tmp: Path) -> None:
    for mine_first in (False, True):
        d = tmp / f"{n}-{int(mine_first)}"
        d.mkdir()
        db = d / "zwgk.json"
        t = time.perf_counter()
        make_db(db, n, mine_first=mine_first)
        made = time.perf_counter() - t
        log_mb = (d / "zwgk.json.events.jsonl").stat().st_size / 1e6
        env = dict(os.environ, ZWGK_DB=str(db), ZWGK_TODAY="2021-01-01", ZWGK_USER="me")
        env.pop("ZWGK_CONFIG", None)
        where = "first line" if mine_first else "near the end"
        if not mine_first:
            shows = [measured([*zwgk_cmd(), "show", "7"], env) for _ in range(runs)]
            print(
                f"{n:>9} events ({log_mb:6.0f} MB log, made in {made:4.1f}s): show 7 "
                f"{statistics.median(s[0] for s in shows) * 1000:7.0f} ms "
                f"{max(s[1] for s in shows) / 1024:5.0f} MB peak"
            )
        undos = []
        for _ in range(runs):  # undo, then redo the change so the next undo has work again
            undos.append(measured([*zwgk_cmd(), "undo"], env))
            subprocess.run([*zwgk_cmd(), "mark", "5", "进行中"], env=env, capture_output=True)
        print(
            f"{n:>9} events: undo (my change {where:>12}) "
            f"{statistics.median(u[0] for u in undos) * 1000:7.0f} ms "
            f"{max(u[1] for u in undos) / 1024:5.0f} MB peak"
        )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    base, rss = measured([*zwgk_cmd(), "--help"], dict(os.environ))
    print(f"zwgk --help alone: {base * 1000:.0f} ms, {rss / 1024:.0f} MB peak")
    with tempfile.TemporaryDirectory(prefix="zwgk-bench-log-") as d:
        for n in (int(s) for s in args.sizes.split(",")):
            bench(n, args.runs, Path(d))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

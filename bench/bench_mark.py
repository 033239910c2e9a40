"""A whole `zwgk mark` process at 1,000 and 100,000 tasks, beside Taskwarrior's `task modify`.

    python bench/bench_mark.py [--runs 9] [--sizes 1000,100000]

Each figure is the wall time of one complete process (start-up, imports, lock, read, write,
fsync), the median of several runs on the same database, alternating between two values so
every run really changes something. Taskwarrior (Debian package `taskwarrior`) gets a temporary
TASKDATA/TASKRC with confirmations off and the same number of pending tasks, written in its own
data format. If `task` is not installed the script says so and prints zwgk's figures alone.

zwgk's change is one fsynced append to the event log; the task file is rewritten (a checkpoint)
only once the log written since exceeds max(64 KB, 1/8 of the file). That rewrite's cost is
printed separately, with how often it happens.

A change reads two lines of the task file, and checks the CRC of the whole file first (~40 ms
at 100,000 tasks) unless the read snapshot vouches for it: made by a read command (here
`zwgk list`) from the same file, checked then. Both are timed: `fresh` (no read command since
the file was written) and `read` (after one).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def zwgk_cmd() -> list[str]:
    # The console script installed beside this interpreter: a version-manager shim found
    # on PATH first (pyenv's is a bash script that runs `pyenv exec`) would be timed too.
    beside = Path(sys.executable).with_name("zwgk")
    if beside.is_file():
        return [str(beside)]
    exe = shutil.which("zwgk")
    return [exe] if exe else [sys.executable, "-m", "zwgk.tui.cli.main"]


CPU: list[float] = []  # CPU seconds (user+sys) of each timed child, in order


def timed(cmd: list[str], env: dict[str, str]) -> float:
    """Wall seconds of one whole process; its CPU seconds are appended to CPU."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    r = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    if r.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{r.stderr.decode(errors='replace')}")
    return elapsed


def runs_of(cmds: list[list[str]], env: dict[str, str]) -> dict[str, float]:
    del CPU[:]
    times = [timed(c, env) for c in cmds]
    return {"median": statistics.median(times), "min": min(times), "cpu": statistics.median(CPU)}


def make_zwgk_db(path: Path, n: int) -> None:
    """n tasks copied from the bundled plan, written by zwgk's own transaction code."""
    from zwgk.store.context import Context
    from zwgk.store.db import Store

    ctx = Context(db_path=path, today=date(2021, 1, 1), user="bench", host="", tty="")
    store = Store(ctx)
    store.ensure_seeded()
    with store.transaction() as txn:
        tasks = txn.data["tasks"]
        base = [tasks[k] for k in sorted(tasks, key=int)]
        new = {}
        for i in range(1, n + 1):
            rec = json.loads(json.dumps(base[(i - 1) % len(base)]))
            rec["id"] = i
            rec["num"] = i
            new[str(i)] = rec
        txn.data["tasks"] = new
        txn.commit_full()


def bench_zwgk(n: int, runs: int, tmp: Path) -> dict[str, float]:
    db = tmp / f"zwgk-{n}.json"
    make_zwgk_db(db, n)
    env = dict(os.environ, ZWGK_DB=str(db), ZWGK_TODAY="2021-01-01", ZWGK_USER="bench")
    env.pop("ZWGK_CONFIG", None)
    target = str(n // 2)
    timed([*zwgk_cmd(), "mark", target, "doing"], env)  # warm the page cache
    cmds = [[*zwgk_cmd(), "mark", target, "done" if i % 2 else "doing"] for i in range(runs)]
    result = runs_of(cmds, env)
    # A read command made the read snapshot, which vouches for the file once it has settled
    # (`dbfile.SETTLED_NS`: written at least 2 s before it was read).
    time.sleep(max(0.0, db.stat().st_ctime + 2.5 - time.time()))
    timed([*zwgk_cmd(), "list", "--status", "done"], env)
    read = runs_of(cmds, env)
    # the occasional checkpoint: rewrite of the whole task file
    from zwgk.store.context import Context
    from zwgk.store.db import CHECKPOINT_BYTES, Store

    store = Store(Context(db_path=db, today=date(2021, 1, 1), user="bench", host="", tty=""))
    t = time.perf_counter()
    store.checkpoint()
    checkpoint = time.perf_counter() - t
    size = db.stat().st_size
    ev = store.events()[-1]
    line = len(json.dumps(ev.to_record(), ensure_ascii=False).encode())
    every = max(CHECKPOINT_BYTES, size // 8) // max(line, 1)
    return {
        **result,
        "read_median": read["median"],
        "read_cpu": read["cpu"],
        "checkpoint": checkpoint,
        "every": every,
        "size_mb": size / 1e6,
    }


def make_task_data(data: Path, n: int) -> None:
    now = int(time.time())
    lines = [
        f'[description:"任务 {i} 推进政务公开标准化规范化工作" entry:"{now}" '
        f'modified:"{now}" status:"pending" uuid:"{uuid.uuid4()}"]'
        for i in range(1, n + 1)
    ]
    data.mkdir(parents=True, exist_ok=True)
    (data / "pending.data").write_text("\n".join(lines) + "\n", encoding="utf-8")
    for name in ("completed.data", "undo.data", "backlog.data"):
        (data / name).touch()


def bench_task(n: int, runs: int, tmp: Path) -> dict[str, float] | None:
    task = shutil.which("task")
    if not task:
        return None
    data = tmp / f"task-{n}"
    make_task_data(data, n)
    rc = tmp / f"taskrc-{n}"
    rc.write_text(
        f"data.location={data}\nconfirmation=off\nverbose=nothing\nhooks=off\n"
        "recurrence=off\nnews.version=99.99.99\n",
        encoding="utf-8",
    )
    env = dict(os.environ, TASKRC=str(rc), TASKDATA=str(data))
    target = str(n // 2)
    base = [task, "rc.confirmation=off", target, "modify"]
    timed([*base, "priority:H"], env)
    return runs_of([[*base, "priority:L" if i % 2 else "priority:H"] for i in range(runs)], env)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--sizes", default="1000,100000")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if not shutil.which("task"):
        print(
            "Taskwarrior (`task`) is not installed, so only zwgk is measured. "
            "Install it with: sudo apt-get install -y taskwarrior"
        )
    # Installed packages have their bytecode compiled; a developer shell with
    # PYTHONDONTWRITEBYTECODE=1 would recompile every changed module on every run.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    env = dict(os.environ)
    startup = runs_of([[sys.executable, "-c", "pass"]] * max(3, args.runs // 2), env)
    print(
        f"python start-up alone: {startup['median'] * 1000:.0f} ms wall, "
        f"{startup['cpu'] * 1000:.0f} ms CPU   ({os.cpu_count()} CPUs, load "
        f"{os.getloadavg()[0]:.1f})"
    )
    print("median of runs; wall = what a person waits, CPU = user+sys (steadier on a busy box)")
    print(f"{'tasks':>7} {'zwgk mark':>18} {'task modify':>18}   ratio (wall / CPU)")
    with tempfile.TemporaryDirectory(prefix="zwgk-bench-") as d:
        tmp = Path(d)
        notes = []
        for n in sizes:
            z = bench_zwgk(n, args.runs, tmp)
            t = bench_task(n, args.runs, tmp)

            def cell(r: dict[str, float] | None) -> str:
                if r is None:
                    return f"{'-':>18}"
                return f"{r['median'] * 1000:>7.0f}ms {r['cpu'] * 1000:>5.0f}ms cpu"

            ratio = (
                f"{z['median'] / t['median']:.2f}x / {z['cpu'] / max(t['cpu'], 1e-9):.2f}x"
                if t
                else "-"
            )
            print(f"{n:>7} {cell(z)} {cell(t)}   {ratio}   (fresh)")
            zr = {"median": z["read_median"], "cpu": z["read_cpu"]}
            ratio = (
                f"{zr['median'] / t['median']:.2f}x / {zr['cpu'] / max(t['cpu'], 1e-9):.2f}x"
                if t
                else "-"
            )
            print(f"{n:>7} {cell(zr)} {cell(t)}   {ratio}   (after a read command)")
            notes.append(
                f"{n:>7} tasks: zwgk CPU beyond a bare `python -c pass`: "
                f"{(z['cpu'] - startup['cpu']) * 1000:.0f} ms (imports + the change itself)"
            )
            notes.append(
                f"{n:>7} tasks: task file {z['size_mb']:.1f} MB; a checkpoint (full rewrite, "
                f"in-process) takes {z['checkpoint'] * 1000:.0f} ms, about once every "
                f"{z['every']} changes"
            )
        print("\n".join(notes))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""A whole `zwgk mark` process at 1,000 and 100,000 tasks, beside Taskwarrior's `task modify`.

    python bench/bench_mark.py [--runs 9] [--sizes 1000,100000] [--no-installed]

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

Two installs of zwgk are timed, each labelled: `installed` (the default; `--no-installed`
skips it) is a NON-editable install made for the run in a temporary venv, the way the README's
server section installs zwgk (`python -m venv` + `pip install --no-deps` of a copy of this
source tree; a `.pth` line points at this venv's site-packages for the dependencies, so it
works offline); `dev` is this venv's editable console script. The installed one is what people
on the server run. The editable install's finder (a `.pth` hook that imports importlib.util,
pathlib and its own tables at every start-up) costs ~10–15 ms that users never pay, and would
hide how start-up changes.

A `floor` row times the least any Python `mark` must do, with no zwgk code at all (the
installed interpreter, the console-script wrapper's imports, the lock, a read, one fsynced JSON
append: Taskwarrior fdatasyncs four files per modify). When the floor alone is over 1.5x `task
modify`, the script says that the target cannot be met by a Python process on this machine.
A `server` row times what would be left with a resident server doing the change (the issue's
way out when nothing else can reach a target): the interpreter, the console-script wrapper's
imports and one socket round trip, the server doing the fsynced append.
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


def installed_zwgk(tmp: Path) -> list[str] | None:
    """A non-editable install of this source tree in a venv under `tmp` (see the docstring);
    its console script."""
    src, venv = tmp / "src", tmp / "venv"
    files = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", "-co", "--exclude-standard"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for name in files:  # a copy: pip's build would leave build/ and *.egg-info in the tree
        if (ROOT / name).is_file() and not name.startswith(".venv"):
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, src / name)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    import sysconfig

    # The dependencies are this venv's; its own .pth files (the editable finder) are not read.
    Path(site, "zz_zwgk_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    pip = [str(python), "-m", "pip", "install", "-q", "--no-deps", str(src)]
    r = subprocess.run(pip, capture_output=True, text=True)  # pip compiles the bytecode
    if r.returncode != 0:
        print(f"the non-editable install failed, only the dev install is timed:\n{r.stderr}")
        return None
    return [str(venv / "bin" / "zwgk")]


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


def bench_zwgk(n: int, runs: int, tmp: Path, zwgk: list[str], name: str) -> dict[str, float]:
    db = tmp / f"zwgk-{name}-{n}.json"
    make_zwgk_db(db, n)
    env = dict(os.environ, ZWGK_DB=str(db), ZWGK_TODAY="2021-01-01", ZWGK_USER="bench")
    env.pop("ZWGK_CONFIG", None)
    target = str(n // 2)
    timed([*zwgk, "mark", target, "doing"], env)  # warm the page cache
    cmds = [[*zwgk, "mark", target, "done" if i % 2 else "doing"] for i in range(runs)]
    result = runs_of(cmds, env)
    # A read command made the read snapshot, which vouches for the file once it has settled
    # (`dbfile.SETTLED_NS`: written at least 2 s before it was read).
    time.sleep(max(0.0, db.stat().st_ctime + 2.5 - time.time()))
    timed([*zwgk, "list", "--status", "done"], env)
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


# The least a Python `mark` can do, with no zwgk code at all: start the same interpreter, import
# what pip's console-script wrapper imports (`re`, `sys`), take the lock, read the task file's
# first page, append one JSON event line and fsync it (Taskwarrior fdatasyncs four files), print
# one line. If even this is slower than 1.5x `task modify`, no Python CLI meets that target here.
FLOOR = """\
import re, sys, fcntl, json, os
db, log = sys.argv[1], sys.argv[2]
lock = os.open(db + ".floor.lock", os.O_RDWR | os.O_CREAT, 0o644)
fcntl.flock(lock, fcntl.LOCK_EX)
with open(db, "rb") as f:
    head = f.read(4096)
event = {"op": "status", "task": 7, "status": "进行中", "user": "bench", "len": len(head)}
fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
os.write(fd, (json.dumps(event, ensure_ascii=False) + "\\n").encode())
os.fsync(fd)
os.close(fd)
print("已将第 7 项标为进行中")
"""


# The same with a resident server doing the lock and the fsynced append (the way out
# "unless measurements show nothing else can reach the targets"): what is left in the process
# a person starts is the interpreter, the wrapper's imports and one round trip on a socket.
SERVER = """\
import os, socket, sys
sock = socket.socket(socket.AF_UNIX)
sock.bind(sys.argv[1])
sock.listen(8)
fd = os.open(sys.argv[2], os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
print("ready", flush=True)
while True:
    conn, _ = sock.accept()
    os.write(fd, conn.recv(4096) + b"\\n")
    os.fsync(fd)
    conn.sendall("已将第 7 项标为进行中".encode())
    conn.close()
"""
CLIENT = """\
import re, sys, socket
sock = socket.socket(socket.AF_UNIX)
sock.connect(sys.argv[1])
sock.sendall(" ".join(sys.argv[2:]).encode())
print(sock.recv(4096).decode())
"""


def bench_floor(python: str, db: Path, runs: int, tmp: Path) -> dict[str, float]:
    script = tmp / "floor.py"
    script.write_text(FLOOR, encoding="utf-8")
    cmd = [python, str(script), str(db), str(tmp / "floor.events.jsonl")]
    timed(cmd, dict(os.environ))
    return runs_of([cmd] * runs, dict(os.environ))


def bench_server_floor(python: str, runs: int, tmp: Path) -> dict[str, float]:
    (tmp / "server.py").write_text(SERVER, encoding="utf-8")
    (tmp / "client.py").write_text(CLIENT, encoding="utf-8")
    sock = tmp / "floor.sock"
    sock.unlink(missing_ok=True)
    server = subprocess.Popen(
        [python, str(tmp / "server.py"), str(sock), str(tmp / "server.events.jsonl")],
        stdout=subprocess.PIPE,
    )
    try:
        assert server.stdout is not None and server.stdout.readline().strip() == b"ready"
        cmd = [python, str(tmp / "client.py"), str(sock), "mark", "7", "doing"]
        timed(cmd, dict(os.environ))
        return runs_of([cmd] * runs, dict(os.environ))
    finally:
        server.kill()
        server.wait()


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
    ap.add_argument(
        "--installed",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also time a non-editable install (default: yes)",
    )
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
    with tempfile.TemporaryDirectory(prefix="zwgk-bench-") as d:
        tmp = Path(d)
        installs = {"dev": zwgk_cmd()}  # (label, console script), the installed one first
        installed = installed_zwgk(tmp / "installed") if args.installed else None
        if installed is not None:
            installs = {"installed": installed, **installs}
        startup: dict[str, dict[str, float]] = {}
        pythons: dict[str, str] = {}
        for name, cmd in installs.items():
            python = Path(cmd[0]).with_name("python") if cmd[0].endswith("zwgk") else None
            python_cmd = [str(python) if python and python.exists() else sys.executable]
            pythons[name] = python_cmd[0]
            startup[name] = runs_of([[*python_cmd, "-c", "pass"]] * max(3, args.runs // 2), env)
            print(
                f"{name:>9}: {cmd[0]}\n{'':>11}python start-up alone (`-c pass`): "
                f"{startup[name]['median'] * 1000:.0f} ms wall, "
                f"{startup[name]['cpu'] * 1000:.0f} ms CPU"
            )
        print(f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
        print("median of runs; wall = what a person waits, CPU = user+sys (steadier on a busy box)")
        print(
            f"{'tasks':>7} {'install':>9} {'zwgk mark':>18} {'task modify':>18}   ratio (wall / CPU)"
        )
        notes = []

        def cell(r: dict[str, float] | None) -> str:
            if r is None:
                return f"{'-':>18}"
            return f"{r['median'] * 1000:>7.0f}ms {r['cpu'] * 1000:>5.0f}ms cpu"

        def ratio(z: dict[str, float], t: dict[str, float] | None) -> str:
            if t is None:
                return "-"
            return f"{z['median'] / t['median']:.2f}x / {z['cpu'] / max(t['cpu'], 1e-9):.2f}x"

        for n in sizes:
            t = bench_task(n, args.runs, tmp)

            for name, cmd in installs.items():
                z = bench_zwgk(n, args.runs, tmp, cmd, name)
                zr = {"median": z["read_median"], "cpu": z["read_cpu"]}
                print(f"{n:>7} {name:>9} {cell(z)} {cell(t)}   {ratio(z, t)}   (fresh)")
                print(
                    f"{n:>7} {name:>9} {cell(zr)} {cell(t)}   {ratio(zr, t)}   (after a read command)"
                )
                notes.append(
                    f"{n:>7} tasks, {name}: zwgk CPU beyond its bare `python -c pass`: "
                    f"{(z['cpu'] - startup[name]['cpu']) * 1000:.0f} ms (imports + the change)"
                )
            first = next(iter(installs))
            floor = bench_floor(pythons[first], tmp / f"zwgk-{first}-{n}.json", args.runs, tmp)
            print(f"{n:>7} {'floor':>9} {cell(floor)} {cell(t)}   {ratio(floor, t)}   (see below)")
            served = bench_server_floor(pythons[first], args.runs, tmp)
            print(
                f"{n:>7} {'server':>9} {cell(served)} {cell(t)}   {ratio(served, t)}   (see below)"
            )
            notes.append(
                f"{n:>7} tasks: floor = the least any Python `mark` does ({first}'s python, no "
                "zwgk code: wrapper imports, lock, read, one fsynced JSON append)"
            )
            notes.append(
                f"{n:>7} tasks: server = the process a person would start if a resident server "
                "did the change (interpreter, wrapper imports, one socket round trip)"
            )
            if t is not None and min(floor["median"], served["median"]) > 1.5 * t["median"]:
                notes.append(
                    f"{n:>7} tasks: the floor alone is {floor['median'] / t['median']:.2f}x "
                    f"`task modify`, and with a resident server "
                    f"{served['median'] / t['median']:.2f}x, so `<= 1.5x` cannot be met by a "
                    "Python process here"
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

"""Issue 14's table in one run: zwgk's read commands, mark and import beside their peers.

    python bench/bench_read.py [--sizes 1000,10000,100000] [--repeat 5] [--import-repeat 3] [--dev]

For each size a plan of N tasks is generated (`gen.py`: deterministic, groups, 各街道 /
各相关部门 in lead cells, real deadline forms), imported with `zwgk import` into a fresh
database, and then each command runs as a whole process, as a person at a terminal waits for
it: the median wall time of `--repeat` runs after one untimed warm-up run (page cache; a
read snapshot a command may build on first use), the median CPU time (user + sys: steadier
when other jobs share the machine) and the peak RSS of that one process (`os.wait4`). zwgk's
command and its peer's run by turns, so a drifting load weighs on both alike.

zwgk                              peer over the same tasks, same size
  list --unit 区财政局              task project:区财政局 count
  list --json                       task export
  search 舆情 机制                  fzf --filter '舆情 机制'   (one line per task)
  search zcjd (pinyin initials)     fzf --filter zcjd
  show N                            task N info
  mark N done|doing (alternating)   task N modify priority:H|L (alternating)
  import plan.csv (fresh database)  -

Taskwarrior (`apt-get install -y taskwarrior`) gets a private TASKRC/TASKDATA in a temporary
folder with confirmations off. Its data is written straight into `pending.data` in its own
file format, exactly the lines `task import` writes (project = the first lead unit, the other
lead units as tags, due dates): `task import` itself needs 4.4 minutes for 100,000 tasks on
this machine (`--task-import` uses it anyway). fzf (`apt-get install -y fzf`) filters a file
with each task's number, text, group title and units on one line. A missing peer is said
once and its columns stay empty.

zwgk is timed as the server runs it: a NON-editable install of this source tree made for the
run in a temporary venv (`bench_mark.installed_zwgk`, as the README's server section installs
it). `--dev` times this venv's editable console script instead, whose import hook costs every
process ~20 ms that people on the server never pay.

Then the ratios the issue's targets name and the absolute targets, each marked pass / FAIL.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen import UNIT, GenTask, make_plan, plan_name, task_line  # noqa: E402

TODAY = "2021-06-01"
SEARCH_WORDS = "舆情 机制"
SEARCH_INITIALS = "zcjd"  # 政策解读


from bench_mark import installed_zwgk, zwgk_cmd  # noqa: E402


@dataclass
class Run:
    wall: float  # seconds
    cpu: float  # seconds, user + sys
    rss: float  # MB, peak resident set of the process


TIME = "/usr/bin/time"  # GNU time (Debian package `time`): the peak RSS of its child alone
RSS_FILE = Path(tempfile.gettempdir()) / f"bench_read-{os.getpid()}.rss"


def run_once(
    cmd: list[str], env: dict[str, str], stdin: Path | None = None, ok: tuple[int, ...] = (0,)
) -> Run:
    """One whole process: wall time, CPU time and peak RSS of that process alone.

    A child's ru_maxrss starts at its parent's peak (Linux keeps it across fork and exec), and
    this script holds 100,000 generated tasks: so the command runs under GNU time, which is
    small, and its %M is the command's own peak. Wall and CPU are measured here (wait4).
    """
    wrapped = [TIME, "-f", "%M", "-o", str(RSS_FILE), *cmd] if HAVE_TIME else cmd
    fh = stdin.open("rb") if stdin else subprocess.DEVNULL
    try:
        t = time.perf_counter()
        proc = subprocess.Popen(
            wrapped, env=env, stdin=fh, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        assert proc.stderr is not None
        err = proc.stderr.read()  # small; read before waiting so a full pipe cannot block
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t
        proc.returncode = os.waitstatus_to_exitcode(status)
        proc.stderr.close()
    finally:
        if stdin:
            fh.close()  # type: ignore[union-attr]
    if proc.returncode not in ok:
        raise SystemExit(f"failed ({proc.returncode}): {' '.join(cmd)}\n{err.decode()[-2000:]}")
    rss_kb = usage.ru_maxrss
    if HAVE_TIME:
        rss_kb = int(RSS_FILE.read_text().split()[-1])
    return Run(wall, usage.ru_utime + usage.ru_stime, rss_kb / 1024)


HAVE_TIME = Path(TIME).is_file()


@dataclass
class Measure:
    runs: list[Run] = field(default_factory=list)
    first: Run | None = None  # the untimed warm-up run

    @property
    def wall(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(r.cpu for r in self.runs)

    @property
    def rss(self) -> float:
        return max(r.rss for r in self.runs)


def measure(make: Callable[[int], Run], repeat: int, warm: bool = True) -> Measure:
    """`make(i)` runs the i-th process; one warm-up run first (reported, not counted)."""
    m = Measure()
    if warm:
        m.first = make(-1)
    m.runs = [make(i) for i in range(repeat)]
    return m


def measure_pair(
    ours: Callable[[int], Run], theirs: Callable[[int], Run] | None, repeat: int
) -> tuple[Measure, Measure | None]:
    """zwgk's command and its peer's, each warmed up once, then run by turns: on a shared
    machine whose load drifts, a ratio of medians taken minutes apart says more about the
    drift than about the two programs."""
    if theirs is None:
        return measure(ours, repeat), None
    a, b = Measure(), Measure()
    a.first, b.first = ours(-1), theirs(-1)
    for i in range(repeat):
        a.runs.append(ours(i))
        b.runs.append(theirs(i))
    return a, b


# -- Taskwarrior -------------------------------------------------------------------------------
def task_record(t: GenTask) -> dict[str, object]:
    rec: dict[str, object] = {
        "uuid": str(uuid.UUID(int=t.num)),
        "description": t.text,
        "project": t.lead[0],
        "status": "pending",
        "entry": "20210101T000000Z",
        "tags": t.lead[1:],
    }
    if t.due:
        rec["due"] = t.due.strftime("%Y%m%dT000000Z")
    return rec


def ff4_line(t: GenTask, now: int) -> str:
    """One pending.data line as Taskwarrior 2.6's `task import` writes it (attributes sorted)."""
    attrs: dict[str, str] = {"description": t.text, "entry": "1609459200"}
    if t.due:
        attrs["due"] = str(int(time.mktime(t.due.timetuple())))
    attrs["modified"] = str(now)
    attrs["project"] = t.lead[0]
    attrs["status"] = "pending"
    if t.lead[1:]:
        attrs["tags"] = ",".join(t.lead[1:])
        for tag in t.lead[1:]:
            attrs[f"tags_{tag}"] = "x"
    attrs["uuid"] = str(uuid.UUID(int=t.num))
    for v in attrs.values():
        assert '"' not in v and "\n" not in v  # the generator never writes either
    return "[" + " ".join(f'{k}:"{attrs[k]}"' for k in sorted(attrs)) + "]"


def task_env(tmp: Path, tasks: list[GenTask], use_import: bool) -> dict[str, str] | None:
    task = shutil.which("task")
    if not task:
        return None
    data = tmp / "taskdata"
    data.mkdir()
    rc = tmp / "taskrc"
    rc.write_text(
        f"data.location={data}\nconfirmation=off\nverbose=nothing\nhooks=off\n"
        "recurrence=off\nnews.version=99.99.99\n",
        encoding="utf-8",
    )
    env = dict(os.environ, TASKRC=str(rc), TASKDATA=str(data))
    if use_import:
        src = tmp / "tasks.json"
        src.write_text(json.dumps([task_record(t) for t in tasks], ensure_ascii=False), "utf-8")
        subprocess.run([task, "rc.confirmation=off", "import", str(src)], env=env, check=True,
                       stdout=subprocess.DEVNULL)  # fmt: skip
    else:
        now = int(time.time())
        lines = "".join(ff4_line(t, now) + "\n" for t in tasks)
        (data / "pending.data").write_text(lines, encoding="utf-8")
    for name in ("completed.data", "undo.data", "backlog.data"):
        (data / name).write_text("")  # a plain data set: no history, nothing to sync
    return env


# -- one size ----------------------------------------------------------------------------------
ROWS = (
    # (key, zwgk label, peer label)
    ("unit", f"list --unit {UNIT}", f"task project:{UNIT} count"),
    ("json", "list --json", "task export"),
    ("words", f"search '{SEARCH_WORDS}'", f"fzf --filter '{SEARCH_WORDS}'"),
    ("initials", f"search {SEARCH_INITIALS}", f"fzf --filter {SEARCH_INITIALS}"),
    ("show", "show N", "task N info"),
    ("mark", "mark N", "task N modify"),
    ("import", "import plan.csv", ""),
)
READS = ("unit", "json", "words", "initials", "show")


def bench_size(
    n: int, args: argparse.Namespace, tmp: Path, zwgk: list[str]
) -> dict[str, tuple[Measure | None, ...]]:
    plan = tmp / plan_name(n)
    tasks = make_plan(plan, n, seed=args.seed)
    target = str(n // 2)

    def env_for(db: Path) -> dict[str, str]:
        env = dict(os.environ, ZWGK_DB=str(db), ZWGK_TODAY=TODAY, ZWGK_USER="bench")
        env["ZWGK_NO_WARMUP"] = "1"  # "first run after import" times the reader making it
        for name in ("ZWGK_CONFIG", "ZWGK_HISTORY", "PYTHONDONTWRITEBYTECODE"):
            env.pop(name, None)
        return env

    def fresh_import(i: int) -> Run:
        db = tmp / f"import-{i + 1}" / "zwgk.json"
        db.parent.mkdir()
        r = run_once([*zwgk, "--db", str(db), "import", str(plan)], env_for(db))
        if i >= 0:
            shutil.rmtree(db.parent)  # keep only the warm-up's database (the one read below)
        return r

    out: dict[str, tuple[Measure | None, ...]] = {}
    imports = measure(fresh_import, args.import_repeat)
    db = tmp / "import-0" / "zwgk.json"
    env = env_for(db)

    def zw(*words: str) -> Callable[[int], Run]:
        return lambda i: run_once([*zwgk, "--db", str(db), *words], env)

    def zmark(i: int) -> Run:
        return run_once([*zwgk, "--db", str(db), "mark", target, "done" if i % 2 else "doing"], env)

    ours: dict[str, Callable[[int], Run]] = {
        "unit": zw("list", "--unit", UNIT),
        "json": zw("list", "--json"),
        "words": zw("search", *SEARCH_WORDS.split()),
        "initials": zw("search", SEARCH_INITIALS),
        "show": zw("show", target),
        "mark": zmark,
    }
    theirs: dict[str, Callable[[int], Run] | None] = dict.fromkeys(ours)
    tenv = task_env(tmp, tasks, args.task_import) if not args.no_peers else None
    if tenv is not None:
        tw = ["task", "rc.confirmation=off"]

        def tk(*words: str) -> Callable[[int], Run]:
            return lambda i: run_once([*tw, *words], tenv)

        theirs["unit"] = tk(f"project:{UNIT}", "count")
        theirs["json"] = tk("export")
        theirs["show"] = tk(target, "info")
        theirs["mark"] = lambda i: run_once(
            [*tw, target, "modify", "priority:" + "LH"[i % 2]], tenv
        )
    if shutil.which("fzf") and not args.no_peers:
        lines = tmp / "tasks.txt"
        lines.write_text("".join(task_line(t) + "\n" for t in tasks), encoding="utf-8")
        for key, query in (("words", SEARCH_WORDS), ("initials", SEARCH_INITIALS)):
            theirs[key] = lambda i, q=query: run_once(  # type: ignore[misc]
                ["fzf", "--filter", q], os.environ.copy(), stdin=lines, ok=(0, 1)
            )
    zmeasures: dict[str, Measure] = {}
    peers: dict[str, Measure | None] = {}
    for key, make in ours.items():
        zmeasures[key], peers[key] = measure_pair(make, theirs[key], args.repeat)
    for key, m in zmeasures.items():
        out[key] = (m, peers[key])
    out["import"] = (imports, None)
    print_hits(n, zwgk, db, env, tenv, tmp)
    return out


def print_hits(
    n: int, zwgk: list[str], db: Path, env: dict[str, str], tenv: dict[str, str] | None, tmp: Path
) -> None:
    """What each side found, so a fast wrong answer would show."""

    def count(cmd: list[str], e: dict[str, str], stdin: Path | None = None) -> str:
        with stdin.open("rb") if stdin else open(os.devnull, "rb") as fh:
            p = subprocess.run(cmd, env=e, stdin=fh, capture_output=True, text=True)
        return p.stdout

    unit = json.loads(count([*zwgk, "--db", str(db), "list", "--unit", UNIT, "--json"], env))
    words = json.loads(
        count([*zwgk, "--db", str(db), "search", *SEARCH_WORDS.split(), "--json"], env)
    )
    initials = json.loads(count([*zwgk, "--db", str(db), "search", SEARCH_INITIALS, "--json"], env))
    parts = [
        f"list --unit {len(_items(unit))} tasks",
        f"search '{SEARCH_WORDS}' {len(_items(words))} shown",
        f"search {SEARCH_INITIALS} {len(_items(initials))} shown",
    ]
    if tenv:
        parts.append(f"task count {count(['task', f'project:{UNIT}', 'count'], tenv).strip()}")
    lines = tmp / "tasks.txt"
    if lines.exists():
        for q in (SEARCH_WORDS, SEARCH_INITIALS):
            hits = count(["fzf", "--filter", q], os.environ.copy(), lines).count("\n")
            parts.append(f"fzf '{q}' {hits}")
    print(f"  {n:,} tasks, what each found: " + "; ".join(parts))


def _items(data: object) -> list[object]:
    if isinstance(data, list):
        return data
    if isinstance(data, dict):
        for key in ("tasks", "hits", "results"):
            if isinstance(data.get(key), list):
                return data[key]
    return []


# -- report ------------------------------------------------------------------------------------
def cell(m: Measure | None) -> str:
    if m is None:
        return f"{'-':>22}"
    return f"{_t(m.wall):>8} {_t(m.cpu):>7} {m.rss:>4.0f}MB"


def _t(s: float) -> str:
    return f"{s * 1000:.0f}ms" if s < 10 else f"{s:.1f}s"


def ratio(z: Measure | None, p: Measure | None) -> float | None:
    return z.wall / p.wall if z and p and p.wall > 0 else None


def cpu_ratio(z: Measure | None, p: Measure | None) -> float | None:
    return z.cpu / p.cpu if z and p and p.cpu > 0 else None


def pad(text: str, width: int) -> str:
    """Left-justify to `width` terminal columns (a Chinese character takes two)."""
    import unicodedata

    cols = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, width - cols)


def report(results: dict[int, dict[str, tuple[Measure | None, ...]]]) -> list[str]:
    sizes = sorted(results)
    print("\nwall = median wall time, cpu = median user+sys, MB = peak RSS of the process")
    print(pad("", 32) + "".join(f"{f'{n:,} tasks':>24}" for n in sizes))
    print(pad("", 32) + "".join(f"{'wall     cpu   peak':>24}" for n in sizes))
    for key, zlabel, plabel in ROWS:
        print(pad(f"zwgk {zlabel}", 32) + "".join(f"  {cell(results[n][key][0])}" for n in sizes))
        if plabel:
            print(pad(f"  {plabel}", 32) + "".join(f"  {cell(results[n][key][1])}" for n in sizes))
            rs = [results[n][key][:2] for n in sizes]
            print(
                pad("  ratio wall (cpu)", 32)
                + "".join(f"{_r(ratio(*r)) + ' (' + _r(cpu_ratio(*r)) + ')':>24}" for r in rs)
            )
        first = [results[n][key][0] for n in sizes]
        if key in READS and all(m and m.first for m in first):
            print(
                pad("  first run after import", 32)
                + "".join(f"{_t(m.first.wall):>24}" for m in first if m and m.first)
            )
    return targets(results)


def _r(r: float | None) -> str:
    return "-" if r is None else f"{r:.2f}x"


def targets(results: dict[int, dict[str, tuple[Measure | None, ...]]]) -> list[str]:
    lines: list[str] = []

    def check(label: str, value: float | None, limit: float, unit: str) -> None:
        if value is None:
            lines.append(f"  {'not run':>7}  {label}")
            return
        mark = "pass" if value <= limit else "FAIL"
        shown = f"{value:.2f}{unit}" if unit == "x" else f"{value:.0f} {unit}"
        lims = f"{limit:.1f}{unit}" if unit == "x" else f"{limit:.0f} {unit}"
        lines.append(f"  {mark:>7}  {label}: {shown} (target <= {lims})")

    def z(n: int, key: str) -> Measure | None:
        return results[n][key][0] if n in results else None

    def rt(n: int, key: str) -> float | None:
        return ratio(*results[n][key][:2]) if n in results else None

    for key, zlabel, plabel in ROWS:
        if key in READS:
            limit = 1.5 if key in ("words", "initials") else 1.0
            check(f"10k {zlabel} / {plabel}", rt(10_000, key), limit, "x")
    check("1k mark / task modify", rt(1_000, "mark"), 1.5, "x")
    for key, zlabel, _ in ROWS:
        if key in READS:
            m = z(100_000, key)
            check(f"100k {zlabel} wall", m.wall * 1000 if m else None, 600, "ms")
            check(f"100k {zlabel} peak RSS", m.rss if m else None, 250, "MB")
    m = z(100_000, "mark")
    check("100k mark wall", m.wall * 1000 if m else None, 200, "ms")
    m = z(100_000, "import")
    check("100k import wall", m.wall * 1000 if m else None, 6000, "ms")
    print("\ntargets (issue 14)")
    print("\n".join(lines))
    return lines


def machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{date.today()}, {os.cpu_count()} CPUs {model}, Python {platform.python_version()}, "
        f"load {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--repeat", type=int, default=5, help="timed runs per command (median)")
    ap.add_argument("--import-repeat", type=int, default=3, help="timed imports per size")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--no-peers", action="store_true", help="zwgk alone")
    ap.add_argument("--task-import", action="store_true", help="load Taskwarrior by `task import`")
    ap.add_argument("--dev", action="store_true", help="time the editable console script")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    if not args.no_peers:
        for tool, pkg in (("task", "taskwarrior"), ("fzf", "fzf")):
            if not shutil.which(tool):
                print(f"{tool} is not installed (apt-get install -y {pkg}): its columns stay empty")
    if not HAVE_TIME:
        print(
            "GNU time is not installed (apt-get install -y time): peak RSS is at least this script's"
        )
    print(f"bench_read: {machine()}")
    with tempfile.TemporaryDirectory(prefix="zwgk-read-install-") as d:
        zwgk = None if args.dev else installed_zwgk(Path(d))
        zwgk = zwgk or zwgk_cmd()
        python = Path(zwgk[0]).with_name("python")
        python_cmd = [str(python) if python.exists() else sys.executable, "-c", "pass"]
        print(f"zwgk: {zwgk[0]}")
        floor = measure(lambda i: run_once(python_cmd, dict(os.environ)), 5)
        print(f"{' '.join(python_cmd)}: {_t(floor.wall)} wall, {floor.rss:.0f} MB  (the floor)")
        results = {}
        for n in sizes:
            t = time.perf_counter()
            with tempfile.TemporaryDirectory(prefix=f"zwgk-read-{n}-") as d:
                results[n] = bench_size(n, args, Path(d), zwgk)
            print(f"  {n:,} tasks measured in {time.perf_counter() - t:.0f} s")
    report(results)
    print(f"\nload average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

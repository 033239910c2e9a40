"""Where an open app's time goes when a colleague changes one task (issue 14), per part.

    python bench/bench_change.py --db DIR [--repeat 5]

DIR holds a database (`zwgk.json`, its log and read snapshot), e.g. one `bench_app.py` or
`bench_read.py` imported; it is copied first and never changed. The app is opened on the copy
in this process (Textual's pilot, 100×30); another process (`zwgk mark`, another user) changes
one task `--repeat` times on the main screen, then as often with the board (F3) open. Each
part of the app that handles the change is timed by a wrapper, in wall and CPU time of the
thread it runs in, and printed as medians per change:

- `roll`: the log's tail applied to the held snapshot (a worker thread, store/tail.py);
- `use_rolled`: the swap on the UI thread (tui/live.py), of which `only` (the snapshot
  narrowed to the plan shown) and `index.rolled` (the search index carried over);
- the subscribers of `LiveData.changed`: the header, the task pane (its view filtered again
  and the list refilled), the detail pane, the main screen's news, the board;
- the collector's pauses (any thread; wall time, averaged per change);
- `app CPU`: the whole process's CPU from starting the colleague until the app is idle with
  the change shown, minus what the idle app burns in as long (so Textual's layout and paint
  are in it, and the parts above are a breakdown of it); printed beside it, what starting
  and waiting for a process that writes nothing costs this app (the harness's share).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import gc
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_read import TODAY, zwgk_cmd  # noqa: E402

TIMES: dict[str, list[tuple[float, float]]] = defaultdict(list)  # part -> [(wall, cpu)]


def timed(owner: Any, attr: str, label: str) -> None:
    """Wrap `owner.attr` (a function or method) to add its wall and thread-CPU time."""
    fn = getattr(owner, attr)
    TIMES[label] = []  # printed in this order

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        w, c = time.perf_counter(), time.thread_time()
        try:
            return fn(*args, **kwargs)
        finally:
            TIMES[label].append((time.perf_counter() - w, time.thread_time() - c))

    setattr(owner, attr, wrapper)


def gc_timer(phase: str, info: dict[str, int]) -> None:
    """The collector's pauses, as a part of their own (in whichever thread collects)."""
    if phase == "start":
        GC_START[:] = [time.perf_counter(), time.thread_time()]
    else:
        label = f"collector pauses (gen {'2' if info['generation'] == 2 else '0-1'})"
        TIMES[label].append((time.perf_counter() - GC_START[0], time.thread_time() - GC_START[1]))


GC_START = [0.0, 0.0]


def instrument() -> None:
    from zwgk.store.search import SearchIndex
    from zwgk.store.snapshot import Snapshot
    from zwgk.tui import live
    from zwgk.tui.screens.board import BoardScreen
    from zwgk.tui.screens.main import MainScreen
    from zwgk.tui.widgets.detail import DetailPane
    from zwgk.tui.widgets.header import StatusHeader
    from zwgk.tui.widgets.taskpane import TaskPane

    timed(live, "roll", "roll (worker thread)")
    timed(live.LiveData, "use_rolled", "use_rolled")
    timed(Snapshot, "only", "  Snapshot.only")
    timed(SearchIndex, "rolled", "  SearchIndex.rolled")
    timed(StatusHeader, "snapshot_changed", "header")
    timed(TaskPane, "snapshot_changed", "task pane")
    timed(TaskPane, "fill", "  list filled")
    timed(DetailPane, "paint", "detail pane (debounced)")
    timed(MainScreen, "snapshot_changed", "main screen (news)")
    timed(BoardScreen, "snapshot_changed", "board")
    TIMES["collector pauses (gen 0-1)"] = []
    TIMES["collector pauses (gen 2)"] = []
    gc.callbacks.append(gc_timer)


async def changes(
    app: Any, pilot: Any, db: Path, target: int, n: int, cost: list[float], profile: int = 0
) -> None:
    """`n` colleague's changes of task `target`, each waited for until the app is idle;
    `profile`: the UI thread's functions over the last change, the `profile` costliest."""
    from zwgk.store.model import parse_status

    await app.workers.wait_for_complete()
    await pilot.pause()
    t, c = time.perf_counter(), time.process_time()
    await asyncio.sleep(2.0)
    idle = (time.process_time() - c) / (time.perf_counter() - t)
    env = dict(os.environ, ZWGK_USER="colleague", ZWGK_TODAY=TODAY)
    # What the harness itself costs (starting a process and waiting for it): a process that
    # writes nothing, timed the same way.
    t0, c0 = time.perf_counter(), time.process_time()
    spawned = await asyncio.create_subprocess_exec(sys.executable, "-c", "pass")
    await spawned.wait()
    await pilot.pause(0.4)
    harness = ((time.process_time() - c0) - idle * (time.perf_counter() - t0)) * 1000
    print(f"idle app: {idle * 1000:.1f} ms of CPU a second; the harness alone: {harness:.1f} ms")
    prof = cProfile.Profile()
    for i in range(n):
        status = ("doing", "blocked", "done", "todo")[i % 4]
        if profile and i == n - 1:
            prof.enable()
        t0, c0 = time.perf_counter(), time.process_time()
        proc = await asyncio.create_subprocess_exec(
            *zwgk_cmd(), "--db", str(db), "mark", str(target), status, env=env,
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        _, err = await proc.communicate()
        if proc.returncode:
            raise SystemExit(err.decode())
        written = time.perf_counter()
        want = parse_status(status)
        while (task := app.live.full.tasks.get(target)) is None or task.status != want:
            # Woken by the swap, not by polling: a loop of 2 ms sleeps burns ~45 ms of CPU a
            # second in this process, which was counted as the app's cost.
            try:
                await asyncio.wait_for(SWAPPED.wait(), 60 - (time.perf_counter() - written))
            except TimeoutError:
                raise SystemExit("the colleague's change never appeared") from None
            SWAPPED.clear()
        await app.workers.wait_for_complete()
        await pilot.pause(0.4)  # the detail pane's debounce
        settled = time.perf_counter()
        cost.append(((time.process_time() - c0) - idle * (settled - t0)) * 1000)
    if profile:
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(profile)


def report(title: str, n: int, cost: list[float]) -> None:
    print(f"\n{title}: median per change of {n} (ms)        wall      cpu  calls")
    for label, rows in TIMES.items():
        if not rows:
            continue
        per = len(rows) / n
        if label.startswith("collector"):  # many short pauses, or one long one now and then
            wall = sum(r[0] for r in rows) * 1000 / n
            cpu = sum(r[1] for r in rows) * 1000 / n
        else:
            wall = statistics.median(r[0] for r in rows) * 1000 * per
            cpu = statistics.median(r[1] for r in rows) * 1000 * per
        print(f"  {label:<36} {wall:>8.1f} {cpu:>8.1f} {per:>6.1f}")
    print(f"  {'app CPU (all of it, idle subtracted)':<36} {'':>8} {statistics.median(cost):>8.1f}")
    for rows in TIMES.values():
        rows.clear()


SWAPPED = asyncio.Event()  # set when the app swaps in a newer snapshot


def announce_swaps() -> None:
    """Set `SWAPPED` after every swap of the app's snapshot (on the UI thread)."""
    from zwgk.tui import live

    for name in ("use_rolled", "use"):
        swap = getattr(live.LiveData, name)

        def swapped(self: Any, *args: Any, _swap: Any = swap) -> None:
            _swap(self, *args)
            SWAPPED.set()

        setattr(live.LiveData, name, swapped)


async def run(db: Path, history: Path, target: int, repeat: int, profile: int) -> None:
    from zwgk.store.context import Context
    from zwgk.tui.app import make_app

    instrument()
    announce_swaps()
    t0 = time.perf_counter()
    app = make_app(Context(db, date.fromisoformat(TODAY), user="bench"), history_path=history)
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        print(f"app open, index warm: {time.perf_counter() - t0:.1f} s")
        target = target or len(app.live.full.tasks) // 2  # record id = number in one plan
        for rows in TIMES.values():
            rows.clear()
        cost: list[float] = []
        await changes(app, pilot, db, target, repeat, cost, profile)
        report("main screen", repeat, cost)
        t = time.perf_counter()
        await pilot.press("f3")
        await pilot.pause()
        print(f"\nboard opened in {time.perf_counter() - t:.2f} s ({type(app.screen).__name__})")
        for rows in TIMES.values():
            rows.clear()
        cost = []
        await changes(app, pilot, db, target, repeat, cost, profile)
        report("board open", repeat, cost)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, required=True, help="folder holding zwgk.json")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--task", type=int, default=0, help="task changed (default: the middle one)")
    ap.add_argument("--profile", type=int, default=0, help="print the N costliest functions")
    args = ap.parse_args()
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"bench_change: {os.cpu_count()} CPUs, load {load}")
    with tempfile.TemporaryDirectory(prefix="zwgk-change-") as tmp:
        folder = Path(tmp) / "db"
        shutil.copytree(args.db, folder)
        db = folder / "zwgk.json"
        for name in ("ZWGK_HISTORY", "ZWGK_CONFIG", "ZWGK_DB"):
            os.environ.pop(name, None)
        asyncio.run(run(db, Path(tmp) / "history.json", args.task, args.repeat, args.profile))
    print(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Reports for upstairs: the plan with its progress as .xlsx, .csv, .md or .json (by suffix).

`export_file` is the one entry point (used by `zwgk export` and the TUI's `/export`). The
spreadsheet keeps the document's own layout — 序号, 工作任务, 具体事项, units, 完成时间 — with
the group cells merged as in the document, and adds the progress columns. Only plain
openpyxl features are used (fills, borders, merges, freeze panes, print setup) so the file
opens cleanly in Excel and WPS.

Where it writes is checked first (`export_target`): never over the database or a file beside
it (log, lock, backups — compared by real path and by inode, so symlinks and hard links count
too), never over an existing file unless forced (`ExportExists`, which the app catches to ask),
and always through a temp file renamed into place, so a full disk leaves no half-written file.
Each format is written straight into that temp file as it is made (`Writer`), never held whole
in memory: at 100,000 tasks an export adds little to the loaded snapshot.
"""

from __future__ import annotations

import contextlib
import csv
import errno
import gc
import io
import os
import re
import sys
import tempfile
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from functools import cached_property
from itertools import chain
from pathlib import Path

from .backup import backup_dir
from .db import Snapshot
from .errors import DatabaseError, InputError
from .files import events_path, lock_path, os_reason, shown
from .filters import TaskFilter
from .lighttyping import overload
from .model import BLOCKED, DOING, DONE, LIGHT_RED, LIGHT_YELLOW, TODO, Event, Task
from .parts import Part
from .present import short_time
from .record import record
from .stats import Stats, Tally

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from typing import IO, Any

SUFFIXES = (".xlsx", ".csv", ".md", ".json")

# Light fills a printer and a colour-blind reader can both live with (Excel's own presets).
RED_FILL = "FFC7CE"  # overdue
YELLOW_FILL = "FFEB9C"  # due within 7 days
GREEN_FILL = "C6EFCE"  # done
HEADER_FILL = "D9E1F2"


class ExportExists(InputError):
    """The target file exists and `force` was not given; `path` is the absolute target."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"文件 {shown(path)} 已存在；如需覆盖，请加 --force。")
        self.path = path


class ExportRefused(InputError):
    """The target is the database or one of the files zwgk keeps beside it."""


def absolute(path: Path | str) -> Path:
    """The target as the person will see it in full: `~` expanded, made absolute (symlinks
    left as typed). InputError for `~nouser/…`."""
    try:
        return Path(os.path.abspath(Path(path).expanduser()))
    except RuntimeError:  # `~nouser`: no such user's home
        raise InputError(f"无法解析路径 {shown(path)}：没有这个用户的主目录。") from None


def _same_file(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def _database_files(db_path: Path) -> list[Path]:
    """The database and what lives beside it, including every backup (hard-linked versions)."""
    files = [db_path, events_path(db_path), lock_path(db_path)]
    with contextlib.suppress(OSError), os.scandir(backup_dir(db_path)) as it:
        files += [Path(e.path) for e in it]
    return files


def protected_reason(target: Path, db_path: Path) -> str | None:
    """Why writing `target` would overwrite part of the database at `db_path`, else None."""
    real = Path(os.path.realpath(target))
    db_real = Path(os.path.realpath(db_path))
    if real == db_real:
        return "是数据库本身"
    if real.parent == db_real.parent and real.name.startswith(db_real.name + "."):
        return "是数据库的修改记录、锁文件或备份"  # zwgk.json.events.jsonl, .lock, .backups…
    if real.is_relative_to(Path(os.path.realpath(backup_dir(db_path)))):
        return "在数据库的备份目录中"
    try:
        st = os.stat(target)
    except OSError:
        return None  # nothing there yet: it cannot be one of ours
    for f in _database_files(db_path):
        with contextlib.suppress(OSError):
            if _same_file(st, os.stat(f)):
                return "与数据库文件是同一个文件（链接）"
    return None


def export_target(path: Path | str, *, db_path: Path | None = None, force: bool = False) -> Path:
    """The absolute path an export may write, or InputError saying why not (nothing written)."""
    target = absolute(path)
    if db_path is not None and (why := protected_reason(target, db_path)):
        raise ExportRefused(f"不能导出到 {shown(target)}：它{why}，请换一个文件名。")
    suffix = target.suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError(
            f"不支持导出为“{suffix or target.name}”，请使用 {'、'.join(SUFFIXES)} 之一作为文件后缀。"
        )
    try:
        if target.is_dir():
            raise InputError(f"导出路径 {shown(target)} 是一个目录，请给出文件名。")
        if not target.parent.is_dir():
            raise InputError(f"导出目录 {shown(target.parent)} 不存在。")
    except OSError as exc:  # a folder on the way we may not enter
        raise _write_error(target, exc) from None
    if not force and os.path.lexists(target):
        raise ExportExists(target)
    return target


def export_file(
    snapshot: Snapshot,
    path: Path | str,
    *,
    today: date,
    flt: TaskFilter | None = None,
    events: Iterable[Event] | None = None,
    db_path: Path | None = None,
    force: bool = False,
) -> int:
    """Write the (filtered) plan to `path`, format by suffix; return the number of task rows.

    `db_path`: the open database, whose files are never written; `force`: replace an existing
    file (else `ExportExists`). A failed write (no permission, disk full) is a DatabaseError
    and leaves no file behind.
    """
    target = export_target(path, db_path=db_path, force=force)
    writers: dict[str, Writer] = {
        ".xlsx": write_xlsx,
        ".csv": write_csv,
        ".md": write_md,
        ".json": write_json,
    }
    write = writers[target.suffix.lower()]
    # Without a filter, the snapshot's own sequence: over the read snapshot (`Service.
    # export_file`) each task is built when a pass comes to it, never all at once.
    tasks = flt.apply(snapshot, today) if flt else by_position(snapshot.task_list())
    report = Report(snapshot, tasks, today, flt, list(events or []))
    with _collector_frozen():
        _atomic_write(target, lambda fh: write(report, fh), replace=force)
    return len(tasks)


@contextlib.contextmanager
def _collector_frozen() -> Iterator[None]:
    """The snapshot's objects (millions at 100,000 tasks) outlive the export: frozen, the
    collections the export's own allocations set off no longer walk them each time (−20 %
    at 100,000 tasks). Left alone when someone else has frozen the collector already."""
    if gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


@record
class Report:
    """What is exported. `tasks` may build each task as it is read (`LazyTasks`' sequence):
    the writers walk it in passes, by index or in order, and keep no more than a sheet's."""

    snap: Snapshot
    tasks: Sequence[Task]
    today: date
    flt: TaskFilter | None
    events: list[Event]

    @cached_property
    def survey(self) -> Survey:
        """What the writers ask of every task, in one pass (the .xlsx counts it in `tally`'s)."""
        survey = Survey()
        for task in self.tasks:
            survey.add(task, self.today)
        return survey

    @property
    def with_support(self) -> bool:
        """A 配合单位 column, when any task has one: asked once per row, computed once."""
        return self.survey.with_support

    @cached_property
    def several_plans(self) -> bool:
        """`Snapshot.several_plans` (a count over the plans), asked once per row."""
        return self.snap.several_plans

    def columns(self) -> list[str]:
        # Several active plans in one ledger: each row says which plan it is from.
        cols = ["方案"] if self.several_plans else []
        cols += ["序号", "工作任务", "具体事项", "主体责任单位"]
        if self.with_support:
            cols.append("配合单位")
        cols += ["指导责任单位", "完成时间", "状态", "最新进展", "更新时间", "更新人", "办结确认"]
        return cols

    def title(self) -> str:
        return ledger_title(self.snap.title, self.today)


@record
class Survey:
    """Counts over all the report's tasks, made in one pass: over the read snapshot each pass
    builds every task again (a 100,000-task pass costs about a second)."""

    with_support: bool = False  # any task has 配合单位
    sections: int = 0  # the ledger's `一、…` rows: one each time the section changes
    done: int = 0
    confirmed: int = 0
    overdue: int = 0
    _section: str = ""

    def add(self, task: Task, today: date) -> None:
        if task.support_units:
            self.with_support = True
        if task.section and task.section != self._section:
            self._section = task.section
            self.sections += 1
        if task.status == DONE:
            self.done += 1
            self.confirmed += bool(task.confirmed_by)
        self.overdue += task.overdue(today)


def ledger_title(plan_title: str, today: date) -> str:
    """`基层…工作任务分工及进度安排表` -> `基层…工作任务进度台账（截至 2020年12月15日）`."""
    base = re.sub(r"\s+", "", plan_title or "")
    for tail in (
        "任务分工及进度安排表",
        "任务分解责任清单",
        "任务分解表",
        "任务分解",
        "责任清单",
        "任务清单",
        "任务分工及进度安排",
        "任务分工方案",
        "任务分工表",
        "任务分工",
        "进度安排表",
        "实施方案",
        "工作方案",
        "安排表",
        "方案",
    ):
        if base.endswith(tail):
            base = base[: -len(tail)]
            break
    if not base.endswith("任务"):
        base += "任务"
    return f"{base}进度台账（截至 {today.year}年{today.month}月{today.day}日）"


def status_label(task: Task, today: date) -> str:
    """已完成（已确认）/已完成（待确认）; an overdue open task says so."""
    if task.status == DONE:
        return f"{DONE}（已确认）" if task.confirmed_by else f"{DONE}（待确认）"
    if task.overdue(today):
        return f"{task.status}（逾期）"
    return task.status


def row_fill(task: Task, today: date) -> str | None:
    """Done rows green; otherwise the task's light (the ledger shows red and yellow only)."""
    if task.status == DONE:
        return GREEN_FILL
    return {LIGHT_RED: RED_FILL, LIGHT_YELLOW: YELLOW_FILL}.get(task.light(today) or "")


def confirmation(task: Task) -> str:
    if not task.confirmed_by:
        return ""
    return f"{task.confirmed_by} {short_time(task.confirmed_at)}".strip()


def item_text(task: Task) -> str:
    num = task.num if task.num is not None else task.id
    return f"({num}){task.text}"


def cells(task: Task, report: Report, unit_sep: str) -> list[Any]:
    row: list[Any] = [report.snap.plan_code(task)] if report.several_plans else []
    row += [
        task.group if task.group is not None else "",
        task.group_title,
        item_text(task),
        unit_sep.join(task.lead_units),
    ]
    if report.with_support:
        row.append(unit_sep.join(task.support_units))
    row += [
        unit_sep.join(task.guide_units),
        task.deadline_text,
        status_label(task, report.today),
        task.note,
        short_time(task.updated_at),
        task.updated_by or "",
        confirmation(task),
    ]
    return row


def filter_note(flt: TaskFilter | None) -> str:
    """`筛选条件：单位：编办（牵头）；仅逾期`, as the person asked (`TaskFilter.notes`)."""
    return "筛选条件：" + "；".join(flt.notes) if flt and flt.notes else ""


def summary_line(report: Report) -> str:
    tasks, survey = report.tasks, report.survey
    done, confirmed, overdue = survey.done, survey.confirmed, survey.overdue
    rate = f"{done * 100 / len(tasks):.1f}%" if tasks else "0%"
    return (
        f"共 {len(tasks)} 项：已完成 {done} 项（已确认 {confirmed} 项），"
        f"逾期 {overdue} 项，完成率 {rate}"
    )


# -- xlsx ----------------------------------------------------------------------------------
WIDTHS = {
    "序号": 6,
    "工作任务": 16,
    "具体事项": 42,
    "主体责任单位": 14,
    "配合单位": 14,
    "指导责任单位": 14,
    "完成时间": 13,
    "状态": 15,
    "最新进展": 30,
    "更新时间": 17,
    "更新人": 10,
    "办结确认": 18,
}
TITLE_ROW, NOTE_ROW, HEADER_ROW = 1, 2, 3
FIRST_DATA_ROW = 4


def write_xlsx(report: Report, fh: IO[bytes]) -> None:
    """The workbook: the ledger, 单位统计 and the unit × task matrix.

    openpyxl builds and saves it, the ledger's and the matrix's cells aside: those are
    written as XML rows (store/xlsxrows.py) and spliced into the saved file as it is written
    to `fh`, so an export costs a few µs a cell and little memory at 100,000 tasks, and is
    the same workbook."""
    from openpyxl import Workbook
    from openpyxl.styles import Border, Side
    from openpyxl.utils import get_column_letter

    from .xlsxrows import Looks, splice

    stats, units = tally(report)  # first: its pass also counts the report's `survey`
    wb = Workbook()
    ws = wb.active
    ws.title = "任务进度台账"
    looks = Looks(wb)
    cols = report.columns()
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    for c, name in enumerate(cols, start=1):
        ws.column_dimensions[get_column_letter(c)].width = WIDTHS.get(name, 14)
    ledger = _ledger_rows(report, cols, looks, border)

    ws.freeze_panes = f"A{FIRST_DATA_ROW}"
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    _stats_sheet(wb, report, border, stats)
    matrix = _matrix_sheets(wb, report, looks, units)
    wb.properties.title = report.title()
    wb.properties.creator = "zwgk"

    buf = io.BytesIO()
    _save_quietly(wb, buf)
    # Each sheet's part is known once saved (`path` numbers the sheets as written).
    rows = {ws.path[1:]: ledger, **{sheet.path[1:]: r for sheet, r in matrix}}
    splice(buf.getvalue(), rows, fh)


def tally(report: Report) -> tuple[Stats, list[UnitRow]]:
    """单位统计's numbers and the matrix's rows, in one pass over the tasks: each task's parts
    (not cached by the snapshot, and most of the cost) are worked out once for both."""
    counts = Tally(report.today, report.snap, by_group=False)  # the sheet shows units only
    matrix = MatrixRows(report.today)
    parts_of = report.snap.parts
    survey = None if "survey" in report.__dict__ else Survey()  # counted on the way
    today = report.today
    for i, task in enumerate(report.tasks):
        parts = parts_of(task)
        counts.add(task, parts)
        matrix.add(i, task, parts)
        if survey is not None:
            survey.add(task, today)
    if survey is not None:
        report.survey = survey
    return counts.stats(report.snap.title), matrix.rows()


def _ledger_rows(report: Report, cols: list[str], looks: Any, border: Any) -> Any:
    """The ledger's cells: title, filter note, header, then per task a row (a `一、…` row
    before each new section), the group cells merged down each group's run, a summary."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from .xlsxrows import Merged, SheetRows, cell, row, text_cell

    tasks, today = report.tasks, report.today
    ncol = len(cols)
    letters = [get_column_letter(c) for c in range(1, ncol + 1)]
    last = letters[-1]
    body_font = Font(name="宋体", size=10)
    wrap_center = Alignment(wrap_text=True, vertical="center", horizontal="center")
    wrap_left = Alignment(wrap_text=True, vertical="center", horizontal="left")
    centred = {"序号", "完成时间", "状态", "更新时间", "更新人"}

    title = looks.merged(
        True,
        {
            "font": Font(name="黑体", size=16, bold=True),
            "alignment": Alignment(horizontal="center", vertical="center"),
        },
    )
    note_look = looks.merged(
        True,
        {
            "font": Font(name="宋体", size=9),
            "alignment": Alignment(horizontal="left", vertical="center"),
        },
    )
    header = looks.add(
        font=Font(name="黑体", size=11, bold=True),
        fill=PatternFill("solid", fgColor=HEADER_FILL),
        alignment=wrap_center,
        border=border,
    )
    section_look = looks.merged(
        True,
        {"font": Font(name="黑体", size=11, bold=True), "alignment": wrap_left, "border": border},
        {"border": border},
    )
    summary_look = looks.merged(True, {"font": Font(name="宋体", size=10, bold=True)})
    # A body cell's look by column (its alignment) and the row's fill (none in the two
    # columns merged down a group); a group's merged cells keep the first look.
    body: dict[tuple[bool, str | None], int] = {}
    for centre in (True, False):
        for hex_ in (None, RED_FILL, YELLOW_FILL, GREEN_FILL):
            kw = {"font": body_font, "border": border}
            kw["alignment"] = wrap_center if centre else wrap_left
            if hex_ is not None:
                kw["fill"] = PatternFill("solid", fgColor=hex_)
            body[centre, hex_] = looks.add(**kw)
    group = looks.merged(
        False,
        {"font": body_font, "border": border, "alignment": wrap_center},
        {"font": body_font, "border": border, "alignment": wrap_center},
    )
    centre_col = [name in centred or c <= 2 for c, name in enumerate(cols, start=1)]
    merges: list[str] = []

    def across(r: int, value: str, look: Merged) -> list[str]:
        """A row merged across the table: the value in A, the rest covered."""
        merges.append(f"A{r}:{last}{r}")
        out = [text_cell(f"A{r}", look.first, value)]
        out += [cell(f"{letter}{r}", look.inner, None) for letter in letters[1:-1]]
        out.append(cell(f"{last}{r}", look.last, None))
        return out

    def rows() -> Iterator[str]:
        yield row(TITLE_ROW, across(TITLE_ROW, report.title(), title), height=30)
        legend = "说明：红色为逾期，黄色为 7 天内到期，绿色为已完成。"
        note = "　".join(p for p in (filter_note(report.flt), legend) if p)
        yield row(NOTE_ROW, across(NOTE_ROW, note, note_look))
        heads = [text_cell(f"{letters[c]}{HEADER_ROW}", header, n) for c, n in enumerate(cols)]
        yield row(HEADER_ROW, heads, height=22)

        r = FIRST_DATA_ROW
        section = ""
        run_start = 0  # first row of the current group's run
        run_key: tuple[Any, ...] | None = None
        for i, task in enumerate(tasks):
            if task.section and task.section != section:
                section = task.section
                if run_start and r - 1 > run_start:
                    merges.extend(_group_merges(run_start, r - 1))
                run_start, run_key = 0, None
                yield row(r, across(r, section, section_look))
                r += 1
            key = (task.plan, task.group, task.group_title)
            inside = key == run_key  # a later row of the group: its two cells are merged away
            if not inside:
                if run_start and r - 1 > run_start:
                    merges.extend(_group_merges(run_start, r - 1))
                run_start, run_key = r, key
            following = tasks[i + 1] if i + 1 < len(tasks) else None
            goes_on = (
                following is not None
                and not (following.section and following.section != section)
                and (following.plan, following.group, following.group_title) == key
            )
            values = cells(task, report, "\n")
            fill = row_fill(task, today)
            out = []
            for c, value in enumerate(values):
                ref = f"{letters[c]}{r}"
                if c < 2 and (inside or goes_on):
                    look = group.first if not inside else group.inner if goes_on else group.last
                    if inside:
                        value = None
                else:
                    look = body[centre_col[c], fill if c >= 2 else None]
                if isinstance(value, str) and value:
                    out.append(text_cell(ref, look, value))
                else:
                    out.append(cell(ref, look, value))
            yield row(r, out)
            r += 1
        if run_start and r - 1 > run_start:
            merges.extend(_group_merges(run_start, r - 1))
        yield row(r, across(r, summary_line(report), summary_look))

    last_row = FIRST_DATA_ROW + report.survey.sections + len(tasks)  # the summary's
    return SheetRows(f"A1:{last}{last_row}", rows, merges)


def _group_merges(start: int, end: int) -> list[str]:
    """序号 and 工作任务 (方案 and 序号 with several plans) merged down a group's run."""
    return [f"A{start}:A{end}", f"B{start}:B{end}"]


def _save_quietly(wb: Any, buf: io.BytesIO) -> None:
    """`wb.save`, a failed write turned into OSError and nothing printed.

    openpyxl spools each sheet through a temp file; lxml reports a failed write there
    (`IO_ENOSPC`, `IO_EFBIG`) as its own SerialisationError, and the half-run generator
    that wrote it complains again on stderr when collected — so collect it here, muted.
    """
    failed: str | None = None
    hook = sys.unraisablehook
    sys.unraisablehook = lambda _: None
    try:
        try:
            wb.save(buf)
        except Exception as exc:
            if not str(exc).startswith("IO_"):
                raise
            failed = str(exc)
            gc.collect()  # the failed writer's frames are gone now: finalise it while muted
    finally:
        sys.unraisablehook = hook
    if failed is not None:
        code = getattr(errno, failed[3:], errno.EIO)
        raise OSError(code, os.strerror(code))


STATS_HEADER = (
    "单位",
    "任务数",
    "已完成",
    "其中已确认",
    "进行中",
    "受阻",
    "未开始",
    "逾期",
    "完成率",
)


def _stats_sheet(wb: Any, report: Report, border: Any, st: Stats) -> None:
    """A second sheet 单位统计: each unit as lead and as guide, most overdue first."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    ws = wb.create_sheet("单位统计")
    ncol = len(STATS_HEADER)
    title = report.title().replace("任务进度台账", "单位完成情况统计")
    ws.cell(1, 1, title).font = Font(name="黑体", size=14, bold=True)
    ws.cell(1, 1).alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncol)
    ws.row_dimensions[1].height = 26
    row = 2
    for role, label in (
        ("lead", "主体责任单位"),
        ("support", "配合单位"),
        ("guide", "指导责任单位"),
    ):
        units = st.ranked(role)
        if not units:
            continue
        row += 1
        ws.cell(row, 1, f"作为{label}").font = Font(name="黑体", size=11, bold=True)
        row += 1
        for col, name in enumerate(STATS_HEADER, start=1):
            cell = ws.cell(row, col, name)
            cell.font = Font(name="黑体", size=10, bold=True)
            cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
            cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
            cell.border = border
        for unit in units:
            row += 1
            c = unit.roles[role]
            values = (unit.name, c.total, c.done, c.confirmed, c.doing, c.blocked, c.todo)
            for col, value in enumerate((*values, c.overdue, c.rate), start=1):
                cell = ws.cell(row, col, value)
                cell.font = Font(name="宋体", size=10)
                cell.border = border
                if col > 1:
                    cell.alignment = Alignment(horizontal="center")
            ws.cell(row, ncol).number_format = "0.0%"
            if c.overdue:
                ws.cell(row, ncol - 1).fill = PatternFill("solid", fgColor=RED_FILL)
        row += 1
    for col in range(1, ncol + 1):
        ws.column_dimensions[get_column_letter(col)].width = 22 if col == 1 else 10
    ws.page_setup.orientation = "portrait"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


# -- the unit × task matrix ------------------------------------------------------------------
MATRIX_SHEET = "各单位进度"
MATRIX_FIXED = ("单位", "任务数", "已完成", "逾期")
PART_WORDS = {DONE: "完成", DOING: "进行", BLOCKED: "受阻", TODO: "未开始"}
# Excel's "Bad" / "Neutral" / "Good" pairs: a dark font on the ledger's light fill.
FONT_ON_FILL = {RED_FILL: "9C0006", YELLOW_FILL: "9C5700", GREEN_FILL: "006100"}
EXCEL_COLUMNS = 16384  # a sheet's last column (XFD): more tasks continue on another sheet
MATRIX_HEAD = 3  # header rows: the task number, its deadline, its text
MATRIX_FIRST_ROW = 2 + MATRIX_HEAD + 1


@record
class UnitRow:
    """One unit's row of the matrix: its parts, by the task's index in the report (ascending,
    in `tasks`) and the part's (status, fill) as an index into the shared `kinds` — two
    arrays of machine ints, not a tuple a part (40 MB at 100,000 tasks, now 4)."""

    name: str
    kinds: list[tuple[str, str | None]]
    tasks: array[int]
    looks: array[int]
    done: int = 0
    overdue: int = 0

    @property
    def total(self) -> int:
        return len(self.tasks)

    def cells(self, start: int, end: int) -> Iterator[tuple[int, str, str | None]]:
        """(task's index, status, fill) of the parts in tasks start..end-1."""
        from bisect import bisect_left

        tasks, looks, kinds = self.tasks, self.looks, self.kinds
        for k in range(bisect_left(tasks, start), bisect_left(tasks, end)):
            status, fill = kinds[looks[k]]
            yield tasks[k], status, fill

    @property
    def rate(self) -> float:
        return self.done / self.total if self.total else 0.0


def part_fill(status: str, due: date | None, today: date) -> str | None:
    """A part's colour, by the ledger's rule: done green, overdue red, due within 7 days yellow."""
    if status == DONE:
        return GREEN_FILL
    if due is None:
        return None
    days = (due - today).days
    return RED_FILL if days < 0 else YELLOW_FILL if days <= 7 else None


class MatrixRows:
    """The matrix's rows, built a task at a time (`tally`): every unit with a part (lead or
    support) in the report's tasks."""

    def __init__(self, today: date) -> None:
        self.today = today
        self.units: dict[str, UnitRow] = {}
        self.kinds: list[tuple[str, str | None]] = []
        self._kind: dict[tuple[str, str | None], int] = {}

    def add(self, i: int, task: Task, parts: list[Part]) -> None:
        """The parts of `task`, the report's `i`-th (tasks come in order)."""
        for part in parts:
            row = self.units.get(part.unit)
            if row is None:
                row = self.units[part.unit] = UnitRow(part.unit, self.kinds, array("I"), array("I"))
            fill = part_fill(part.status, task.due, self.today)
            kind = self._kind.get((part.status, fill))
            if kind is None:
                kind = self._kind[part.status, fill] = len(self.kinds)
                self.kinds.append((part.status, fill))
            row.tasks.append(i)
            row.looks.append(kind)
            row.done += part.status == DONE
            row.overdue += fill == RED_FILL

    def rows(self) -> list[UnitRow]:
        """Most overdue first, then the board's order (lower completion rate, more tasks,
        name)."""
        return sorted(self.units.values(), key=lambda r: (-r.overdue, r.rate, -r.total, r.name))


def matrix_note(report: Report) -> str:
    how = (
        "统称（如“各街道”）分解到单位名录中的各单位"
        if report.snap.directory
        else "未导入单位名录，按表中所写的单位名称列出（统称不分解）"
    )
    legend = (
        "说明：每格为该单位承担部分的状态（完成、进行、受阻、未开始），空白表示该单位不承担此项；"
        "绿色为已完成，红底粗体为逾期，黄色为 7 天内到期；只列牵头、配合单位，指导单位不列入"
        f"（见“单位统计”）；{how}；按逾期项数排序。"
    )
    return "　".join(p for p in (filter_note(report.flt), legend) if p)


def _matrix_sheets(
    wb: Any, report: Report, looks: Any, rows: list[UnitRow]
) -> list[tuple[Any, Any]]:
    """The 单位 × 任务 sheet: a row per unit, a column per task, each cell the unit's part;
    (sheet, its rows) for `splice`.

    Linear in the parts: only cells where a unit has a part are written, the task columns
    share one width record, and nothing is merged. Past Excel's last column the tasks go on
    in another sheet (各单位进度2 …) with the same rows."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from .xlsxrows import SheetRows

    tasks = report.tasks
    nfixed = len(MATRIX_FIXED)
    per_sheet = EXCEL_COLUMNS - nfixed
    head_font = Font(name="黑体", size=10, bold=True)
    head_fill = PatternFill("solid", fgColor=HEADER_FILL)
    small = Font(name="宋体", size=8)
    body = Font(name="宋体", size=9)
    centre = Alignment(horizontal="center", vertical="center")
    fills = {h: PatternFill("solid", fgColor=h) for h in FONT_ON_FILL}
    fonts = {
        h: Font(name="宋体", size=9, color=c, bold=h == RED_FILL) for h, c in FONT_ON_FILL.items()
    }
    look = MatrixLooks(
        heading=looks.add(font=Font(name="黑体", size=14, bold=True)),
        note=looks.add(font=Font(name="宋体", size=9)),
        corner=looks.add(font=head_font, fill=head_fill),
        label=looks.add(font=head_font),
        head=looks.add(font=head_font, fill=head_fill, alignment=centre),
        due=looks.add(
            font=small,
            alignment=Alignment(wrap_text=True, horizontal="center", vertical="center"),
        ),
        text=looks.add(
            font=small, alignment=Alignment(wrap_text=True, vertical="top", horizontal="left")
        ),
        name=looks.add(font=body),
        count=looks.add(font=body, alignment=centre),
        overdue=looks.add(font=fonts[RED_FILL], alignment=centre, fill=fills[RED_FILL]),
        part={
            None: looks.add(alignment=centre, font=body),
            **{h: looks.add(alignment=centre, font=fonts[h], fill=fills[h]) for h in fills},
        },
    )
    title = report.title().replace("任务进度台账", "各单位任务进度")
    note = matrix_note(report)
    starts = range(0, max(len(tasks), 1), per_sheet)
    out = []
    for n, start in enumerate(starts, 1):
        chunk = Rows(tasks.__getitem__, range(start, min(start + per_sheet, len(tasks))))
        ws = wb.create_sheet(MATRIX_SHEET if n == 1 else f"{MATRIX_SHEET}{n}")
        heading = title if len(starts) == 1 else f"{title}（第 {n}/{len(starts)} 页）"
        ws.column_dimensions["A"].width = 16
        for c in range(2, nfixed + 1):
            ws.column_dimensions[get_column_letter(c)].width = 7
        if chunk:  # one width record for every task column, however many
            dim = ws.column_dimensions[get_column_letter(nfixed + 1)]
            dim.min, dim.max, dim.width = nfixed + 1, nfixed + len(chunk), 7
        ws.freeze_panes = f"{get_column_letter(nfixed + 1)}{MATRIX_FIRST_ROW}"
        ws.print_title_rows = f"3:{MATRIX_FIRST_ROW - 1}"
        ws.print_title_cols = f"A:{get_column_letter(nfixed)}"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        # The used range as openpyxl would state it: the frozen corner's cell counts too.
        last_col = get_column_letter(nfixed + max(len(chunk), 1))
        last_row = MATRIX_FIRST_ROW + max(len(rows), 1) - 1
        made = _matrix_rows(report, rows, chunk, start, heading, note, look)
        out.append((ws, SheetRows(f"A1:{last_col}{last_row}", made)))
    return out


@record(frozen=True)
class MatrixLooks:
    """The matrix's cell looks (style indices), registered once for every sheet."""

    heading: int
    note: int
    corner: int
    label: int
    head: int
    due: int
    text: int
    name: int
    count: int
    overdue: int
    part: dict[str | None, int]


def _matrix_rows(
    report: Report,
    rows: list[UnitRow],
    chunk: Sequence[Task],
    start: int,
    heading: str,
    note: str,
    look: MatrixLooks,
) -> Callable[[], Iterator[str]]:
    """One matrix sheet's rows, made when the file is written."""
    from .xlsxrows import letters, number_cell, row, text_cell

    nfixed = len(MATRIX_FIXED)

    def made() -> Iterator[str]:
        letter = letters(nfixed + len(chunk))
        # Each row's cells are generated into its text, never kept: a row holds a cell per
        # task (16,380 on a full sheet) and this generator lives as long as the sheet.
        yield row(1, [text_cell("A1", look.heading, heading)], height=24)
        yield row(2, [text_cell("A2", look.note, note)])
        first = nfixed + 1
        yield row(
            3,
            chain(
                [text_cell("A3", look.corner, "单位＼任务")],
                (
                    text_cell(f"{letter[c]}3", look.head, name)
                    for c, name in enumerate(MATRIX_FIXED[1:], start=2)
                ),
                (
                    text_cell(f"{letter[c]}3", look.head, f"#{report.snap.label(task)}")
                    for c, task in enumerate(chunk, start=first)
                ),
            ),
        )
        yield row(
            4,
            chain(
                [text_cell("A4", look.label, "完成时间")],
                (
                    text_cell(f"{letter[c]}4", look.due, _when(task))
                    for c, task in enumerate(chunk, start=first)
                ),
            ),
            height=24,
        )
        yield row(
            5,
            chain(
                [text_cell("A5", look.label, "具体事项")],
                (
                    text_cell(f"{letter[c]}5", look.text, task.text)
                    for c, task in enumerate(chunk, start=first)
                ),
            ),
            height=110,  # about a dozen lines of the task text
        )
        end = start + len(chunk)
        for r, unit in enumerate(rows, start=MATRIX_FIRST_ROW):
            overdue = look.overdue if unit.overdue else look.count
            yield row(
                r,
                chain(
                    [
                        text_cell(f"A{r}", look.name, unit.name),
                        number_cell(f"{letter[2]}{r}", look.count, unit.total),
                        number_cell(f"{letter[3]}{r}", look.count, unit.done),
                        number_cell(f"{letter[nfixed]}{r}", overdue, unit.overdue),
                    ],
                    (
                        text_cell(
                            f"{letter[first + i - start]}{r}",
                            look.part[fill],
                            PART_WORDS.get(status, status),
                        )
                        for i, status, fill in unit.cells(start, end)
                    ),
                ),
            )

    return made


def by_position(tasks: Sequence[Task]) -> Sequence[Task]:
    """A plan's tasks over the read snapshot (`LazyTasks`' sequence) read straight by row
    position: every pass asks for each task by index, and finding its row by id (a bisection)
    for each was a third of the export's time. Any other sequence is returned as it is."""
    from .lazytasks import TaskSeq

    if isinstance(tasks, TaskSeq) and not tasks.tasks.changed:
        return Rows(tasks.tasks.cache.task, tasks.positions)
    return tasks


class Rows(Sequence[Task]):
    """`read(k)` for each `k` of `keys`, built when used: the tasks at row positions of a read
    snapshot (`ReadCache.task` keeps the latest `TASKS_KEPT`), or a matrix sheet's window of
    the tasks, walked three times as the sheet is written (a list would hold every sheet's
    tasks till the end)."""

    def __init__(self, read: Callable[[int], Task], keys: Sequence[int]) -> None:
        self.read = read
        self.keys = keys

    def __len__(self) -> int:
        return len(self.keys)

    @overload
    def __getitem__(self, i: int) -> Task: ...

    @overload
    def __getitem__(self, i: slice) -> Sequence[Task]: ...

    def __getitem__(self, i: int | slice) -> Task | Sequence[Task]:
        if isinstance(i, slice):
            return Rows(self.read, self.keys[i])
        return self.read(self.keys[i])

    def __iter__(self) -> Iterator[Task]:
        return map(self.read, self.keys)


def _when(task: Task) -> str:
    """A matrix column's date in two short lines (2020 / 12-31); undated: the document's
    words."""
    return f"{task.due.year}\n{task.due:%m-%d}" if task.due else task.deadline_text[:8]


# -- csv -----------------------------------------------------------------------------------
def defuse(value: Any) -> Any:
    """A text cell Excel would run as a formula (`=…`, `+…`, `-…`, `@…`) gets a leading `'`."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def write_csv(report: Report, fh: IO[bytes]) -> None:
    with _utf8(fh) as out:
        # UTF-8 with BOM: what Chinese Excel needs to open a CSV without mojibake.
        out.write("\ufeff")
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(report.columns())
        for task in report.tasks:
            writer.writerow([defuse(v) for v in cells(task, report, "、")])


# -- markdown ------------------------------------------------------------------------------
MD_COLUMNS = ("序号", "工作任务", "具体事项", "主体责任单位", "配合单位", "指导责任单位")
MD_TAIL = ("完成时间", "状态", "最新进展")


def md_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    text = text.replace("\\", "\\\\").replace("|", "\\|")
    return re.sub(r"\s*\n\s*", "<br>", text.strip())


def write_md(report: Report, fh: IO[bytes]) -> None:
    with _utf8(fh) as out:
        for line in md_lines(report):
            out.write(line)
            out.write("\n")
        out.write(md_cell(summary_line(report)))
        out.write("\n")


def md_lines(report: Report) -> Iterator[str]:
    """The table's lines (the title, the filter, a row per task), the summary aside."""
    cols = [c for c in MD_COLUMNS if c != "配合单位" or report.with_support] + list(MD_TAIL)
    all_cols = report.columns()
    if "方案" in all_cols:  # several plans: each row says which
        cols.insert(0, "方案")
    yield f"## {md_cell(report.title())}"
    yield ""
    note = filter_note(report.flt)
    if note:
        yield md_cell(note)
        yield ""
    yield "| " + " | ".join(cols) + " |"
    yield "|" + "|".join(":---:" if c == "序号" else "---" for c in cols) + "|"
    last_group: tuple[Any, ...] | None = None
    section = ""
    for task in report.tasks:
        if task.section and task.section != section:  # `一、…` heading rows of the table
            section = task.section
            yield f"| **{md_cell(section)}** |" + " |" * (len(cols) - 1)
            last_group = None
        values = dict(zip(all_cols, cells(task, report, "、"), strict=True))
        key = (task.plan, task.group, task.group_title)
        if key == last_group:  # the document's merged group cells: shown once
            values["序号"] = values["工作任务"] = ""
            if "方案" in values:
                values["方案"] = ""
        last_group = key
        yield "| " + " | ".join(md_cell(values[c]) for c in cols) + " |"
    yield ""


# -- json ----------------------------------------------------------------------------------
def write_json(report: Report, fh: IO[bytes]) -> None:
    from . import exchange

    with _utf8(fh) as out:
        exchange.write(out, report.snap, report.tasks, report.events, report.today)


# -- writing -------------------------------------------------------------------------------
Writer = Callable[[Report, "IO[bytes]"], None]  # (IO: a name for mypy only)
BUFFER = 1 << 20  # bytes gathered before each write to the temp file


@contextlib.contextmanager
def _utf8(fh: IO[bytes]) -> Iterator[IO[str]]:
    """UTF-8 text onto the temp file, line ends as written; `fh` is left open (detached, not
    closed) for `_atomic_write` to fsync."""
    out = io.TextIOWrapper(fh, encoding="utf-8", newline="")
    try:
        yield out
    except BaseException:
        with contextlib.suppress(Exception):  # the first failure is the one to report
            out.detach()
        raise
    out.detach()  # flushes what the wrapper holds


def _write_error(path: Path, exc: OSError) -> DatabaseError:
    return DatabaseError(f"无法导出到 {shown(path)}（{os_reason(exc)}），没有留下任何文件。")


def _atomic_write(path: Path, write: Callable[[IO[bytes]], None], *, replace: bool) -> None:
    """`write` a temp file beside `path`, fsync, then move it into place: a failure at any
    point (a full disk half way, or the temp files openpyxl spools sheets through) leaves the
    old file (or none) and no partial one. Without `replace`, the move refuses a file that
    appeared meanwhile (a hard link cannot clobber)."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise _write_error(path, exc) from None
    try:
        with os.fdopen(fd, "wb", buffering=BUFFER) as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        if replace:
            os.replace(tmp, path)
        else:
            _move_no_clobber(tmp, path)
    except FileExistsError:
        raise ExportExists(path) from None
    except OSError as exc:
        raise _write_error(path, exc) from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _move_no_clobber(tmp: str, path: Path) -> None:
    try:
        os.link(tmp, path)  # atomic, and fails if `path` exists
    except FileExistsError:
        raise
    except OSError:  # no hard links here (FAT, some network shares): check, then rename
        if os.path.lexists(path):
            raise FileExistsError(path) from None
        os.replace(tmp, path)

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
from collections.abc import Callable, Iterable
from copy import copy
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from .backup import backup_dir
from .db import Snapshot
from .errors import DatabaseError, InputError
from .files import events_path, lock_path, os_reason, shown
from .filters import TaskFilter
from .model import BLOCKED, DOING, DONE, LIGHT_RED, LIGHT_YELLOW, TODO, Event, Task
from .present import short_time

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
    writers: dict[str, Callable[[Report], bytes]] = {
        ".xlsx": xlsx_bytes,
        ".csv": csv_bytes,
        ".md": md_bytes,
        ".json": json_bytes,
    }
    tasks = flt.apply(snapshot, today) if flt else snapshot.task_list()
    report = Report(snapshot, tasks, today, flt, list(events or []))
    try:
        payload = writers[target.suffix.lower()](report)
    except OSError as exc:  # the temp files openpyxl spools sheets through: disk full
        raise _write_error(target, exc) from None
    _atomic_write(target, payload, replace=force)
    return len(tasks)


@dataclass
class Report:
    snap: Snapshot
    tasks: list[Task]
    today: date
    flt: TaskFilter | None
    events: list[Event]

    @property
    def with_support(self) -> bool:
        return any(t.support_units for t in self.tasks)

    def columns(self) -> list[str]:
        # Several active plans in one ledger: each row says which plan it is from.
        cols = ["方案"] if self.snap.several_plans else []
        cols += ["序号", "工作任务", "具体事项", "主体责任单位"]
        if self.with_support:
            cols.append("配合单位")
        cols += ["指导责任单位", "完成时间", "状态", "最新进展", "更新时间", "更新人", "办结确认"]
        return cols

    def title(self) -> str:
        return ledger_title(self.snap.title, self.today)


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
    row: list[Any] = [report.snap.plan_code(task)] if report.snap.several_plans else []
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
    tasks, today = report.tasks, report.today
    done = sum(t.status == DONE for t in tasks)
    confirmed = sum(t.status == DONE and bool(t.confirmed_by) for t in tasks)
    overdue = sum(t.overdue(today) for t in tasks)
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


def xlsx_bytes(report: Report) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "任务进度台账"
    cols = report.columns()
    ncol = len(cols)
    last = get_column_letter(ncol)
    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    body_font = Font(name="宋体", size=10)
    wrap_center = Alignment(wrap_text=True, vertical="center", horizontal="center")
    wrap_left = Alignment(wrap_text=True, vertical="center", horizontal="left")
    centred = {"序号", "完成时间", "状态", "更新时间", "更新人"}

    ws.cell(TITLE_ROW, 1, report.title()).font = Font(name="黑体", size=16, bold=True)
    ws.cell(TITLE_ROW, 1).alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells(f"A{TITLE_ROW}:{last}{TITLE_ROW}")
    ws.row_dimensions[TITLE_ROW].height = 30
    legend = "说明：红色为逾期，黄色为 7 天内到期，绿色为已完成。"
    note = "　".join(p for p in (filter_note(report.flt), legend) if p)
    ws.cell(NOTE_ROW, 1, note).font = Font(name="宋体", size=9)
    ws.cell(NOTE_ROW, 1).alignment = Alignment(horizontal="left", vertical="center")
    ws.merge_cells(f"A{NOTE_ROW}:{last}{NOTE_ROW}")

    for c, name in enumerate(cols, start=1):
        cell = ws.cell(HEADER_ROW, c, name)
        cell.font = Font(name="黑体", size=11, bold=True)
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
        cell.alignment = wrap_center
        cell.border = border
        ws.column_dimensions[get_column_letter(c)].width = WIDTHS.get(name, 14)
    ws.row_dimensions[HEADER_ROW].height = 22

    row = FIRST_DATA_ROW
    section = ""
    run_start: int | None = None  # first row of the current group's run
    run_key: tuple[Any, ...] | None = None
    merges: list[tuple[int, int]] = []
    for task in report.tasks:
        if task.section and task.section != section:
            section = task.section
            if run_start is not None and row - 1 > run_start:
                merges.append((run_start, row - 1))
            run_start, run_key = None, None
            cell = ws.cell(row, 1, section)
            cell.font = Font(name="黑体", size=11, bold=True)
            cell.alignment = wrap_left
            for c in range(1, ncol + 1):
                ws.cell(row, c).border = border
            ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncol)
            row += 1
        key = (task.plan, task.group, task.group_title)
        values = cells(task, report, "\n")
        if key == run_key:
            values[0] = values[1] = None  # covered by the merge above
        else:
            if run_start is not None and row - 1 > run_start:
                merges.append((run_start, row - 1))
            run_start, run_key = row, key
        fill_hex = row_fill(task, report.today)
        fill = PatternFill("solid", fgColor=fill_hex) if fill_hex else None
        for c, (name, value) in enumerate(zip(cols, values, strict=True), start=1):
            cell = ws.cell(row, c)
            if isinstance(value, str) and value:
                cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
                cell.data_type = "s"  # text stays text: a note "=…" is never a formula
            elif value is not None and value != "":
                cell.value = value
            cell.font = body_font
            cell.border = border
            cell.alignment = wrap_center if name in centred or c <= 2 else wrap_left
            if fill is not None and c > 2:
                cell.fill = fill
        row += 1
    if run_start is not None and row - 1 > run_start:
        merges.append((run_start, row - 1))
    for start, end in merges:
        ws.merge_cells(start_row=start, start_column=1, end_row=end, end_column=1)
        ws.merge_cells(start_row=start, start_column=2, end_row=end, end_column=2)

    ws.cell(row, 1, summary_line(report)).font = Font(name="宋体", size=10, bold=True)
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=ncol)

    ws.freeze_panes = ws.cell(FIRST_DATA_ROW, 1)
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
    _stats_sheet(wb, report, border)
    _matrix_sheets(wb, report)
    wb.properties.title = report.title()
    wb.properties.creator = "zwgk"

    buf = io.BytesIO()
    _save_quietly(wb, buf)
    return buf.getvalue()


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


def _stats_sheet(wb: Any, report: Report, border: Any) -> None:
    """A second sheet 单位统计: each unit as lead and as guide, most overdue first."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    from .stats import compute

    st = compute(report.tasks, report.today, report.snap.title, report.snap)
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


@dataclass
class UnitRow:
    """One unit's row of the matrix: its parts as (task's column index, status, fill)."""

    name: str
    cells: list[tuple[int, str, str | None]] = field(default_factory=list)
    done: int = 0
    overdue: int = 0

    @property
    def total(self) -> int:
        return len(self.cells)

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


def unit_rows(report: Report) -> list[UnitRow]:
    """Every unit with a part (lead or support) in the report's tasks, most overdue first, then
    the board's order (lower completion rate, more tasks, name). One pass over the parts."""
    rows: dict[str, UnitRow] = {}
    for i, task in enumerate(report.tasks):
        for part in report.snap.parts(task):
            row = rows.get(part.unit)
            if row is None:
                row = rows[part.unit] = UnitRow(part.unit)
            fill = part_fill(part.status, task.due, report.today)
            row.cells.append((i, part.status, fill))
            row.done += part.status == DONE
            row.overdue += fill == RED_FILL
    return sorted(rows.values(), key=lambda r: (-r.overdue, r.rate, -r.total, r.name))


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


def _text(value: str) -> str:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return ILLEGAL_CHARACTERS_RE.sub("", value)


def _matrix_sheets(wb: Any, report: Report) -> None:
    """The 单位 × 任务 sheet: a row per unit, a column per task, each cell the unit's part.

    Linear in the parts: only cells where a unit has a part are written, the task columns
    share one width record, and nothing is merged. Past Excel's last column the tasks go on
    in another sheet (各单位进度2 …) with the same rows."""
    from bisect import bisect_left

    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    rows = unit_rows(report)
    tasks = report.tasks
    nfixed = len(MATRIX_FIXED)
    per_sheet = EXCEL_COLUMNS - nfixed
    head_font = Font(name="黑体", size=10, bold=True)
    head_fill = PatternFill("solid", fgColor=HEADER_FILL)
    small = Font(name="宋体", size=8)
    body = Font(name="宋体", size=9)
    centre = Alignment(horizontal="center", vertical="center")
    wrap_centre = Alignment(wrap_text=True, horizontal="center", vertical="center")
    text_align = Alignment(wrap_text=True, vertical="top", horizontal="left")
    fills = {h: PatternFill("solid", fgColor=h) for h in FONT_ON_FILL}
    fonts = {
        h: Font(name="宋体", size=9, color=c, bold=h == RED_FILL) for h, c in FONT_ON_FILL.items()
    }
    # The four looks of a part cell, kept from the first cell of each: assigning Font and
    # Fill objects hashes them into the workbook's style tables on every cell (3× slower).
    styled: dict[str | None, Any] = {}
    title = report.title().replace("任务进度台账", "各单位任务进度")
    note = matrix_note(report)
    starts = range(0, max(len(tasks), 1), per_sheet)
    for n, start in enumerate(starts, 1):
        chunk = tasks[start : start + per_sheet]
        ws = wb.create_sheet(MATRIX_SHEET if n == 1 else f"{MATRIX_SHEET}{n}")
        heading = title if len(starts) == 1 else f"{title}（第 {n}/{len(starts)} 页）"
        ws.cell(1, 1, heading).font = Font(name="黑体", size=14, bold=True)
        ws.row_dimensions[1].height = 24
        ws.cell(2, 1, note).font = Font(name="宋体", size=9)
        for r, label in enumerate(("单位＼任务", "完成时间", "具体事项"), start=3):
            ws.cell(r, 1, label).font = head_font
        for c, label in enumerate(MATRIX_FIXED[1:], start=2):
            cell = ws.cell(3, c, label)
            cell.font, cell.fill, cell.alignment = head_font, head_fill, centre
        ws.cell(3, 1).fill = head_fill
        for c, task in enumerate(chunk, start=nfixed + 1):
            cell = ws.cell(3, c, f"#{report.snap.label(task)}")
            cell.font, cell.fill, cell.alignment = head_font, head_fill, centre
            # the date in two short lines (2020 / 12-31); undated: the document's words
            when = f"{task.due.year}\n{task.due:%m-%d}" if task.due else task.deadline_text[:8]
            due = ws.cell(4, c, _text(when))
            due.font, due.alignment = small, wrap_centre
            text = ws.cell(5, c, _text(task.text))
            text.data_type = "s"
            text.font, text.alignment = small, text_align
        ws.row_dimensions[4].height = 24
        ws.row_dimensions[5].height = 110  # about a dozen lines of the task text
        for r, row in enumerate(rows, start=MATRIX_FIRST_ROW):
            name = ws.cell(r, 1, _text(row.name))
            name.data_type = "s"
            name.font = body
            for c, value in enumerate((row.total, row.done, row.overdue), start=2):
                cell = ws.cell(r, c, value)
                cell.font, cell.alignment = body, centre
            if row.overdue:
                ws.cell(r, nfixed).fill = fills[RED_FILL]
                ws.cell(r, nfixed).font = fonts[RED_FILL]
            first = bisect_left(row.cells, (start,))
            last = bisect_left(row.cells, (start + len(chunk),))
            for i, status, fill in row.cells[first:last]:
                cell = ws.cell(r, nfixed + 1 + i - start, PART_WORDS.get(status, status))
                style = styled.get(fill)
                if style is not None:  # the common case: copy the look, not re-register it
                    cell._style = copy(style)
                    continue
                cell.alignment = centre
                cell.font = fonts[fill] if fill else body
                if fill:
                    cell.fill = fills[fill]
                styled[fill] = cell._style
        ws.column_dimensions["A"].width = 16
        for c in range(2, nfixed + 1):
            ws.column_dimensions[get_column_letter(c)].width = 7
        if chunk:  # one width record for every task column, however many
            dim = ws.column_dimensions[get_column_letter(nfixed + 1)]
            dim.min, dim.max, dim.width = nfixed + 1, nfixed + len(chunk), 7
        ws.freeze_panes = ws.cell(MATRIX_FIRST_ROW, nfixed + 1)
        ws.print_title_rows = f"3:{MATRIX_FIRST_ROW - 1}"
        ws.print_title_cols = f"A:{get_column_letter(nfixed)}"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4


# -- csv -----------------------------------------------------------------------------------
def defuse(value: Any) -> Any:
    """A text cell Excel would run as a formula (`=…`, `+…`, `-…`, `@…`) gets a leading `'`."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def csv_bytes(report: Report) -> bytes:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(report.columns())
    for task in report.tasks:
        writer.writerow([defuse(v) for v in cells(task, report, "、")])
    # UTF-8 with BOM: what Chinese Excel needs to open a CSV without mojibake.
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


# -- markdown ------------------------------------------------------------------------------
MD_COLUMNS = ("序号", "工作任务", "具体事项", "主体责任单位", "配合单位", "指导责任单位")
MD_TAIL = ("完成时间", "状态", "最新进展")


def md_cell(value: Any) -> str:
    text = "" if value is None else str(value)
    text = text.replace("\\", "\\\\").replace("|", "\\|")
    return re.sub(r"\s*\n\s*", "<br>", text.strip())


def md_bytes(report: Report) -> bytes:
    cols = [c for c in MD_COLUMNS if c != "配合单位" or report.with_support] + list(MD_TAIL)
    all_cols = report.columns()
    if "方案" in all_cols:  # several plans: each row says which
        cols.insert(0, "方案")
    lines = [f"## {md_cell(report.title())}", ""]
    note = filter_note(report.flt)
    if note:
        lines += [md_cell(note), ""]
    lines.append("| " + " | ".join(cols) + " |")
    lines.append("|" + "|".join(":---:" if c == "序号" else "---" for c in cols) + "|")
    last_group: tuple[Any, ...] | None = None
    section = ""
    for task in report.tasks:
        if task.section and task.section != section:  # `一、…` heading rows of the table
            section = task.section
            lines.append(f"| **{md_cell(section)}** |" + " |" * (len(cols) - 1))
            last_group = None
        values = dict(zip(all_cols, cells(task, report, "、"), strict=True))
        key = (task.plan, task.group, task.group_title)
        if key == last_group:  # the document's merged group cells: shown once
            values["序号"] = values["工作任务"] = ""
            if "方案" in values:
                values["方案"] = ""
        last_group = key
        lines.append("| " + " | ".join(md_cell(values[c]) for c in cols) + " |")
    lines += ["", md_cell(summary_line(report)), ""]
    return "\n".join(lines).encode("utf-8")


# -- json ----------------------------------------------------------------------------------
def json_bytes(report: Report) -> bytes:
    from . import exchange

    data = exchange.build(report.snap, report.tasks, report.events, report.today)
    return exchange.dumps(data).encode("utf-8")


def _write_error(path: Path, exc: OSError) -> DatabaseError:
    return DatabaseError(f"无法导出到 {shown(path)}（{os_reason(exc)}），没有留下任何文件。")


def _atomic_write(path: Path, payload: bytes, *, replace: bool) -> None:
    """Write a temp file beside `path`, fsync, then move it into place: a failure at any point
    leaves the old file (or none) and no partial one. Without `replace`, the move refuses a
    file that appeared meanwhile (a hard link cannot clobber)."""
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise _write_error(path, exc) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(payload)
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

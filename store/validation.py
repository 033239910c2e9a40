"""Whether data is a database zwgk may load or write: the schema and record-by-record checks.

Its own module because three places need the same answer without needing each other: loading
checks a file zwgk did not write itself (`loading`), a `Transaction` checks what it is about to
write (so nothing can save a database that would not load again), and `backup` and `doctor`
check backups and damaged files. It knows nothing of files, the lock, the log or TinyDB.
"""

from __future__ import annotations

from datetime import date

from .model import STATUSES, set_record_field
from .textutil import sanitize

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from typing import Any, TypeGuard

SCHEMA = 1
TABLES = ("meta", "plans", "tasks", "units", "directory")

_STATUS_SET = frozenset(STATUSES)
_OPTIONAL_TEXT = (
    "deadline_text",
    "deadline_kind",
    "note",
    "section",
    "updated_at",
    "updated_by",
    "confirmed_by",
    "confirmed_at",
)
# The task fields that name units.
UNIT_LISTS = ("lead_units", "support_units", "guide_units")


def is_int(v: Any) -> TypeGuard[int]:
    """An int that is not a bool (JSON true/false must not pass as 1/0)."""
    return isinstance(v, int) and not isinstance(v, bool)


def _doc_id(key: str) -> int | None:
    try:
        value = int(key)
    except (TypeError, ValueError):
        return None
    return value if value > 0 and str(value) == key else None


def _names(units: Any) -> bool:
    """A list of non-empty strings. (Checked in C: a commit checks 300,000 lists at 100,000
    tasks, and a generator per list was most of validating them.)"""
    if not isinstance(units, list):
        return False
    if not units:
        return True
    try:
        "".join(units)  # TypeError unless every item is a str
    except TypeError:
        return False
    return "" not in units


def task_problem(key: str, rec: Any) -> str | None:
    """Why one task record would not load, or None."""
    tid = _doc_id(key)
    if tid is None:
        return f"任务编号“{key}”不是正整数"
    if not isinstance(rec, dict):
        return f"任务 {key} 不是一条记录"
    if rec.get("id") != tid:
        return f"任务 {key} 的 id 字段（{rec.get('id')!r}）与编号不符"
    for name in ("plan", "group_title", "text"):
        if not isinstance(rec.get(name), str):
            return f"任务 {key} 缺少文字字段 {name}"
    group = rec.get("group")
    if group is not None and not is_int(group):
        return f"任务 {key} 的工作任务序号不是整数"
    num = rec.get("num")
    if num is not None and not is_int(num):
        return f"任务 {key} 的事项序号不是整数"
    status = rec.get("status", STATUSES[0])
    if status not in _STATUS_SET:
        return f"任务 {key} 的状态“{sanitize(str(status), keep_newlines=False)}”无效"
    for name in UNIT_LISTS:
        if not _names(rec.get(name, [])):
            return f"任务 {key} 的 {name} 不是单位名称列表"
    due = rec.get("due")
    if due is not None:
        try:
            date.fromisoformat(due)
        except (TypeError, ValueError):
            return f"任务 {key} 的完成日期“{sanitize(str(due), keep_newlines=False)}”无效"
    for name in _OPTIONAL_TEXT:
        v = rec.get(name)
        if v is not None and not isinstance(v, str):
            return f"任务 {key} 的 {name} 不是文字"
    extra = rec.get("extra")
    if extra is not None and not isinstance(extra, dict):
        return f"任务 {key} 的 extra 不是字典"
    subitems = rec.get("subitems")
    if subitems is not None and (
        not isinstance(subitems, list) or not all(isinstance(s, str) for s in subitems)
    ):
        return f"任务 {key} 的 subitems 不是文字列表"
    return part_problem(key, rec.get("parts"))


def part_problem(key: str, parts: Any) -> str | None:
    """Why a task's per-unit progress (`parts`: unit -> fields) would not load, or None."""
    if parts is None:
        return None
    if not isinstance(parts, dict):
        return f"任务 {key} 的 parts 不是字典"
    for unit, fields in parts.items():
        if not isinstance(unit, str) or not unit or not isinstance(fields, dict):
            return f"任务 {key} 的单位进展记录已损坏"
        if fields.get("status", STATUSES[0]) not in _STATUS_SET:
            return f"任务 {key} 中“{sanitize(unit, keep_newlines=False)}”的状态无效"
        for name in ("note", "updated_at", "updated_by"):
            v = fields.get(name)
            if v is not None and not isinstance(v, str):
                return f"任务 {key} 中“{sanitize(unit, keep_newlines=False)}”的 {name} 不是文字"
    return None


def directory_problem(key: str, rec: Any) -> str | None:
    """Why the stored unit directory (one record) would not load, or None."""
    if key != "1" or not isinstance(rec, dict):
        return "单位名录记录已损坏"
    units = rec.get("units", [])
    if not isinstance(units, list):
        return "单位名录的单位不是列表"
    for unit in units:
        if not isinstance(unit, dict) or not isinstance(unit.get("name"), str) or not unit["name"]:
            return "单位名录中有一条没有名称"
        for name in ("aliases", "logins"):
            if not all(isinstance(v, str) for v in unit.get(name) or []):
                return f"单位名录中“{sanitize(unit['name'], keep_newlines=False)}”的 {name} 不是文字列表"
    collective = rec.get("collective", {})
    if not isinstance(collective, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in collective.items()
    ):
        return "单位名录的统称表已损坏"
    return None


def change_problem(name: Any, value: Any) -> str | None:
    """Why setting task field `name` to `value` would make a task fail `task_problem` (None: it
    would not). Checks a logged change before it is replayed: the same rules as a whole record,
    applied to a minimal valid task carrying just this field."""
    if not isinstance(name, str) or name == "id":
        return f"不能修改字段 {sanitize(str(name), keep_newlines=False)}"
    probe: dict[str, Any] = {"id": 1, "plan": "", "group_title": "", "text": ""}
    set_record_field(probe, name, value)  # "parts.<unit>": one unit's part (store/parts.py)
    problem = task_problem("1", probe)
    return problem.removeprefix("任务 1 ") if problem else None


def validate(data: Any, *, limit: int | None = None) -> list[str]:
    """Problems that would make `data` unsafe to load or to write back (empty: it is fine)."""
    problems: list[str] = []

    def full() -> bool:
        return limit is not None and len(problems) >= limit

    if not isinstance(data, dict):
        return ["的内容不是 zwgk 数据库"]
    if not any(name in data for name in TABLES):
        return ["的内容不是 zwgk 数据库（没有 meta/plans/tasks/units 表）"]
    for name in TABLES:
        table = data.get(name, {})
        if not isinstance(table, dict):
            problems.append(f"的 {name} 表已损坏")
    if problems:
        return problems[:limit] if limit else problems
    meta = data.get("meta", {}).get("1")
    if meta is not None:
        if not isinstance(meta, dict):
            problems.append("的 meta 记录已损坏")
        else:
            schema = meta.get("schema", SCHEMA)
            if not is_int(schema) or schema > SCHEMA:
                problems.append(f"的格式版本（{schema!r}）不是本程序支持的版本 {SCHEMA}")
            for name in ("last_seq", "events_offset", "log_head"):
                v = meta.get(name, 0)
                if not is_int(v) or v < 0:
                    problems.append(f"的 meta.{name} 无效")
    for key, rec in data.get("tasks", {}).items():
        if full():
            break
        problem = task_problem(key, rec)
        if problem:
            problems.append(problem)
    for key, rec in data.get("units", {}).items():
        if full():
            break
        if _doc_id(key) is None or not isinstance(rec, dict):
            problems.append(f"单位记录 {key} 已损坏")
        elif not isinstance(rec.get("name"), str) or not rec["name"]:
            problems.append(f"单位记录 {key} 没有名称")
        elif not isinstance(rec.get("aliases", []), list):
            problems.append(f"单位“{sanitize(rec['name'], keep_newlines=False)}”的别名不是列表")
    for key, rec in data.get("directory", {}).items():
        problem = directory_problem(key, rec)
        if problem:
            problems.append(problem)
    for key, rec in data.get("plans", {}).items():
        if full():
            break
        if _doc_id(key) is None or not isinstance(rec, dict):
            problems.append(f"方案记录 {key} 已损坏")
        elif not isinstance(rec.get("title"), str) or not is_int(rec.get("year")):
            problems.append(f"方案记录 {key} 缺少标题或年份")
    return problems[:limit] if limit else problems

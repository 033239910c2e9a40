"""Plans as first-class: each has a short code, a state, and numbers its own tasks.

An office tracks several plans at once and people refer to a task by its plan's own number
("宣城2020 第3项"), so a task's public identity is the plan's code and the document's number:
the key `宣城2020-3`. Inside the database a task keeps a unique record id, which the log and
the parts refer to; `number` (the document's own number, `Task.num`) and `key` are what
people see and type. A plain number names a task whenever it is unambiguous: one active plan,
or a plan given (`--plan CODE`, the app's current plan).

A code is derived from the title when a plan is first seen (the place in it and the year:
`2020年宣城市政务公开工作要点` -> `宣城2020`; without a place, the title's first four
characters) and can be renamed (`zwgk plan rename`). An archived plan is read-only and left
out of the default views.
"""

from __future__ import annotations

import re
from functools import cache

from .errors import InputError
from .model import Plan, Task
from .record import replace
from .textutil import one_line

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from .snapshot import Snapshot
    from .transaction import Transaction

ACTIVE, ARCHIVED = "进行中", "已归档"
STATES = (ACTIVE, ARCHIVED)


# The patterns below are compiled when first used: each CJK range takes a millisecond or two
# to compile, and a change (`zwgk mark`) never derives or checks a code.
@cache
def code_re() -> re.Pattern[str]:
    return re.compile(r"^[0-9A-Za-z\u4e00-\u9fff_]{1,20}$")  # no "-": it separates the number


@cache
def _title_words() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """(the place a title names, the words a code leaves out)."""
    place = re.compile(r"([\u4e00-\u9fff]{2,4}?)(?:市|区|县|州|省|盟|旗)")
    noise = re.compile(r"关于|印发|年度|[0-9０-９]+年|[^\u4e00-\u9fff]")
    return place, noise


def derive_code(title: str, year: int, taken: set[str]) -> str:
    """A short code for a plan, unique among `taken` (see the module docstring)."""
    head = re.sub(r"^(关于)?(印发)?([0-9０-９]+年度?)?", "", title or "")
    place, noise = _title_words()
    m = place.search(head[:16])
    stem = m.group(1) if m else noise.sub("", head)[:4] or "方案"
    code = f"{stem}{year}"
    n = 2
    while code in taken:
        code, n = f"{stem}{year}{chr(ord('a') + n - 2)}", n + 1
    return code


def with_codes(plans: list[Plan]) -> list[Plan]:
    """Plans as stored, each with a code (a plan stored before codes existed gets its derived
    one; derivation follows the plans' order, so it is the same on every read)."""
    taken = {p.code for p in plans if p.code}
    out = []
    for plan in plans:
        if not plan.code:
            code = derive_code(plan.title, plan.year, taken)
            taken.add(code)
            plan = replace(plan, code=code)
        out.append(plan)
    return out


def check_code(code: str, taken: set[str]) -> str:
    code = code.strip()
    if not code_re().match(code):
        raise InputError(
            f"方案代码“{one_line(code)}”无效：请用 1–20 个汉字、字母或数字（不含“-”），如 宣城2020。"
        )
    if code in taken:
        raise InputError(f"方案代码“{code}”已被另一个方案使用。")
    return code


def find_plan(plans: list[Plan], word: str) -> Plan:
    """The plan a typed code names (its code, case-insensitive, or its full title)."""
    word = word.strip()
    for plan in plans:
        if word.lower() == plan.code.lower() or word == plan.title:
            return plan
    codes = "、".join(p.code for p in plans) or "（数据库中还没有方案）"
    raise InputError(f"没有代码为“{one_line(word)}”的方案；现有方案：{codes}。")


def task_key(snap: Snapshot, task: Task) -> str:
    """`宣城2020-3`: the task's plan code and its number in that plan."""
    return f"{snap.plan_code(task)}-{task_number(task)}"


def task_number(task: Task) -> int:
    """The plan's own number of the task (the document's, or its order when it has none)."""
    return task.num if task.num is not None else task.id


_KEY = re.compile(r"^[#＃]?(?:(?P<code>.+?)[-－])?(?P<n>\d{1,9})$")


PLAN_HINT = "或加 --plan 方案代码"  # how a person names the plan here (the app says /plan)


def resolve(snap: Snapshot, word: str, plan: str | None = None, hint: str = PLAN_HINT) -> Task:
    """The task a typed id names: `7`, `#7`, `宣城2020-7`; with `plan`, numbers in that plan.

    A plain number is taken in the active plans; when more than one has it, the sentence
    lists the candidates."""
    from .lazytasks import LazyTasks

    m = _KEY.match(word.strip())
    if m is None:
        raise InputError(
            f"任务编号“{one_line(word)}”无效，应为数字或 方案代码-编号，例如 7 或 宣城2020-7。"
        )
    number = int(m.group("n"))
    if isinstance(snap.tasks, LazyTasks):  # the app: only the tasks that decide it are built
        snap = replace(snap, tasks=snap.tasks.deciding(number))
    code = m.group("code") or plan
    if code is not None:
        chosen = [find_plan(snap.plans, code).code]
    else:
        chosen = [p.code for p in snap.plans if p.state != ARCHIVED] or [p.code for p in snap.plans]
    found = [
        t for t in snap.task_list() if task_number(t) == number and snap.plan_code(t) in chosen
    ]
    if len(found) == 1:
        return found[0]
    if not found:
        where = f"方案 {chosen[0]} 中" if len(chosen) == 1 and snap.several_plans else ""
        numbers = sorted(task_number(t) for t in snap.tasks.values() if snap.plan_code(t) in chosen)
        there = f"（现有编号 {numbers[0]}–{numbers[-1]}）" if numbers else "（还没有任务）"
        raise InputError(f"{where}没有编号为 {number} 的任务{there}。")
    keys = "、".join(task_key(snap, t) for t in found)
    raise InputError(
        f"编号 {number} 在 {len(found)} 个方案中都有：{keys}；请写明方案，如 {task_key(snap, found[0])}"
        f"，{hint}。"
    )


def migrate_plans(txn: Transaction) -> None:
    """A database from before plan codes gets them written on its first change: the whole file
    is rewritten once (the old version kept as a backup, like every rewrite) and the codes are
    logged. Reading one line of the file tells whether it is needed."""
    if all(isinstance(p, dict) and p.get("code") for p in txn.plans_table().values()):
        return
    table = txn.db.table("plans")
    docs = table.all()
    plans = with_codes([Plan.from_record(d) for d in docs])
    for doc, plan in zip(docs, plans, strict=True):
        table.update({"code": plan.code, "state": plan.state}, doc_ids=[doc.doc_id])
    codes = "、".join(f"{p.code}（{p.title}）" for p in plans)
    txn.log(txn.new_event(None, action="plan", note=f"方案代码：{codes}"))

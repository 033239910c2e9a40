"""A parsed question answered over a snapshot: the tasks, and one Chinese sentence first.

The slots compile to the one `TaskFilter` (units, role, statuses, overdue, due range) evaluated
as bitsets over the search index, then each topic word ANDs the tasks it matches as in search
(text, 工作任务 title, pinyin, a typo when nothing exact) — never through unit names, which
are slots already. When nothing is left, the sentence names the condition that emptied the
answer and what was there before it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from ..errors import ZwgkError
from ..filters import TaskFilter, add_days
from ..model import DONE, KIND_ONGOING, KIND_RECURRING, Task
from ..plans import task_number
from ..record import field, record
from ..textutil import one_line
from .cached import pool_of
from .pool import Hits, Pool
from .question import ROLE_WORDS, Understood, lexicon_for, parse_question

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from typing import Any

    from ..search import SearchIndex
    from ..snapshot import Snapshot

KIND_LABELS = {KIND_ONGOING: "长期坚持", KIND_RECURRING: "定期"}
SOON_DAYS = 7  # 快到期: due within a week, like the list's yellow light
SHOWN = 3  # tasks named in the sentence
NOT_UNDERSTOOD = (
    "没看懂这个问题。可以这样问：区编办负责哪些任务、网信办的逾期任务、下个月到期的有几项、"
    "第7项完成了吗、一本通什么时候完成。"
)
# How a topic word may match (search's tiers); unit and id matches belong to other slots.
TOPIC_KINDS = frozenset({"text", "group", "pinyin", "split", "fuzzy"})


@record
class Answer:
    """A question, what was understood of it, the tasks it names and the sentence that answers it."""

    question: str
    understood: Understood
    tasks: Sequence[Task] = field(default_factory=list)  # `Hits`: built when first used
    answer: str = ""

    @property
    def task_ids(self) -> list[int]:
        """The plan's own numbers, as `zwgk list --json` gives `id`."""
        if isinstance(self.tasks, Hits):
            return self.tasks.numbers()  # no task built for them
        return [task_number(t) for t in self.tasks]

    def to_json(self) -> dict[str, Any]:
        understood = self.understood.to_json()
        if understood["task"] is not None and len(self.tasks) == 1:
            understood["task"] = task_number(self.tasks[0])
        return {
            "question": self.question,
            "understood": understood,
            "task_ids": self.task_ids,
            "answer": self.answer,
        }

    def understood_line(self) -> str:
        return understood_line(self.understood)


def understand(snap: Snapshot, question: str, *, today: date) -> Understood:
    """The slots of a question without answering it (a keystroke asks only whether a line is
    a question: parsing costs a fraction of a millisecond, answering reads the index)."""
    return parse_question(question, lexicon_for(snap.units, [p.code for p in snap.plans]), today)


def ask(
    snap: Snapshot,
    question: str,
    *,
    today: date,
    plan: str | None = None,
    pool: Pool | None = None,
) -> Answer:
    """Answer a question over `snap` (already narrowed to a plan, if any). Never raises.

    `pool`: the tasks to answer over when `snap` holds only the plans and units (the read
    snapshot's, `cached.cached_pool`); by default the snapshot's own, through its index."""
    lexicon = lexicon_for(snap.units, [p.code for p in snap.plans])
    u = parse_question(question, lexicon, today)
    try:
        return _answer(snap, pool or pool_of(snap), u, today, plan)
    except ZwgkError as exc:  # e.g. a task number two plans have
        return Answer(u.question, u, [], exc.message)


def _answer(snap: Snapshot, pool: Pool, u: Understood, today: date, plan: str | None) -> Answer:
    index = pool.index
    if u.task is not None:  # resolve's refusal (no such task, two plans have it) is the answer
        return _about(snap, u, pool.resolve(snap, u.task, plan), today)
    if not u.filters and not u.words and u.unknown:
        return Answer(u.question, u, [], NOT_UNDERSTOOD)
    steps = _steps(pool, u, today)
    mask = index.all_bits
    for _, bits in steps:
        mask &= bits
    tasks = _tasks(pool, mask, by_due=u.dated or u.overdue or u.soon or u.when)
    if not u.count and (u.yesno or u.when) and u.words and not u.units:
        base = _base(pool, steps)  # 一本通完成了吗: about the one task the words name
        if len(base) == 1:
            return _about(snap, u, base[0], today)
    if not tasks:
        return Answer(u.question, u, [], _empty(snap, pool, u, steps, today))
    return Answer(u.question, u, tasks, _sentence(snap, u, tasks))


# -- the conditions, in the order an empty answer is explained ------------------------------
def _steps(pool: Pool, u: Understood, today: date) -> list[tuple[str, int]]:
    """(what a condition is called, the tasks it keeps), units first, time last."""
    from ..search.masks import filter_bits

    index = pool.index
    steps: list[tuple[str, int]] = []
    role = u.role or "any"
    for word, names in zip(u.units, u.unit_names, strict=True):
        bits, _ = filter_bits(index, TaskFilter(units=(word,), role=role), date.min, [])
        steps.append(("unit:" + _unit_label(names, word), bits))
    for word in u.words:
        steps.append(("word:" + word, _word_bits(index, word)))
    if u.statuses:
        bits = 0
        for status in u.statuses:
            bits |= index.status_bits(status)
        steps.append(("cond:" + "或".join(u.statuses), bits))
    if u.not_done and DONE not in u.statuses:
        steps.append(("cond:未完成", index.all_bits & ~index.status_bits(DONE)))
    if u.overdue:
        late = index.due_range(None, add_days(today, -1))
        steps.append(("cond:逾期", late & ~index.status_bits(DONE)))
    if u.soon:
        soon = index.due_range(today, add_days(today, SOON_DAYS))
        steps.append(("cond:快到期", soon & ~index.status_bits(DONE)))
    if u.dated:
        steps.append(("cond:" + _time_label(u), index.due_range(*u.due)))
    if u.kinds:
        steps.append(("cond:" + "或".join(KIND_LABELS[k] for k in u.kinds), _kind_bits(pool, u)))
    return steps


def _kind_bits(pool: Pool, u: Understood) -> int:
    """Tasks whose deadline is ongoing (长期坚持) or recurring (每季度), as the import read it."""
    from ..search.bitsets import bits

    kinds = tuple(u.kinds)
    index = pool.index

    def make() -> int:
        return bits(pool.kind_ranks(kinds), index.n)

    return index.cached("deadline_kind", ",".join(kinds), make)  # type: ignore[no-any-return]


def _word_bits(index: SearchIndex, word: str) -> int:
    bits = 0
    for _, kind, b in index.term_tiers(word):
        if kind in TOPIC_KINDS:
            bits |= b
    return bits


def _tasks(pool: Pool, mask: int, *, by_due: bool) -> Hits:
    from ..search.bitsets import positions

    ranks = positions(mask)  # rank order: due date, then id
    if not by_due:
        order = pool.order()
        ranks.sort(key=order.__getitem__)
    return Hits(pool, ranks)


def _base(pool: Pool, steps: list[tuple[str, int]]) -> Hits:
    """Tasks of the units and words alone (a yes/no question asks about them)."""
    mask = pool.index.all_bits
    for name, bits in steps:
        if name.startswith(("unit:", "word:")):
            mask &= bits
    return _tasks(pool, mask, by_due=False)


# -- sentences -------------------------------------------------------------------------------
def _unit_label(names: list[str], word: str) -> str:
    return names[0] if len(names) == 1 else f"{word}（{'、'.join(names)}）"


def _time_label(u: Understood) -> str:
    label = "、".join(u.time_labels) or "期限内"
    return label if label.endswith(("到期", "截止")) else label + "到期"


def _head(u: Understood) -> str:
    """`区网信办指导的` / `区编办和区信息办负责的` / ``."""
    if not u.units:
        return ""
    names = "和".join(_unit_label(n, w) for w, n in zip(u.units, u.unit_names, strict=True))
    return f"{names}{ROLE_WORDS.get(u.role or 'any', '负责')}的"


def _topic(u: Understood) -> str:
    return f"与“{'、'.join(u.words)}”相关的" if u.words else ""


def _conditions(u: Understood) -> list[str]:
    out = list(u.statuses)
    if u.not_done and DONE not in u.statuses:
        out.append("未完成")
    if u.overdue:
        out.append("逾期")
    if u.soon:
        out.append("快到期")
    if u.dated:
        out.append(_time_label(u))
    out.extend(KIND_LABELS[k] for k in u.kinds)
    return out


def _item(snap: Snapshot, task: Task) -> str:
    deadline = one_line(task.deadline_text) or (task.due.isoformat() if task.due else "未定期限")
    return f"#{snap.label(task)} {short_text(task.text)}（{deadline}）"


def short_text(text: str, limit: int = 24) -> str:
    """A task's text up to its first clause, cut to `limit` characters."""
    t = one_line(text)
    for mark in "，。；：,;":
        cut = t.find(mark)
        if cut >= 6:
            t = t[:cut]
    return t if len(t) <= limit else t[: limit - 1] + "…"


def _sentence(snap: Snapshot, u: Understood, tasks: Sequence[Task]) -> str:
    head, topic, cond = _head(u), _topic(u), "、".join(_conditions(u))
    n = len(tasks)
    if u.count:  # 政府办指导的未完成任务共 19 项 / 下个月到期的任务共 2 项
        link = "的" if cond.endswith("到期") else ""
        return f"{head}{topic}{cond}{link}任务共 {n} 项。"
    items = "；".join(_item(snap, t) for t in tasks[:SHOWN]) + ("等" if n > SHOWN else "")
    if cond and (head or topic):
        return f"{head}{topic}任务中{cond}的共 {n} 项：{items}。"
    subject = (
        f"{head}{topic}{cond + '的' if cond else ''}任务" if head or topic or cond else "全部任务"
    )
    return f"{subject}共 {n} 项：{items}。"


def _about(snap: Snapshot, u: Understood, task: Task, today: date) -> Answer:
    """One task's deadline and status, answering a yes/no question first."""
    label = f"#{snap.label(task)}"
    name = f"{'、'.join(u.words)}（{label}）" if u.words and u.task is None else label
    if not u.words or u.task is not None:
        name = f"{label} {short_text(task.text)}"
    deadline = one_line(task.deadline_text) or "未写明"
    text = f"{name}的完成时间是{deadline}，现为{task.status}"
    if task.overdue(today) and task.due is not None:
        text += f"，已逾期 {(today - task.due).days} 天"
    text += "。"
    verdict = _verdict(u, task, today)
    return Answer(u.question, u, [task], verdict + text)


def _verdict(u: Understood, task: Task, today: date) -> str:
    """`是的。` / `还没有。` when the question asked about a status or time of this task."""
    if u.statuses:
        if task.status in u.statuses:
            return "是的。"
        return "还没有。" if DONE in u.statuses else "不是。"
    if u.not_done:
        return "是的，尚未完成。" if task.status != DONE else "不是，已经完成。"
    if u.overdue:
        return "是的，已逾期。" if task.overdue(today) else "没有逾期。"
    if u.dated and task.due is not None:
        lo, hi = u.due
        inside = (lo is None or task.due >= lo) and (hi is None or task.due <= hi)
        return "是的。" if inside else "不在这个期限内。"
    return ""


def _empty(
    snap: Snapshot, pool: Pool, u: Understood, steps: list[tuple[str, int]], today: date
) -> str:
    """Which condition emptied the answer, and what was there before it."""
    mask = pool.index.all_bits
    before: list[str] = []
    for name, bits in steps:
        kind, _, label = name.partition(":")
        if not mask & bits:
            return _nothing(snap, pool, u, kind, label, before, mask)
        mask &= bits
        before.append(name)
    return "没有符合这些条件的任务。"


def _nothing(
    snap: Snapshot,
    pool: Pool,
    u: Understood,
    kind: str,
    label: str,
    before: list[str],
    mask: int,
) -> str:
    index = pool.index
    units = [n.partition(":")[2] for n in before if n.startswith("unit:")]
    words = [n.partition(":")[2] for n in before if n.startswith("word:")]
    conds = [n.partition(":")[2] for n in before if n.startswith("cond:")]
    role = ROLE_WORDS.get(u.role or "any", "负责")
    who = "和".join(units)
    if kind == "word":
        nearest = index.nearest(label)
        hint = f"您是不是要找“{one_line(nearest)}”？" if nearest else "换个说法试试。"
        where = f"{who}{role}的任务中" if who else ""
        return f"{where}没有与“{label}”相关的任务。{hint}"
    if kind == "unit":
        return f"{label}没有{role}的任务。" + ("" if who else "输入 /units 查看全部单位。")
    what = "、".join([*conds, label])
    subject = f"{who}{'' if role == '负责' else role + '的任务中'}" if who else ""
    if words:
        subject += f"与“{'、'.join(words)}”相关的任务中"
    sentence = f"{subject}没有{what}的任务。"
    if mask and (who or words):
        shown = who or f"与“{'、'.join(words)}”相关的任务"
        # the first open dated task in rank order (dated ranks come first, by due date)
        open_dated = mask & index.due_range(None, None) & ~index.status_bits(DONE)
        first = pool.task((open_dated & -open_dated).bit_length() - 1) if open_dated else None
        nearest = (
            f"，未完成的最近期限是 {first.due.isoformat()}（#{snap.label(first)}）"
            if first is not None and first.due
            else ""
        )
        view = u.units[0] if u.units else " ".join(u.words)
        sentence += f"{shown}共有 {mask.bit_count()} 项{nearest}；输入“{view}”查看。"
    return sentence


def understood_line(u: Understood) -> str:
    """What the parser understood, for a dim line under the question: `单位：区网信办 · 逾期`."""
    parts: list[str] = []
    if u.units:
        parts.append(
            "单位："
            + "、".join(_unit_label(n, w) for w, n in zip(u.units, u.unit_names, strict=True))
        )
    if u.units and u.role and u.role != "any":
        parts.append("角色：" + ROLE_WORDS[u.role])
    if u.task:
        parts.append(f"任务：{u.task}")
    parts.extend(f"状态：{s}" for s in u.statuses)
    if u.not_done and DONE not in u.statuses:
        parts.append("未完成")
    if u.overdue:
        parts.append("逾期")
    if u.soon:
        parts.append(f"快到期（{SOON_DAYS} 天内）")
    if u.dated:
        lo, hi = u.due
        span = f"{lo.isoformat() if lo else ''}～{hi.isoformat() if hi else ''}"
        parts.append(f"期限：{'、'.join(u.time_labels)}（{span}）")
    if u.kinds:
        parts.append("期限：" + "或".join(KIND_LABELS[k] for k in u.kinds))
    if u.words:
        parts.append("关键词：" + "、".join(u.words))
    if u.count:
        parts.append("问数量")
    return " · ".join(parts)

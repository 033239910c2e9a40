"""Unit cells (责任单位) -> unit names, and the aliases one document uses for the same unit.

Real cells list units with line breaks, `，`, `,`, `、`, `；`, `;`; brackets may hold `、`
(`各县（市、区）政府`), so splitting tracks bracket depth instead of using a plain regex split.
A cell may mark roles inline (`X牵头，Y配合`, `（牵头单位：A、B；责任单位：C）`).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from itertools import chain

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:  # only a type here; keeps `store.unitsplit` light for the CLI
    from .importers.base import ParsedPlan

OPEN = "（(〔[【《「"
CLOSE = "）)〕]】》」"
SEPARATORS = "\n，,、；;"

# Labels written inside a cell; the value after each runs to the next label.
LEAD_LABELS = ("主体责任单位", "牵头责任单位", "主要责任单位", "牵头单位", "牵头部门", "牵头")
SUPPORT_LABELS = ("协同配合单位", "配合单位", "配合部门", "协办单位", "参与单位", "配合", "协办")
PLAIN_LABELS = ("责任单位", "责任部门")
_BARE_LABELS = ("牵头", "配合", "协办")
_LABEL = re.compile(
    "("
    + "|".join(sorted((*LEAD_LABELS, *SUPPORT_LABELS, *PLAIN_LABELS), key=len, reverse=True))
    + ")[:：]"
)

# Role words after a unit; longest first so `按职责分工负责` is not read as `负责`.
_LEAD_MARK = re.compile(r"(?:(?:分别|共同)?(?:负责)?牵头(?:负责|落实|推进)?|[（(]\s*牵头\s*[)）])$")
_SUPPORT_MARK = re.compile(
    r"(?:(?:按职能分工|按职责分工|按照职责分工|按职责|按职能|分别|共同|积极|负责)?"
    r"(?:配合|协助|协同|参与)(?:落实|推进|实施)?|[（(]\s*(?:配合|协办)\s*[)）])$"
)
# Words before a unit: `由市发改委牵头`, `市发改委牵头，会同市住建局…` (those it works with support).
_LEAD_IN = re.compile(r"^(?:由|会同)")
# A role word run into the next unit without a separator (`市发改委牵头 市住建局配合`,
# `市发改委牵头市住建局配合`): a break goes after it.
_RUN_ON = re.compile(
    r"((?:负责)?牵头(?:负责|落实|推进)?|(?:配合|协助|参与)(?:落实|推进)?)"
    r"(?:[ \t\u3000]+|(?=[市区县省各]))(?=[^\s，,、；;。）)])"
)
_VERB_TAIL = re.compile(
    r"(?:按职能分工|按职责分工|按照职责分工|按职责|按职能|分别|共同|具体)?(?:负责落实|负责推进|"
    r"负责|落实|推进|实施)$"
)
# `等` ends a list: `市财政局等`, `市税务局等市有关单位`, `X等相关部门`.
_ETC_TAIL = re.compile(r"等(?:[^、，,；;]{0,8}?(?:单位|部门|科室|机构))?$")
_TRAIL = "。.；;，,、：: \t\u3000"


def split_top(text: str, seps: str = SEPARATORS) -> list[tuple[str, str]]:
    """Split on `seps` outside brackets: [(piece, separator that ended it)]."""
    out: list[tuple[str, str]] = []
    depth = 0
    buf: list[str] = []
    for ch in text:
        if ch in OPEN:
            depth += 1
        elif ch in CLOSE:
            depth = max(0, depth - 1)
        elif ch in seps and depth == 0:
            out.append(("".join(buf), ch))
            buf = []
            continue
        buf.append(ch)
    out.append(("".join(buf), ""))
    return out


def clean_unit(name: str) -> str:
    """Strip punctuation, `由`/`会同`, `等…` and verb tails from one unit name."""
    prev = None
    name = _LEAD_IN.sub("", name.strip(_TRAIL)).strip(_TRAIL)
    while name != prev:
        prev = name
        name = _VERB_TAIL.sub("", name).strip(_TRAIL)
        name = _ETC_TAIL.sub("", name).strip(_TRAIL)
    return name


def _tokens(cell: str) -> list[str]:
    """Pieces of a cell; a one-character piece (`各县、市、区政府`) rejoins its neighbours."""
    pieces = split_top(cell)
    merged: list[list[str]] = []  # [text, separator]
    glue_next = False
    for text, sep in pieces:
        text = text.strip()
        if not text:
            continue
        short = len(clean_unit(text)) == 1
        if merged and (short or glue_next):
            prev = merged[-1]
            prev[0] = prev[0] + (prev[1] if prev[1] != "\n" else "、") + text
            prev[1] = sep
        else:
            merged.append([text, sep])
        glue_next = short
    return [t for t, _ in merged]


def _dedupe(names: Iterable[str], exclude: Iterable[str] = ()) -> list[str]:
    out: list[str] = []
    skip = set(exclude)
    for n in names:
        if n and n not in out and n not in skip:
            out.append(n)
    return out


def _labelled(cell: str) -> tuple[list[str], list[str]] | None:
    """`（牵头单位：A、B；责任单位：C）` -> (lead, support), or None without labels."""
    inner = cell.strip().strip("（）()")
    # A bare `牵头：`/`配合：` is a label only where a value starts, not after a unit's name.
    marks = [
        m
        for m in _LABEL.finditer(inner)
        if m.group(1) not in _BARE_LABELS or m.start() == 0 or inner[m.start() - 1] in SEPARATORS
    ]
    if not marks:
        return None
    has_lead_label = any(m.group(1) in LEAD_LABELS for m in marks)
    lead: list[str] = []
    support: list[str] = []
    for i, m in enumerate(marks):
        end = marks[i + 1].start() if i + 1 < len(marks) else len(inner)
        value = inner[m.end() : end]
        label = m.group(1)
        names, _ = _split_plain(value)
        if label in LEAD_LABELS or (label in PLAIN_LABELS and not has_lead_label):
            lead += names
        else:  # support labels, and 责任单位 beside 牵头单位
            support += names
    return lead, support


def _split_plain(cell: str) -> tuple[list[str], list[str]]:
    tokens = _tokens(_RUN_ON.sub(r"\1，", cell))
    marked = any(_LEAD_MARK.search(t.strip(_TRAIL)) for t in tokens)
    lead: list[str] = []
    support: list[str] = []
    pending: list[str] = []  # units listed before the role word that covers them
    responsible: list[str] = []  # without 牵头: units before `负责`/`落实`, ahead of any 配合
    for tok in tokens:
        raw = tok.strip(_TRAIL)
        if _LEAD_MARK.search(raw):
            lead += [*pending, clean_unit(_LEAD_MARK.sub("", raw))]
            pending = []
        elif _SUPPORT_MARK.search(raw):
            support += [*pending, clean_unit(_SUPPORT_MARK.sub("", raw))]
            pending = []
        elif marked and _LEAD_IN.match(raw):  # `A牵头，会同B、C`: B and C support
            support += [*pending, clean_unit(raw)]
            pending = []
        else:
            pending.append(clean_unit(raw))
            if not marked and _VERB_TAIL.search(raw):  # `A、B负责，C配合`: A and B lead
                responsible += pending
                pending = []
    # Without an inline 牵头 every unit in a lead column leads; after one, the rest support.
    if marked:
        support += pending
    else:
        lead += [*responsible, *pending]
    lead = _dedupe(lead)
    return lead, _dedupe(support, lead)


# 及 and 和 join two units only where both are units in their own right (`区财政局及区审计局`);
# inside one name (`区民族和宗教事务局`, `区住房和城乡建设局`) neither side is one.
_JOINER = re.compile(r"以及|及|和")
_ADMIN = "区市县省"


def _known_name(part: str, known: set[str], before: str) -> str | None:
    """`part` as a known unit; `网信办` after `区委宣传部和` may be 区网信办."""
    part = clean_unit(part)
    if len(part) < 2:
        return None
    if part in known:
        return part
    if before[:1] in _ADMIN and part[0] not in _ADMIN and before[0] + part in known:
        return before[0] + part
    return None


def _joined_parts(name: str, known: set[str]) -> list[str] | None:
    """The known units `name` joins with 及/和, or None when it is not such a join."""
    depth_at = []
    depth = 0
    for ch in name:
        depth_at.append(depth)
        depth = depth + 1 if ch in OPEN else max(0, depth - 1) if ch in CLOSE else depth
    for m in _JOINER.finditer(name):
        if depth_at[m.start()]:
            continue
        left = _known_name(name[: m.start()], known, "")
        if left is None:
            continue
        right_text = name[m.end() :]
        right = _known_name(right_text, known, left)
        rest = [right] if right else _joined_parts(right_text, known)
        if rest:
            return [left, *rest]
    return None


def split_joined(plan: ParsedPlan, known: Iterable[str] = ()) -> None:
    """Split unit names joined by 及/和 whose sides are known units, in place.

    Known: named on its own somewhere in this plan, or in `known` (the database's units).
    """
    names = set(  # task by task, flattened in C
        chain.from_iterable(chain(t.lead_units, t.support_units, t.guide_units) for t in plan.tasks)
    )
    candidates = [n for n in names if _JOINER.search(n)]
    if not candidates:
        return
    pool = (names | set(known)) - set(candidates)
    parts = {n: p for n in candidates if (p := _joined_parts(n, pool))}
    if not parts:
        return

    def expand(units: list[str]) -> list[str]:
        return _dedupe(p for u in units for p in parts.get(u, [u]))

    for task in plan.tasks:
        task.lead_units = expand(task.lead_units)
        task.support_units = _dedupe(expand(task.support_units), task.lead_units)
        task.guide_units = expand(task.guide_units)


def split_units(cell: str) -> tuple[list[str], list[str]]:
    """(lead, support) units named in one cell."""
    lead, support = _split_cached((cell or "").replace("\r", "\n").strip())
    return list(lead), list(support)


@functools.lru_cache(maxsize=4096)
def _split_cached(cell: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Cached: a plan repeats the same few unit cells on most of its rows."""
    if not cell:
        return (), ()
    labelled = _labelled(cell)
    if labelled is not None:
        lead = _dedupe(labelled[0])
        return tuple(lead), tuple(_dedupe(labelled[1], lead))
    lead, support = _split_plain(cell)
    return tuple(lead), tuple(support)


def _name_key(name: str) -> str:
    """Names equal up to full/half-width brackets and spaces are one unit."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name))


def _stem(name: str) -> str:
    """The part two spellings of one unit share.

    `X办公室` is always `X办`; `各街道办(事处)` is `各街道` — but `区政府办` is not `区政府`,
    so the bare-stem rule applies to 街道 and 乡镇 only.
    """
    key = _name_key(name)
    if key.endswith("办公室"):
        key = key[:-2]
    if re.search(r"(街道|乡镇)(办事处|办)$", key):
        key = re.sub(r"(办事处|办)$", "", key)
    return key


def build_aliases(parsed: ParsedPlan) -> dict[str, str]:
    """alias -> canonical name for every unit spelled two ways in one document.

    The canonical name is the spelling the document uses most (ties: the shorter one).
    """
    # Counted in C, task by task (the order names are first met is the same as unit by unit).
    counts: Counter[str] = Counter(
        chain.from_iterable(
            chain(t.lead_units, t.support_units, t.guide_units) for t in parsed.tasks
        )
    )
    by_stem: dict[str, list[str]] = {}
    for name in counts:
        by_stem.setdefault(_stem(name), []).append(name)
    out = dict(parsed.aliases)
    for names in by_stem.values():
        if len(names) < 2:
            continue
        canon = min(names, key=lambda n: (-counts[n], len(n), n))
        for n in names:
            if n != canon:
                out[n] = canon
    return out

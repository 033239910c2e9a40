"""The plan's data model: tasks, units, events and statuses.

Records in the database are plain dicts (TinyDB documents); these records (store/record.py) are the typed view
every other module works with. `to_record`/`from_record` are the only places that know the
on-disk field names.
"""

from __future__ import annotations

from datetime import date

from .errors import InputError
from .record import asdict, field, field_names, record
from .textutil import one_line

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from typing import Any

TODO, DOING, BLOCKED, DONE = "未开始", "进行中", "受阻", "已完成"
STATUSES: tuple[str, ...] = (TODO, DOING, BLOCKED, DONE)
OVERDUE = "逾期"  # derived, never stored

# Every spelling a person may type for a status, Chinese first.
STATUS_ALIASES: dict[str, str] = {
    TODO: TODO,
    DOING: DOING,
    BLOCKED: BLOCKED,
    DONE: DONE,
    "todo": TODO,
    "未开始": TODO,
    "重置": TODO,
    "reset": TODO,
    "doing": DOING,
    "开始": DOING,
    "start": DOING,
    "started": DOING,
    "in-progress": DOING,
    "progress": DOING,
    "blocked": BLOCKED,
    "阻塞": BLOCKED,
    "block": BLOCKED,
    "done": DONE,
    "完成": DONE,
    "finish": DONE,
    "finished": DONE,
}
# The one English word per status, for messages ("todo/doing/blocked/done") and chat views.
STATUS_CODES: dict[str, str] = {TODO: "todo", DOING: "doing", BLOCKED: "blocked", DONE: "done"}
# Words that name the derived 逾期 state where a status may be written (`--status`, `status:`).
OVERDUE_WORDS: tuple[str, ...] = (OVERDUE, "overdue")

# Deadline kinds: a single date, an ongoing duty, a recurring duty, or a phrase not understood.
KIND_DATE, KIND_ONGOING, KIND_RECURRING, KIND_UNKNOWN, KIND_NONE = (
    "date",
    "ongoing",
    "recurring",
    "unknown",
    "none",
)

# The three lights (督查督办 colours) a task with a due date can show.
LIGHT_RED, LIGHT_YELLOW, LIGHT_BLUE = "red", "yellow", "blue"

# Roles a unit can have on a task, as used by `list --role`.
ROLES: tuple[str, ...] = ("lead", "support", "guide")
ROLE_WORDS: dict[str, str] = {"lead": "牵头", "support": "配合", "guide": "指导"}


# A change to one unit's part is logged under the field "parts.<unit>" (store/parts.py), so
# undo and "who changed it since" work per unit, not on the whole parts table.
PART_PREFIX = "parts."


def record_field(rec: dict[str, Any], key: str) -> Any:
    """A task record's field, or one unit's part for a "parts.<unit>" key."""
    if key.startswith(PART_PREFIX):
        return (rec.get("parts") or {}).get(key[len(PART_PREFIX) :])
    return rec.get(key)


def set_record_field(rec: dict[str, Any], key: str, value: Any) -> None:
    """Set a task record's field; for a "parts.<unit>" key set (None: drop) that part."""
    if not key.startswith(PART_PREFIX):
        rec[key] = value
        return
    parts = dict(rec.get("parts") or {})
    if value is None:
        parts.pop(key[len(PART_PREFIX) :], None)
    else:
        parts[key[len(PART_PREFIX) :]] = value
    if parts:
        rec["parts"] = parts
    else:
        rec.pop("parts", None)


def parse_status(word: str) -> str | None:
    """Return the canonical status for a typed word, or None when it names no status."""
    return STATUS_ALIASES.get(word.strip().lower()) or STATUS_ALIASES.get(word.strip())


def require_status(word: str) -> str:
    """The canonical status for a typed word, or InputError in one sentence."""
    status = parse_status(word)
    if status is None:
        codes = "/".join(STATUS_CODES.values())
        raise InputError(f"状态“{one_line(word)}”无效，应为 {'、'.join(STATUSES)}（或 {codes}）。")
    return status


@record
class Task:
    """One task of a plan: a row of the document, with its progress."""

    id: int
    plan: str
    group: int | None
    group_title: str
    text: str
    lead_units: list[str] = field(default_factory=list)
    support_units: list[str] = field(default_factory=list)
    guide_units: list[str] = field(default_factory=list)
    deadline_text: str = ""
    due: date | None = None
    deadline_kind: str = KIND_NONE
    status: str = TODO
    updated_at: str | None = None
    updated_by: str | None = None
    note: str = ""  # the latest progress note (最新进展)
    num: int | None = None  # the document's own item number, when it has one
    section: str = ""  # a heading above the group (`一、…`), when the table has one
    confirmed_by: str | None = None  # 办结确认: who confirmed a completion
    confirmed_at: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # precomputed search keys etc.
    # Progress each responsible unit recorded on its own part (store/parts.py): unit ->
    # {status, note, updated_at, updated_by}. Sparse: empty until a unit marks its part.
    parts: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Numbered sub-items of the document's cell (`1.…2.…`); `text` holds the whole cell.
    subitems: list[str] = field(default_factory=list)

    def overdue(self, today: date) -> bool:
        return self.due is not None and self.due < today and self.status != DONE

    def light(self, today: date) -> str | None:
        """The supervision offices' three lights: red overdue, yellow ≤7 days, blue ≤30 days."""
        if self.status == DONE or self.due is None:
            return None
        days = (self.due - today).days
        if days < 0:
            return LIGHT_RED
        if days <= 7:
            return LIGHT_YELLOW
        if days <= 30:
            return LIGHT_BLUE
        return None

    def units(self, role: str = "any") -> list[str]:
        if role == "lead":
            return self.lead_units
        if role == "support":
            return self.support_units
        if role == "guide":
            return self.guide_units
        return [*self.lead_units, *self.support_units, *self.guide_units]

    def to_record(self) -> dict[str, Any]:
        rec = asdict(self)
        rec["due"] = self.due.isoformat() if self.due else None
        if not self.parts:
            del rec["parts"]  # most tasks never have per-unit progress: keep records small
        if not self.subitems:
            del rec["subitems"]
        return rec

    @classmethod
    def from_record(cls, rec: dict[str, Any]) -> Task:
        # Hot path: a snapshot builds one Task per record (10,000 at a time), so one pass.
        known = _TASK_FIELDS
        data = {k: v for k, v in rec.items() if k in known}
        due = data.get("due")
        data["due"] = date.fromisoformat(due) if due else None
        return cls(**data)

    def to_json(self, today: date) -> dict[str, Any]:
        """The `--json` contract shared by every read command."""
        return {
            "id": self.id,
            "plan": self.plan,
            "group": self.group,
            "group_title": self.group_title,
            "text": self.text,
            "subitems": list(self.subitems),
            "lead_units": list(self.lead_units),
            "support_units": list(self.support_units),
            "guide_units": list(self.guide_units),
            "deadline_text": self.deadline_text,
            "due": self.due.isoformat() if self.due else None,
            "deadline_kind": self.deadline_kind,
            "status": self.status,
            "overdue": self.overdue(today),
            "updated_at": self.updated_at,
            "updated_by": self.updated_by,
            "note": self.note,
            "confirmed_by": self.confirmed_by,
            "confirmed_at": self.confirmed_at,
        }


_TASK_FIELDS = frozenset(field_names(Task))


@record
class Unit:
    """A unit named in the plan, with the other names people find it by."""

    name: str
    aliases: list[str] = field(default_factory=list)
    pinyin: str = ""  # full pinyin without tones, e.g. quxinxiban
    initials: str = ""  # e.g. qxxb

    def to_record(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_record(cls, rec: dict[str, Any]) -> Unit:
        known = field_names(cls)
        return cls(**{k: v for k, v in rec.items() if k in known})


@record
class Plan:
    """One imported work plan (document)."""

    title: str
    year: int
    source: str = ""
    imported_at: str = ""
    code: str = ""  # short and unique, e.g. 宣城2020 (store/plans.py); derived when empty
    state: str = "进行中"  # or 已归档: read-only, left out of the default views

    def to_record(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_record(cls, rec: dict[str, Any]) -> Plan:
        known = field_names(cls)
        return cls(**{k: v for k, v in rec.items() if k in known})


@record
class Event:
    """One append-only entry of the audit trail."""

    seq: int
    ts: str  # ISO timestamp with timezone
    user: str
    action: str  # status | note | import | undo | confirm | refused
    task: int | None = None
    # field -> [old, new]; declared before `field` below, which shadows record.field here.
    changes: dict[str, list[Any]] = field(default_factory=dict)
    field: str | None = None  # the field the person meant to change (first of `changes`)
    note: str = ""
    host: str = ""
    tty: str = ""
    undoes: int | None = None  # for action == "undo": the seq it compensates
    unit: str | None = None  # a change to this unit's part of the task (store/parts.py)

    # `old`/`new` are not stored (they repeated `changes[field]`); older logs that carry them
    # still load: `from_record` skips keys it does not know.
    @property
    def old(self) -> Any:
        """`field`'s value before this event, when the event changed it."""
        pair = self.changes.get(self.field) if self.field else None
        return pair[0] if isinstance(pair, list) and len(pair) == 2 else None

    @property
    def new(self) -> Any:
        """`field`'s value after this event, when the event changed it."""
        pair = self.changes.get(self.field) if self.field else None
        return pair[1] if isinstance(pair, list) and len(pair) == 2 else None

    def to_record(self) -> dict[str, Any]:
        rec = asdict(self)
        if rec["unit"] is None:
            del rec["unit"]  # most events are about a whole task
        return rec

    @classmethod
    def from_record(cls, rec: dict[str, Any]) -> Event:
        known = field_names(cls)
        return cls(**{k: v for k, v in rec.items() if k in known})

"""The chat line parser: what a person typed -> one small `Command`.

Pure Python (no Textual, no store access) so it is cheap to import and easy to test. The screen
dispatches a parsed command to its `command_<name>` method, as Frogmouth's omnibox does.

Grammar, Chinese first with English aliases:

    7 / #7                      card of task 7 (its number in the current plan)
    宣城2020-7 / #宣城2020-7 …    the same, naming the plan: every form below takes a key too
    7 完成 已印发 / 完成 7 … / 7 done …   mark a status with an optional note
    7 备注 … / 备注 7 …           add a note
    7 确认 / 7 退回 原因           sign-off: confirm a completion / send it back
    逾期 本周 本月 30天内 2021年6月   deadline views
    未开始 进行中 受阻 已完成        status views
    /help /undo /units /stats /import PATH /export PATH /today YYYY-MM-DD /quit
    /import PATH --year Y --plan T --split-subitems   the options of `zwgk import`
    /plan [CODE | 全部]           the current plan: list them, switch, or show all
    看板                         the supervision board
    anything else                a search (the screen first checks whether it names a unit)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from zwgk.store.model import DONE, STATUS_ALIASES, STATUS_CODES, STATUSES, parse_status

# Words that set a status when they follow (or precede) a task number: the model's table, so
# the chat accepts every word `zwgk mark` does.
STATUS_WORDS: dict[str, str] = STATUS_ALIASES
NOTE_WORDS = {"备注", "进展", "note", "comment"}
CONFIRM_WORDS = {"确认", "办结", "confirm"}
SEND_BACK_WORDS = {"退回", "sendback", "send-back", "reject"}

# Whole-line views. Status views only for the canonical words, so `完成` alone is a view too.
VIEW_WORDS: dict[str, str] = {
    "逾期": "overdue",
    "overdue": "overdue",
    "本周": "week",
    "this-week": "week",
    "week": "week",
    "本月": "month",
    "this-month": "month",
    "month": "month",
    "全部": "all",
    "all": "all",
}
STATUS_VIEWS: dict[str, str] = {
    **{status: status for status in STATUSES},
    **{code: status for status, code in STATUS_CODES.items()},
    "完成": DONE,
}

# Slash (and bare-word) commands: alias -> command name. The screen has `command_<name>`.
COMMAND_ALIASES: dict[str, str] = {
    "help": "help",
    "h": "help",
    "?": "help",
    "帮助": "help",
    "undo": "undo",
    "撤销": "undo",
    "units": "units",
    "单位": "units",
    "stats": "stats",
    "统计": "stats",
    "board": "board",
    "看板": "board",
    "import": "import_file",
    "导入": "import_file",
    "export": "export_file",
    "导出": "export_file",
    "today": "today",
    "今天": "today",
    "日期": "today",
    "quit": "quit",
    "q": "quit",
    "exit": "quit",
    "退出": "quit",
    "detail": "detail",
    "详情": "detail",
    "plan": "plan",
    "plans": "plan",
    "方案": "plan",
}
# Bare words (without a slash) that are commands, not searches.
BARE_COMMANDS = {"帮助", "撤销", "看板", "退出", "统计", "help", "undo", "quit"}

# What Tab completes after a slash, in the order offered.
SLASH_COMMANDS: tuple[str, ...] = (
    "/help",
    "/undo",
    "/units",
    "/stats",
    "/board",
    "/import",
    "/export",
    "/today",
    "/quit",
    "/plan",
    "/帮助",
    "/撤销",
    "/单位",
    "/统计",
    "/看板",
    "/导入",
    "/导出",
    "/今天",
    "/退出",
    "/方案",
)

_FULLWIDTH = str.maketrans("＃０１２３４５６７８９／　：，", "#0123456789/ :,")
_ID = re.compile(r"^#?(\d{1,9})$")
# A task key `宣城2020-7`: a plan code (store/plans.py code_re(), with at least one non-digit, so
# `2021-06` stays a month), a dash, the plan's own number; `rest` is an action glued to it.
_KEY = re.compile(
    r"^#?(?P<key>[0-9A-Za-z\u4e00-\u9fff_]*[A-Za-z\u4e00-\u9fff_][0-9A-Za-z\u4e00-\u9fff_]*"
    r"[-－](?P<n>\d{1,9}))(?P<rest>\D.*)?$"
)
_WITHIN = re.compile(r"^(\d{1,4})\s*(?:天内|天|日内|days?)$")
_YEAR_MONTH = re.compile(r"^(\d{4})\s*(?:年|-|/|\.)\s*(\d{1,2})\s*月?$")
_MONTH_ONLY = re.compile(r"^(\d{1,2})\s*月(?:份)?$")


@dataclass(frozen=True)
class Command:
    """One parsed line. `name` picks the handler; the other fields are its arguments."""

    name: str  # card mark note confirm send_back view search help undo ... error empty
    task_id: int | None = None  # a plain number typed (`7`); None for a key
    task_ref: str = ""  # the task as typed: `7` or `宣城2020-7` (resolved against the plans)
    status: str | None = None
    text: str = ""  # note, reason, path, search query, or the error message
    view: str | None = None  # overdue week month all within status year_month
    days: int | None = None
    year: int | None = None
    month: int | None = None
    title: str = ""  # /import --plan 方案名
    split: bool = False  # /import --split-subitems
    raw: str = ""


def normalize_line(line: str) -> str:
    """Full-width digits, #, / and spaces to ASCII; collapse spaces; strip. Only for parsing:
    a note keeps what was typed (`raw_tail`)."""
    return _normalize(line)[0]


def _normalize(line: str) -> tuple[str, list[int]]:
    """`normalize_line`, and for each of its characters the index it came from in `line`."""
    out: list[str] = []
    origin: list[int] = []
    gap = False
    for i, ch in enumerate(line or ""):
        ch = ch.translate(_FULLWIDTH)
        if ch.isspace():
            gap = bool(out)
            continue
        if not ch.isprintable():
            continue
        if gap:
            out.append(" ")
            origin.append(i)
            gap = False
        out.append(ch)
        origin.append(i)
    return "".join(out), origin


def raw_tail(raw: str, text: str, tail: str) -> str:
    """The part of `raw` that the suffix `tail` of its normalised form `text` came from: a
    note as typed (`缺少经费，等待财政拨付`, not `缺少经费,等待财政拨付`). The store removes
    control characters; this only strips the ends."""
    if not tail or not text.endswith(tail):
        return tail
    origin = _normalize(raw)[1]
    return raw[origin[len(text) - len(tail)] :].strip()


def parse_task_id(word: str) -> int | None:
    m = _ID.match(word)
    if not m:
        return None
    value = int(m.group(1))
    return value if value > 0 else None


def parse_task_key(word: str) -> str | None:
    """`宣城2020-7` / `#宣城2020-7` -> `宣城2020-7`; anything else None."""
    m = _KEY.match(word)
    if m is None or m.group("rest") or int(m.group("n")) == 0:
        return None
    return m.group("key").replace("－", "-")


def _split_action(rest: str) -> tuple[str, str]:
    """`完成已印发` or `完成 已印发` -> (`完成`, `已印发`): Chinese rarely puts a space there."""
    if not rest:
        return "", ""
    head, _, tail = rest.partition(" ")
    low = head.lower()
    if low in STATUS_WORDS or low in NOTE_WORDS or low in CONFIRM_WORDS or low in SEND_BACK_WORDS:
        return low, tail.strip()
    # Longest known word glued to the note: 完成已印发制度文件
    for word in sorted(
        [*STATUS_WORDS, *NOTE_WORDS, *CONFIRM_WORDS, *SEND_BACK_WORDS], key=len, reverse=True
    ):
        if not word.isascii() and rest.startswith(word):
            return word, rest[len(word) :].lstrip(" :：,，")
    return head, tail.strip()


def _known_action(word: str) -> bool:
    return (
        word in STATUS_WORDS
        or word in NOTE_WORDS
        or word in CONFIRM_WORDS
        or word in SEND_BACK_WORDS
    )


def _task_action(ref: int | str, action: str, text: str, raw: str) -> Command:
    """A command on one task: `ref` is a plain number or a key (`宣城2020-7`)."""
    task_id = ref if isinstance(ref, int) else None
    task_ref = str(ref)
    if not action:
        return Command("card", task_id=task_id, task_ref=task_ref, raw=raw)
    status = parse_status(action)
    if status:
        return Command(
            "mark", task_id=task_id, task_ref=task_ref, status=status, text=text, raw=raw
        )
    if action in NOTE_WORDS:
        if not text:
            return Command("note_prompt", task_id=task_id, task_ref=task_ref, raw=raw)
        return Command("note", task_id=task_id, task_ref=task_ref, text=text, raw=raw)
    if action in CONFIRM_WORDS:
        return Command("confirm", task_id=task_id, task_ref=task_ref, text=text, raw=raw)
    if action in SEND_BACK_WORDS:
        if not text:
            return Command(
                "error",
                text=f"退回需要写明原因，例如：{task_ref} 退回 材料不全",
                raw=raw,
            )
        return Command("send_back", task_id=task_id, task_ref=task_ref, text=text, raw=raw)
    return Command(
        "error",
        text=(
            f"“{action}”不是可用的操作。可以写：{task_ref} 完成 说明 / {task_ref} 进行中 / "
            f"{task_ref} 受阻 原因 / {task_ref} 未开始 / {task_ref} 备注 内容"
        ),
        raw=raw,
    )


def _slash(body: str, raw: str) -> Command:
    word, _, arg = body.partition(" ")
    arg = arg.strip()
    name = COMMAND_ALIASES.get(word.lower())
    if name is None:
        return Command(
            "error",
            text=f"没有“/{word}”这个命令。输入 /help 或按 F1 查看全部命令。",
            raw=raw,
        )
    if name in ("import_file", "export_file") and not arg:
        verb = "导入" if name == "import_file" else "导出"
        example = "方案.docx" if name == "import_file" else "台账.xlsx"
        return Command("error", text=f"请写明文件路径，例如：/{word} {example}（{verb}）", raw=raw)
    if name == "import_file":
        return _import_options(word, arg, raw)
    if name == "today":
        if not arg:
            return Command("today", raw=raw)
        try:
            day = date.fromisoformat(arg)
        except ValueError:
            return Command(
                "error",
                text=f"日期“{arg}”无法识别，请写成 YYYY-MM-DD，例如 /today 2021-06-30",
                raw=raw,
            )
        return Command("today", text=day.isoformat(), raw=raw)
    return Command(name, text=arg, raw=raw)


IMPORT_OPTIONS = "--year 年份、--plan 方案名、--split-subitems"


def _import_options(word: str, arg: str, raw: str) -> Command:
    """`/import PATH [--year Y] [--plan TITLE] [--split-subitems]`, as `zwgk import` takes them;
    the words that are not options are the path (it may hold spaces)."""
    words = arg.split(" ")
    path: list[str] = []
    cmd = Command("import_file", raw=raw)
    while words:
        w = words.pop(0)
        if not w.startswith("--"):
            path.append(w)
        elif w == "--split-subitems":
            cmd = replace(cmd, split=True)
        elif w in ("--year", "--plan") and words:
            value = words.pop(0)
            if w == "--plan":
                cmd = replace(cmd, title=value)
            elif value.isdigit():
                cmd = replace(cmd, year=int(value))
            else:
                return Command("error", text=f"年份“{value}”无法识别，请写成 --year 2021", raw=raw)
        else:
            return Command(
                "error", text=f"/{word} 的选项“{w}”无法识别：可用 {IMPORT_OPTIONS}。", raw=raw
            )
    if not path:
        return Command("error", text=f"请写明文件路径，例如：/{word} 方案.docx（导入）", raw=raw)
    return replace(cmd, text=" ".join(path))


def _view(text: str, raw: str) -> Command | None:
    low = text.lower()
    if low in VIEW_WORDS:
        return Command("view", view=VIEW_WORDS[low], raw=raw)
    if text in STATUS_VIEWS or low in STATUS_VIEWS:
        return Command(
            "view", view="status", status=STATUS_VIEWS.get(text) or STATUS_VIEWS[low], raw=raw
        )
    m = _WITHIN.match(low)
    if m:
        days = int(m.group(1))
        return Command("view", view="within", days=days, raw=raw)
    m = _YEAR_MONTH.match(text)
    if m:
        year, month = int(m.group(1)), int(m.group(2))
        if not 1 <= month <= 12:
            return Command("error", text=f"月份“{month}”不对，应为 1–12。", raw=raw)
        return Command("view", view="year_month", year=year, month=month, raw=raw)
    m = _MONTH_ONLY.match(text)
    if m:
        month = int(m.group(1))
        if 1 <= month <= 12:
            return Command("view", view="year_month", month=month, raw=raw)
    return None


# Commands whose `text` is what a person wrote for the record: kept as typed.
_AS_TYPED = {"mark", "note", "confirm", "send_back"}
# `7完成了吗`, `7 进行中？`: a question about the status, never a change (the question parser
# answers it). Only when nothing but question particles follows the status word: a note that
# happens to end in 呢 (`受阻 缺少经费，怎么办呢`) is still a note.
_QUESTION_NOTE = re.compile(
    r"^(?:了|是|已经|是否|有没有)?(?:吗|么|嘛|呢|没|没有|了没|了没有)?[?？]*$"
)
_QUESTION_MARK = re.compile(r"[吗么嘛呢没?？]")


def asks(cmd: Command) -> bool:
    """Is this status change really a question (`7完成了吗`)?"""
    return (
        cmd.name in ("mark", "confirm")
        and bool(_QUESTION_NOTE.match(cmd.text.strip()))
        and bool(_QUESTION_MARK.search(cmd.raw))
    )


def parse(line: str) -> Command:
    """Parse one typed line. Never raises: odd input becomes an `error` or a `search`.

    Command words and numbers are read from the normalised line; a note or reason is
    taken from the line as typed (full-width punctuation, spaces and all)."""
    raw = line if isinstance(line, str) else ""
    cmd = _parse(raw)
    if asks(cmd):
        return Command("search", text=normalize_line(raw), raw=raw)
    if cmd.name in _AS_TYPED and cmd.text:
        cmd = replace(cmd, text=raw_tail(raw, normalize_line(raw), cmd.text))
    return cmd


def _parse(raw: str) -> Command:
    text = normalize_line(raw)
    if not text:
        return Command("empty", raw=raw)
    if text.startswith("/"):
        body = text[1:].strip()
        if not body:
            return Command("error", text="“/”后面请写命令，例如 /help。", raw=raw)
        return _slash(body, raw)
    if text in ("?", "？"):
        return Command("help", raw=raw)
    if text.lower() in BARE_COMMANDS:
        return Command(COMMAND_ALIASES[text.lower()], raw=raw)

    if _WITHIN.match(text.lower()) or _YEAR_MONTH.match(text):  # `7 天内`, `2021 年 6 月`
        view = _view(text, raw)
        if view is not None:
            return view

    head, _, rest = text.partition(" ")
    rest = rest.strip()
    # `7 …` / `#7 …` / `7完成` (glued)
    tid = parse_task_id(head)
    if tid is None:
        m = re.match(r"^#?(\d{1,9})(\D.*)$", head)
        if m and not m.group(2).startswith(("天", "日", "月", "年", "day", "-", "/", ".")):
            tid = int(m.group(1)) or None
            if tid is not None:
                rest = (m.group(2) + (" " + rest if rest else "")).strip()
    glued = tid is not None and parse_task_id(head) is None
    if tid is not None:
        action, note = _split_action(rest)
        if not glued or _known_action(action):
            return _task_action(tid, action, note, raw)
    # `宣城2020-7 …` / `#宣城2020-7 …` / `宣城2020-7完成` (glued)
    key = parse_task_key(head)
    m = _KEY.match(head) if key is None else None
    if m is not None and m.group("rest") and int(m.group("n")):
        action, note = _split_action((m.group("rest") + (" " + rest if rest else "")).strip())
        if _known_action(action):
            return _task_action(m.group("key").replace("－", "-"), action, note, raw)
    if key is not None:
        action, note = _split_action(rest)
        return _task_action(key, action, note, raw)
    if head.startswith("#") and len(head) > 1:
        return Command(
            "error",
            text=f"任务编号“{head}”无效，应为数字或 方案代码-编号，例如 #7 或 宣城2020-7。",
            raw=raw,
        )

    # `完成 7 …` / `done 7 …` / `备注 7 …`
    low = head.lower()
    if low in STATUS_WORDS or low in NOTE_WORDS or low in CONFIRM_WORDS or low in SEND_BACK_WORDS:
        word2, _, tail = rest.partition(" ")
        tid2 = parse_task_id(word2)
        if tid2 is not None:
            return _task_action(tid2, low, tail.strip(), raw)
        key2 = parse_task_key(word2)
        if key2 is not None:
            return _task_action(key2, low, tail.strip(), raw)

    view = _view(text, raw)
    if view is not None:
        return view
    return Command("search", text=text, raw=raw)


def completions(token: str, words: list[str], keys: dict[str, str] | None = None) -> list[str]:
    """Words that `token` can complete to: prefix first, then the part after 区/市/县, then
    pinyin keys (`qb` -> 区编办 through keys {"qbb": "区编办"})."""
    if not token:
        return []
    low = token.lower()
    out: list[str] = []
    if low.isascii() and keys:
        for key, word in keys.items():
            if key.lower().startswith(low) and word not in out:
                out.append(word)
    for w in words:
        if w.lower().startswith(low) and w != token:
            out.append(w)
    for w in words:
        stem = w[1:] if w[:1] in ("区", "市", "县") else w
        if w not in out and stem.startswith(token) and w != token:
            out.append(w)
    return out


def common_prefix(words: list[str]) -> str:
    if not words:
        return ""
    first, last = min(words), max(words)
    n = 0
    while n < min(len(first), len(last)) and first[n] == last[n]:
        n += 1
    return first[:n]

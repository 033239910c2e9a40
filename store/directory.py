"""The unit directory (单位名录): the real organisations behind a plan's unit cells.

Most tasks in real plans are given to collective words (各街道, 各相关部门), not to the streets
and departments whose staff log in. A directory — a file the office already keeps — names each
unit with its kind (街道 / 部门 / 乡镇 / 社区 / 其他), its short names and aliases, and the OS
logins of its staff. With it a collective word expands to its members, spelling variants of one
unit meet under one name, and a login maps to the unit it works for.

A row whose name starts with `#` is a comment. The table of collective words is data: `data/collective_words.csv` holds the usual ones, and a
directory file may add rows of kind 统称 whose 涵盖 column names the kind they cover.
Pure Python over plain values: no database here (the store keeps `Directory.to_records()`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import cache, lru_cache
from pathlib import Path

from .errors import InputError
from .model import Unit
from .record import field, record
from .textutil import one_line

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from typing import Any

KINDS: tuple[str, ...] = ("街道", "部门", "乡镇", "社区", "其他")
COLLECTIVE = "统称"  # the kind of a row that names a collective word, not a unit
COLLECTIVE_FILE = "collective_words.csv"

# Header cells, as offices write them, for each column of a directory file.
HEADERS: dict[str, tuple[str, ...]] = {
    "name": ("单位名称", "单位全称", "单位", "名称", "部门名称", "全称"),
    "kind": ("类别", "类型", "单位类别", "单位类型", "分类"),
    "aliases": ("简称或别名", "简称", "别名", "简称/别名", "简称、别名", "又称"),
    "logins": ("账号", "登录名", "用户名", "账户", "系统账号", "登录账号"),
    "covers": ("涵盖", "包括", "包含"),
}
MAX_UNITS = 5000  # a district has dozens, a city a few hundred


@record(frozen=True)
class DirUnit:
    """One organisation of the directory."""

    name: str
    kind: str = "其他"
    aliases: tuple[str, ...] = ()
    logins: tuple[str, ...] = ()
    pinyin: str = ""  # computed at import, so lookups never load pypinyin
    initials: str = ""

    def to_record(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "aliases": list(self.aliases),
            "logins": list(self.logins),
            "pinyin": self.pinyin,
            "initials": self.initials,
        }

    def as_unit(self) -> Unit:
        """The directory's unit as the name lookups (`resolve_units`, search) know units."""
        return Unit(self.name, list(self.aliases), self.pinyin, self.initials)

    @classmethod
    def from_record(cls, rec: dict[str, Any]) -> DirUnit:
        return cls(
            name=str(rec["name"]),
            kind=str(rec.get("kind") or "其他"),
            aliases=tuple(str(a) for a in rec.get("aliases") or ()),
            logins=tuple(str(a) for a in rec.get("logins") or ()),
            pinyin=str(rec.get("pinyin") or ""),
            initials=str(rec.get("initials") or ""),
        )


@lru_cache(maxsize=16384)  # a plan repeats a few hundred cell names thousands of times
def variant_key(name: str) -> str:
    """The form two spellings of one unit share: width, brackets, spaces and 人民 do not count
    (各县（市、区）政府 = 各县市区政府 = 各县市区人民政府)."""
    key = unicodedata.normalize("NFKC", name)
    key = re.sub(r"[\s()（）〔〕\[\]【】、,，.。·]", "", key)
    return key.replace("人民政府", "政府")


@record
class Directory:
    """Units by name, the collective words, and lookups over both."""

    units: dict[str, DirUnit] = field(default_factory=dict)
    collective: dict[str, str] = field(default_factory=dict)  # word -> the kind it covers

    def __post_init__(self) -> None:
        self._by_key: dict[str, str] = {}
        for unit in self.units.values():
            for spelling in (unit.name, *unit.aliases):
                self._by_key.setdefault(variant_key(spelling), unit.name)
        self._collective_keys = {variant_key(w): kind for w, kind in self.collective.items()}
        self._expanded: dict[str, list[tuple[str, str | None]]] = {}

    def __bool__(self) -> bool:
        return bool(self.units)

    # -- lookups -----------------------------------------------------------------------------
    def canonical(self, name: str) -> str | None:
        """The directory's name for a spelling of one of its units, or None."""
        return self._by_key.get(variant_key(name))

    def covered_kind(self, name: str) -> str | None:
        """The kind a collective word covers (各街道 -> 街道), or None for any other name."""
        return self._collective_keys.get(variant_key(name))

    def members(self, kind: str) -> list[str]:
        return [u.name for u in self.units.values() if u.kind == kind]

    def expand(self, name: str) -> list[tuple[str, str | None]]:
        """The units a cell's name stands for, each with the collective word it came through
        (None when named directly). Unknown names stay as they are."""
        found = self._expanded.get(name)
        if found is None:
            kind = self.covered_kind(name)
            members = self.members(kind) if kind is not None else []
            if members:
                found = [(m, name) for m in members]
            else:
                found = [(self.canonical(name) or name, None)]
            self._expanded[name] = found
        return found

    def units_of_login(self, login: str) -> list[str]:
        return [u.name for u in self.units.values() if login in u.logins]

    def look_alikes(self, names: Iterable[str] = ()) -> list[tuple[str, str]]:
        """Pairs of names that look like one unit but are not merged: one is the other with
        区/市/县/政府 added or taken away (区信息办 / 区政府信息办), or a short form of it
        (区人社局 / 区人力资源和社会保障局). `names` adds the unit names a plan uses."""
        pool = sorted({*self.units, *(n for n in names if not self.covered_kind(n))})
        pool = [n for n in pool if self.canonical(n) is None or n in self.units]
        out: list[tuple[str, str]] = []
        stems = {n: _stem(n) for n in pool}
        for i, a in enumerate(pool):
            for b in pool[i + 1 :]:
                if stems[a] == stems[b] or _short_form(stems[a], stems[b]):
                    out.append((a, b))
        return out

    # -- storing -----------------------------------------------------------------------------
    def to_records(self) -> dict[str, Any]:
        return {
            "units": [u.to_record() for u in self.units.values()],
            "collective": dict(self.collective),
        }

    @classmethod
    def from_records(cls, data: dict[str, Any] | None) -> Directory:
        if not data:
            return cls()  # no directory: every name stands for itself
        units = [DirUnit.from_record(r) for r in data.get("units") or ()]
        return cls({u.name: u for u in units}, dict(data.get("collective") or {}))


def _stem(name: str) -> str:
    key = variant_key(name)
    key = re.sub(r"^(区|市|县)", "", key)
    return key.replace("政府", "", 1) if not key.endswith("政府") else key


def _short_form(a: str, b: str) -> bool:
    """One is the other with characters left out, first and last kept (人社局 / 人力资源和
    社会保障局, 教育局 / 教育体育局); 民政局 and 财政局 are not."""
    short, long = sorted((a, b), key=len)
    if len(short) < 3 or short == long or short[0] != long[0] or short[-1] != long[-1]:
        return False
    rest = iter(long)
    return all(ch in rest for ch in short)


# -- reading a directory file --------------------------------------------------------------
def default_collective() -> dict[str, str]:
    """The collective words shipped in data/collective_words.csv (word -> kind covered)."""
    from importlib import resources

    text = resources.files("zwgk.data").joinpath(COLLECTIVE_FILE).read_text("utf-8-sig")
    out: dict[str, str] = {}
    for line in text.splitlines()[1:]:
        word, _, kind = line.partition(",")
        if word.strip() and kind.strip():
            out[word.strip()] = kind.strip()
    return out


@cache  # compiled when a directory file is read, not by every command that loads this module
def _list_separators() -> re.Pattern[str]:
    return re.compile(r"[、,，;；/\s]+")


def _split_list(cell: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p for p in _list_separators().split(cell.strip()) if p))


def _columns(header: list[str]) -> dict[str, int] | None:
    found: dict[str, int] = {}
    for i, cell in enumerate(header):
        key = re.sub(r"\s+", "", cell)
        for column, names in HEADERS.items():
            if key in names and column not in found:
                found[column] = i
    return found if "name" in found else None


def parse_rows(rows: Iterable[tuple[int, list[str]]], source: str) -> Directory:
    """A directory from (line, cells) rows: a header row with 单位名称 somewhere near the top,
    then one unit (or collective word) per row. Problems name the file and the line."""
    it: Iterator[tuple[int, list[str]]] = iter(rows)
    cols = None
    for _ in range(20):
        try:
            line, cells = next(it)
        except StopIteration:
            break
        cols = _columns(cells)
        if cols is not None:
            break
    if cols is None:
        raise InputError(f"{source} 中没有找到表头“单位名称”（可选：类别、简称或别名、账号）。")

    def cell(cells: list[str], column: str) -> str:
        i = cols.get(column)
        return one_line(cells[i]).strip() if i is not None and i < len(cells) else ""

    from .pinyin import unit_keys

    units: dict[str, DirUnit] = {}
    collective = default_collective()
    for line, cells in it:
        name = cell(cells, "name")
        if not name or name.startswith("#"):  # blank rows and comment rows
            continue
        kind = cell(cells, "kind") or "其他"
        if kind == COLLECTIVE:
            covers = cell(cells, "covers")
            if covers not in KINDS:
                raise InputError(
                    f"{source} 第 {line} 行：统称“{name}”需在“涵盖”列写明 {'、'.join(KINDS)} 之一。"
                )
            collective[name] = covers
            for alias in _split_list(cell(cells, "aliases")):
                collective[alias] = covers
            continue
        if kind not in KINDS:
            raise InputError(
                f"{source} 第 {line} 行：类别“{kind}”无效，应为 {'、'.join(KINDS)} 或 {COLLECTIVE}。"
            )
        if name in units:
            raise InputError(f"{source} 第 {line} 行：单位“{name}”重复出现。")
        aliases = tuple(a for a in _split_list(cell(cells, "aliases")) if a != name)
        full, initials = unit_keys(name)
        units[name] = DirUnit(
            name, kind, aliases, _split_list(cell(cells, "logins")), full, initials
        )
        if len(units) > MAX_UNITS:
            raise InputError(f"{source} 的单位超过 {MAX_UNITS} 个，不像是单位名录。")
    if not units:
        raise InputError(f"{source} 中没有单位（表头下面是空的）。")
    return Directory(units, collective)


def read_directory(path: Path) -> Directory:
    """A directory file: .csv (UTF-8, BOM or GB18030), .xlsx, or .txt (tab or comma separated)."""
    from .importers import decode

    path = Path(path)
    shown = one_line(str(path))
    if not path.is_file():
        raise InputError(f"找不到单位名录文件 {shown}。")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return parse_rows(_xlsx_rows(path, shown), shown)
    data = path.read_bytes()
    if len(data) > 5 * 1024 * 1024:
        raise InputError(f"单位名录文件 {shown} 过大，不像是单位名录。")
    text = decode(path, data)
    return parse_rows(_text_rows(text), shown)


def _text_rows(text: str) -> Iterator[tuple[int, list[str]]]:
    import csv
    import io

    lines = text.replace("\r\n", "\n").replace("\r", "\n")
    delimiter = "\t" if lines.count("\t") >= lines.count(",") else ","
    reader = csv.reader(io.StringIO(lines, newline=""), delimiter=delimiter)
    for cells in reader:
        yield reader.line_num, [c.strip() for c in cells]


def _xlsx_rows(path: Path, shown: str) -> Iterator[tuple[int, list[str]]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any library failure is a bad file
        raise InputError(f"无法读取单位名录 {shown}（{type(exc).__name__}）。") from exc
    try:
        sheet = book.worksheets[0]
        for n, row in enumerate(sheet.iter_rows(values_only=True, max_col=16), 1):
            yield n, ["" if v is None else str(v) for v in row]
    finally:
        book.close()

"""Readers for work-plan documents: plain-text dumps, .docx, .xlsx and CSV.

`read_plan` is the boundary: whatever a library raises on a bad file becomes one InputError
sentence naming the file, so no traceback ever reaches a person. Before a library sees a file,
its size and shape are bounded (`limits.py`): a small crafted file must not unpack into
gigabytes, and what it yields must fit in a database zwgk can open again.
"""

from __future__ import annotations

import re
from pathlib import Path
from xml.parsers import expat

from ..errors import InputError
from ..textutil import sanitize
from . import limits
from .base import ParsedPlan, Sheet

_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")
MAX_BYTES = 50 * 1024 * 1024  # far above any real plan; protects against reading a disk image


def read_plan(path: Path) -> ParsedPlan:
    """Parse a document into a plan, choosing the reader by content and suffix."""
    from .table import build_plan

    path = Path(path)
    try:
        sheets, continue_tables = _sheets(path)
        return build_plan(sheets, path, continue_tables=continue_tables)
    except InputError as err:  # the file name in the message may hold escape sequences
        raise InputError(sanitize(err.message, keep_newlines=False)) from err.__cause__
    except Exception as exc:  # noqa: BLE001 - the boundary: any library failure is bad input
        raise InputError(
            sanitize(
                f"无法读取文件 {path}：内容已损坏或格式不受支持（{type(exc).__name__}）。",
                keep_newlines=False,
            )
        ) from exc


def _sheets(path: Path) -> tuple[list[Sheet], bool]:
    """The grids in a file, and whether later ones continue the first (split Word tables)."""
    from . import excel, word

    if not path.exists():
        raise InputError(f"找不到文件 {path}。")
    if path.is_dir():
        raise InputError(f"{path} 是一个目录，请指定一个文件。")
    size = path.stat().st_size
    if size == 0:
        raise InputError(f"文件 {path} 是空的。")
    if size > MAX_BYTES:
        raise InputError(f"文件 {path} 过大（{size // 1024 // 1024} MB），不像是工作方案表格。")
    data = path.read_bytes()
    suffix = path.suffix.lower()
    sheets: list[Sheet]
    if data.startswith(b"PK\x03\x04") or suffix in (".docx", ".xlsx", ".xlsm"):
        kind = _zip_kind(path, data)
        del data  # the libraries read the file themselves
        if kind == "docx":
            sheets, continues = word.read(path), True
        else:
            sheets, continues = excel.read(path), False
        limits.check_sheets(path, sheets)
        return sheets, continues
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError(
            f"文件 {path} 是旧版 Office 格式（.doc/.xls），请另存为 .docx 或 .xlsx 后再导入。"
        )
    if len(data) > limits.MAX_TEXT_BYTES:
        raise InputError(
            f"文件 {path} 过大（{len(data) // 1024 // 1024} MB），文本或 CSV 表格不应超过 "
            f"{limits.MAX_TEXT_BYTES // 1024 // 1024} MB。"
        )
    sheets, continues = _text_sheets(path, decode(path, data))
    limits.check_sheets(path, sheets)
    return sheets, continues


def _text_sheets(path: Path, decoded: str) -> tuple[list[Sheet], bool]:
    from . import csvtable, text

    if not decoded.strip():
        raise InputError(f"文件 {path} 是空的。")
    if text.is_dump(decoded):
        return text.read(decoded, path), False
    if csvtable.looks_delimited(decoded):
        return csvtable.read(decoded), False
    raise InputError(f"文件 {path} 不是表格：没有找到用制表符或逗号分隔的单元格。")


def _zip_kind(path: Path, data: bytes) -> str:
    import zipfile

    label = {".docx": "Word（.docx）", ".xlsx": "Excel（.xlsx）"}.get(
        path.suffix.lower(), "Office "
    )
    if not data.startswith(b"PK\x03\x04") or not zipfile.is_zipfile(path):
        raise InputError(f"文件 {path} 不是有效的 {label}文件（不是 zip 压缩包）。")
    try:
        with zipfile.ZipFile(path) as z:
            limits.check_zip(path, z)  # sizes from the zip's directory, before unpacking
            names = set(z.namelist())
            if "word/document.xml" in names:
                limits.check_docx_tables(path, z)
                return "docx"
            if "xl/workbook.xml" in names:
                limits.check_xlsx_sheets(path, z)
                return "xlsx"
    except (zipfile.BadZipFile, expat.ExpatError, EOFError):
        raise InputError(f"文件 {path} 不是有效的 {label}文件（压缩包已损坏）。") from None
    raise InputError(f"文件 {path} 是 zip 压缩包，但不是 Word 或 Excel 文档。")


def decode(path: Path, data: bytes) -> str:
    """UTF-8 (BOM or not), UTF-16 with BOM (Excel's "Unicode text"), else GB18030."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise InputError(f"文件 {path} 的编码无法识别（UTF-16 内容有误）。") from None
    if b"\x00" in data:
        raise InputError(f"文件 {path} 是二进制文件，不是文本或表格。")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        controls = len(_CONTROLS.findall(text))
        if controls * 100 > len(text):
            raise InputError(f"文件 {path} 是二进制文件，不是文本或表格。")
        return text
    raise InputError(f"文件 {path} 的编码无法识别，请另存为 UTF-8 或 GB18030 编码。")

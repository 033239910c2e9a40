"""Readers for work-plan documents: plain-text dumps, .docx, .xlsx and CSV."""

from __future__ import annotations

from pathlib import Path

from ..errors import InputError
from .base import ParsedPlan


def read_plan(path: Path) -> ParsedPlan:
    """Parse a document into a plan, choosing the reader by content and suffix."""
    from . import text

    if not path.exists():
        raise InputError(f"找不到文件 {path}。")
    return text.read(path)

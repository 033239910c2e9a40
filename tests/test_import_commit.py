"""An import's commit dumps the database once (issue 14: import at 100k) and still keeps its
promises: no control character is stored, a task file too big is refused with nothing written,
and the file written is the one `dump_db` describes."""

from __future__ import annotations

import json
import os
import zlib
from pathlib import Path
from typing import Any

import pytest
from conftest import SEED, SEED_TODAY
from hypothesis import given, settings
from hypothesis import strategies as st

from zwgk.store import dbfile, transaction
from zwgk.store.cleanjson import may_need_cleaning
from zwgk.store.codec import dump_json
from zwgk.store.context import Context
from zwgk.store.dbfile import Dumped, dump_db, verified
from zwgk.store.errors import InputError
from zwgk.store.files import events_path
from zwgk.store.service import Service
from zwgk.store.textutil import sanitize

# Every kind of character `sanitize` removes or replaces, what JSON escapes or writes with a
# backslash, and ordinary text (CJK, full-width space and punctuation, quotes).
NASTY = (
    "\x00\x07\x08\x0b\x0c\x0d\x1b\x1f\x7f\x80\x85\x9b\x9f"
    "\u200e\u200f\u202a\u202e\u2066\u2069\u2028\u2029\ud800\udfff"
)
ORDINARY = '政务公开，（）“”…—·\u3000\xa0\t\n "\\/abc19bfru\u200d\u2030\u2065\u206a'


@settings(max_examples=1500, deadline=None)
@given(st.text(alphabet=NASTY + ORDINARY, max_size=12), st.text(alphabet=ORDINARY, max_size=6))
def test_every_string_sanitize_would_change_is_seen_in_the_dump(text: str, key: str) -> None:
    for data in ({"k": text}, {key: [text, 1, None]}, {text: "x"}):
        try:
            dumped = dump_json(data)
        except UnicodeEncodeError:  # a lone surrogate: the commit cleans when the dump fails
            assert "\ud800" in text or "\udfff" in text
            continue
        if sanitize(text) != text:
            assert may_need_cleaning(dumped), repr(text)


def test_ordinary_text_is_not_walked_again() -> None:
    """The point of the check: a plan's usual cells give no reason to walk the records."""
    text = "编制政策解读机制，加强公共服务清单（区政府办）“一网通办”……\u3000·\t第2\n行"
    assert not may_need_cleaning(dump_json({"tasks": {"1": {"text": text, "py": "字zi"}}}))
    assert may_need_cleaning(dump_json({"text": "a\\b"}))  # a false yes, never a false no


def _reference_dump(data: dict[str, Any]) -> bytes:
    """The task file as `dump_db` wrote it before it was made fast: one join, then meta."""
    parts = [b"{\n"]
    for name, table in data.items():
        if name not in ("tasks", "meta"):
            parts.append(dump_json(name) + b":" + dump_json(table) + b",\n")
    parts.append(b'"tasks":{\n')
    tasks = data.get("tasks") or {}
    parts.append(b",\n".join(dump_json(str(k)) + b":" + dump_json(v) for k, v in tasks.items()))
    parts.append(b"\n},\n")
    body = b"".join(parts)
    meta = dict(data.get("meta") or {})
    meta["1"] = {**(meta.get("1") or {}), "crc": zlib.crc32(body), "body": len(body)}
    return body + b'"meta":' + dump_json(meta) + b"}\n"


@pytest.mark.parametrize("count", [0, 1, 2, 3, 4, 6, 7, 10])
def test_dumped_in_chunks_is_the_file_dump_db_always_wrote(
    count: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Dumped, "LINES_PER_CHUNK", 3)
    data: dict[str, Any] = {
        "plans": {"1": {"title": "方案", "year": 2021}},
        "tasks": {str(i): {"id": i, "text": f"事项{i}\n“二”\\"} for i in range(1, count + 1)},
        "units": {},
        "meta": {"1": {"schema": 1, "last_seq": 3}},
    }
    if count == 10:
        data["tasks"]['x"y'] = {}  # not a decimal id (validation refuses it): escaped all the same
    dumped = Dumped(data)
    payload = b"".join(dumped.pieces(data["meta"]))
    assert payload == dump_db(data) == _reference_dump(data)
    assert dumped.size(data["meta"]) == len(payload) and verified(payload)
    assert len(dumped.chunks) == max(1, -(-len(data["tasks"]) // 3))
    assert json.loads(payload)["tasks"] == data["tasks"]
    assert dump_db({}) == _reference_dump({})


def _service(tmp_path: Path, name: str = "zwgk.json") -> Service:
    return Service.open(Context(tmp_path / name, SEED_TODAY, user="tester"), seed=False)


def _exchange_with(tmp_path: Path, dirty: str) -> Path:
    """The seed plan as an exchange file, with `dirty` planted in every kind of text."""
    source = _service(tmp_path, "source.json")
    source.import_file(SEED)
    path = tmp_path / "plan.json"
    source.export_file(path)
    data = json.loads(path.read_text("utf-8"))
    for plan in data["plans"]:
        plan["title"] = "方案" + dirty
    for rec in data["tasks"]:
        rec["plan"] = "方案" + dirty
        rec["text"] += dirty
        rec["group_title"] += dirty
        rec["lead_units"] = [u + dirty for u in rec["lead_units"]]
    path.write_text(json.dumps(data), "utf-8")  # a lone surrogate as JSON writes it: \\ud800
    return path


def _strings(obj: Any) -> list[str]:
    if isinstance(obj, str):
        return [obj]
    if isinstance(obj, dict):
        return [s for k, v in obj.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(obj, list):
        return [s for v in obj for s in _strings(v)]
    return []


@pytest.mark.parametrize("dirty", ["\x1b]0;x\x07", "\u202e\r\x85", "\ud800"])
def test_control_characters_in_an_exchange_file_are_not_stored(tmp_path: Path, dirty: str) -> None:
    """The exchange file is the importer that cleans nothing itself: the commit does."""
    service = _service(tmp_path)
    report = service.import_file(_exchange_with(tmp_path, dirty)).report
    assert report.added == 29
    stored = json.loads(service.store.path.read_bytes())
    texts = [s for name in ("plans", "tasks", "units") for s in _strings(stored[name])]
    assert texts and all(sanitize(s) == s for s in texts)
    task = service.tasks()[0]
    assert task.text.endswith(sanitize(dirty)) and task.plan == "方案" + sanitize(dirty)


def test_an_import_is_dumped_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[int] = []

    class Counted(Dumped):
        def __init__(
            self, data: dict[str, Any], plain: set[int] | frozenset[int] | range = frozenset()
        ) -> None:
            super().__init__(data, plain)
            made.append(self.length)

    monkeypatch.setattr(transaction, "Dumped", Counted)
    service = _service(tmp_path)
    assert service.import_file(SEED).report.added == 29
    assert len(made) == 1
    assert verified(service.store.path.read_bytes())


def test_a_too_big_import_is_refused_with_nothing_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Measured on the commit's own dump, refused before the log or the task file is touched:
    the files and the backups are byte for byte what they were."""
    service = _service(tmp_path)
    service.import_file(SEED)
    db = service.store.path

    def files() -> dict[str, bytes]:
        return {
            str(p.relative_to(tmp_path)): p.read_bytes()
            for p in sorted(tmp_path.rglob("*"))
            if p.is_file() and p.name != "zwgk.json.lock"
        }

    before = files()
    size = len(db.read_bytes())
    # Room for what is there, not for a second copy of the plan (the import's share is 75 %).
    monkeypatch.setattr(dbfile, "MAX_DB_BYTES", int(size * 1.6))
    with pytest.raises(InputError) as err:
        service.import_file(SEED, title="另一份方案")
    assert err.value.message.startswith("导入 seed_plan.txt 后数据库将达到 ")
    assert err.value.message.endswith("MB，已取消，未做任何修改。")
    assert files() == before and os.path.getsize(events_path(db)) > 0
    monkeypatch.setattr(dbfile, "MAX_DB_BYTES", size * 3)
    assert service.import_file(SEED, title="另一份方案").report.added == 29

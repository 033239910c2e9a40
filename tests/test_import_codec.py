"""orjson writes the records an import builds exactly as json would (issue 14: import at 100k).

`dbfile.Dumped` encodes the tasks a transaction vouches for (`Transaction.plain_tasks`: no
float in them) with orjson; everything else, and whatever orjson refuses, goes through json.
The task file must not change by a byte: checked on the seed plan and a generated 1k plan
imported both ways, and on records built to reach the corners of JSON's string escapes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, SEED, SEED_TODAY
from hypothesis import given, settings
from hypothesis import strategies as st

from zwgk.store import dbfile
from zwgk.store.context import Context
from zwgk.store.dbfile import Dumped, dump_db
from zwgk.store.service import Service

sys.path.insert(0, str(ROOT / "bench"))
from gen import make_plan  # noqa: E402


def _tasks_part(path: Path) -> bytes:
    """The task lines of a task file (the plans table holds the import's time)."""
    raw = path.read_bytes()
    return raw[raw.index(b'\n"tasks":{\n') : raw.index(b'\n"meta":')]


def _import_twice(tmp_path: Path, source: Path, monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The task lines after importing `source`, then again on top with sub-items as tasks (new
    records beside kept ones), with orjson and without it."""
    out = []
    for name, fast in (("fast", True), ("json", False)):
        if not fast:
            monkeypatch.setattr(dbfile, "_plain_encoder", lambda: None)
        db = tmp_path / name / "zwgk.json"
        db.parent.mkdir()
        service = Service.open(Context(db, SEED_TODAY, user="tester"), seed=False)
        service.import_file(source)
        out.append(_tasks_part(db))
        service.import_file(source, split_subitems=True)  # new tasks beside the kept ones
        out.append(_tasks_part(db))
    monkeypatch.undo()
    return out


def test_the_seed_plan_is_written_byte_for_byte_as_json_writes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert dbfile._plain_encoder() is not None  # orjson is installed: the fast path is taken
    fast, fast_again, slow, slow_again = _import_twice(tmp_path, SEED, monkeypatch)
    assert fast == slow and fast_again == slow_again
    assert fast.count(b"\n") > 20


def test_a_generated_1k_plan_is_written_byte_for_byte_as_json_writes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "plan-1000.csv"
    make_plan(source, 1000)
    fast, fast_again, slow, slow_again = _import_twice(tmp_path, source, monkeypatch)
    assert fast == slow and fast_again == slow_again
    assert fast.count(b"\n") >= 1000


def test_an_import_vouches_for_its_new_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[set[int] | frozenset[int] | range] = []
    real = Dumped.__init__

    def spy(
        self: Dumped, data: dict[str, Any], plain: set[int] | frozenset[int] | range = frozenset()
    ) -> None:
        seen.append(plain)
        real(self, data, plain)

    monkeypatch.setattr(Dumped, "__init__", spy)
    db = tmp_path / "zwgk.json"
    Service.open(Context(db, SEED_TODAY, user="t"), seed=False).import_file(SEED)
    tasks = json.loads(db.read_bytes())["tasks"]
    assert len(tasks) > 20 and set(seen[-1]) == {int(k) for k in tasks}


# Every character JSON escapes or a UTF-8 writer treats specially, and ordinary text.
CHARS = (
    '\x00\x01\x07\x08\t\n\x0b\x0c\r\x1b\x1f\x20"\\/\x7f\x80\x85\x9f\xa0\xad'
    "\u2028\u2029\u200d\u202e\ufeff\uffff\U0001f600\U00010000政务公开，（）“”"
)
_text = st.text(alphabet=CHARS, max_size=10)
_scalar = st.one_of(_text, st.integers(-(2**70), 2**70), st.booleans(), st.none())
_value = st.recursive(
    _scalar,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_text, inner, max_size=4)),
    max_leaves=12,
)


@settings(max_examples=800, deadline=None)
@given(st.dictionaries(_text, _value, max_size=6))
def test_any_record_without_floats_encodes_as_json_does(record: dict[str, Any]) -> None:
    data = {"plans": {}, "tasks": {"1": record, "2": {"id": 2, "text": "x"}}, "meta": {}}
    assert b"".join(Dumped(data, frozenset({1, 2})).chunks) == b"".join(Dumped(data).chunks)


def test_what_orjson_refuses_or_writes_otherwise_goes_through_json() -> None:
    records = [
        {"n": 2**64},  # beyond 64 bits
        {"k": "\ud800"},  # a lone surrogate: json fails too, with its own error
        {1: "x"},  # a key that is no string
        {"f": 1e-05},  # a float is never vouched for, but if it were: json's spelling
    ]
    for rec in records[:1] + records[2:]:
        data = {"tasks": {"1": rec}}
        expected = b"".join(Dumped(data).chunks)
        if "f" in rec:
            assert b"1e-05" in expected
            continue
        assert b"".join(Dumped(data, frozenset({1})).chunks) == expected
    with pytest.raises(UnicodeEncodeError):
        Dumped({"tasks": {"1": records[1]}}, frozenset({1}))
    assert dump_db({"tasks": {"1": {"a": [1, None, True, "政务"]}}}) == dump_db(
        json.loads(json.dumps({"tasks": {"1": {"a": [1, None, True, "政务"]}}}))
    )

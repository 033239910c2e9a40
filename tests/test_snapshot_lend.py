"""A read snapshot made again takes the line indexes of the one it replaces when they were
made from the very same texts (store/readviews.`_lines_of`), and only then.

Those indexes are most of a new snapshot's time (~15 s of ~20 at 100,000 tasks), and a
checkpoint (the task file rewritten with the log absorbed) changes no text. Whether they were
lent or made again is told apart by their bytes: made under another hash seed, the same
index marshals its dicts in another order (the control test shows it)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from conftest import Runner, plan_csv
from test_readcache import same_as_reference, seeded, trusted, warm

from zwgk.store.context import Context
from zwgk.store.db import Store
from zwgk.store.readviews import LINE_PARTS, LINES_KEY
from zwgk.store.snapfile import SnapFile, snap_path

PARTS = (LINES_KEY, *LINE_PARTS)


def kept_parts(db: Path) -> dict[str, bytes | None]:
    found = SnapFile.open(snap_path(db))
    assert found is not None
    try:
        return {name: found.raw(name) for name in PARTS}
    finally:
        found.close()


def seeded_run(zwgk: Runner, seed: str, *args: str) -> None:
    """`zwgk args` with this hash seed (the first run on a new database plants the plan)."""
    got = zwgk(*args, env={"PYTHONHASHSEED": seed})
    assert got.returncode == 0, got.stderr


def checkpoint(db: Path) -> None:
    Store(Context(db_path=db, today=date(2020, 12, 15), user="tester")).checkpoint()


def test_a_snapshot_made_again_under_another_seed_has_other_bytes(
    zwgk: Runner, db_path: Path
) -> None:
    """The control: without a snapshot to lend them, the indexes are made again, and their
    bytes show it. So equal bytes below mean lent."""
    seeded(zwgk)
    seeded_run(zwgk, "1", "search", "公开")
    first = kept_parts(db_path)
    snap_path(db_path).unlink()
    seeded_run(zwgk, "2", "search", "公开")
    again = kept_parts(db_path)
    assert again[LINES_KEY] == first[LINES_KEY]  # the same texts, the same key
    assert all(again[name] != first[name] for name in LINE_PARTS)


def test_a_checkpoint_keeps_the_line_indexes_and_the_answers(zwgk: Runner, db_path: Path) -> None:
    warm(zwgk, db_path)
    seeded_run(zwgk, "1", "search", "公开")
    assert zwgk("mark", "3", "done", "--note", "已上报").returncode == 0
    checkpoint(db_path)
    before = kept_parts(db_path)
    assert not trusted(db_path)  # the task file was rewritten: the snapshot is not used as is
    seeded_run(zwgk, "2", "list")
    assert kept_parts(db_path) == before
    assert trusted(db_path)
    same_as_reference(zwgk)


def test_other_texts_have_their_indexes_made_again(
    zwgk: Runner, db_path: Path, tmp_path: Path
) -> None:
    seeded(zwgk)
    seeded_run(zwgk, "1", "search", "公开")
    before = kept_parts(db_path)
    got = zwgk("import", str(plan_csv(tmp_path, 30)))
    assert got.returncode == 0, got.stderr
    seeded_run(zwgk, "2", "list")
    after = kept_parts(db_path)
    assert after[LINES_KEY] != before[LINES_KEY]
    assert all(after[name] != before[name] for name in LINE_PARTS)
    same_as_reference(zwgk, [("search", "清单"), ("search", "第12项"), ("search", "slqd")])


def test_a_damaged_part_of_the_replaced_snapshot_is_not_lent(zwgk: Runner, db_path: Path) -> None:
    seeded(zwgk)
    seeded_run(zwgk, "1", "search", "公开")
    checkpoint(db_path)
    snap = snap_path(db_path)
    found = SnapFile.open(snap)
    assert found is not None
    offset, length, _ = found.sections["search_text_lines"]
    found.close()
    data = bytearray(snap.read_bytes())
    data[offset + length // 2] ^= 0xFF  # its CRC fails now
    snap.write_bytes(bytes(data))
    seeded_run(zwgk, "2", "list")
    after = kept_parts(db_path)
    assert after["search_text_lines"] is not None  # made again, whole
    same_as_reference(zwgk)

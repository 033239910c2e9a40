"""The read snapshot (`<db>.snap`, store/readcache.py): what it answers is what the database says.

Every case runs the installed `zwgk` twice per read command, with the snapshot and without
it (`ZWGK_NO_SNAPSHOT=1`: the ordinary read of the task file and the log), and wants the same
exit code, output and errors. The cases are the ways a snapshot can stop describing the
database: the log grew (a colleague's mark), the task file was replaced (an import) or edited
in place, the snapshot was cut short, garbled, copied from another database, written by
another version, or could not be written at all.
"""

from __future__ import annotations

import json
import marshal
import os
import random
import shutil
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, SAMPLES, SEED_TODAY, Runner, plan_csv
from hypothesis import given, settings
from hypothesis import strategies as st

from zwgk.store import jsontext, readcache, readviews, snapfile
from zwgk.store.readcache import OFF_SWITCH, ReadCache, open_cache
from zwgk.store.snapfile import SnapFile, snap_path

DIRECTORY = str(ROOT / "data" / "example_directory.csv")

# The read commands, in the forms scripts and people use them.
READS: list[tuple[str, ...]] = [
    ("list", "--json"),
    ("list", "--unit", "各街道"),
    ("list", "--unit", "区信息办", "--role", "guide", "--json"),
    ("list", "--overdue"),
    ("search", "政务公开", "目录"),
    ("search", "zwgk", "--json"),
    ("search", "舆请"),  # a homophone slip
    ("show", "3"),
    ("show", "7", "--json"),
    ("units",),
    ("units", "--json"),
]


def same_as_reference(zwgk: Runner, reads: list[tuple[str, ...]] = READS) -> None:
    for args in reads:
        got = zwgk(*args)
        want = zwgk(*args, env={OFF_SWITCH: "1"})
        assert got.returncode == want.returncode, (args, got.stderr, want.stderr)
        assert got.stdout == want.stdout, args
        assert got.stderr == want.stderr, args


def warm(zwgk: Runner, db: Path) -> None:
    """Make the snapshot with every section the read commands keep (`list --json`, search,
    units), as a day of use would."""
    for args in (("list",), ("list", "--json"), ("search", "公开"), ("units",)):
        assert zwgk(*args).returncode == 0  # (the first one plants the seed plan if needed)
    kept = SnapFile.open(snap_path(db))
    assert kept is not None
    assert {"tables", "index", "rows", "pinyin", "search", "tallies", "json"} <= set(kept.sections)
    kept.close()


def trusted(db: Path) -> bool:
    """Whether the snapshot on disk is used as it is (rolled forward at most)."""
    cache = ReadCache(db)
    try:
        return cache.attach()
    finally:
        for found in (cache.file, cache.stale):  # (a snapshot not trusted is kept as stale)
            if found is not None:
                found.close()


def seeded(zwgk: Runner) -> None:
    assert zwgk("directory", "import", DIRECTORY).returncode == 0  # collective words expand
    assert zwgk("mark", "2", "doing", "--unit", "甘棠街道").returncode == 0


# -- the snapshot is made, kept and used -------------------------------------------------------
def test_a_fresh_database_then_its_snapshot_answer_the_same(zwgk: Runner, db_path: Path) -> None:
    assert zwgk("list").returncode == 0  # the seed plan is planted: no snapshot yet
    assert not snap_path(db_path).exists()
    same_as_reference(zwgk)
    snap = snap_path(db_path)
    assert snap.exists() and snap.stat().st_mode & 0o777 == 0o660  # the group shares it
    assert trusted(db_path)
    before = snap.stat().st_mtime_ns
    same_as_reference(zwgk)  # answered from the snapshot, which nothing made stale
    assert snap.stat().st_mtime_ns == before
    seeded(zwgk)
    same_as_reference(zwgk)
    same_as_reference(zwgk, [("list", "--unit", "甘棠街道"), ("list", "--unit", "区教育局")])


def test_other_days_other_plans_and_mistakes_answer_the_same(zwgk: Runner, db_path: Path) -> None:
    seeded(zwgk)
    warm(zwgk, db_path)
    reads = [
        ("--today", "2020-06-01", "list", "--json"),
        ("--today", "2021-06-01", "list", "--json"),
        ("--today", "2021-06-01", "units", "--json"),
        ("list", "--status", "doing", "--json"),
        ("list", "--due-within", "30"),
        ("list", "--group", "4", "--json"),
        ("list", "--unit", "没有这个单位"),
        ("list", "--plan", "nope"),
        ("show", "99"),
        ("show", "abc"),
        ("search", "完全无关的词"),
        ("search", "status:doing", "unit:甘棠街道"),
        ("search", "#5"),
    ]
    same_as_reference(zwgk, reads)
    assert zwgk("import", str(SAMPLES / "xuancheng-2020.xlsx")).returncode == 0
    warm(zwgk, db_path)
    several = [
        ("show", "宣城2020-3"),
        ("show", "3"),  # in two plans: the error names both keys
        ("list", "--plan", "宣城2020", "--json"),
        ("search", "公开", "--plan", "宣城2020"),
        ("list", "--json"),
    ]
    same_as_reference(zwgk, several + READS)
    plans = json.loads(zwgk("plans", "--json").stdout)
    code = next(p["code"] for p in plans if p["code"] != "宣城2020")
    assert zwgk("plan", "archive", code).returncode == 0
    same_as_reference(zwgk, several + READS)


# -- what changes underneath it ----------------------------------------------------------------
def test_a_colleagues_marks_are_rolled_forward(
    zwgk: Runner, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeded(zwgk)
    warm(zwgk, db_path)
    assert zwgk("mark", "3", "done", "--note", "已上报", user="colleague").returncode == 0
    assert zwgk("note", "5", "材料已报送", user="colleague").returncode == 0
    assert zwgk("mark", "1", "done", "--unit", "甘棠街道", user="colleague").returncode == 0
    cache = ReadCache(db_path)
    assert cache.attach() and cache.changed  # used, with the new events applied
    same_as_reference(zwgk)
    # Enough log piled up: the snapshot is written again with the events in it.
    monkeypatch.setattr(readcache, "REWRITE_BYTES", 0)
    cache = open_cache(db_path)
    assert cache is not None and cache.rewrite
    cache.close()
    kept = SnapFile.open(snap_path(db_path))
    assert kept is not None
    assert (
        kept.header["log"][1] == (db_path.parent / (db_path.name + ".events.jsonl")).stat().st_size
    )
    kept.close()
    same_as_reference(zwgk)
    assert zwgk("undo", user="colleague").returncode == 0
    assert zwgk("mark", "3", "blocked", user="colleague").returncode == 0
    same_as_reference(zwgk)
    # A command that used every section, then wrote the snapshot again: written once each.
    assert zwgk("mark", "4", "done", user="colleague").returncode == 0
    cache = open_cache(db_path)
    assert cache is not None and cache.rewrite
    assert readviews.unit_counts(cache, SEED_TODAY) is not None
    assert readviews.search_index(cache, None) is not None
    assert readviews.json_texts(cache) is not None
    readviews.tallies(cache)
    readviews.json_texts(cache)
    cache.close()
    same_as_reference(zwgk)


def test_an_import_replaces_the_task_file(zwgk: Runner, db_path: Path) -> None:
    warm(zwgk, db_path)
    assert zwgk("import", str(SAMPLES / "xuancheng-2020.xlsx")).returncode == 0
    assert not trusted(db_path)
    same_as_reference(zwgk)
    assert trusted(db_path)


def test_a_task_file_edited_in_place_with_the_same_size(
    zwgk: Runner, db_path: Path, tmp_path: Path
) -> None:
    assert (
        zwgk("import", str(plan_csv(tmp_path, 400))).returncode == 0
    )  # the edit far from the ends
    warm(zwgk, db_path)
    raw = db_path.read_bytes()
    assert len(raw) > 3 * snapfile.EDGE
    old, new = "梳理第200项".encode(), "编制第200项".encode()
    assert raw.count(old) == 1 and len(old) == len(new)
    st = db_path.stat()
    with db_path.open("r+b") as fh:  # in place: same file, same size, its mtime put back
        fh.seek(raw.index(old))
        fh.write(new)
    os.utime(db_path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert db_path.stat().st_size == st.st_size and db_path.stat().st_mtime_ns == st.st_mtime_ns
    assert not trusted(db_path)
    found = zwgk("search", "编制第200项")
    assert "第200项" in found.stdout
    same_as_reference(zwgk, [*READS, ("search", "编制第200项"), ("search", "梳理第200项")])


def test_a_log_cut_short_is_refused_as_without_the_snapshot(zwgk: Runner, db_path: Path) -> None:
    warm(zwgk, db_path)
    assert zwgk("mark", "3", "done").returncode == 0
    log = db_path.with_name(db_path.name + ".events.jsonl")
    log.write_bytes(b"")
    assert not trusted(db_path)
    same_as_reference(zwgk, [("list", "--json"), ("show", "3"), ("units",)])
    assert zwgk("list").returncode != 0  # the ordinary read refuses it: so does the snapshot


# -- what happens to the snapshot itself -------------------------------------------------------
@pytest.mark.parametrize("keep", [0, 7, 100, "half", "all but one"])
def test_a_snapshot_cut_short_is_rebuilt(zwgk: Runner, db_path: Path, keep: int | str) -> None:
    warm(zwgk, db_path)
    snap = snap_path(db_path)
    size = snap.stat().st_size
    length = {"half": size // 2, "all but one": size - 1}.get(keep, keep)  # type: ignore[call-overload]
    with snap.open("r+b") as fh:
        fh.truncate(length)
    assert not trusted(db_path)
    same_as_reference(zwgk)


def test_garbage_in_a_snapshot_is_never_believed(zwgk: Runner, db_path: Path) -> None:
    warm(zwgk, db_path)
    snap = snap_path(db_path)
    good = snap.read_bytes()
    rng = random.Random(14)
    snap.write_bytes(bytes(rng.randrange(256) for _ in range(len(good))))
    assert not trusted(db_path)
    same_as_reference(zwgk)
    # One byte changed inside each section in turn: its CRC says so.
    warm(zwgk, db_path)
    good = snap.read_bytes()
    kept = SnapFile.open(snap)
    assert kept is not None
    sections = dict(kept.sections)
    kept.close()
    for name, (offset, length, _) in sections.items():
        bad = bytearray(good)
        bad[offset + length // 2] ^= 0x55
        snap.write_bytes(bytes(bad))
        if name in readcache.CORE or name in ("rows", "pinyin"):
            assert not trusted(db_path), name
        same_as_reference(zwgk, [("list", "--json"), ("search", "zwgk"), ("show", "7"), ("units",)])


def test_a_snapshot_of_another_database_is_not_used(
    zwgk: Runner, db_path: Path, tmp_path: Path
) -> None:
    warm(zwgk, db_path)
    other = tmp_path / "other" / "zwgk.json"
    other.parent.mkdir()
    env = {"ZWGK_DB": str(other)}
    for args in (
        ("list",),
        ("mark", "3", "done"),
        ("list", "--json"),
        ("search", "公开"),
        ("units",),
    ):
        assert zwgk(*args, env=env).returncode == 0
    shutil.copyfile(snap_path(other), snap_path(db_path))  # the other database's, same plan
    assert not trusted(db_path)
    same_as_reference(zwgk)
    # A database copied with its snapshot (another folder, other files) makes its own.
    copy = tmp_path / "copy"
    copy.mkdir()
    for name in ("zwgk.json", "zwgk.json.events.jsonl", "zwgk.json.snap"):
        shutil.copy2(db_path.parent / name, copy / name)
    assert not trusted(copy / "zwgk.json")
    for args in READS:
        a = zwgk(*args, env={"ZWGK_DB": str(copy / "zwgk.json")})
        b = zwgk(*args)
        assert (a.returncode, a.stdout) == (b.returncode, b.stdout), args


def _rewrite_header(snap: Path, **changes: Any) -> None:
    """The snapshot with header fields changed and its header CRC made right again."""
    raw = snap.read_bytes()
    magic, length, _ = struct.unpack_from("<8sII", raw)
    start = struct.calcsize("<8sII")
    header = marshal.loads(raw[start : start + length])
    header.update(changes)
    head = marshal.dumps(header)
    assert len(head) <= length
    head += b"\0" * (length - len(head))
    snap.write_bytes(
        struct.pack("<8sII", magic, length, zlib.crc32(head)) + head + raw[start + length :]
    )


@pytest.mark.parametrize(
    "changes",
    [
        {"version": snapfile.VERSION + 1},
        {"version": snapfile.VERSION - 1},
        {"code": 12345},
        {"db": (1, 2, 3, 4, 5, 6)},
        {"log": (None, 0, None, False)},
    ],
)
def test_a_snapshot_of_another_version_or_moment_is_rebuilt(
    zwgk: Runner, db_path: Path, changes: dict[str, Any]
) -> None:
    warm(zwgk, db_path)
    assert zwgk("mark", "3", "done").returncode == 0
    _rewrite_header(snap_path(db_path), **changes)
    assert not trusted(db_path)
    same_as_reference(zwgk)


def test_a_snapshot_that_cannot_be_written_fails_no_read(zwgk: Runner, db_path: Path) -> None:
    assert zwgk("list").returncode == 0
    folder = db_path.parent
    snap = snap_path(db_path)
    snap.mkdir()  # in the way of the rename: writing fails even for root
    try:
        same_as_reference(zwgk)
    finally:
        snap.rmdir()
    folder.chmod(0o555)  # a folder the reader may not write (has no effect for root)
    try:
        same_as_reference(zwgk)
        assert zwgk("mark", "3", "done").returncode != 0 or os.geteuid() == 0
        same_as_reference(zwgk)
    finally:
        folder.chmod(0o755)
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]  # nothing left behind


# -- the JSON text ---------------------------------------------------------------------------
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text() | st.floats(allow_nan=False),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(JSON)
def test_json_text_is_what_json_dumps_writes(value: Any) -> None:
    assert jsontext.dumps(value) == json.dumps(value, ensure_ascii=False, indent=2)
    text = jsontext.dumps([value, value], 0)
    assert text == json.dumps([value, value], ensure_ascii=False, indent=2)


# -- changes name their task as the reads do ----------------------------------------------------
def test_changes_name_their_task_the_same_with_the_snapshot(
    zwgk: Runner, db_path: Path, tmp_path: Path
) -> None:
    assert zwgk("import", str(SAMPLES / "xuancheng-2020.xlsx")).returncode == 0
    warm(zwgk, db_path)
    twin = tmp_path / "twin"
    shutil.copytree(db_path.parent, twin, ignore=shutil.ignore_patterns("twin", "*.snap"))
    plain = {"ZWGK_DB": str(twin / db_path.name), OFF_SWITCH: "1"}
    changes = [
        ("mark", "宣城2020-3", "done", "--note", "已报送"),
        ("mark", "3", "doing"),  # in two plans: refused, naming both
        ("note", "宣城2020-2", "材料齐了"),
        ("mark", "99", "done"),
        ("undo",),
        ("undo",),
    ]
    for args in changes:
        got, want = zwgk(*args), zwgk(*args, env=plain)
        assert (got.returncode, got.stdout, got.stderr) == (
            want.returncode,
            want.stdout,
            want.stderr,
        )
    same_as_reference(zwgk, [("show", "宣城2020-3"), ("list", "--plan", "宣城2020", "--json")])


def _lock_maker(db_path: Path) -> int:
    import fcntl

    fd = os.open(readcache.lock_file(db_path), os.O_RDONLY | os.O_CREAT, 0o660)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fd


def test_one_process_makes_the_snapshot_the_others_wait_and_use_it(
    zwgk: Runner, db_path: Path
) -> None:
    """After an import every open app and command needs a new snapshot: one makes it."""
    import threading

    assert zwgk("list").returncode == 0
    snap_path(db_path).unlink(missing_ok=True)
    fd = _lock_maker(db_path)  # another process is making it
    got: list[ReadCache | None] = []
    waiter = threading.Thread(target=lambda: got.append(open_cache(db_path)))
    waiter.start()
    waiter.join(0.5)
    assert waiter.is_alive() and not snap_path(db_path).exists()  # waiting, not reading
    maker = ReadCache(db_path)
    assert maker.rebuild()
    maker.save()
    os.close(fd)
    waiter.join(30)
    cache = got[0]
    assert cache is not None and cache.file is not None  # the one made, read from disk
    assert cache.size == 29
    cache.close()


def test_a_maker_that_never_finishes_is_not_waited_for_forever(
    zwgk: Runner, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert zwgk("list").returncode == 0
    snap_path(db_path).unlink(missing_ok=True)
    monkeypatch.setattr(readcache, "MAKER_WAIT", 0.2)
    fd = _lock_maker(db_path)
    try:
        cache = open_cache(db_path)
        assert cache is not None and cache.file is None and cache.size == 29  # made its own
        assert snap_path(db_path).exists()
        cache.close()
    finally:
        os.close(fd)

"""After `zwgk import` a detached process makes the read snapshot (store/warmup.py), so the
first reader finds it made; what it made answers as the database does."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import Runner, plan_csv
from test_readcache import same_as_reference, trusted

from zwgk.store import warmup
from zwgk.store.db import Store
from zwgk.store.snapfile import SnapFile, snap_path

ON = {"ZWGK_NO_WARMUP": "0"}


def made_within(db: Path, seconds: float) -> bool:
    """Whether a whole snapshot describing the database appears, no reader run meanwhile."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if snap_path(db).exists() and trusted(db):
            return True
        time.sleep(0.05)
    return False


def json_made_within(db: Path, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = SnapFile.open(snap_path(db))
        if found is not None:
            has = {"json", "jindex"} <= set(found.sections)
            found.close()
            if has:
                return True
        time.sleep(0.05)
    return False


def test_an_import_has_the_snapshot_made_in_the_background(
    zwgk: Runner, db_path: Path, tmp_path: Path
) -> None:
    got = zwgk("import", str(plan_csv(tmp_path, 300)), env=ON)  # output captured: pipes
    assert got.returncode == 0, got.stderr
    assert "新增 300 项" in got.stdout
    assert made_within(db_path, 60)
    assert json_made_within(db_path, 60)  # and `list --json`'s texts, before anyone reads
    same_as_reference(
        zwgk, [("list", "--json"), ("search", "清单"), ("search", "slqd"), ("show", "7")]
    )
    # Imported again unchanged, the task file is still written anew (its import is logged):
    # the snapshot is made again too.
    again = zwgk("import", str(plan_csv(tmp_path, 300)), env=ON)
    assert "未变 300 项" in again.stdout
    assert made_within(db_path, 60)


def test_a_colleagues_mark_after_the_import_is_in_what_they_read(
    zwgk: Runner, db_path: Path, tmp_path: Path
) -> None:
    assert zwgk("import", str(plan_csv(tmp_path, 200)), env=ON).returncode == 0
    assert zwgk("mark", "5", "done", "--note", "已办结").returncode == 0  # maybe mid-warm-up
    assert made_within(db_path, 60)  # made before the mark and rolled on, or after it
    same_as_reference(zwgk, [("show", "5"), ("list", "--status", "已完成", "--json")])


@pytest.mark.parametrize("env", [{"ZWGK_NO_WARMUP": "1"}, {"ZWGK_NO_SNAPSHOT": "1"}])
def test_either_switch_keeps_it_from_starting(
    monkeypatch: pytest.MonkeyPatch, db_path: Path, env: dict[str, str]
) -> None:
    monkeypatch.setenv("ZWGK_NO_WARMUP", "0")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert warmup.start(db_path) is False
    assert not snap_path(db_path).exists()


def test_the_detached_process_makes_it_and_says_nothing(
    db_path: Path, store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    store.ensure_seeded()
    assert not snap_path(db_path).exists()
    assert warmup.main([str(db_path)]) == 0
    assert trusted(db_path)
    assert warmup.main([str(db_path.parent / "missing" / "zwgk.json")]) == 0  # nothing to make
    assert capsys.readouterr() == ("", "")

"""The `zwgk` command-line contract, end to end through the installed command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import SAMPLES, SEED, Runner, json_of

from zwgk.tui.cli.render import width

TASK_FIELDS = {
    "id",
    "plan",
    "group",
    "group_title",
    "text",
    "lead_units",
    "support_units",
    "guide_units",
    "deadline_text",
    "due",
    "status",
    "overdue",
    "updated_at",
}


def test_first_run_seeds_the_bundled_plan(zwgk: Runner, db_path: Path) -> None:
    assert not db_path.exists()
    tasks = json_of(zwgk("list", "--json"))
    assert isinstance(tasks, list) and len(tasks) == 29
    assert [t["id"] for t in tasks] == list(range(1, 30))
    assert TASK_FIELDS <= set(tasks[0])
    assert db_path.exists()
    # Chinese stays readable in the file.
    raw = db_path.read_text(encoding="utf-8")
    assert "梳理规范基层政府权责清单" in raw and "\\u" not in raw


def test_list_json_values(zwgk: Runner) -> None:
    tasks = {t["id"]: t for t in json_of(zwgk("list", "--json"))}
    t9 = tasks[9]
    assert t9["lead_units"] == ["区信息办"] and t9["guide_units"] == ["区信息办"]
    assert t9["due"] == "2020-12-31" and t9["overdue"] is False and t9["status"] == "未开始"
    assert tasks[1]["overdue"] is True  # 2020-08-31 < 2020-12-15
    assert tasks[13]["due"] == "2020-07-31"  # 2020年8月前


def test_today_option_and_env(zwgk: Runner) -> None:
    early = json_of(zwgk("--today", "2020-01-01", "list", "--overdue", "--json"))
    assert early == []
    env_late = json_of(zwgk("list", "--overdue", "--json", env={"ZWGK_TODAY": "2030-01-01"}))
    assert len(env_late) == 29
    bad = zwgk("--today", "2020-13-45", "list")
    assert bad.returncode == 2 and "YYYY-MM-DD" in bad.stderr and "Traceback" not in bad.stderr


def test_db_option_beats_env(zwgk: Runner, tmp_path: Path) -> None:
    other = tmp_path / "other.json"
    zwgk("--db", str(other), "mark", "1", "doing")
    assert other.exists()
    here = {t["id"]: t for t in json_of(zwgk("list", "--json"))}
    assert here[1]["status"] == "未开始"


def test_unit_filter_accepts_name_part_alias_and_initials(zwgk: Runner) -> None:
    def ids(*args: str) -> list[int]:
        return [t["id"] for t in json_of(zwgk("list", *args, "--json"))]

    guided_by_bianban = [1, 2, 4, 26, 27, 28]
    assert ids("--unit", "区编办") == guided_by_bianban
    assert ids("--unit", "编办") == guided_by_bianban
    assert ids("--unit", "qbb") == guided_by_bianban
    assert ids("--unit", "区编办", "--role", "lead") == []
    assert ids("--unit", "区信息办", "--role", "lead") == [6, 9, 13]
    # 各街道办 is written for (26) and (27): an alias of 各街道.
    assert 26 in ids("--unit", "各街道办", "--role", "lead")
    assert ids("--unit", "qxxb", "--role", "lead") == [6, 9, 13]
    unknown = zwgk("list", "--unit", "不存在的单位")
    assert unknown.returncode == 2 and "不存在的单位" in unknown.stderr


def test_status_overdue_due_within_group_filters(zwgk: Runner) -> None:
    zwgk("mark", "10", "进行中")
    doing = json_of(zwgk("list", "--status", "doing", "--json"))
    assert [t["id"] for t in doing] == [10]
    within = json_of(zwgk("list", "--due-within", "16", "--json"))
    assert {t["due"] for t in within} == {"2020-12-31"}
    assert all(t["due"] >= "2020-12-15" for t in within)
    group = json_of(zwgk("list", "--group", "4", "--json"))
    assert [t["id"] for t in group] == [7, 8]
    overdue = json_of(zwgk("list", "--overdue", "--json"))
    assert overdue and all(t["overdue"] for t in overdue)
    assert zwgk("list", "--status", "whatever").returncode == 2


def test_mark_note_undo_log_and_show(zwgk: Runner) -> None:
    out = zwgk("mark", "7", "done", "--note", "已印发制度文件", user="zhang")
    assert out.returncode == 0 and "未开始 → 已完成" in out.stdout
    zwgk("note", "7", "报送市政府办", user="zhang")
    shown = json_of(zwgk("show", "7", "--json"))
    assert shown["status"] == "已完成" and shown["note"] == "报送市政府办"
    assert [h["user"] for h in shown["history"]] == ["zhang", "zhang"]
    assert shown["history"][0]["changes"]["status"] == ["未开始", "已完成"]
    assert shown["history"][0]["note"] == "已印发制度文件"
    # Another person's undo does not touch zhang's change.
    assert zwgk("undo", user="li").returncode == 2
    undone = zwgk("undo", user="zhang")
    assert undone.returncode == 0 and "撤销" in undone.stdout
    undone = zwgk("undo", user="zhang")
    assert "已完成 → 未开始" in undone.stdout
    shown = json_of(zwgk("show", "7", "--json"))
    assert shown["status"] == "未开始"
    log = json_of(zwgk("log", "7", "--json"))
    assert [e["action"] for e in log] == ["status", "note", "undo", "undo"]
    assert json_of(zwgk("log", "--user", "li", "--json")) == []
    human = zwgk("show", "7")
    assert "具体事项" in human.stdout and "zhang" in human.stdout


def test_bad_ids_and_statuses_are_one_sentence(zwgk: Runner) -> None:
    for args in (("show", "99"), ("mark", "99", "done"), ("mark", "1", "bogus"), ("show", "x")):
        proc = zwgk(*args)
        assert proc.returncode == 2, args
        assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr


def test_units_json(zwgk: Runner) -> None:
    units = {u["name"]: u for u in json_of(zwgk("units", "--json"))}
    assert units["区编办"]["guide"] == 6 and units["区编办"]["lead"] == 0
    assert units["区信息办"]["lead"] == 3
    assert "各街道办" in units["各街道"]["aliases"]
    assert "各街道办" not in units


def test_search_json_carries_score_and_spans(zwgk: Runner) -> None:
    hits = json_of(zwgk("search", "一本通", "--json"))
    assert hits and hits[0]["id"] == 22
    start, end = hits[0]["spans"][0]
    assert hits[0]["text"][start:end] == "一本通"
    assert "score" in hits[0]


def test_human_output_fits_80_columns_in_c_locale(zwgk: Runner) -> None:
    proc = zwgk("list", env={"LANG": "C", "LC_ALL": "C"})
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert len(lines) == 30 and "共 29 项" in lines[-1]
    assert max(width(line) for line in lines) <= 80
    assert "\x1b" not in proc.stdout  # no colour on a pipe


def test_import_creates_a_database_holding_only_that_file(zwgk: Runner, tmp_path: Path) -> None:
    fresh = tmp_path / "fresh.json"
    proc = zwgk("--db", str(fresh), "import", str(SAMPLES / "xuancheng-2020.xlsx"))
    assert proc.returncode == 0, proc.stderr
    assert "具体事项" in proc.stdout
    tasks = json_of(zwgk("--db", str(fresh), "list", "--json"))
    assert tasks and all("宣城" in t["plan"] for t in tasks)
    again = zwgk("--db", str(fresh), "import", str(SAMPLES / "xuancheng-2020.xlsx"), "--json")
    report = json_of(again)
    assert isinstance(report, dict) and report["added"] == 0 and report["updated"] == 0


def test_reimporting_seed_keeps_status(zwgk: Runner, tmp_path: Path) -> None:
    zwgk("mark", "5", "doing", "--note", "目录编制中")
    report = json_of(zwgk("import", str(SEED), "--json"))
    assert isinstance(report, dict) and report["added"] == 0
    shown = json_of(zwgk("show", "5", "--json"))
    assert shown["status"] == "进行中" and shown["note"] == "目录编制中"


def test_bad_import_exits_2_and_leaves_database_untouched(zwgk: Runner, tmp_path: Path) -> None:
    zwgk("mark", "1", "doing")
    db = tmp_path / "zwgk.json"
    snapshot = db.read_bytes()
    junk = tmp_path / "junk.xlsx"
    junk.write_bytes(b"\x00\x01not a zip at all" * 20)
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    prose = tmp_path / "prose.txt"
    prose.write_text("这不是一个表格，只是一段话。\n", encoding="utf-8")
    for bad in (junk, empty, prose, tmp_path / "missing.docx"):
        proc = zwgk("import", str(bad))
        assert proc.returncode == 2, (bad, proc.stderr)
        assert bad.name in proc.stderr and "Traceback" not in proc.stderr
        assert db.read_bytes() == snapshot


def test_cli_does_not_import_textual(db_path: Path) -> None:
    code = (
        "import sys; from zwgk.tui.cli.main import main; "
        f"main(['--db', {str(db_path)!r}, 'list']); "
        "assert 'textual' not in sys.modules, 'textual imported'; "
        "assert 'pypinyin' not in sys.modules or True"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    # A second run (database exists) must not load pypinyin either.
    code2 = code.replace("or True", "")
    proc = subprocess.run([sys.executable, "-c", code2], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_json_is_utf8(zwgk: Runner) -> None:
    proc = zwgk("units", "--json", env={"LANG": "C", "LC_ALL": "C", "PYTHONIOENCODING": "ascii"})
    assert proc.returncode == 0
    assert "区编办" in proc.stdout
    json.loads(proc.stdout)


def test_search_line_marks_matches_only_on_a_terminal() -> None:
    from datetime import date

    from zwgk.store.model import Task
    from zwgk.tui.cli.cmd_tasks import search_line

    task = Task(id=22, plan="p", group=11, group_title="g", text="编制企业和群众办事一本通")
    plain = search_line(task, [(9, 12)], date(2021, 1, 1), colour=False)
    assert plain.endswith("编制企业和群众办事一本通") and "\x1b" not in plain
    painted = search_line(task, [(9, 12)], date(2021, 1, 1), colour=True)
    assert "\x1b[1m\x1b[31m一本通\x1b[0m" in painted
    long = Task(id=1, plan="p", group=1, group_title="g", text="舆情" * 60)
    assert width(search_line(long, [(0, 2), (100, 102)], date(2021, 1, 1), colour=False)) <= 80

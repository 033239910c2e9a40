"""The morning digest: per unit overdue / due in 7 / due in 30 days / changes since the last one."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from conftest import Runner

from zwgk.store import digest
from zwgk.store.db import Store
from zwgk.store.model import DONE
from zwgk.tui.cli.render import width

DEC_28 = date(2020, 12, 28)


def lines_for(store: Store, today: date, units: list[str] | None = None) -> list[str]:
    since = datetime(2000, 1, 1).astimezone()
    d = digest.build(store.snapshot(), store.events(), today, since, units)
    return digest.render(d)


def section(lines: list[str], unit: str) -> list[str]:
    start = lines.index(f"== {unit} ==")
    end = next((i for i in range(start + 1, len(lines)) if lines[i] == ""), len(lines))
    return lines[start:end]


def test_unit_sections_for_a_chosen_day(store: Store) -> None:
    store.set_status(1, DONE, "已完成梳理")
    lines = lines_for(store, DEC_28, ["区编办"])
    assert lines[0] == "政务公开任务提醒  截至 2020年12月28日"
    part = section(lines, "区编办")
    # 区编办 guides (1)(2)(4)(26)(27)(28): (1) is done, (2)(4) are overdue, nothing due soon.
    assert part[1] == "逾期 2 项："
    assert part[2].split()[:3] == ["#2", "2020-08-31", "逾期119天"]
    assert part[2].endswith("指导")
    assert part[3].split()[:3] == ["#4", "2020-10-31", "逾期58天"]
    assert not any("天内到期" in line for line in part)
    assert part[4] == "近期变化 1 条："
    assert "#1 状态 未开始→已完成：已完成梳理" in part[5]


def test_due_within_7_and_30_days(store: Store) -> None:
    lines = lines_for(store, date(2020, 12, 1), ["区信息办"])
    part = section(lines, "区信息办")
    # On 12-01: (9) is led by 区信息办 and due 12-31 (30 days); nothing in the next 7 days.
    month = part.index("8–30 天内到期 8 项：")
    assert any(line.split()[0] == "#9" and line.endswith("牵头") for line in part[month:])
    assert not any(line.startswith("7 天内到期") for line in part)
    week = section(lines_for(store, date(2020, 12, 26), ["区信息办"]), "区信息办")
    assert "7 天内到期 8 项：" in week and "还有5天" in "\n".join(week)


def test_all_units_most_overdue_first_and_fits_80(store: Store) -> None:
    lines = lines_for(store, DEC_28)
    heads = [line for line in lines if line.startswith("== ")]
    assert len(heads) == 8
    assert max(width(line) for line in lines) <= 80
    assert not any("\x1b" in line for line in lines)


def test_nothing_to_report_is_one_line(store: Store) -> None:
    d = digest.build(
        store.snapshot(), [], date(2020, 1, 1), datetime(2000, 1, 1).astimezone(), ["区网信办"]
    )
    assert digest.render(d)[-1] == "无提醒事项：区网信办"


def test_command_remembers_the_last_digest(zwgk: Runner, db_path: Path) -> None:
    assert zwgk("mark", "2", "doing", "--note", "正在梳理").returncode == 0
    first = zwgk("--today", "2020-12-28", "digest", "--unit", "区编办")
    assert first.returncode == 0, first.stderr
    assert "近期变化 1 条：" in first.stdout and "#2 状态 未开始→进行中" in first.stdout
    state = digest.state_path(db_path)
    assert state.name == "zwgk.json.digest.json" and state.exists()
    second = zwgk("--today", "2020-12-28", "digest", "--unit", "bb")  # same unit, other spelling
    assert second.returncode == 0 and "近期变化" not in second.stdout
    assert "逾期 3 项：" in second.stdout  # (1)(2)(4): (2) is in progress but still late
    # --since shows older changes again and does not move the mark.
    before = state.read_text(encoding="utf-8")
    since = (date.today() - timedelta(days=1)).isoformat()
    third = zwgk("--today", "2020-12-28", "digest", "--unit", "区编办", "--since", since)
    assert "近期变化 1 条：" in third.stdout
    assert state.read_text(encoding="utf-8") == before
    assert all(width(line) <= 80 for line in third.stdout.splitlines())
    assert "\x1b" not in third.stdout


def test_bad_since_is_one_sentence(zwgk: Runner) -> None:
    proc = zwgk("digest", "--since", "yesterday")
    assert proc.returncode == 2 and "--since" in proc.stderr and "Traceback" not in proc.stderr

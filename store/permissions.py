"""Who may change what: an optional TOML file mapping OS logins to units and naming admins.

Which file is in force — the first that applies; the others are ignored (a more specific file
replaces a more general one as a whole; nothing is merged):

1. the file named by `permissions = "…"` in the configuration (`config.py`: `$ZWGK_CONFIG`,
   else `/etc/zwgk/config.toml`);
2. `$ZWGK_CONFIG` itself when it holds the rules (the older layout: it was the permission file);
3. `zwgk.toml` in the database's directory (e.g. `/srv/zwgk/zwgk.toml` beside `zwgk.json`);
4. `/etc/zwgk/config.toml` itself when it holds the rules (the older layout).

Whatever is at a path that applies must be a readable regular file: a directory, a dangling
symlink, a named file that is missing or a syntax error refuses every change (fail closed),
never "no permission file". A UTF-8 BOM is accepted.

Format::

    admins = ["zhangsan"]            # may do everything, including import and restore

    [users]                          # OS login (or $ZWGK_USER) -> unit(s)
    lisi = "区信息办"
    wangwu = ["区政务服务中心", "区大数据局"]

    [units]                          # the same mapping written per unit (optional)
    "区司法局" = ["zhaoliu", "sunqi"]

Unit names may be written as any alias the database knows (各街道办 = 各街道).

Rules when a file is in force (without one, everyone may change everything):
- status / note: a user whose unit is a lead, support or guide unit of the task;
- confirm (办结确认): a guide unit of the task;
- import / restore, and any other action: admins only;
- admins may do everything.

These rules keep colleagues from changing what is not theirs by mistake. They are not a
security boundary: anyone who can write the database file (the shared group) can edit it
directly. (With a shared configuration `$ZWGK_USER` is ignored unless it allows it.)
"""

from __future__ import annotations

import os
from pathlib import Path

from .config import ConfigError, load_config, read_toml
from .files import shown
from .record import field, record
from .textutil import sanitize

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from typing import Any

LOCAL_CONFIG_NAME = "zwgk.toml"

NO_CONFIG_NOTICE = "未配置权限文件：所有人都可以修改所有任务"

ACTION_WORDS = {
    "status": "修改状态",
    "note": "添加进展",
    "confirm": "确认办结",
    "import": "导入方案",
    "restore": "恢复备份",
}

__all__ = ["ConfigError", "Policy", "find_config", "load_policy", "parse_config"]


def find_config(db_path: Path) -> Path | None:
    """The permission file in force for the database at `db_path` (see the module docstring);
    raises ConfigError when the configuration that says where it is cannot be read."""
    cfg = load_config()
    if cfg.permissions is not None:
        return cfg.permissions
    if cfg.has_rules and not cfg.system:
        return cfg.source
    local = db_path.parent / LOCAL_CONFIG_NAME
    if os.path.lexists(local):  # a directory or dangling symlink is in force, and fails
        return local
    return cfg.source if cfg.has_rules else None


@record
class Policy:
    """The permission rules in force (none: `source` is None)."""

    source: Path | None = None
    users: dict[str, list[str]] = field(default_factory=dict)
    admins: set[str] = field(default_factory=set)

    @property
    def configured(self) -> bool:
        return self.source is not None

    def describe(self) -> str:
        if not self.configured:
            return NO_CONFIG_NOTICE
        return (
            f"权限文件 {shown(self.source)} 生效：{len(self.users)} 个用户，"  # type: ignore[arg-type]
            f"{len(self.admins)} 个管理员"
        )

    def is_admin(self, user: str) -> bool:
        return user in self.admins

    def units_of(self, user: str, units_table: dict[str, Any] | None = None) -> list[str]:
        """The user's units, written as the database's canonical names where known."""
        aliases = _alias_map(units_table or {})
        out: list[str] = []
        for name in self.users.get(user, []):
            canon = aliases.get(name, name)
            if canon not in out:
                out.append(canon)
        return out

    def refusal(
        self,
        user: str,
        action: str,
        task: dict[str, Any] | None,
        units_table: dict[str, Any] | None = None,
        *,
        part: str | None = None,
        directory_units: list[str] | None = None,
    ) -> str | None:
        """None when `user` may do `action` on `task` (a task record) — or, with `part`, on
        that unit's part of it — else why not. `directory_units`: the units the unit
        directory gives the user's login, besides those of the permission file."""
        if not self.configured or self.is_admin(user):
            return None
        who = sanitize(user, keep_newlines=False)
        word = ACTION_WORDS.get(action, f"执行“{sanitize(action, keep_newlines=False)}”")
        mine = self.units_of(user, units_table)
        mine += [u for u in directory_units or [] if u not in mine]
        unit_text = "、".join(f"“{sanitize(u, keep_newlines=False)}”" for u in mine)
        if action in ("import", "restore") or action not in ACTION_WORDS or task is None:
            what = f"（{unit_text}）" if mine else ""
            return f"只有管理员可以{word}，用户 {who}{what}不是管理员，未做修改。"
        label = _task_label(task)
        if not mine:
            return (
                f"用户 {who} 未在权限文件 {shown(self.source)} 中登记所属单位，"  # type: ignore[arg-type]
                f"不能{word}任务 {label}，未做修改。"
            )
        guide = set(task.get("guide_units") or [])
        if part is not None:  # one unit's part: that unit's people, or the task's guides
            if part in mine or guide.intersection(mine):
                return None
            return (
                f"单位{unit_text}（用户 {who}）不能{word}“{sanitize(part, keep_newlines=False)}”"
                f"在任务 {label} 中的进展，未做修改。"
            )
        if action == "confirm":
            if guide.intersection(mine):
                return None
            return (
                f"单位{unit_text}（用户 {who}）不是任务 {label} 的指导责任单位，"
                f"不能确认办结，未做修改。"
            )
        involved = set(task.get("lead_units") or []) | set(task.get("support_units") or []) | guide
        if involved.intersection(mine):
            return None
        return (
            f"单位{unit_text}（用户 {who}）不是任务 {label} 的牵头、配合或指导单位，"
            f"不能{word}，未做修改。"
        )


def _task_label(task: dict[str, Any]) -> str:
    text = sanitize(str(task.get("text") or ""), keep_newlines=False)
    if len(text) > 20:
        text = text[:20] + "…"
    return f"#{task.get('id')}「{text}」"


def _alias_map(units_table: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for rec in units_table.values():
        if not isinstance(rec, dict) or not isinstance(rec.get("name"), str):
            continue
        out[rec["name"]] = rec["name"]
        for alias in rec.get("aliases") or []:
            if isinstance(alias, str):
                out.setdefault(alias, rec["name"])
    return out


def _names(value: Any, where: str, path: Path) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(
            f"权限文件 {shown(path)} 中 {where} 应为名称或名称列表，为安全起见拒绝修改。"
        )
    return [v.strip() for v in value]


def parse_config(path: Path) -> Policy:
    data = read_toml(path, "权限文件")
    policy = Policy(source=path)
    policy.admins = set(_names(data.get("admins", []), "admins", path))
    users = data.get("users", {})
    units = data.get("units", {})
    if not isinstance(users, dict) or not isinstance(units, dict):
        raise ConfigError(
            f"权限文件 {shown(path)} 中 [users] 或 [units] 不是表，为安全起见拒绝修改。"
        )
    for login, value in users.items():
        for unit in _names(value, f"users.{login}", path):
            policy.users.setdefault(login, [])
            if unit not in policy.users[login]:
                policy.users[login].append(unit)
    for unit, logins in units.items():
        for login in _names(logins, f"units.{unit}", path):
            policy.users.setdefault(login, [])
            if unit not in policy.users[login]:
                policy.users[login].append(unit)
    return policy


def load_policy(db_path: Path) -> Policy:
    """The rules in force for the database at `db_path` (an empty Policy when unconfigured)."""
    path = find_config(db_path)
    return parse_config(path) if path is not None else Policy()

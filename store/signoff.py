"""Completion sign-off (办结确认): a guide unit or an admin confirms a 已完成 task, or sends it back.

Both are ordinary logged changes through `Store.transaction()`, so `log`, `show` and `undo`
see them like any other edit; who may do them is decided by `Transaction.require(…, "confirm")`.
"""

from __future__ import annotations

from .db import Store, clean_note
from .errors import InputError
from .eventlog import now_iso
from .model import DOING, DONE, Event, Task
from .transaction import Transaction

CONFIRM = "confirm"
SENDBACK = "sendback"


def confirm(store: Store, task_id: int, note: str = "") -> Event:
    """Confirm a completed task: sets confirmed_by/confirmed_at; the note goes to the log."""
    note = clean_note(note)
    with store.transaction() as txn:
        task = _completed(txn, task_id, "办结确认")
        if task.confirmed_by:
            raise InputError(
                f"任务 #{task_id} 已由 {task.confirmed_by} 于 "
                f"{(task.confirmed_at or '')[:16].replace('T', ' ')} 确认，无需重复确认。"
            )
        changes = {"confirmed_by": store.ctx.user, "confirmed_at": now_iso()}
        return txn.change(task_id, changes, action=CONFIRM, note=note)


def send_back(store: Store, task_id: int, reason: str) -> Event:
    """Send a completed task back to 进行中 with a reason; any confirmation is withdrawn."""
    reason = clean_note(reason)
    if not reason:
        raise InputError("退回必须写明原因（--reason）。")
    with store.transaction() as txn:
        _completed(txn, task_id, "退回")
        changes = {
            "status": DOING,
            "note": reason,
            "confirmed_by": None,
            "confirmed_at": None,
        }
        return txn.change(task_id, changes, action=SENDBACK, note=reason)


def _completed(txn: Transaction, task_id: int, verb: str) -> Task:
    """The task, if this user may sign it off and it is 已完成; else one sentence why not."""
    txn.require(task_id, "confirm")
    task = txn.task(task_id)
    if task.status != DONE:
        raise InputError(
            f"任务 #{task_id} 当前状态为“{task.status}”，只有“{DONE}”的任务才能{verb}。"
        )
    return task

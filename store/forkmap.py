"""`forked_map`: `map(fn, items)` worked out by a forked child while this process does the rest.

An import of 100,000 tasks spends ~1.3 s of CPU on pinyin keys that depend on nothing but each
task's own text and units; the machine has a second core. The child computes the strings in
order and streams them back in batches through a pipe; the parent reads each batch when it
needs it. The child writes nothing else anywhere and leaves by `os._exit` (no atexit, no
flushed buffers); whatever goes wrong there (an exception, a string the framing cannot carry,
a killed child) only means the parent computes the rest itself: the same values, in the same
order, and any error `fn` raises is raised by the parent, as without the child.
"""

from __future__ import annotations

import contextlib
import os
import signal
import struct
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

T = TypeVar("T")

BATCH = 2048  # strings per message: few writes, and the parent waits for little at the start
_HEAD = struct.Struct("<I")  # a message: its length in bytes, then the strings joined by "\n"


def can_fork() -> bool:
    """Whether a child may be forked here: never beside other threads (one could hold a lock
    the child then waits on forever, e.g. the import lock pypinyin's first use needs)."""
    return hasattr(os, "fork") and threading.active_count() == 1


@contextlib.contextmanager
def forked_map(
    fn: Callable[[T], str], items: list[T], *, fork: bool = True
) -> Iterator[Iterator[str]]:
    """`fn(item)` for each item, in order, as an iterator; computed in a forked child when
    `fork` and `can_fork()`, else here. The child is gone when the block is left. `items` is
    emptied as their strings are handed out (the caller lets go of them as it goes)."""
    if not (fork and items and can_fork()):
        yield _here(fn, items)
        return
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: compute, send, leave without running anything of the parent's
        code = 1
        try:
            os.close(r)
            _send(w, fn, items)
            code = 0
        finally:
            os._exit(code)
    os.close(w)
    try:
        yield _received(r, fn, items)
    finally:
        os.close(r)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)  # finished or not, no longer wanted
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)


def _send(fd: int, fn: Callable[[T], str], items: Sequence[T]) -> None:
    for start in range(0, len(items), BATCH):
        batch = list(map(fn, items[start : start + BATCH]))
        data = "\n".join(batch).encode("utf-8", "surrogatepass")
        if data.count(b"\n") != len(batch) - 1:
            return  # a string holds a newline: the parent works out the rest itself
        view = memoryview(_HEAD.pack(len(data)) + data)
        while view:
            view = view[os.write(fd, view) :]


def _received(fd: int, fn: Callable[[T], str], items: list[T]) -> Iterator[str]:
    with os.fdopen(os.dup(fd), "rb") as pipe:
        while items:
            head = pipe.read(_HEAD.size)
            if len(head) < _HEAD.size:
                break  # the child stopped early
            (size,) = _HEAD.unpack(head)
            data = pipe.read(size)
            if len(data) < size:
                break
            batch = data.decode("utf-8", "surrogatepass").split("\n")
            if len(batch) != min(BATCH, len(items)):
                break
            del items[: len(batch)]
            yield from batch
    yield from _here(fn, items)


def _here(fn: Callable[[T], str], items: list[T]) -> Iterator[str]:
    """`map(fn, items)`, each item let go of once its string is made."""
    items.reverse()
    while items:
        yield fn(items.pop())

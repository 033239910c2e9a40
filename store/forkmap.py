"""`forked_map`: `map(fn, items)` worked out by a forked child while this process does the rest.

An import of 100,000 tasks spends ~1.3 s of CPU on pinyin keys that depend on nothing but each
task's own text and units; the machine may have a core to spare. The child makes the strings
batch by batch and sends them through a pipe; the parent, whenever it needs the next batch,
takes it if the child has sent it and otherwise makes it itself (telling the child to skip
it): it never waits for the child, which runs at low priority, so on a busy machine the import
costs about what it did alone. The child writes nothing else anywhere and leaves by `os._exit`
(no atexit, no flushed buffers); whatever goes wrong there (an exception, a string the framing
cannot carry, a killed child) only means the parent makes the rest itself: the same values in
the same order, and any error `fn` raises is raised by the parent, as without the child.
"""

from __future__ import annotations

import collections
import contextlib
import mmap
import os
import signal
import struct
import threading
from collections.abc import Callable, Iterator, Sequence

TYPE_CHECKING = False  # mypy reads the names below; `typing` costs every command ~4 ms
if TYPE_CHECKING:
    from typing import TypeVar

    T = TypeVar("T")

BATCH = 1024  # strings per message: few writes, and little work made twice when both make one
_HEAD = struct.Struct("<II")  # a message: its batch's number and length in bytes, then the
# strings joined by "\n"
_TAKEN = struct.Struct("<q")
# Batches the parent makes itself before it may end a child that makes under a quarter of them
# (it makes the first few while the child starts).
GIVE_UP = 16
PIPE_SIZE = 1 << 20
_MAX_FD = 1 << 20  # what Linux lets anyone ask for (/proc/sys/fs/pipe-max-size)


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
    # Batches below the number in `taken` are this process's own: the child skips them.
    taken = mmap.mmap(-1, _TAKEN.size)  # shared with the child (MAP_SHARED)
    import fcntl  # POSIX only, as fork is

    r, w = os.pipe()
    with contextlib.suppress(AttributeError, OSError):  # Linux: room for two batches
        fcntl.fcntl(w, fcntl.F_SETPIPE_SZ, PIPE_SIZE)
    pid = os.fork()
    if pid == 0:  # the child: compute, send, leave without running anything of the parent's
        code = 1
        try:
            # No other file of the parent's held open here: not the database's lock (a parent
            # killed mid-import frees it at once, not when its child notices), nor the pipe's
            # other end (the child's writes fail once the parent is gone).
            os.closerange(3, w)
            os.closerange(w + 1, _MAX_FD)
            # Spare time only: on a busy machine the parent (which makes whatever the child has
            # not sent yet itself) keeps its core rather than share it with its own child.
            os.nice(10)
            _send(w, fn, items, taken)
            code = 0
        finally:
            os._exit(code)
    os.close(w)

    def end_child() -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)  # finished or not, no longer wanted
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, 0)

    try:
        yield _received(r, fn, items, taken, end_child)
    finally:
        os.close(r)
        end_child()
        taken.close()


def _send(fd: int, fn: Callable[[T], str], items: Sequence[T], taken: mmap.mmap) -> None:
    index = 0
    while index * BATCH < len(items):
        (first_free,) = _TAKEN.unpack_from(taken)
        if index < first_free:  # overtaken: skip ahead of the parent, not just to it
            index = first_free + 1
        batch = list(map(fn, items[index * BATCH : (index + 1) * BATCH]))
        if not batch:
            return
        data = "\n".join(batch).encode("utf-8", "surrogatepass")
        if data.count(b"\n") != len(batch) - 1:
            return  # a string holds a newline: the parent works out the rest itself
        view = memoryview(_HEAD.pack(index, len(data)) + data)
        while view:
            view = view[os.write(fd, view) :]
        index += 1


class _Inbox:
    """The child's messages, read without waiting whenever this process looks (the pipe is
    non-blocking): (batch number, bytes) in the order sent."""

    def __init__(self, fd: int) -> None:
        self.fd, self.open = fd, True
        self.buffer = bytearray()
        self.messages: collections.deque[tuple[int, bytes]] = collections.deque()
        os.set_blocking(fd, False)

    def pull(self) -> None:
        while self.open:
            try:
                data = os.read(self.fd, PIPE_SIZE)
            except BlockingIOError:
                break
            if not data:
                self.open = False  # the child is done, has given up, or is gone
            self.buffer += data
        while len(self.buffer) >= _HEAD.size:
            index, size = _HEAD.unpack_from(self.buffer)
            end = _HEAD.size + size
            if len(self.buffer) < end:
                break
            self.messages.append((index, bytes(self.buffer[_HEAD.size : end])))
            del self.buffer[:end]

    def batch(self, index: int) -> bytes | None:
        """Batch `index` if the child has sent it (those before it are dropped: made here)."""
        self.pull()
        while self.messages and self.messages[0][0] < index:
            self.messages.popleft()
        if self.messages and self.messages[0][0] == index:
            return self.messages.popleft()[1]
        return None


def _received(
    fd: int, fn: Callable[[T], str], items: list[T], taken: mmap.mmap, end_child: Callable[[], None]
) -> Iterator[str]:
    """The batches in order: the child's when it has sent them, else made here (and the child
    told to skip them), so this process never waits for a child that is behind. A child that
    makes too little (a busy machine) is ended early: its memory is no longer held."""
    inbox = _Inbox(fd)
    index = made_here = 0
    while items:
        if made_here > GIVE_UP and made_here * 4 > index * 3 and inbox.open:
            end_child()
            inbox.open = False
        count = min(BATCH, len(items))
        data = inbox.batch(index)
        batch = data.decode("utf-8", "surrogatepass").split("\n") if data is not None else None
        mine = items[:count]
        del items[:count]
        if batch is not None and len(batch) == count:
            yield from batch
        else:
            _TAKEN.pack_into(taken, 0, index + 1)
            made_here += 1
            yield from map(fn, mine)
        del mine
        index += 1


def _here(fn: Callable[[T], str], items: list[T]) -> Iterator[str]:
    """`map(fn, items)`, each item let go of once its string is made."""
    items.reverse()
    while items:
        yield fn(items.pop())

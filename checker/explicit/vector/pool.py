"""Worker processes that expand groups while the main process settles them (and expands some
itself when it would otherwise wait).

Threads do not help here: the generated code makes many short numpy calls, and the threads
spend their time waiting for each other's interpreter lock (measured: two threads slower than
one). Worker processes each run the same compiled code, forked from the main process once it
is compiled. The main process keeps the states and the visited set in files mapped into memory
(on /dev/shm where it exists: memory, not disk); workers map the same files read-only
(`StoreView`, `TableView.mapped`), so a task is just `(first state, last state, the table's
file)` and the reply is the group's `Expansion`, which is small: the candidate new states.

A worker may read the visited set while the main process inserts into it, or an older table
that growing has replaced; it then misses states stored meanwhile. That is safe: the main
process looks every candidate new state up again before storing it (`bfs._settle`).
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import pickle
import signal
import traceback
from collections import deque
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from checker.explicit.vector.expand import Expander, Expansion
from checker.explicit.vector.store import StoreView
from checker.explicit.vector.table import TableView, VisitedTable

AHEAD = 2  # groups in flight per worker (one being expanded, one waiting in its pipe)
STEAL = 2  # groups the main process may hold, expanded ahead of their turn

# What a forked worker inherits from the main process, and the views it maps.
_WORKER: dict[str, Any] = {}


def resident_bytes() -> int | None:
    """This process's resident set, from /proc (None where there is no /proc)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return None


class ExpansionPool:
    def __init__(
        self,
        expander: Expander,
        words: int,
        block_rows: int,
        directory: Path,
        workers: int,
        budget: int | None,
    ) -> None:
        _WORKER.update(
            expander=expander,
            words=words,
            block_rows=block_rows,
            directory=directory,
            budget=budget,
        )
        # fork: the workers start with the compiled code and tables already in memory. Each
        # has its own pipe, read by the main thread itself: no helper threads compete with it
        # for the interpreter (multiprocessing.Pool's three did, measurably).
        context = multiprocessing.get_context("fork")
        self.conns: list[Connection] = []
        self.processes: list[Any] = []
        for _ in range(workers):
            mine, theirs = context.Pipe()
            process = context.Process(target=_serve, args=(theirs,), daemon=True)
            process.start()
            theirs.close()
            self.conns.append(mine)
            self.processes.append(process)
        self.using: dict[Path, int] = {}  # table files that tasks in flight will read

    def expansions(
        self,
        starts: range,
        end: int,
        group: int,
        table: VisitedTable,
        local: Callable[[int, int], Expansion],
    ) -> Iterator[Expansion]:
        """The expansions of the groups starting at `starts`, in order. Each worker has up to
        AHEAD groups in flight; when the group due next is not ready, the calling process
        expands a later one itself (`local`) rather than wait."""
        # In group order: (worker, table file) for a group sent out, or (-1, its expansion).
        queue: deque[tuple[int, Any]] = deque()
        load = [0] * len(self.conns)
        submitted = 0
        while submitted < len(starts) or queue:
            while submitted < len(starts) and min(load) < AHEAD:
                w = load.index(min(load))
                a = starts[submitted]
                path = table.path
                assert path is not None
                self.conns[w].send((a, min(a + group, end), (path, table.capacity)))
                self.using[path] = self.using.get(path, 0) + 1
                queue.append((w, path))
                load[w] += 1
                submitted += 1
            w, item = queue[0]
            held = sum(1 for v, _ in queue if v < 0)
            busy = w >= 0 and not self.conns[w].poll()
            if busy and submitted < len(starts) and held < STEAL:
                a = starts[submitted]
                queue.append((-1, local(a, min(a + group, end))))
                submitted += 1
                continue
            queue.popleft()
            if w < 0:
                yield item
                continue
            reply = self.conns[w].recv()
            load[w] -= 1
            if isinstance(reply, BaseException):
                raise reply
            reply = _read(reply)
            self.using[item] -= 1
            table.forget_retired(lambda p: self.using.get(p, 0) == 0)
            yield reply

    def close(self) -> None:
        for conn in self.conns:
            with contextlib.suppress(OSError):  # a worker that is gone already
                conn.send(None)  # the end: the worker exits
            conn.close()
        for process in self.processes:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join()


def _serve(conn: Connection) -> None:
    """A worker: expand the groups it is sent, in order, until its pipe closes."""
    _start_worker()
    while True:
        try:
            task = conn.recv()
        except EOFError:
            return
        if task is None:
            return
        a, b, table = task
        try:
            # The expansion goes to a file and the pipe carries its name: a reply of megabytes
            # would block the worker until the main process reads it, and that may be busy.
            reply: Any = _write(_expand_in_worker(a, b, table), table[0].parent / f"x-{a}.pickle")
        except Exception:  # reported by the main process, which stops the search
            reply = RuntimeError("a worker process failed:\n" + traceback.format_exc())
        try:
            conn.send(reply)
        except OSError:  # the main process stopped listening (it found a violation)
            return


def _write(expansion: Expansion, path: Path) -> Path:
    with path.open("wb") as f:
        pickle.dump(expansion, f, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def _read(path: Path) -> Expansion:
    with path.open("rb") as f:
        expansion: Expansion = pickle.load(f)
    path.unlink()
    return expansion


def _start_worker() -> None:
    """Tune a new worker (on Linux with glibc; elsewhere nothing changes).

    - Die with the main process (`prctl(PR_SET_PDEATHSIG)`): a search killed with kill -9
      leaves no workers behind.
    - Ask malloc to keep freed memory instead of returning it to the system: a worker
      allocates and frees the same few megabytes for every group, and by default glibc hands
      the top of its heap back each time and takes it again, page fault by page fault
      (measured: 4,700 faults a group, a third of the run's time in the kernel)."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    if hasattr(libc, "prctl"):
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if hasattr(libc, "mallopt"):
        libc.mallopt(_M_MMAP_THRESHOLD, 32 << 20)  # glibc's largest allowed value
        libc.mallopt(_M_TRIM_THRESHOLD, 1 << 30)


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt parameters (malloc.h)
_PR_SET_PDEATHSIG = 1  # prctl option (linux/prctl.h)


def _expand_in_worker(a: int, b: int, table: tuple[Path, int]) -> Expansion:
    w = _WORKER
    expander: Expander = w["expander"]
    store = w.get("store")
    if store is None:
        store = w["store"] = StoreView(w["words"], w["block_rows"], w["directory"])
    view = w.get("table")
    if view is None or w.get("table_path") != table[0]:
        view = w["table"] = TableView.mapped(expander.exact, store.gather, *table)
        w["table_path"] = table[0]
    _, expansion = expander.expand(store, view, a, b)
    budget = w["budget"]
    if budget is not None and (rss := resident_bytes()) is not None and rss > budget:
        store.release()  # the pages stay in the files; the next task maps what it reads
    return expansion

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

import ctypes
import multiprocessing
import os
import signal
from collections import deque
from collections.abc import Callable, Iterator
from multiprocessing.pool import Pool
from pathlib import Path
from typing import Any

from checker.explicit.vector.expand import Expander, Expansion
from checker.explicit.vector.store import StoreView
from checker.explicit.vector.table import TableView, VisitedTable

AHEAD = 2  # groups in flight per worker
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
        # fork: the workers start with the compiled code and tables already in memory.
        context = multiprocessing.get_context("fork")
        self.pool: Pool = context.Pool(workers, initializer=_start_worker)
        self.workers = workers
        self.using: dict[Path, int] = {}  # table files that tasks in flight will read

    def expansions(
        self,
        starts: range,
        end: int,
        group: int,
        table: VisitedTable,
        local: Callable[[int, int], Expansion],
    ) -> Iterator[Expansion]:
        """The expansions of the groups starting at `starts`, in order. The workers expand
        the next groups; when the one due next is not ready, the calling process expands a
        later one itself (`local`) rather than wait."""
        queue: deque[tuple[Path | None, Any]] = deque()  # (table file, result) or (None, done)
        submitted = in_pool = 0
        while submitted < len(starts) or queue:
            while submitted < len(starts) and in_pool < self.workers * AHEAD:
                a = starts[submitted]
                path = table.path
                assert path is not None
                args = (a, min(a + group, end), (path, table.capacity))
                queue.append((path, self.pool.apply_async(_expand_in_worker, args)))
                self.using[path] = self.using.get(path, 0) + 1
                submitted += 1
                in_pool += 1
            path, item = queue[0]
            held = len(queue) - in_pool
            if path is not None and not item.ready() and submitted < len(starts) and held < STEAL:
                a = starts[submitted]
                queue.append((None, local(a, min(a + group, end))))
                submitted += 1
                continue
            queue.popleft()
            if path is None:
                yield item
                continue
            in_pool -= 1
            expansion = item.get()
            self.using[path] -= 1
            table.forget_retired(lambda p: self.using.get(p, 0) == 0)
            yield expansion

    def close(self) -> None:
        self.pool.terminate()
        self.pool.join()


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

"""Worker processes that expand groups while the main process settles them.

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
import ctypes.util
import multiprocessing
import os
from collections import deque
from collections.abc import Iterator
from multiprocessing.pool import AsyncResult, Pool
from pathlib import Path
from typing import Any

from checker.explicit.vector.expand import Expander, Expansion
from checker.explicit.vector.store import StoreView
from checker.explicit.vector.table import TableView

AHEAD = 2  # groups in flight per worker

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
        self.pool: Pool = context.Pool(workers, initializer=_keep_freed_memory)
        self.workers = workers

    def expansions(
        self, starts: range, end: int, group: int, table: tuple[Path, int]
    ) -> Iterator[Expansion]:
        """The expansions of the groups starting at `starts`, in order."""
        pending: deque[AsyncResult[Expansion]] = deque()
        submitted = 0
        while submitted < len(starts) or pending:
            while submitted < len(starts) and len(pending) < self.workers * AHEAD:
                a = starts[submitted]
                args = (a, min(a + group, end), table)
                pending.append(self.pool.apply_async(_expand_in_worker, args))
                submitted += 1
            yield pending.popleft().get()

    def close(self) -> None:
        self.pool.terminate()
        self.pool.join()


def _keep_freed_memory() -> None:
    """Ask glibc's malloc to keep freed memory instead of returning it to the system.

    A worker allocates and frees the same few megabytes for every group; by default glibc
    hands the top of its heap back each time and takes it again, page fault by page fault
    (measured: 4,700 faults a group, a third of the run's time in the kernel)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(_M_MMAP_THRESHOLD, 32 << 20)  # glibc's largest allowed value
        libc.mallopt(_M_TRIM_THRESHOLD, 1 << 30)
    except (OSError, AttributeError):
        pass  # not glibc: nothing to tune


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt parameters (malloc.h)


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

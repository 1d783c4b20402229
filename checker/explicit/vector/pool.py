"""Worker processes: each expands groups of a level, and owns one partition of the fingerprint
space, whose new states it settles and whose visited set it keeps.

Threads do not help here: the generated code makes many short numpy calls, and the threads
spend their time waiting for each other's interpreter lock (measured: two threads slower than
one). Worker processes are forked from the main process once the code is compiled, so they
start with it. The main process is partition 0's owner and expands groups too.

A level runs in three phases, each on every process at once:

1. *expand*: groups are handed out one at a time (a few ahead, so no worker waits); a worker
   keeps each group's candidates of its own partition, writes the others' to files, one per
   partition, and answers with the rest of the `GroupResult`. The visited sets are only
   read in this phase.
2. *settle*: each owner reads its partition's candidates of every group, in group order,
   keeps the new states (`Expander.settle`), and tells the main process their keys.
3. *store*: once the main process has numbered the level's new states (by key, over all
   partitions), each owner writes its own into the store under their numbers and inserts
   them into its visited set.

Everything large goes through files in the run's directory (on /dev/shm where it exists:
memory, not disk); the pipes carry small messages. The states are read through `StoreView`,
the other partitions' visited sets through `TableView.mapped`.
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
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np

from checker.explicit.vector.expand import Candidates, Expander, GroupResult, NewStates
from checker.explicit.vector.spill import DiskLevel
from checker.explicit.vector.store import StoreView
from checker.explicit.vector.table import TableView, VisitedTable

AHEAD = 2  # groups handed to a worker before it answers (one being expanded, one waiting)

TableFile = tuple[Path, int]  # a visited set's file and capacity


def resident_file_bytes() -> int | None:
    """This process's resident pages of mapped files (and shared memory), from /proc."""
    try:
        with open("/proc/self/status") as f:
            fields = dict(line.split(":", 1) for line in f if line.startswith("Rss"))
        return sum(int(fields[k].split()[0]) for k in ("RssFile", "RssShmem")) * 1024
    except (OSError, KeyError, ValueError):
        return None


def resident_bytes() -> int | None:
    """This process's resident set, from /proc (None where there is no /proc)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return None


def dump(value: Any, path: Path) -> Path:
    with path.open("wb") as f:
        pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
    return path


def candidates_file(directory: Path, start: int, p: int) -> Path:
    """Where the candidates of partition p found by the group starting at `start` wait."""
    return directory / f"c-{start}-{p}.pickle"


def load(path: Path) -> Any:
    with path.open("rb") as f:
        value = pickle.load(f)
    path.unlink()
    return value


class Workers:
    """The worker processes, driven by the main process phase by phase."""

    def __init__(
        self,
        expander: Expander,
        words: int,
        block_rows: int,
        directory: Path,
        count: int,
        budget: int | None,
        disk: bool = False,
    ) -> None:
        self.directory = directory
        self.conns: list[Connection] = []
        self.processes: list[Any] = []
        # fork: the workers start with the compiled code and tables already in memory. Each
        # has its own pipe, read by the main thread itself: no helper threads compete with it
        # for the interpreter (multiprocessing.Pool's three did, measurably).
        context = multiprocessing.get_context("fork")
        for w in range(count):
            mine, theirs = context.Pipe()
            state = _Worker(w + 1, expander, words, block_rows, directory, budget, disk)
            process = context.Process(target=state.serve, args=(theirs,), daemon=True)
            process.start()
            theirs.close()
            self.conns.append(mine)
            self.processes.append(process)
        # The workers' visited sets, as they last reported them (partition p: workers[p-1]).
        self.tables: list[TableFile] = [self._ask(w, ("table",)) for w in range(count)]

    def _ask(self, w: int, message: tuple[Any, ...]) -> Any:
        self.conns[w].send(message)
        return self._answer(w)

    def _answer(self, w: int) -> Any:
        reply = self.conns[w].recv()
        if isinstance(reply, BaseException):
            raise reply
        return reply

    # -- phase 1 -----------------------------------------------------------------------------

    def begin(self, level: int, bits: int) -> None:
        """Under --max-memory: the level's number and bucket bits, for its files (`spill`)."""
        for conn in self.conns:
            conn.send(("begin", level, bits))
        for w in range(len(self.conns)):
            self._answer(w)

    def expand(
        self,
        bounds: Sequence[tuple[int, int]],
        own: VisitedTable,
        local: Callable[[int, int], GroupResult],
    ) -> Iterator[GroupResult]:
        """The results of expanding the groups [a, b) of `bounds`, in order. Workers have up
        to AHEAD groups each; when the group due next is not ready, the main process expands
        a later one itself (`local`) rather than wait."""
        queue: deque[tuple[int, Any]] = deque()  # (worker, start) sent out, or (-1, result)
        load_ = [0] * len(self.conns)
        submitted = 0
        while submitted < len(bounds) or queue:
            while submitted < len(bounds) and min(load_) < AHEAD:
                w = load_.index(min(load_))
                a, b = bounds[submitted]
                assert own.path is not None
                tables = [(own.path, own.capacity), *self.tables]
                self.conns[w].send(("expand", a, b, tables))
                queue.append((w, a))
                load_[w] += 1
                submitted += 1
            w, item = queue[0]
            if w >= 0 and not self.conns[w].poll() and submitted < len(bounds):
                a, b = bounds[submitted]
                submitted += 1
                queue.append((-1, local(a, b)))
                continue
            queue.popleft()
            if w < 0:
                yield item
                continue
            result: GroupResult = self._answer(w)
            load_[w] -= 1
            yield result  # its candidates are in files, for their owners

    # -- phases 2 and 3 ----------------------------------------------------------------------

    def settle(self, starts: Sequence[int], mine: Callable[[], NewStates]) -> list[NewStates]:
        """Every partition's new states of the level whose groups start at `starts`: the
        workers settle theirs while the main process settles its own (`mine`)."""
        for conn in self.conns:
            conn.send(("settle", list(starts)))
        own = mine()
        return [own, *(load(self._answer(w)) for w in range(len(self.conns)))]

    def store(self, indices: Sequence[Any], limit: int, mine: Callable[[], None]) -> None:
        """Each partition's owner stores its new states numbered `indices[p]` below `limit`
        and inserts them into its visited set, the main process its own (`mine`); learn
        where the workers' visited sets are now."""
        for w, conn in enumerate(self.conns):
            path = dump(indices[w + 1], self.directory / f"i-{w + 1}.pickle")
            conn.send(("store", path, limit))
        mine()
        self.tables = [self._answer(w) for w in range(len(self.conns))]

    def rebuild(self, count: int) -> None:
        """After a resume: every worker fills its visited set from the stored states."""
        for conn in self.conns:
            conn.send(("rebuild", count))
        self.tables = [self._answer(w) for w in range(len(self.conns))]

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


class _Worker:
    """A worker process's state: the views it maps, and partition p's visited set."""

    def __init__(
        self,
        p: int,
        expander: Expander,
        words: int,
        block_rows: int,
        directory: Path,
        budget: int | None,
        disk: bool = False,
    ) -> None:
        self.p = p
        self.disk_mode = disk
        self.disk: DiskLevel | None = None  # under --max-memory (`spill`), once serving
        self.expander = expander
        self.words = words
        self.block_rows = block_rows
        self.directory = directory
        self.budget = budget
        self.mapped: dict[Path, TableView] = {}
        self.new: NewStates | None = None  # the level's new states here, until stored
        self.kept: dict[int, Candidates] = {}  # this partition's candidates from its groups

    def serve(self, conn: Connection) -> None:
        """Answer the main process's messages until it says the end (or its pipe closes)."""
        _tune_worker()
        self.store = StoreView(self.words, self.block_rows, self.directory)
        self.table = VisitedTable(
            self.expander.exact, self.store.gather, self.directory, name=f"table-{self.p}"
        )
        if self.disk_mode:
            writers = self.expander.partitions  # one process a partition
            self.disk = DiskLevel(
                self.directory, self.p, writers, self.expander, self.store, self.budget
            )
            self.disk.relieve = lambda: relieve(self.budget, self.store, self.table)
        while True:
            try:
                message = conn.recv()
            except EOFError:
                return
            if message is None:
                return
            try:
                reply: Any = getattr(self, "_" + message[0])(*message[1:])
            except Exception:  # reported by the main process, which stops the search
                reply = RuntimeError("a worker process failed:\n" + traceback.format_exc())
            try:
                conn.send(reply)
            except OSError:  # the main process stopped listening (it found a violation)
                return
            relieve(self.budget, self.store, self.table)

    def _where(self) -> TableFile:
        assert self.table.path is not None
        return self.table.path, self.table.capacity

    def _table(self) -> TableFile:
        return self._where()

    def _begin(self, level: int, bits: int) -> None:
        assert self.disk is not None
        self.disk.begin(level, bits)

    def _expand(self, a: int, b: int, tables: list[TableFile]) -> GroupResult:
        if self.disk is not None:
            return self.disk.expand(a, b)
        views: list[TableView] = []
        for p, (path, capacity) in enumerate(tables):
            if p == self.p:
                views.append(self.table)
                continue
            if path not in self.mapped:
                self.mapped = {k: v for k, v in self.mapped.items() if k.exists()}
                self.mapped[path] = TableView.mapped(
                    self.expander.exact, self.store.gather, path, capacity
                )
            views.append(self.mapped[path])
        result = self.expander.expand(self.store, views, a, b)
        for p, part in enumerate(result.parts):
            if p == self.p:
                self.kept[a] = part
            else:
                dump(part, candidates_file(self.directory, a, p))
        result.parts = []  # kept, or in the files
        return result

    def _settle(self, starts: list[int]) -> Path:
        if self.disk is not None:
            told = self.disk.settle()  # the words wait in files until stored
            return dump(told, self.directory / f"n-{self.p}.pickle")
        kept, self.kept = self.kept, {}
        parts = [kept.pop(a) if a in kept else load(candidates_file(self.directory, a, self.p))
                 for a in starts]  # fmt: skip
        self.new = new = self.expander.settle(parts)  # uses the candidates up
        # The main process numbers the states by key; their words stay here until stored.
        told = NewStates([], new.h[:0], new.key, new.inst, new.bad_invariant)
        return dump(told, self.directory / f"n-{self.p}.pickle")

    def _store(self, path: Path, limit: int) -> TableFile:
        if self.disk is not None:
            self.disk.store(load(path), limit)
            return self._where()
        index, new = load(path), self.new
        assert new is not None
        self.new = None
        store_new(self.store, self.table, new, index, limit, self.expander.stride)
        return self._where()

    def _rebuild(self, count: int) -> TableFile:
        if self.disk is not None:
            self.disk.fill(count)
            return self._where()
        fill(self.table, self.store, self.expander, self.p, count)
        return self._where()


def store_new(
    store: StoreView, table: VisitedTable, new: NewStates, index: Any, limit: int, stride: int
) -> None:
    """Write a partition's new states numbered `index` (ascending) below `limit` into the
    store, with their parents, and insert them into the partition's visited set."""
    k = int(np.searchsorted(index, limit))  # a prefix
    store.put(index[:k], [c[:k] for c in new.cols], new.key[:k] // stride)
    table.insert(new.h[:k], index[:k])


def fill(table: VisitedTable, store: StoreView, expander: Expander, p: int, count: int) -> None:
    """Insert the stored states 0..count-1 of partition p into its visited set."""
    from checker.explicit.vector.table import fingerprint

    step = 1 << 20
    for a in range(0, count, step):
        rows = store.row_block(a, min(count, a + step))
        h = fingerprint(list(np.ascontiguousarray(rows.T)))
        mine = np.flatnonzero(expander.partition(h) == p) if expander.partitions > 1 else None
        index = np.arange(a, a + len(h))
        table.insert(h if mine is None else h[mine], index if mine is None else index[mine])


def _tune_worker() -> None:
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


def relieve(budget: int | None, store: StoreView, table: VisitedTable) -> None:
    """Under --max-memory: over `budget`, drop this process's pages of the states and the
    visited set (they stay in their files, and come back when read), and give back the
    memory malloc keeps after frees."""
    # Half the budget: the pieces of work (`spill.piece`) and the interpreter come on top.
    if budget is None or (rss := resident_bytes()) is None or rss <= budget // 2:
        return
    # Dropping pages costs a flush of every mapping: only when they are a fair part of it.
    if (mapped := resident_file_bytes()) is not None and mapped < budget // 8:
        _trim_heap()
        return
    store.release()
    table.release()
    _trim_heap()


def _trim_heap() -> None:
    """Give the memory malloc keeps after frees back to the system (glibc's `malloc_trim`;
    elsewhere nothing): arrays freed by numpy would otherwise stay in the process's heap and
    count against the budget."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    if hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # mallopt parameters (malloc.h)
_PR_SET_PDEATHSIG = 1  # prctl option (linux/prctl.h)

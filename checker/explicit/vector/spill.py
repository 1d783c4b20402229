"""Under `--max-memory`: one partition's visited set and level on disk, settled bucket by bucket.

The in-memory search (`table`, `expand.settle`) holds a partition's whole visited set as a
hash table, probed at random, and a level's candidates in memory. Neither fits once a model
outgrows the machine, and a hash table paged to disk thrashes. Here both are sorted files read
in order, in the spirit of TLC's disk fingerprint set and of an external sort:

- The visited set (`DiskVisited`) is a few *runs*: files of fingerprints in ascending order
  (in exact mode, with each state's store index beside it, to compare the whole state when
  fingerprints are equal). Each level adds one run; runs of similar size are merged (as a
  log-structured merge tree does), so there are O(log n) runs and each fingerprint is
  rewritten O(log n) times. A run keeps, in memory, where each 12-bit fingerprint prefix
  starts, so any range of prefixes is read as one slice of each run.
- A level's candidates (`DiskLevel.spill`) go to *bucket* files by the top bits of their
  fingerprints, as they are generated, one file per writing process and bucket.
- Settling the level (`DiskLevel.settle`) takes one bucket at a time: its candidates from every
  writer, the first occurrence of each state (by key, as in memory), those no run holds, then
  the constraints and invariants; the new states go to a file per bucket, in key order, and
  only their keys stay in memory, for the main process to number them.
- Storing them (`DiskLevel.store`) reads the bucket files in key order (a k-way merge, the
  order known from the keys) into the store, and the fingerprints, bucket after bucket (so in
  ascending order), become the level's run.

The number of buckets is chosen per level from its expected size, so that one bucket's work
fits a small share of the memory budget.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from checker.explicit.vector.expand import Candidates, Expander, GroupResult, NewStates, firsts
from checker.explicit.vector.store import StoreView
from checker.explicit.vector.table import NothingVisited, fingerprint

PREFIX_BITS = 12  # a run's in-memory index: where each prefix of this many bits starts
MAX_BUCKET_BITS = PREFIX_BITS
# The share of a process's memory budget one piece of work may take (a bucket's candidates,
# a slice of a run), as a divisor: numpy makes a few copies of each as it works.
SHARE = 32
MIN_PIECE = 1 << 20
DEFAULT_BUDGET = 1 << 30  # when no budget is given (tests)
FILL_ROWS = 1 << 20


def piece(budget: int | None) -> int:
    """Bytes one piece of work may take in a process with `budget` bytes of memory."""
    return max(MIN_PIECE, (budget or DEFAULT_BUDGET) // SHARE)


def bucket_bits(candidates: int, words: int, visited: int, exact: bool, budget: int | None) -> int:
    """Top fingerprint bits that cut a level of about `candidates` candidates of `words`
    words, and a visited set of `visited` states, into buckets of one `piece` each."""
    need = max(candidates * (3 + words) * 8, visited * (16 if exact else 8)) / piece(budget)
    return min(MAX_BUCKET_BITS, max(0, math.ceil(math.log2(need)) if need > 1 else 0))


def _prefix_range(bucket: int, bits: int) -> tuple[int, int]:
    shift = PREFIX_BITS - bits
    return bucket << shift, (bucket + 1) << shift


def _write_all(f: BinaryIO, data: bytes) -> None:
    view = memoryview(data)
    while view.nbytes:
        view = view[f.write(view) or 0 :]


def _bucket_of(h: Any, bits: int) -> Any:
    if bits == 0:
        return np.zeros(h.size, dtype=np.intp)
    return (h >> np.uint64(64 - bits)).astype(np.intp)


@dataclass
class Run:
    """A file of ascending fingerprints (and, in exact mode, a file of store indices)."""

    path: Path
    size: int
    starts: Any  # (2^PREFIX_BITS + 1,) where each prefix's fingerprints start

    def read(self, a: int, b: int, exact: bool) -> tuple[Any, Any]:
        """Entries a..b-1: fingerprints, and store indices (exact mode; else None)."""
        h = np.fromfile(self.path.with_suffix(".fp"), np.uint64, b - a, offset=8 * a)
        if not exact:
            return h, None
        return h, np.fromfile(self.path.with_suffix(".ix"), np.int64, b - a, offset=8 * a)

    def unlink(self) -> None:
        for suffix in (".fp", ".ix"):
            self.path.with_suffix(suffix).unlink(missing_ok=True)


class RunWriter:
    """Writes a run from ascending chunks of (fingerprints, store indices)."""

    def __init__(self, path: Path, exact: bool) -> None:
        self.path = path
        self.exact = exact
        self.fp: BinaryIO = path.with_suffix(".fp").open("wb")
        self.ix: BinaryIO | None = path.with_suffix(".ix").open("wb") if exact else None
        self.counts = np.zeros(1 << PREFIX_BITS, dtype=np.int64)

    def write(self, h: Any, index: Any) -> None:
        self.fp.write(np.ascontiguousarray(h, dtype=np.uint64).tobytes())
        if self.ix is not None:
            self.ix.write(np.ascontiguousarray(index, dtype=np.int64).tobytes())
        self.counts += np.bincount(_bucket_of(h, PREFIX_BITS), minlength=1 << PREFIX_BITS)

    def close(self) -> Run:
        self.fp.close()
        if self.ix is not None:
            self.ix.close()
        starts = np.concatenate([[0], np.cumsum(self.counts)])
        return Run(self.path, int(starts[-1]), starts)


class DiskVisited:
    """One partition's visited set, as sorted runs on disk."""

    def __init__(
        self,
        directory: Path,
        name: str,
        exact: bool,
        stored_rows: Callable[[Any], Any],
        budget: int | None = None,
    ) -> None:
        self.directory = directory
        self.budget = budget
        self.name = name
        self.exact = exact
        self.stored_rows = stored_rows  # store indices -> (m, W) rows
        self.runs: list[Run] = []
        self.serial = 0
        self.count = 0

    def writer(self) -> RunWriter:
        self.serial += 1
        return RunWriter(self.directory / f"{self.name}-run-{self.serial}", self.exact)

    def add(self, run: Run) -> None:
        """Add a run written by `writer`; merge the newest runs while the older of the last
        two is no more than twice as large (so sizes at least double from new to old)."""
        if run.size == 0:
            run.unlink()
            return
        self.runs.append(run)
        self.count += run.size
        while len(self.runs) > 1 and self.runs[-2].size <= 2 * self.runs[-1].size:
            older, newer = self.runs[-2], self.runs.pop()
            self.runs[-1] = self._merge(older, newer)

    def _merge(self, a: Run, b: Run) -> Run:
        out = self.writer()
        total = a.size + b.size
        entries = piece(self.budget) // (16 if self.exact else 8)
        step = max(1, (1 << PREFIX_BITS) * entries // max(1, total))
        for lo in range(0, 1 << PREFIX_BITS, step):
            hi = min(1 << PREFIX_BITS, lo + step)
            ha, ia = a.read(int(a.starts[lo]), int(a.starts[hi]), self.exact)
            hb, ib = b.read(int(b.starts[lo]), int(b.starts[hi]), self.exact)
            h = np.concatenate([ha, hb])
            del ha, hb
            if not self.exact:
                h.sort(kind="stable")  # two ascending runs: timsort merges them
                out.write(h, None)
                continue
            order = np.argsort(h, kind="stable")
            out.write(h[order], np.concatenate([ia, ib])[order])
        a.unlink()
        b.unlink()
        return out.close()

    def holds(self, bucket: int, bits: int, h: Any, cols: Sequence[Any]) -> Any:
        """Which of the states (fingerprints `h`, in bucket `bucket` of `bits` top bits; their
        words `cols`) the set holds."""
        found = np.zeros(h.size, dtype=bool)
        if not self.runs or h.size == 0:
            return found
        # Looked up in ascending order, each search starts where the last one ended: the
        # runs are read nearly in order instead of at random (measured: 4x faster).
        order = np.argsort(h)
        needles = h[order]
        lo, hi = _prefix_range(bucket, bits)
        for run in self.runs:
            fps, index = run.read(int(run.starts[lo]), int(run.starts[hi]), self.exact)
            if fps.size == 0:
                continue
            at = np.searchsorted(fps, needles)
            # Every entry with an equal fingerprint, one round per entry (in exact mode, two
            # different states may share a fingerprint: one round, in practice).
            pending = np.flatnonzero(~found[order])
            while pending.size:
                at_p = at[pending]
                inside = at_p < fps.size
                pending, at_p = pending[inside], at_p[inside]
                equal = fps[at_p] == needles[pending]
                pending, at_p = pending[equal], at_p[equal]
                if pending.size == 0:
                    break
                same = np.ones(pending.size, dtype=bool)
                if self.exact:
                    stored = self.stored_rows(index[at_p])
                    for w, c in enumerate(cols):
                        same &= stored[:, w] == c[order[pending]]
                found[order[pending[same]]] = True
                pending = pending[~same]
                at[pending] += 1
        return found

    def fill(self, store: StoreView, count: int, mine: Callable[[Any], Any]) -> None:
        """Add the stored states 0..count-1 that `mine` selects (by fingerprint), as one run
        (after a resume, into an empty set)."""
        parts = []
        for a in range(0, count, FILL_ROWS):
            rows = store.row_block(a, min(count, a + FILL_ROWS))
            h = fingerprint(list(np.ascontiguousarray(rows.T)))
            keep = np.flatnonzero(mine(h))
            parts.append((h[keep], keep + a))
        h = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.uint64)
        index = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, np.int64)
        order = np.argsort(h, kind="stable")
        writer = self.writer()
        writer.write(h[order], index[order])
        self.add(writer.close())

    def close(self) -> None:
        for run in self.runs:
            run.unlink()
        self.runs = []


@dataclass
class Settled:
    """A partition's new states of a level, on disk by bucket, in memory only by key."""

    bits: int
    bucket: Any  # each new state's bucket, in key order


class DiskLevel:
    """A partition owner's side of a level under --max-memory, and every process's writing
    side (`spill`): candidates to bucket files."""

    def __init__(
        self,
        directory: Path,
        p: int,
        writers: int,
        expander: Expander,
        store: StoreView,
        budget: int | None = None,
    ) -> None:
        self.directory = directory
        self.budget = budget
        self.p = p  # the partition this process owns, and its number among the writers
        self.writers = writers  # the processes that spill candidates (one per partition)
        self.expander = expander
        self.states = store  # the store, read and written through this view
        self.visited = DiskVisited(directory, f"v{p}", expander.exact, store.gather, budget)
        self.level = 0
        self.bits = 0
        self.files: dict[tuple[int, int], BinaryIO] = {}
        self.settled: Settled | None = None
        # Called after each piece of work: under --max-memory, the search drops the pages of
        # the files it maps there (`pool.relieve`).
        self.relieve: Callable[[], None] = lambda: None

    # -- every process: candidates to bucket files --------------------------------------------

    def begin(self, level: int, bits: int) -> None:
        self.level, self.bits = level, bits

    def _path(self, kind: str, p: int, bucket: int, writer: int = 0) -> Path:
        return self.directory / f"{kind}-{self.level}-{p}-{bucket}-{writer}.bin"

    def expand(self, a: int, b: int) -> GroupResult:
        """Expand the group [a, b) and spill its candidates; what is left of the result."""
        x = self.expander
        result = x.expand(self.states, [NothingVisited()] * x.partitions, a, b)
        self.spill(result.parts)
        result.parts = []
        return result

    def spill(self, parts: Sequence[Candidates]) -> None:
        """Append a group's candidates (one `Candidates` per partition) to the bucket files."""
        for p, part in enumerate(parts):
            n = part.h.size
            if n == 0:
                continue
            records = np.empty((n, 3 + len(part.cols)), dtype=np.uint64)
            records[:, 0] = part.h
            records[:, 1] = part.key
            records[:, 2] = part.inst
            for w, c in enumerate(part.cols):
                records[:, 3 + w] = c
            bucket = _bucket_of(part.h, self.bits)
            order = np.argsort(bucket.astype(np.uint16), kind="stable")  # a radix sort
            bounds = np.concatenate([[0], np.cumsum(np.bincount(bucket, minlength=1 << self.bits))])
            records = records[order]
            for b in np.flatnonzero(np.diff(bounds)).tolist():
                f = self.files.get((p, b))
                if f is None:
                    # Unbuffered: once a group is answered for, its candidates are in the file.
                    path = self._path("k", p, b, self.p)
                    f = self.files[(p, b)] = path.open("ab", buffering=0)
                _write_all(f, records[bounds[b] : bounds[b + 1]].tobytes())

    def _close_files(self) -> None:
        """Close this process's bucket files of the level (written to the end: unbuffered)."""
        for f in self.files.values():
            f.close()
        self.files = {}

    # -- the owner: settle, then store ------------------------------------------------------

    def settle(self) -> NewStates:
        """The partition's new states of the level, bucket by bucket (see the module's
        docstring); their words wait in files until `store`."""
        self._close_files()
        x = self.expander
        width = 3 + x.words
        keys, insts, bads, buckets = [], [], [], []
        for b in range(1 << self.bits):
            parts = []
            for w in range(self.writers):
                path = self._path("k", self.p, b, w)
                if path.exists():
                    parts.append(np.fromfile(path, np.uint64).reshape(-1, width))
                    path.unlink()
            records = np.concatenate(parts) if parts else np.zeros((0, width), np.uint64)
            del parts
            h = records[:, 0].copy()
            key = records[:, 1].astype(np.int64)
            cols = [records[:, 3 + w].copy() for w in range(x.words)]
            inst = records[:, 2].astype(np.int64)
            del records
            first = firsts(h, cols if x.exact else [], np.argsort(key, kind="stable"))
            h, key, inst = h[first], key[first], inst[first]
            cols = [c[first] for c in cols]
            new = ~self.visited.holds(b, self.bits, h, cols)
            if not new.all():
                keep = np.flatnonzero(new)
                h, key, inst, cols = h[keep], key[keep], inst[keep], [c[keep] for c in cols]
            states = x.admit(cols, h, key, inst)
            records = np.empty((states.key.size, 2 + x.words), dtype=np.uint64)
            records[:, 0] = states.key
            records[:, 1] = states.h
            for w, c in enumerate(states.cols):
                records[:, 2 + w] = c
            records.tofile(self._path("n", self.p, b))
            if not x.exact:  # the bucket's part of the level's run, ready (`store`)
                np.sort(states.h).tofile(self._path("f", self.p, b))
            keys.append(states.key)
            insts.append(states.inst)
            bads.append(states.bad_invariant)
            buckets.append(np.full(states.key.size, b, dtype=np.int16))
            del states, records
            self.relieve()
        key = np.concatenate(keys)
        order = np.argsort(key, kind="stable")
        self.settled = Settled(self.bits, np.concatenate(buckets)[order])
        empty = np.zeros(0, dtype=np.uint64)
        return NewStates(
            [], empty, key[order], np.concatenate(insts)[order], np.concatenate(bads)[order]
        )

    def store(self, index: Any, limit: int) -> None:
        """Write the partition's new states of the level, numbered `index` (in key order), below
        `limit`, into the store, and add them to the visited set as one run."""
        settled, self.settled = self.settled, None
        assert settled is not None
        x = self.expander
        width = 2 + x.words
        k = int(np.searchsorted(index, limit))  # a prefix
        bucket = settled.bucket[:k]
        taken = np.zeros(1 << settled.bits, dtype=np.int64)  # rows read from each bucket file
        step = max(1 << 12, piece(self.budget) // (4 * width * 8))
        for a in range(0, k, step):
            b = min(k, a + step)
            part = bucket[a:b]
            rows = np.empty((b - a, width), dtype=np.uint64)
            by_bucket = np.argsort(part, kind="stable")
            counts = np.bincount(part, minlength=1 << settled.bits)
            ends = np.cumsum(counts)
            for u in np.flatnonzero(counts).tolist():
                at = by_bucket[int(ends[u] - counts[u]) : int(ends[u])]
                path = self._path("n", self.p, u)
                rows[at] = np.fromfile(
                    path, np.uint64, at.size * width, offset=int(taken[u]) * width * 8
                ).reshape(-1, width)
                taken[u] += at.size
            cols = [np.ascontiguousarray(rows[:, 2 + w]) for w in range(x.words)]
            self.states.put(index[a:b], cols, rows[:, 0].astype(np.int64) // x.stride)
            del rows, cols
            self.relieve()
        # The run: bucket after bucket, each bucket's fingerprints sorted (with fingerprints
        # alone and the whole level stored, as `settle` wrote them).
        writer = self.visited.writer()
        whole = not x.exact and k == index.size
        order = None if whole else np.argsort(bucket, kind="stable")
        bounds = np.concatenate([[0], np.cumsum(np.bincount(bucket, minlength=1 << settled.bits))])
        for u in range(1 << settled.bits):
            path, ready = self._path("n", self.p, u), self._path("f", self.p, u)
            n = int(bounds[u + 1] - bounds[u])
            if n and whole:
                writer.write(np.fromfile(ready, np.uint64), None)
            elif n:
                assert order is not None
                h = np.fromfile(path, np.uint64, n * width).reshape(-1, width)[:, 1]
                sort = np.argsort(h)
                writer.write(h[sort], index[:k][order[bounds[u] : bounds[u + 1]]][sort])
            path.unlink(missing_ok=True)
            ready.unlink(missing_ok=True)
        self.visited.add(writer.close())

    def fill(self, count: int) -> None:
        """Put the stored states 0..count-1 of this partition in its (empty) visited set."""
        x = self.expander
        if x.partitions > 1:
            self.visited.fill(self.states, count, lambda h: x.partition(h) == self.p)
        else:
            self.visited.fill(self.states, count, lambda h: np.ones(h.size, dtype=bool))

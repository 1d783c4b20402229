"""Every stored state, in the order found, with the index of its parent.

States are rows of W little-endian 64-bit words (word w holds bits 64w..64w+63 of the packed
state, so a row's bytes are the packed integer's bytes). Rows and parents live in blocks of a
fixed number of rows, in memory or, when the store has a directory, in files mapped into
memory: worker processes then map the same files (`StoreView`), read the states and write
their own partitions' new states (`put`, where the main process has made room), and under
`--max-memory` the pages of old blocks can be dropped from memory (`release`) and read back
from the files when needed.

Batches are handed out as lists of W column arrays (`columns`): the generated code works one
word at a time over all rows.
"""

from __future__ import annotations

import mmap
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

BLOCK_ROWS = 1 << 22

Columns = list[Any]  # W uint64 arrays of equal length


class StoreView:
    """Read access to the states of a store: in the process that owns it, or, mapped from its
    files, in a worker process."""

    def __init__(self, words: int, block_rows: int, directory: Path | None) -> None:
        self.words = words
        self.block_rows = block_rows
        self.directory = directory
        self.rows: list[Any] = []  # (block_rows, W) uint64 per block
        self.parents: list[Any] = []  # (block_rows,) int64 per block

    def _block(self, b: int) -> Any:
        while b >= len(self.rows):  # a view maps the blocks its owner created since
            shape = (self.block_rows, self.words)
            self.rows.append(self._mapped(f"rows-{len(self.rows)}.bin", shape, np.uint64))
        return self.rows[b]

    def _parents_block(self, b: int) -> Any:
        while b >= len(self.parents):
            shape = (self.block_rows,)
            self.parents.append(self._mapped(f"parents-{len(self.parents)}.bin", shape, np.int64))
        return self.parents[b]

    def _mapped(self, name: str, shape: tuple[int, ...], dtype: Any) -> Any:
        assert self.directory is not None, "no such block"
        return plain(np.memmap(self.directory / name, dtype=dtype, mode="r+", shape=shape))

    def put(self, index: Any, cols: Sequence[Any], parents: Any) -> None:
        """Write states, given as W columns, and their parents' indices at the store indices
        `index` (ascending; room made by the owner's `extend`). The owner and the workers
        each write their own partition's states of a level."""
        if index.size == 0:
            return
        blocks = index // self.block_rows
        for b in range(int(blocks[0]), int(blocks[-1]) + 1):
            lo, hi = (int(x) for x in np.searchsorted(blocks, [b, b + 1]))
            if lo == hi:
                continue
            at = index[lo:hi] - b * self.block_rows
            if int(at[-1]) - int(at[0]) == hi - lo - 1:  # consecutive: a slice
                at = slice(int(at[0]), int(at[-1]) + 1)
            rows = self._block(b)
            for w, c in enumerate(cols):
                rows[at, w] = c[lo:hi]
            self._parents_block(b)[at] = parents[lo:hi]

    def row_block(self, a: int, b: int) -> Any:
        """Rows a..b-1 as one (b - a, W) array (a copy when they span blocks)."""
        return _ranged(self._block, a, b, self.block_rows)

    def columns(self, a: int, b: int) -> Columns:
        """States a..b-1 as W contiguous column arrays."""
        return list(np.ascontiguousarray(self.row_block(a, b).T))

    def gather(self, index: Any) -> Any:
        """The rows at `index` (an int array) as one (len, W) array."""
        blocks = index // self.block_rows
        last = int(blocks.max()) if index.size else 0
        if last == 0:
            return self._block(0)[index] if index.size else np.zeros((0, self.words), np.uint64)
        out = np.empty((index.size, self.words), dtype=np.uint64)
        for b in range(last + 1):
            sel = np.flatnonzero(blocks == b)
            if sel.size:
                out[sel] = self._block(b)[index[sel] - b * self.block_rows]
        return out

    def release(self) -> None:
        """Drop this process's pages of the mapped blocks (their files keep the data)."""
        for block in [*self.rows, *self.parents]:
            drop_pages(block)


class StateStore(StoreView):
    def __init__(
        self, words: int, directory: Path | None = None, block_rows: int = BLOCK_ROWS
    ) -> None:
        super().__init__(words, block_rows, directory)
        self.count = 0

    def __len__(self) -> int:
        return self.count

    def _block(self, b: int) -> Any:
        return self.rows[b]

    def _parents_block(self, b: int) -> Any:
        return self.parents[b]

    def _new_block(self) -> None:
        b = len(self.rows)
        self.rows.append(self._allocate(f"rows-{b}.bin", (self.block_rows, self.words), np.uint64))
        self.parents.append(self._allocate(f"parents-{b}.bin", (self.block_rows,), np.int64))

    def _allocate(self, name: str, shape: tuple[int, ...], dtype: Any) -> Any:
        if self.directory is None:
            return np.empty(shape, dtype=dtype)
        return plain(np.memmap(self.directory / name, dtype=dtype, mode="w+", shape=shape))

    def extend(self, m: int) -> int:
        """Make room for m more states, to be written with `put` (here or by workers); the
        index of the first."""
        first = self.count
        self.count += m
        while len(self.rows) * self.block_rows < self.count:
            self._new_block()
        return first

    def append_rows(self, rows: Any, parents: Any) -> None:
        """Append the states given as (m, W) rows, with their parents' indices."""
        first = self.extend(len(parents))
        self.put(np.arange(first, self.count), list(np.asarray(rows).T), parents)

    def parent(self, i: int) -> int:
        b, at = divmod(i, self.block_rows)
        return int(self.parents[b][at])

    def state(self, i: int) -> int:
        """State i as a packed integer."""
        b, at = divmod(i, self.block_rows)
        return int.from_bytes(np.asarray(self.rows[b][at], dtype="<u8").tobytes(), "little")

    def parents_range(self, a: int, b: int) -> Any:
        return _ranged(self.parents.__getitem__, a, b, self.block_rows)


def _ranged(block: Callable[[int], Any], a: int, b: int, block_rows: int) -> Any:
    """Items a..b-1 of a sequence kept in blocks: a view when they lie in one block."""
    parts = []
    s = a
    while s < b:
        blk, at = divmod(s, block_rows)
        take = min(b - s, block_rows - at)
        parts.append(block(blk)[at : at + take])
        s += take
    if not parts:
        return np.zeros((0,), dtype=np.int64)
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def plain(array: Any) -> Any:
    """A file-mapped array as a plain ndarray over the same memory: numpy's memmap class runs
    Python code on every indexing (measured: 38 us a call), and the map stays open as long as
    the view lives."""
    return array.view(np.ndarray)


def drop_pages(array: Any) -> None:
    """Write a file-mapped array's dirty pages and drop its pages from this process's memory;
    the next read maps them again from the page cache or the disk. (Not mapped: nothing.)"""
    base = array
    while base is not None:
        mapping = getattr(base, "_mmap", None)  # numpy's memmap keeps its mmap there
        if isinstance(mapping, mmap.mmap):
            mapping.flush()
            mapping.madvise(mmap.MADV_DONTNEED)
            return
        base = base.base


def rows_to_ints(rows: Any) -> list[int]:
    """Packed integers of (m, W) rows."""
    raw = np.ascontiguousarray(rows, dtype="<u8").tobytes()
    width = rows.shape[1] * 8
    return [int.from_bytes(raw[i : i + width], "little") for i in range(0, len(raw), width)]


def ints_to_rows(states: Sequence[int], words: int) -> Any:
    raw = b"".join(s.to_bytes(words * 8, "little") for s in states)
    return np.frombuffer(raw, dtype="<u8").reshape(len(states), words).astype(np.uint64)

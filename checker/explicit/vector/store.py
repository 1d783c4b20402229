"""Every stored state, in the order found, with the index of its parent.

States are rows of W little-endian 64-bit words (word w holds bits 64w..64w+63 of the packed
state, so a row's bytes are the packed integer's bytes). Rows and parents live in blocks of a
fixed number of rows; a full block can be moved to a file and mapped back read-only (`spill`),
which is how a run under `--max-memory` keeps its resident memory bounded: only the block being
filled and the blocks being read stay in memory, and the kernel may drop mapped pages.

Batches are handed out as lists of W column arrays (`columns`, `gather`): the generated code
works one word at a time over all rows.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

BLOCK_ROWS = 1 << 22

Columns = list[Any]  # W uint64 arrays of equal length


class StateStore:
    def __init__(self, words: int, block_rows: int = BLOCK_ROWS) -> None:
        self.words = words
        self.block_rows = block_rows
        self.rows: list[np.ndarray[Any, Any]] = []  # (block_rows, W) uint64, in memory or mapped
        self.parents: list[np.ndarray[Any, Any]] = []  # (block_rows,) int64
        self.count = 0
        self.spilled = 0  # blocks moved to files
        self.spill_dir: Path | None = None

    def __len__(self) -> int:
        return self.count

    @property
    def resident_bytes(self) -> int:
        """Bytes of the blocks still held in memory (mapped blocks are not counted)."""
        per_block = self.block_rows * (self.words + 1) * 8
        return (len(self.rows) - self.spilled) * per_block

    # -- appending ---------------------------------------------------------------------------

    def append(self, cols: Sequence[Any], parents: Any) -> None:
        """Append the states given as W columns, with their parents' indices."""
        m = len(parents)
        if m == 0:
            return
        rows = np.stack(cols, axis=1) if self.words > 1 else np.asarray(cols[0])[:, None]
        self.append_rows(rows, np.asarray(parents, dtype=np.int64))

    def append_rows(self, rows: Any, parents: Any) -> None:
        done = 0
        m = len(parents)
        while done < m:
            if self.count == len(self.rows) * self.block_rows:
                self.rows.append(np.empty((self.block_rows, self.words), dtype=np.uint64))
                self.parents.append(np.empty(self.block_rows, dtype=np.int64))
            b, at = divmod(self.count, self.block_rows)
            take = min(m - done, self.block_rows - at)
            self.rows[b][at : at + take] = rows[done : done + take]
            self.parents[b][at : at + take] = parents[done : done + take]
            self.count += take
            done += take

    def truncate(self, count: int) -> None:
        """Forget the states from index `count` on (a resumed run cutting a torn tail)."""
        self.count = min(self.count, count)

    # -- reading -----------------------------------------------------------------------------

    def row_block(self, a: int, b: int) -> Any:
        """Rows a..b-1 as one (b - a, W) array (a copy when they span blocks)."""
        return _ranged(self.rows, a, b, self.block_rows)

    def columns(self, a: int, b: int) -> Columns:
        """States a..b-1 as W contiguous column arrays."""
        block = np.ascontiguousarray(self.row_block(a, b).T)
        return list(block)

    def gather(self, index: Any) -> Any:
        """The rows at `index` (an int array) as one (len, W) array."""
        if len(self.rows) == 1:
            return self.rows[0][index]
        blocks = index // self.block_rows
        out = np.empty((index.size, self.words), dtype=np.uint64)
        for b in range(len(self.rows)):
            sel = np.flatnonzero(blocks == b)
            if sel.size:
                out[sel] = self.rows[b][index[sel] - b * self.block_rows]
        return out

    def parent(self, i: int) -> int:
        b, at = divmod(i, self.block_rows)
        return int(self.parents[b][at])

    def state(self, i: int) -> int:
        """State i as a packed integer."""
        b, at = divmod(i, self.block_rows)
        return int.from_bytes(self.rows[b][at].astype("<u8").tobytes(), "little")

    def parents_range(self, a: int, b: int) -> Any:
        return _ranged(self.parents, a, b, self.block_rows)

    # -- spilling ----------------------------------------------------------------------------

    def spill(self, directory: Path, keep_from: int) -> int:
        """Move every full block that ends before state `keep_from` to a file in `directory`
        and map it back read-only. Returns the number of blocks moved."""
        self.spill_dir = directory
        moved = 0
        full = self.count // self.block_rows
        limit = min(full, keep_from // self.block_rows)
        for b in range(self.spilled, limit):
            self.rows[b] = _to_file(directory / f"rows-{b}.bin", self.rows[b])
            self.parents[b] = _to_file(directory / f"parents-{b}.bin", self.parents[b])
            moved += 1
        self.spilled = max(self.spilled, limit)
        return moved


def _ranged(blocks: list[Any], a: int, b: int, block_rows: int) -> Any:
    """Items a..b-1 of a sequence kept in blocks: a view when they lie in one block."""
    parts = []
    s = a
    while s < b:
        blk, at = divmod(s, block_rows)
        take = min(b - s, block_rows - at)
        parts.append(blocks[blk][at : at + take])
        s += take
    if not parts:
        return blocks[0][:0] if blocks else np.zeros(0, dtype=np.int64)
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _to_file(path: Path, array: Any) -> Any:
    with path.open("wb") as f:
        array.tofile(f)
        f.flush()
        os.fsync(f.fileno())
    return np.memmap(path, dtype=array.dtype, mode="r", shape=array.shape)


def rows_to_ints(rows: Any) -> list[int]:
    """Packed integers of (m, W) rows."""
    raw = np.ascontiguousarray(rows, dtype="<u8").tobytes()
    width = rows.shape[1] * 8
    return [int.from_bytes(raw[i : i + width], "little") for i in range(0, len(raw), width)]


def ints_to_rows(states: Sequence[int], words: int) -> Any:
    raw = b"".join(s.to_bytes(words * 8, "little") for s in states)
    return np.frombuffer(raw, dtype="<u8").reshape(len(states), words).astype(np.uint64)

"""Canonical forms of a batch of states under symmetry: the same forms as `explicit.symmetry`
computes one state at a time (the numerically smallest image over the whole group), so the
vector engine stores exactly the states the reference engine stores.

The state is cut into chunks of whole units (relation bits, function fields) of at most
`CHUNK_BITS` bits. For each chunk a table maps the chunk's value to its images under every
group element, each image as W words: one gather per chunk and row yields that chunk's share of
all the images, and OR-ing the chunks yields every image of every row. A chunk of relation
bits is skipped in the rows where it is 0 (a cleared bit maps to a cleared bit); a chunk with a
function field is always looked up (code 0 may map to another code). The smallest image is
then found word by word from the most significant. Group elements are taken `GROUP_BATCH` at a
time, so that the images of a batch of rows stay small whatever the group's size; when even the
tables would be too large, the canonical forms are computed one state at a time.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from checker.explicit.symmetry import Symmetry, _Unit
from checker.explicit.vector.compiler import WORD_BITS

CHUNK_BITS = 8
GROUP_BATCH = 16  # group elements whose images are computed together
TABLE_BYTES_LIMIT = 256 << 20


class VectorSymmetry:
    def __init__(self, sym: Symmetry, words: int) -> None:
        self.sym = sym
        self.words = words
        self.group = len(sym.perms)
        units = _chunks(sym.units)
        table_bytes = sum(1 << _span(c) for c in units) * self.group * words * 8
        self.tabled = table_bytes <= TABLE_BYTES_LIMIT
        # Per batch of group elements, per chunk: (first bit, width, sparse, images table).
        self.batches: list[list[tuple[int, int, bool, Any]]] = []
        if self.tabled:
            for k0 in range(0, self.group, GROUP_BATCH):
                perms = sym.perms[k0 : k0 + GROUP_BATCH]
                self.batches.append([self._chunk(c, perms) for c in units])

    def _chunk(self, units: list[_Unit], perms: list[Any]) -> tuple[int, int, bool, Any]:
        base, span = units[0].start, _span(units)
        table = np.zeros((1 << span, len(perms), self.words), dtype=np.uint64)
        values = np.arange(1 << span)
        for unit in units:
            lay = unit.lay
            per_value = np.zeros((1 << lay.width, len(perms), self.words), dtype=np.uint64)
            for v in range(1 << lay.width):
                if lay.is_relation and v == 0:
                    continue
                for k, perm in enumerate(perms):
                    per_value[v, k] = _split(self.sym._unit_image(perm, unit, v), self.words)
            table |= per_value[(values >> (unit.start - base)) & lay.field_mask]
        sparse = all(u.lay.is_relation for u in units)
        return base, span, sparse, table.reshape(1 << span, len(perms) * self.words)

    def canonical(self, cols: list[Any]) -> list[Any]:
        """The canonical form of every state of the batch, as W columns."""
        n = cols[0].size
        if not self.tabled:
            return _one_at_a_time(self.sym, cols, self.words)
        best: Any = None
        for chunks in self.batches:
            group = chunks[0][3].shape[1] // self.words
            images = np.zeros((n, group * self.words), dtype=np.uint64)
            for base, span, sparse, table in chunks:
                value = _bits(cols, base, span)
                if sparse:
                    rows = np.flatnonzero(value)
                    images[rows] |= table[value[rows]]
                else:
                    images |= table[value]
            images = images.reshape(n, group, self.words)
            for k in range(group):
                candidate = images[:, k, :]
                if best is None:
                    best = candidate
                    continue
                best = np.where(_less(candidate, best)[:, None], candidate, best)
        return list(np.ascontiguousarray(best.T))


def _span(units: list[_Unit]) -> int:
    return units[-1].start + units[-1].lay.width - units[0].start


def _one_at_a_time(sym: Symmetry, cols: list[Any], words: int) -> list[Any]:
    from checker.explicit.vector.store import ints_to_rows, rows_to_ints

    states = rows_to_ints(np.stack(cols, axis=1))
    rows = ints_to_rows([sym.canonical(s) for s in states], words)
    return list(np.ascontiguousarray(rows.T))


def _less(a: Any, b: Any) -> Any:
    """Per row: is the (W-word) number a smaller than b? Compared from the top word down."""
    words = a.shape[1]
    less = np.zeros(a.shape[0], dtype=bool)
    equal = np.ones(a.shape[0], dtype=bool)
    for w in range(words - 1, -1, -1):
        less |= equal & (a[:, w] < b[:, w])
        equal &= a[:, w] == b[:, w]
    return less


def _bits(cols: list[Any], base: int, span: int) -> Any:
    """The `span` bits at `base` of every state, as an index array."""
    w, off = divmod(base, WORD_BITS)
    value = cols[w] >> np.uint64(off)
    if off + span > WORD_BITS and w + 1 < len(cols):
        value = value | (cols[w + 1] << np.uint64(WORD_BITS - off))
    return (value & np.uint64((1 << span) - 1)).astype(np.intp)


def _split(x: int, words: int) -> list[int]:
    return [(x >> (WORD_BITS * w)) & ((1 << WORD_BITS) - 1) for w in range(words)]


def _chunks(units: list[_Unit]) -> list[list[_Unit]]:
    """Consecutive units grouped into chunks of at most CHUNK_BITS bits (a wider unit alone)."""
    chunks: list[list[_Unit]] = []
    current: list[_Unit] = []
    start = 0
    for unit in units:
        end = unit.start + unit.lay.width
        if current and end - start > CHUNK_BITS:
            chunks.append(current)
            current = []
        if not current:
            start = unit.start
        current.append(unit)
    if current:
        chunks.append(current)
    return chunks

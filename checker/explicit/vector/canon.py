"""Canonical forms of a batch of states under symmetry: the same forms as `explicit.symmetry`
computes one state at a time (the numerically smallest image over the whole group), so the
vector engine stores exactly the states the reference engine stores.

The state is cut into chunks of whole units (relation bits, function fields) of at most
`CHUNK_BITS` bits. For each chunk and each word of the state, a table maps the chunk's value
to that word of its images under every group element: OR-ing, over the chunks, one gathered
table row per chunk yields one word of every image of every state. A chunk only reaches the
words its symbol occupies, so most (chunk, word) tables are empty and skipped; a chunk of
relation bits is also skipped in the rows where it is 0 (a cleared bit maps to a cleared bit).

The smallest image is found word by word from the most significant: the minimum of the top
words over the group elements, then, among the elements that reach it, the minimum of the next
word, and so on. Rows are taken a slice at a time, so that a large group stays within bounds;
when even the tables would be too large, canonical forms are computed one state at a time.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from checker.explicit.symmetry import Symmetry, _Unit, chunk_units
from checker.explicit.vector.compiled import WORD_BITS

CHUNK_BITS = 8
TABLE_BYTES_LIMIT = 256 << 20
ROWS_TIMES_GROUP = 1 << 20  # rows x group elements whose image words are computed together
NONE = np.uint64(0xFFFF_FFFF_FFFF_FFFF)


class VectorSymmetry:
    def __init__(self, sym: Symmetry, words: int) -> None:
        self.sym = sym
        self.words = words
        self.group = len(sym.perms)
        chunks = chunk_units(sym.units, CHUNK_BITS)
        table_bytes = sum(1 << _span(c) for c in chunks) * self.group * words * 8
        self.tabled = table_bytes <= TABLE_BYTES_LIMIT
        self.chunks: list[tuple[int, int, bool]] = []  # (first bit, width, relation bits only)
        # Per word, the chunks that reach it: (chunk number, table of that word of the images).
        self.by_word: list[list[tuple[int, Any]]] = [[] for _ in range(words)]
        if not self.tabled:
            return
        for c, units in enumerate(chunks):
            images = self._images(units)
            self.chunks.append(
                (units[0].start, _span(units), all(u.lay.is_relation for u in units))
            )
            for w in range(words):
                if images[:, :, w].any():
                    self.by_word[w].append((c, np.ascontiguousarray(images[:, :, w])))

    def _images(self, units: list[_Unit]) -> Any:
        """(chunk value, group element, word) -> that word of the chunk's image."""
        base, span = units[0].start, _span(units)
        table = np.zeros((1 << span, self.group, self.words), dtype=np.uint64)
        values = np.arange(1 << span)
        for unit in units:
            lay = unit.lay
            per_value = np.zeros((1 << lay.width, self.group, self.words), dtype=np.uint64)
            for v in range(1 << lay.width):
                if lay.is_relation and v == 0:
                    continue
                for k, perm in enumerate(self.sym.perms):
                    per_value[v, k] = _split(self.sym._unit_image(perm, unit, v), self.words)
            table |= per_value[(values >> (unit.start - base)) & lay.field_mask]
        return table

    def canonical(self, cols: list[Any]) -> list[Any]:
        """The canonical form of every state of the batch, as W columns."""
        if not self.tabled:
            return _one_at_a_time(self.sym, cols, self.words)
        n = cols[0].size
        out = [np.empty(n, dtype=np.uint64) for _ in range(self.words)]
        step = max(1, ROWS_TIMES_GROUP // self.group)
        for a in range(0, n, step):
            part = [c[a : a + step] for c in cols]
            for w, word in enumerate(self._smallest(part)):
                out[w][a : a + step] = word
        return out

    def _smallest(self, cols: list[Any]) -> list[Any]:
        values = [_bits(cols, base, span) for base, span, _ in self.chunks]
        n = cols[0].size
        best: list[Any] = [None] * self.words
        reaching: Any = None  # (row, group element): the element's image is smallest so far
        for w in range(self.words - 1, -1, -1):
            image = np.zeros((n, self.group), dtype=np.uint64)
            for c, table in self.by_word[w]:
                value = values[c]
                if self.chunks[c][2]:
                    nonzero = np.flatnonzero(value)
                    image[nonzero] |= table[value[nonzero]]
                else:
                    image |= table[value]
            if reaching is not None:
                image[~reaching] = NONE
            smallest = image.min(axis=1)
            best[w] = smallest
            reaching = image == smallest[:, None]
        return best


def _span(units: list[_Unit]) -> int:
    return units[-1].start + units[-1].lay.width - units[0].start


def _one_at_a_time(sym: Symmetry, cols: list[Any], words: int) -> list[Any]:
    from checker.explicit.vector.store import ints_to_rows, rows_to_ints

    states = rows_to_ints(np.stack(cols, axis=1))
    rows = ints_to_rows([sym.canonical(s) for s in states], words)
    return list(np.ascontiguousarray(rows.T))


def _bits(cols: list[Any], base: int, span: int) -> Any:
    """The `span` bits at `base` of every state, as an index array."""
    w, off = divmod(base, WORD_BITS)
    value = cols[w] >> np.uint64(off)
    if off + span > WORD_BITS and w + 1 < len(cols):
        value = value | (cols[w + 1] << np.uint64(WORD_BITS - off))
    return (value & np.uint64((1 << span) - 1)).astype(np.intp)


def _split(x: int, words: int) -> list[int]:
    return [(x >> (WORD_BITS * w)) & ((1 << WORD_BITS) - 1) for w in range(words)]

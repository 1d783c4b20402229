"""Helpers that the generated vector code calls: bits and fields at positions known only at
run time, and the set bits of a relation slice as (row, tuple) pairs.

A state is a list of uint64 word arrays over the rows (word w holds bits 64w..64w+63 of the
packed state). Positions may be a Python int (the same for every row) or a uint64 array (one
per row). `k0` is the first word a position can fall in, and `words` the words from there
(literal 0 for words past the end of the state: a packed int reads 0 there too).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

Words = Sequence[Any]  # uint64 arrays, or 0 past the end of the state


def _full(n: int, value: Any) -> Any:
    """A bool array over n rows: `value` itself when it already is one."""
    if isinstance(value, np.ndarray):
        return value
    return np.full(n, bool(value))


# A part of a conjunction is evaluated on the rows still true; when they are more than this
# share of the rows, on every row (gathering them would cost more than the rows saved).
DENSE_SHARE = 0.5


def _and_then(r: Any, part: Callable[..., Any], *inputs: Any) -> Any:
    """r & part(...), with `part` evaluated only where r holds (when that saves work)."""
    rows = np.flatnonzero(r)
    if rows.size == 0:
        return r
    if rows.size >= DENSE_SHARE * r.size:
        return r & part(r.size, *inputs)
    r[rows] = part(rows.size, *(x[rows] for x in inputs))
    return r


def _or_else(r: Any, part: Callable[..., Any], *inputs: Any) -> Any:
    """r | part(...), with `part` evaluated only where r does not hold."""
    rows = np.flatnonzero(~r)
    if rows.size == 0:
        return r
    if rows.size >= DENSE_SHARE * r.size:
        return r | part(r.size, *inputs)
    r[rows] = part(rows.size, *(x[rows] for x in inputs))
    return r


def _select(k: Any, words: Words) -> Any:
    """words[k] per row (k an array of word offsets), 0 where k is out of range."""
    if isinstance(k, int | np.integer):
        return words[int(k)] if 0 <= k < len(words) else 0
    index = k.astype(np.intp)  # uint64 offsets below k0 wrap to huge values: out of range
    inside = (index >= 0) & (index < len(words))
    if len(words) <= 32:  # np.choose takes at most 32 choices
        chosen = np.choose(np.where(inside, index, 0), [*words], mode="clip")
        return np.where(inside, chosen, np.uint64(0))
    out = np.zeros(index.shape, dtype=np.uint64)
    for j, w in enumerate(words):
        out = np.where(index == j, w, out)
    return out


def _bit(p: Any, k0: int, words: Words) -> Any:
    """Bit p of the state, per row."""
    return ((_select((p >> 6) - k0, words) >> (p & 63)) & 1) != 0


def _field(p: Any, mask: int, k0: int, words: Words) -> Any:
    """The field of `mask.bit_length()` bits at position p (it may straddle two words)."""
    k = (p >> 6) - k0
    off = p & 63
    low = _select(k, words)
    high = _select(k + 1, words)
    # high << (64 - off), written so that off = 0 shifts by 63 + 1 and not by 64 (undefined).
    return ((low >> off) | ((high << 1) << (63 - off))) & mask


def _put_bits(Y: list[Any], p: Any, k0: int, k1: int, width: int, value: Any) -> None:
    """Write the low `width` bits of `value` at position p, per row, into words k0..k1."""
    for b in range(width):
        q = p + b
        k, off = q >> 6, q & 63
        bit = (value >> b) & 1
        for w in range(max(k0, 0), min(k1, len(Y) - 1) + 1):
            sel = np.asarray(k == w, dtype=np.uint64)
            Y[w] = (Y[w] & ~(sel << off)) | ((sel & bit) << off)


def _put_field(Y: list[Any], p: int, mask: int, value: Any) -> None:
    """Write `value` into the field at the constant position p (it may straddle two words)."""
    w, off = p >> 6, p & 63
    v = np.asarray(value, dtype=np.uint64)
    Y[w] = (Y[w] & ~np.uint64((mask << off) & 0xFFFF_FFFF_FFFF_FFFF)) | (v << np.uint64(off))
    if off + mask.bit_length() > 64 and w + 1 < len(Y):
        Y[w + 1] = (Y[w + 1] & ~np.uint64(mask >> (64 - off))) | (v >> np.uint64(64 - off))


def _set_bits(words: Words, offset: Any, size: int) -> tuple[Any, Any]:
    """The set bits among bits offset..offset+size-1 of `words`, as (rows, indices) arrays: one
    pair per set bit, the index counted from `offset`."""
    rows_out: list[Any] = []
    ids_out: list[Any] = []
    for j, w in enumerate(words):
        lo = max(offset - 64 * j, 0)
        hi = min(offset + size - 64 * j, 64)
        if lo >= hi or isinstance(w, int):
            continue
        v = w & np.uint64(((1 << (hi - lo)) - 1) << lo)
        rows = np.flatnonzero(v)
        vals = v[rows]
        base = 64 * j - offset
        while rows.size:
            low = vals & (~vals + np.uint64(1))
            rows_out.append(rows)
            ids_out.append(np.frexp(low.astype(np.float64))[1] - 1 + base)
            vals = vals ^ low
            keep = np.flatnonzero(vals)
            rows, vals = rows[keep], vals[keep]
    if not rows_out:
        empty = np.zeros(0, dtype=np.intp)
        return empty, empty
    return np.concatenate(rows_out), np.concatenate(ids_out).astype(np.intp)


def _floordiv(a: Any, b: Any) -> Any:
    """a // b on int64 arrays (or scalars), 0 where b is 0 (see `ir.arith`)."""
    safe = np.where(b != 0, b, 1)
    return np.where(b != 0, a // safe, 0)


def _mod(a: Any, b: Any) -> Any:
    """a % b on int64 arrays (or scalars), a where b is 0 (see `ir.arith`)."""
    safe = np.where(b != 0, b, 1)
    return np.where(b != 0, a % safe, a)

"""The visited set: an open-addressing hash table in one numpy array, probed a batch at a time.

Every state has a 64-bit fingerprint (`fingerprint`: a multiply-xorshift hash of its words).
Slots are probed linearly from the fingerprint's low bits; a batch of lookups advances all its
probes together, one gather per round, so the cost is a few memory accesses per state and no
Python per state.

Two kinds of table:

- *exact* (the default): a slot holds the fingerprint's high 32 bits and the state's index in
  the `StateStore`; a lookup whose high bits match compares the whole state with the stored
  one, so two states are the same only when they are equal. 8 bytes a slot.
- *fingerprint*: a slot holds the 64-bit fingerprint, and equal fingerprints are taken to mean
  equal states, as TLC does. Stored states are then never read back, so they can live on disk.
  Two different states with one fingerprint would make the second look visited: the chance of
  that happening in a run is reported (`collision_probability`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

EMPTY = np.uint64(0xFFFF_FFFF_FFFF_FFFF)
LOW32 = np.uint64(0xFFFF_FFFF)
MAX_EXACT_STATES = (1 << 32) - 1  # a slot holds a 32-bit index; all ones is EMPTY
REHASH_ROWS = 1 << 20

_M1 = np.uint64(0x9E37_79B9_7F4A_7C15)
_M2 = np.uint64(0xFF51_AFD7_ED55_8CCD)
_M3 = np.uint64(0xC4CE_B9FE_1A85_EC53)
_S = (np.uint64(29), np.uint64(31), np.uint64(32), np.uint64(33))


def fingerprint(cols: Sequence[Any]) -> Any:
    """64-bit fingerprints of the states given as W word columns (never EMPTY)."""
    h = cols[0] * _M1
    for w in cols[1:]:
        h ^= h >> _S[0]
        h ^= w
        h *= _M1
    # MurmurHash3's finaliser: every input bit reaches every output bit.
    h ^= h >> _S[3]
    h *= _M2
    h ^= h >> _S[3]
    h *= _M3
    h ^= h >> _S[3]
    h[h == EMPTY] = EMPTY - np.uint64(1)
    return h


def collision_probability(states: int) -> float:
    """The chance that some two of `states` distinct states share a 64-bit fingerprint, for a
    uniform hash (the birthday bound): n(n-1)/2 / 2^64."""
    return min(1.0, states * (states - 1) / 2 / 2.0**64)


def _home(h: Any, mask: int) -> Any:
    """The first slot probed for each fingerprint."""
    return (h & np.uint64(mask)).astype(np.intp)


class VisitedTable:
    """A set of states (exact) or of fingerprints; `lookup` before `insert`, a batch at a time."""

    def __init__(
        self,
        exact: bool,
        stored_rows: Callable[[Any], Any],
        capacity_log2: int = 16,
        max_load: float = 0.6,
    ) -> None:
        self.exact = exact
        self.stored_rows = stored_rows  # index array -> (m, W) rows of the store
        self.max_load = max_load
        self.count = 0
        self._allocate(capacity_log2)

    def _allocate(self, capacity_log2: int) -> None:
        self.capacity = 1 << capacity_log2
        self.slots = np.full(self.capacity, EMPTY, dtype=np.uint64)

    @property
    def nbytes(self) -> int:
        return int(self.slots.nbytes)

    def _values(self, h: Any, index: Any) -> Any:
        if not self.exact:
            return h
        return ((h >> np.uint64(32)) << np.uint64(32)) | np.asarray(index, dtype=np.uint64)

    # -- lookup ------------------------------------------------------------------------------

    def lookup(self, h: Any, cols: Sequence[Any], index: Any = None) -> Any:
        """Which of the states are in the set: their fingerprints `h`, and their words, which
        are `cols[w][index]` (`cols[w]` when index is None)."""
        found = np.zeros(h.size, dtype=bool)
        pending = np.arange(h.size)
        # One read of the array: lookups may run on worker threads while the main thread
        # inserts, and growing replaces the array (a lookup that misses a state inserted
        # meanwhile is safe: the search looks new states up again before storing them).
        slots = self.slots
        mask = slots.size - 1
        slot = _home(h, mask)
        while pending.size:
            v = slots[slot]
            hp = h[pending]
            empty = v == EMPTY
            if self.exact:
                match = np.flatnonzero(((v ^ hp) >> np.uint64(32)) == 0)
                match = match[~empty[match]]
                if match.size:
                    stored = self.stored_rows((v[match] & LOW32).astype(np.int64))
                    which = pending[match] if index is None else index[pending[match]]
                    same = np.ones(match.size, dtype=bool)
                    for w, c in enumerate(cols):
                        same &= stored[:, w] == c[which]
                    hits = match[same]
                    found[pending[hits]] = True
                    empty[hits] = True  # done with these probes
            else:
                hit = v == hp
                found[pending[hit]] = True
                empty |= hit
            go_on = np.flatnonzero(~empty)
            pending = pending[go_on]
            slot = (slot[go_on] + 1) & mask
        return found

    # -- insertion ---------------------------------------------------------------------------

    def insert(self, h: Any, index: Any) -> None:
        """Add states known to be absent and distinct: fingerprints `h`, store indices `index`."""
        if self.exact and index.size and int(index.max()) >= MAX_EXACT_STATES:
            raise OverflowError(
                f"the exact visited set holds at most {MAX_EXACT_STATES:,} states; "
                "use --fingerprints for larger runs"
            )
        while (self.count + h.size) > self.max_load * self.capacity:
            self._grow()
        self._place(h, self._values(h, index))
        self.count += h.size

    def _place(self, h: Any, values: Any) -> None:
        pending = np.arange(h.size)
        mask = self.capacity - 1
        slot = _home(h, mask)
        while pending.size:
            free = self.slots[slot] == EMPTY
            cand = np.flatnonzero(free)
            # Two values may race for one free slot: one write wins, the others try again.
            self.slots[slot[cand]] = values[pending[cand]]
            won = self.slots[slot[cand]] == values[pending[cand]]
            placed = np.zeros(pending.size, dtype=bool)
            placed[cand[won]] = True
            slot = np.where(free, slot, (slot + 1) & mask)[~placed]
            pending = pending[~placed]

    def _grow(self) -> None:
        """Double the table and place every entry again."""
        old = self.slots[self.slots != EMPTY]
        self._allocate(self.capacity.bit_length())  # capacity is 2^k: 2^(k+1) now
        if not self.exact:
            self._place(old, old)
            return
        # Exact entries keep only 32 bits of the fingerprint: hash the stored states again,
        # in index order (every stored state is in the set), a slice at a time.
        count = old.size
        for a in range(0, count, REHASH_ROWS):
            index = np.arange(a, min(count, a + REHASH_ROWS))
            h = fingerprint(list(np.ascontiguousarray(self.stored_rows(index).T)))
            self._place(h, self._values(h, index))

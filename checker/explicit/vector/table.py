"""The visited set: an open-addressing hash table in one numpy array, probed a batch at a time.

Every state has a 64-bit fingerprint (`fingerprint`: a multiply-xorshift hash of its words).
Slots are probed linearly from the fingerprint's top bits; a batch of lookups advances all its
probes together, one gather per round, so the cost is a few memory accesses per state and no
Python per state. Every slot value keeps those top bits, so a table doubles without reading a
stored state again: sorted, the values are in order of their new first slots.

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
from pathlib import Path
from typing import Any

import numpy as np

from checker.explicit.vector.store import drop_pages, plain

# An empty slot is 0, so that a new table is zeroed memory, which the system hands out lazily:
# exact slots hold the index plus one, and no fingerprint is 0.
EMPTY = np.uint64(0)
SCALAR_TAIL = 32  # probes left to finish one at a time
LOW32 = np.uint64(0xFFFF_FFFF)
MAX_EXACT_STATES = (1 << 32) - 1  # a slot holds a 32-bit index plus one
# ... and 32 bits of fingerprint, from which a slot's first slot must be derived: 2^32 slots.
MAX_EXACT_CAPACITY_LOG2 = 32
BUILD_ROWS = 1 << 20

_M1 = np.uint64(0x9E37_79B9_7F4A_7C15)
_M2 = np.uint64(0xFF51_AFD7_ED55_8CCD)
_M3 = np.uint64(0xC4CE_B9FE_1A85_EC53)
_S = (np.uint64(29), np.uint64(31), np.uint64(32), np.uint64(33))


def fingerprint(cols: Sequence[Any]) -> Any:
    """64-bit fingerprints of the states given as W word columns (never 0, which is EMPTY)."""
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
    h[h == EMPTY] = np.uint64(1)
    return h


def collision_probability(states: int) -> float:
    """The chance that some two of `states` distinct states share a 64-bit fingerprint, for a
    uniform hash (the birthday bound): n(n-1)/2 / 2^64."""
    return min(1.0, states * (states - 1) / 2 / 2.0**64)


def _home(h: Any, capacity: int) -> Any:
    """The first slot probed for each fingerprint (or slot value) in a table of `capacity`
    slots: its top bits."""
    return (h >> np.uint64(65 - capacity.bit_length())).astype(np.intp)


class TableView:
    """Lookups in a table's slots: in the process that owns the table, or, mapped from its
    file, in a worker process."""

    def __init__(self, exact: bool, stored_rows: Callable[[Any], Any], slots: Any) -> None:
        self.exact = exact
        self.stored_rows = stored_rows  # index array -> (m, W) rows of the store
        self.slots = slots

    @classmethod
    def mapped(
        cls, exact: bool, stored_rows: Callable[[Any], Any], path: Path, capacity: int
    ) -> TableView:
        slots = np.memmap(path, dtype=np.uint64, mode="r", shape=(capacity,))
        return cls(exact, stored_rows, plain(slots))

    # -- lookup ------------------------------------------------------------------------------

    def lookup(self, h: Any, cols: Sequence[Any], index: Any = None) -> Any:
        """Which of the states are in the set: their fingerprints `h`, and their words, which
        are `cols[w][index]` (`cols[w]` when index is None)."""
        if not self.exact:
            h = np.maximum(h, np.uint64(1))  # a fingerprint slot holds the fingerprint; 0 is EMPTY
        found = np.zeros(h.size, dtype=bool)
        pending = np.arange(h.size)
        slots = self.slots
        mask = slots.size - 1
        slot = _home(h, slots.size)
        while pending.size > SCALAR_TAIL:
            v = slots[slot]
            hp = h[pending]
            empty = v == EMPTY
            if self.exact:
                match = np.flatnonzero(((v ^ hp) >> np.uint64(32)) == 0)
                match = match[~empty[match]]
                if match.size:
                    which = pending[match] if index is None else index[pending[match]]
                    same = self._same(v[match], cols, which)
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
        # The last few probes one at a time: a round of array operations costs the same for
        # 3 probes as for 3,000, and the long tail of a probe sequence would take many rounds.
        for i, s in zip(pending.tolist(), slot.tolist(), strict=True):
            fp = int(h[i])
            while True:
                v = int(slots[s])
                if v == 0:
                    break
                if self.exact and (v ^ fp) >> 32 == 0:
                    which = np.array([i if index is None else int(index[i])])
                    if self._same(np.array([v], dtype=np.uint64), cols, which)[0]:
                        found[i] = True
                        break
                elif not self.exact and v == fp:
                    found[i] = True
                    break
                s = (s + 1) & mask
        return found

    def _same(self, values: Any, cols: Sequence[Any], which: Any) -> Any:
        """Whether the stored states that slot `values` point to are the states `which`."""
        stored = self.stored_rows((values & LOW32).astype(np.int64) - 1)
        same = np.ones(values.size, dtype=bool)
        for w, c in enumerate(cols):
            same &= stored[:, w] == c[which]
        return same


class NothingVisited(TableView):
    """A visited set that holds nothing, as expansion sees one it cannot probe: another
    partition's, on another Ray node (`raypool`), or one on disk, read in order only when the
    level is settled (`spill`). The owner drops the visited candidates then."""

    def __init__(self) -> None:
        super().__init__(False, lambda index: None, None)

    def lookup(self, h: Any, cols: Sequence[Any], index: Any = None) -> Any:
        return np.zeros(h.size, dtype=bool)


class VisitedTable(TableView):
    """The table itself: lookups, and insertions by the one process that owns it."""

    def __init__(
        self,
        exact: bool,
        stored_rows: Callable[[Any], Any],
        directory: Path | None = None,
        capacity_log2: int = 16,
        max_load: float = 0.6,
        name: str = "table",
    ) -> None:
        super().__init__(exact, stored_rows, None)
        self.directory = directory  # slots in a file there, mapped, for worker processes
        self.name = name
        self.generation = 0
        self.max_load = max_load
        self.count = 0
        # Called now and then while the table grows: under --max-memory, the search drops
        # pages there (`bfs`).
        self.relieve: Callable[[], None] = lambda: None
        self._allocate(capacity_log2)

    @property
    def path(self) -> Path | None:
        if self.directory is None:
            return None
        return self.directory / f"{self.name}-{self.generation}.bin"

    def _allocate(self, capacity_log2: int) -> None:
        self.capacity = 1 << capacity_log2
        old = self.path if self.generation else None
        self.generation += 1
        if self.path is None:
            self.slots = np.zeros(self.capacity, dtype=np.uint64)
            return
        self.slots = plain(np.memmap(self.path, dtype=np.uint64, mode="w+", shape=(self.capacity,)))
        if old is not None:
            # Tables grow only between the phases that read them (`pool`): no process will
            # open the old file again, and one that mapped it keeps its mapping.
            old.unlink(missing_ok=True)

    def release(self) -> None:
        """Drop the slots' pages from memory, when they live in a file (see `store`)."""
        drop_pages(self.slots)

    def _values(self, h: Any, index: Any) -> Any:
        if not self.exact:
            return np.maximum(h, np.uint64(1))  # as `lookup` compares: 0 is EMPTY
        index = np.asarray(index, dtype=np.uint64) + np.uint64(1)
        return ((h >> np.uint64(32)) << np.uint64(32)) | index

    def insert(self, h: Any, index: Any) -> None:
        """Add states known to be absent and distinct: fingerprints `h`, store indices
        `index` (growing the table first if they would load it beyond `max_load`)."""
        if self.exact and index.size and int(index.max()) >= MAX_EXACT_STATES:
            raise OverflowError(
                f"the exact visited set holds at most {MAX_EXACT_STATES:,} states; "
                "use --fingerprints for larger runs"
            )
        while self.count + h.size > self.max_load * self.capacity:
            self._grow()
        self._place(_home(h, self.capacity), self._values(h, index))
        self.count += h.size

    def _place(self, start: Any, values: Any) -> None:
        """Put each value in the first empty slot from its `start` on (linear probing). Values
        that find one slot free race for it: the write that lands wins, the others go on."""
        mask = self.capacity - 1
        slots = self.slots
        pending = np.arange(values.size)
        slot = start
        while pending.size > SCALAR_TAIL:
            free = np.flatnonzero(slots[slot] == EMPTY)
            slots[slot[free]] = values[pending[free]]
            placed = np.zeros(pending.size, dtype=bool)
            placed[free] = slots[slot[free]] == values[pending[free]]
            go_on = np.flatnonzero(~placed)
            pending = pending[go_on]
            slot = (slot[go_on] + 1) & mask
        for i, s in zip(pending.tolist(), slot.tolist(), strict=True):
            while slots[s] != EMPTY:
                s = (s + 1) & mask
            slots[s] = values[i]

    def _grow(self) -> None:
        """Double the table and place every entry again (from the top bits every slot value
        keeps: no stored state is read)."""
        capacity_log2 = self.capacity.bit_length()  # doubled
        if self.exact and capacity_log2 > MAX_EXACT_CAPACITY_LOG2:
            raise OverflowError(
                f"the exact visited set holds at most {int(self.max_load * self.capacity):,} "
                "states; use --fingerprints for larger runs"
            )
        values = self.slots[self.slots != EMPTY]  # a copy: the old table's pages may go
        self.release()
        self._allocate(capacity_log2)
        self._build(values)

    def _build(self, values: Any) -> None:
        """Fill the empty table with the distinct slot `values` at once: sorted, they are in
        order of their first slots, and each goes to the first slot at or after its own and
        after the previous value's (a running maximum: no probing); those that would run past
        the end wrap around by probing."""
        values.sort()
        last = -1  # the slot the previous value took
        for a in range(0, values.size, BUILD_ROWS):
            part = values[a : a + BUILD_ROWS]
            home = _home(part, self.capacity)
            rank = np.arange(part.size)
            at = np.maximum.accumulate(np.maximum(home - rank, last + 1)) + rank
            inside = at < self.capacity
            self.slots[at[inside]] = part[inside]
            self.relieve()
            if not inside.all():  # every later value has a later first slot: it wraps too
                tail = np.concatenate([part[~inside], values[a + part.size :]])
                self._place(_home(tail, self.capacity), tail)
                return
            last = int(at[-1])

"""The visited set on its own: what is inserted is found, what is not is not, through growth,
and every entry sits where linear probing from its first slot reaches it."""

from __future__ import annotations

import numpy as np
import pytest

from checker.explicit.vector.store import StateStore
from checker.explicit.vector.table import EMPTY, VisitedTable, fingerprint


def reachable_by_probing(table: VisitedTable, h: np.ndarray) -> bool:
    """Whether each fingerprint's entry lies on an unbroken run of full slots from its first
    slot (the top bits), as a lookup walks."""
    slots = table.slots
    full = slots != EMPTY
    first = (h >> np.uint64(64 - (table.capacity.bit_length() - 1))).astype(np.int64)
    kept = (h >> np.uint64(32)) << np.uint64(32)
    for i, s in enumerate(first.tolist()):
        while True:
            if not full[s]:
                return False
            v = int(slots[s])
            if (table.exact and v >> 32 == int(kept[i]) >> 32) or v == int(h[i]):
                break
            s = (s + 1) % table.capacity
    return True


@pytest.mark.parametrize("exact", [True, False])
@pytest.mark.parametrize("top", [None, 0xFFFF_FF00_0000_0000])
def test_entries_survive_growth(exact: bool, top: int | None) -> None:
    rng = np.random.default_rng(7)
    rows = rng.integers(1, 1 << 62, size=(3000, 2), dtype=np.uint64)
    states = StateStore(2)
    states.append_rows(rows, np.zeros(len(rows), dtype=np.int64))
    cols = [rows[:, 0], rows[:, 1]]
    h = fingerprint(cols)
    if top is not None:  # every first slot in the table's last 1/2^24: probes wrap around
        h |= np.uint64(top)
    table = VisitedTable(exact, states.gather, capacity_log2=4)
    inside = np.arange(2000)
    for a in range(0, 2000, 250):
        table.insert(h[a : a + 250], inside[a : a + 250])
    assert table.capacity >= 2000 / table.max_load and table.count == 2000
    assert table.lookup(h[:2000], cols, inside).all()
    absent = np.arange(2000, 3000)
    assert not table.lookup(h[absent], cols, absent).any()
    assert reachable_by_probing(table, h[:2000])
    assert int((table.slots != EMPTY).sum()) == 2000


def test_exact_entries_that_share_a_fingerprint_stay_apart() -> None:
    rows = np.arange(1, 501, dtype=np.uint64)[:, None]
    states = StateStore(1)
    states.append_rows(rows, np.zeros(len(rows), dtype=np.int64))
    h = np.full(500, 0xABCD_0000_0000_0001, dtype=np.uint64)  # one fingerprint for all
    table = VisitedTable(True, states.gather, capacity_log2=4)
    table.insert(h[:400], np.arange(400))
    cols = [rows[:, 0]]
    assert table.lookup(h[:400], cols, np.arange(400)).all()
    assert not table.lookup(h[400:], cols, np.arange(400, 500)).any()

"""A client connection's bookkeeping (`impl/coord/connection.py`)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from impl.coord.connection import WritesInFlight


@given(st.lists(st.integers(0, 30), max_size=60))
def test_the_oldest_write_in_flight_is_the_least_seq_not_yet_discarded(steps: list[int]) -> None:
    """`WritesInFlight.oldest` (what a write tells the replicas the client has acknowledged up
    to) against the minimum of a plain set, under adds in order and discards in any order."""
    writes, plain, seq = WritesInFlight(), set[int](), 0
    for step in steps:
        if step % 3 or not plain:
            seq += 1
            writes.add(seq)
            plain.add(seq)
        else:
            gone = sorted(plain)[step % len(plain)]
            writes.discard(gone)
            plain.discard(gone)
        assert writes.oldest() == (min(plain) if plain else None)

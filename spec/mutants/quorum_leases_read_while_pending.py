"""Quorum leases whose holder reads while a write it accepted is pending: it answers with the
version before a write that has meanwhile been acknowledged.

The holder's acceptance is what lets the write commit without waiting for the holder's lease to
lapse; it promises nothing about when the holder learns the commit. So between accepting a
write and applying it the holder must not read locally: the write may be acknowledged at any
moment, and a read served then would return the version before it (and, with two holders, a
read could return the new version at one and then the old at the other). `spec/quorum_leases.py`
makes a pending write block local reads. `a_lease_read_sees_every_acknowledged_write` is
violated.
"""

from __future__ import annotations

from checker.lang import SymFormula
from spec.quorum_leases import QuorumLeases

BREAKS = "a_lease_read_sees_every_acknowledged_write"


class LeasesReadWhilePending(QuorumLeases):
    """The holder reads with a majority of leases and its catch-up done, pending or not."""

    expected_states = {}

    def can_read(self) -> SymFormula:
        return self.leased() & (self.applied(self.holder) >= self.need)

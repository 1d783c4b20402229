"""Quorum leases whose holder counts a lease as long as its grantor does: a read is served
after the lease lapsed.

The grantor counts its lease on its own clock from the moment it grants; the holder counts it
on another clock, which may run slower. Without the margin of `4 * drift` the holder can still
believe a grant valid when the grantor's clock has already run it out: that grantor then
accepts a write without reporting the holder, the write commits with a majority that the holder
is not part of, and the holder — its majority of leases apparently intact — answers a read from
a state without the acknowledged write. `spec/quorum_leases.py` makes the holder's lease
`lease - 4 * drift`. `a_lease_read_sees_every_acknowledged_write` is violated.
"""

from __future__ import annotations

from checker import Param
from checker.lang import SymTerm
from spec.quorum_leases import QuorumLeases

BREAKS = "a_lease_read_sees_every_acknowledged_write"


class LeasesWithoutDriftMargin(QuorumLeases):
    """The holder counts the grantor's whole lease on its own clock."""

    expected_states = {}

    # The counterexample (20 steps) needs no receipts, and without them it is found 8x faster.
    receipts = Param(0, doc="1: the leader may ask a replica only for a receipt; 0: votes only")

    def holder_lease(self) -> SymTerm:
        return self.lease

"""Quorum leases whose holder reads while a write it only received is pending: it answers with
the version before a write that has meanwhile been acknowledged.

A replica the leader asks only to acknowledge receipt (no vote: in the implementation, the one
that forwarded the write) lets the write commit past its leases just as a vote would, so the
write is as pending there as a voted one: until the holder applies it, it must not read
locally. Here only writes it voted for block its reads. `spec/quorum_leases.py` counts
received writes as pending too. `a_lease_read_sees_every_acknowledged_write` is violated.
"""

from __future__ import annotations

from checker.lang import SymFormula, SymTerm
from spec.quorum_leases import QuorumLeases

BREAKS = "a_lease_read_sees_every_acknowledged_write"


class LeasesReceiptNotPending(QuorumLeases):
    """A received write does not block the holder's local reads."""

    expected_states = {}

    def pending(self, r: SymTerm) -> SymFormula:
        return self.accepted(r) > self.applied(r)

"""Quorum leases whose leader counts a receipt as a vote: a write received by a majority, and
voted for by none, commits while a holder reads the version before it.

A receipt (the replica was asked only to acknowledge the write, not to vote) reports no
grants, and a grant made after it does not make the holder catch up to the write: the
holders' rule and the catch-up rule both rest on *votes*. So a majority of receipts decides
nothing. Here the leader counts a replica that received the write as one that accepted it:
the write commits, no member of the majority reported the holder, a grantor that granted
after receiving it told the holder nothing to catch up to, and the holder reads the old
version. (In the implementation a receipt is not durable either, so counting it would also
break consensus under crashes; this spec has none, and still breaks.)
`spec/quorum_leases.py` counts only votes towards the majority.
`a_lease_read_sees_every_acknowledged_write` is violated.
"""

from __future__ import annotations

from checker.lang import SymFormula, SymTerm
from spec.quorum_leases import QuorumLeases

BREAKS = "a_lease_read_sees_every_acknowledged_write"


class LeasesReceiptCountsAsVote(QuorumLeases):
    """A write commits once a majority accepted or received it."""

    expected_states = {}

    def voted(self, a: SymTerm) -> SymFormula:
        return self.has_the_write(a)

"""Quorum leases whose holder reads as soon as it holds a majority of leases, without first
applying what its grantors had voted for: it reads a state from before its lease.

Writes wait only for holders whose leases are active; a write acknowledged while a replica
held no lease (it was down, or partitioned, or had just started) did not wait for it. When that
replica then gathers a majority of grants it must first apply every write its grantors had
accepted when they granted — one of any majority accepted each acknowledged write — before it
reads. This holder reads at once, from a state that may lack an acknowledged write.
`spec/quorum_leases.py` keeps `need`. `a_lease_read_sees_every_acknowledged_write` is violated.
"""

from __future__ import annotations

from checker.lang import SymFormula
from spec.quorum_leases import QuorumLeases

BREAKS = "a_lease_read_sees_every_acknowledged_write"


class LeasesNoCatchUp(QuorumLeases):
    """The holder reads with a majority of leases and no write pending, caught up or not."""

    expected_states = {}

    def can_read(self) -> SymFormula:
        h = self.holder
        return self.leased() & (self.accepted(h) <= self.applied(h))

"""Quorum leases with a write that does not wait for the lease holders: committed by a
majority alone, it is acknowledged while a holder still reads the old value.

A holder answers reads from its own state for as long as a majority of its leases lasts, so a
write may be acknowledged only once every holder whose lease one of the accepting majority
reported has accepted it too (it is then pending there, and the holder stops reading until it
applies it). Here the leader counts the majority's acceptances only, as plain Multi-Paxos
does: the write is acknowledged, and a holder that never saw it reads the version before it.
`spec/quorum_leases.py` waits for the reported holders. `a_lease_read_sees_every_acknowledged_write`
is violated.
"""

from __future__ import annotations

from checker import forall, implies
from checker.lang import SymFormula, SymTerm
from spec.quorum_leases import QuorumLeases

BREAKS = "a_lease_read_sees_every_acknowledged_write"


class LeasesWriteDoesNotWait(QuorumLeases):
    """A write commits once a majority accepted it, whoever holds leases."""

    expected_states = {}

    def waited_for(self, q: SymTerm) -> SymFormula:
        return forall(
            self.replica,
            lambda a: implies(self.quorum.member(a, q), self.accepted(a) == self.proposed),
        )

"""Quorums that need not intersect.

Paxos is safe because any two quorums share an acceptor: whatever one quorum chose, every later
quorum hears about it from the shared member. Here a "quorum" is any floor(n/2) acceptors (one of
three), so two disjoint quorums can each choose a different value in different ballots without
either learning of the other.
"""

from __future__ import annotations

from checker import Param, Quorums
from spec.paxos import Paxos


class PaxosMinorityQuorums(Paxos):
    """Paxos with quorums of acceptors // 2 members, which need not intersect."""

    max_ballot = Param(1, doc="ballots are 0..max_ballot")
    quorum = Quorums(Paxos.acceptor, size=Paxos.acceptors // 2)  # BUG: not a majority

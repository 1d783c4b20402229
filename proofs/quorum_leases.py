"""An inductive invariant for `spec/quorum_leases.py`: a lease read sees every acknowledged write
for any number of replicas, writes, any drift and any lease length.

Two arguments, one about time and one about quorums:

- **Time** (`holder_stops_first`): while the holder counts a grant from g as valid, g still
  counts it as active, with room for both clocks to drift to the ends of their bounds. In
  clock terms, what is left of the lease on the holder's clock, plus the holder's offset from
  real time and twice the drift, is at most what is left on g's clock plus g's offset. A grant
  keeps it because the holder's lease is `4 * drift` shorter (and counted from when it asked);
  a clock moving on lowers both sides of its own inequality alike.
- **Quorums** (`the_last_write_reached_the_holder`): some majority accepted the last committed
  write, and each of them whose lease the holder still counts either reported the holder (so
  the holder accepted or received the write too) or granted after accepting (so the holder must catch up to
  it). A lease majority meets that majority, so a holder that may read has applied the write.
  `reported_holders_hold` is the step between accepting and committing.
"""

from __future__ import annotations

from checker import conjunct, exists, forall, implies
from checker.lang import SymFormula, SymTerm
from spec.quorum_leases import QuorumLeases


class QuorumLeasesProof(QuorumLeases):
    """Linearizable lease reads, for all sizes."""

    safety = ("a_lease_read_sees_every_acknowledged_write",)

    @conjunct
    def clocks_stay_near_real_time(self) -> SymFormula:
        return forall(
            self.replica,
            lambda r: (self.off(r) <= self.drift) & (self.off(r) >= 0 - self.drift),
        )

    @conjunct
    def counts_are_within_bounds(self) -> SymFormula:
        counts: SymFormula = (
            (self.asked >= 0)
            & (self.need >= 0)
            & forall(
                self.replica,
                lambda g: (
                    (self.held(g) >= 0) & (self.granted(g) >= 0) & (self.granted(g) <= self.lease)
                ),
            )
        )
        return counts

    @conjunct
    def holder_stops_first(self) -> SymFormula:
        return forall(
            self.replica,
            lambda g: implies(
                self.held(g) > 0,
                self.held(g) + self.off(self.holder) + 2 * self.drift
                <= self.granted(g) + self.off(g),
            ),
        )

    @conjunct
    def writes_are_in_order(self) -> SymFormula:
        ordered: SymFormula = (
            (self.committed <= self.proposed)
            & (self.committed >= 0)
            & forall(
                self.replica,
                lambda r: (
                    (self.accepted(r) <= self.proposed)
                    & (self.received(r) <= self.proposed)
                    & (self.applied(r) <= self.committed)
                    & (self.accepted(r) >= 0)
                ),
            )
        )
        return ordered

    @conjunct
    def reported_holders_hold(self) -> SymFormula:
        """A replica that accepted the write in progress and whose grant the holder counts has
        reported the holder, or the holder must catch up to the write."""
        return forall(
            self.replica,
            lambda g: implies(
                (self.accepted(g) == self.proposed) & (self.held(g) > 0),
                self.reported(g) | (self.need >= self.proposed),
            ),
        )

    def knows_the_last_write(self, a: SymTerm) -> SymFormula:
        """a accepted it and, if the holder counts a's grant, the holder has it (accepted or
        received) or must get it."""
        h = self.holder
        knows: SymFormula = (self.accepted(a) >= self.committed) & implies(
            (a != h) & (self.held(a) > 0),
            (self.need >= self.committed)
            | (self.accepted(h) >= self.committed)
            | (self.received(h) >= self.committed),
        )
        return knows

    @conjunct
    def the_last_write_reached_the_holder(self) -> SymFormula:
        return exists(
            self.quorum,
            lambda q: forall(
                self.replica,
                lambda a: implies(self.quorum.member(a, q), self.knows_the_last_write(a)),
            ),
        )

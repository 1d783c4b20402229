"""The inductive invariant of mypyvy's `examples/ironfleet_distributed_lock.pyv`: at most one
message is in flight (sent to a host whose epoch is below it), none while a host holds the
lock, and the holder — host or message — has the freshest epoch.

    paxoscope prove proofs/mypyvy/ironfleet_distributed_lock.py
"""

from __future__ import annotations

from checker import conjunct, forall, implies
from checker.lang import SymFormula
from spec.mypyvy.ironfleet_distributed_lock import IronfleetDistributedLock


class IronfleetDistributedLockProof(IronfleetDistributedLock):
    safety = ("mutual_exclusion",)

    def in_flight(self, d: object, e: object) -> SymFormula:
        """A message to `d` at epoch `e` that `d` has not accepted yet."""
        flying: SymFormula = self.sent_msgs(d, e) & ~self.le(e, self.host_epoch(d))
        return flying

    @conjunct
    def holder_is_unique(self) -> SymFormula:
        return forall(
            self.host,
            self.host,
            lambda h1, h2: implies(self.holds_lock(h1) & self.holds_lock(h2), h1 == h2),
        )

    @conjunct
    def unique_msg_in_flight(self) -> SymFormula:
        return forall(
            self.host,
            self.epoch,
            self.host,
            self.epoch,
            lambda d1, e1, d2, e2: implies(
                self.in_flight(d1, e1) & self.in_flight(d2, e2), (d1 == d2) & (e1 == e2)
            ),
        )

    @conjunct
    def in_flight_precludes_lock_held(self) -> SymFormula:
        return forall(
            self.host,
            self.epoch,
            self.host,
            lambda d, e, h: implies(self.in_flight(d, e), ~self.holds_lock(h)),
        )

    @conjunct
    def lock_holder_has_freshest_epoch(self) -> SymFormula:
        return forall(
            self.host,
            self.host,
            lambda h1, h2: implies(
                self.holds_lock(h1) & (h1 != h2), ~self.le(self.host_epoch(h1), self.host_epoch(h2))
            ),
        )

    @conjunct
    def in_flight_has_freshest_epoch(self) -> SymFormula:
        return forall(
            self.host,
            self.epoch,
            self.host,
            lambda d, e, h: implies(self.in_flight(d, e), ~self.le(e, self.host_epoch(h))),
        )

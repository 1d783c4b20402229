"""An inductive invariant for `spec/zookeeper.py`: the coordination tree's invariants hold for
any number of sessions and children and any version and counter bounds.

The invariants themselves are nearly inductive; what they need besides is that a registered
watch has not fired yet (so that firing it makes one event, not two). Counts are any
non-negative integer here (`prove`'s sorts have no size): an expiry adds some number of
deletions to the parent's counter, which keeps every sequence number below it.
"""

from __future__ import annotations

from checker import conjunct, forall, implies
from checker.lang import SymFormula
from spec.zookeeper import ZooKeeper


class ZooKeeperProof(ZooKeeper):
    """The tree's invariants, for all sizes."""

    safety = (
        "ephemerals_die_with_their_session",
        "sequence_numbers_are_unique",
        "sequence_numbers_are_below_the_counter",
        "absent_nodes_have_no_owner_or_version",
        "a_watch_fires_at_most_once",
    )

    @conjunct
    def ephemerals_are_owned_by_live_sessions(self) -> SymFormula:
        return self.ephemerals_die_with_their_session()

    @conjunct
    def numbers_are_unique(self) -> SymFormula:
        return self.sequence_numbers_are_unique()

    @conjunct
    def numbers_are_below_the_counter(self) -> SymFormula:
        return self.sequence_numbers_are_below_the_counter()

    @conjunct
    def absent_nodes_are_blank(self) -> SymFormula:
        return self.absent_nodes_have_no_owner_or_version()

    @conjunct
    def watches_fire_at_most_once(self) -> SymFormula:
        return self.a_watch_fires_at_most_once()

    @conjunct
    def registered_watches_have_not_fired(self) -> SymFormula:
        """A watch still registered has delivered no event yet."""
        return forall(
            self.session,
            self.name,
            lambda s, n: implies(self.watching(s, n), self.fired(s, n) == 0),
        )

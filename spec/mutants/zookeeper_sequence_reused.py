"""A sequence number given twice: a sequential create takes the parent's counter but does not
advance it, so the next sequential child of the same parent gets the same number.

Sequential names are what orders a lock's waiters and a queue's items: kazoo's lock takes the
child with the lowest number as the holder and has each waiter watch the one just below it.
Two children with one number make that order ambiguous: two clients can each see themselves
first and both take the lock. (In ZooKeeper the number is the parent's cversion, which every
create and delete of a child advances; a server that restored a snapshot with a stale cversion
would reuse numbers the same way.) The first create already breaks
`sequence_numbers_are_below_the_counter` (its number is the counter itself); two creates would
then share a number (`sequence_numbers_are_unique`).
"""

from __future__ import annotations

from checker import require
from checker.lang import SymTerm
from spec.zookeeper import ZooKeeper

BREAKS = "sequence_numbers_are_unique"  # the property the bug breaks (tests/spec/test_mutants.py)


class SequenceReused(ZooKeeper):
    """Sequential creates that do not advance the parent's counter."""

    expected_states = {}

    def make(self, s: SymTerm, n: SymTerm, owner: SymTerm) -> None:
        require(self.alive(s) & ~self.exists_(n))
        self.seq[n] = self.cversion  # BUG: the counter is not advanced
        self.exists_.insert(n)
        self.data_version[n] = 0
        self.owner[n] = owner

"""kazoo's queue recipe with a consumer that does not check its delete: two consumers read the
same first child, both delete it, one of them fails, and both return the item.

Taking an item from the queue is its delete, not its read: any number of consumers can read
the first child's data, but ZooKeeper lets exactly one delete succeed, and only that consumer
may return the item. A consumer that treats the delete as housekeeping (ignores its NONODE, or
sends it without waiting for the answer) returns whatever it read, so when two consumers list
the children at the same time, both read the lowest child and both hand it on: the item is
processed twice. `spec/zookeeper_queue.py` returns the item only when the delete succeeded and
otherwise lists the children again. `no_item_consumed_twice` is violated.
"""

from __future__ import annotations

from checker.lang import SymFormula, SymTerm
from spec.zookeeper_queue import ZooKeeperQueue

BREAKS = "no_item_consumed_twice"  # the property the bug breaks (tests/spec/test_mutants.py)


class QueueGetWithoutDelete(ZooKeeperQueue):
    """A consumer returns the item it read whether or not its delete succeeded."""

    expected_states = {}

    def took(self, i: SymTerm) -> SymFormula:
        return self.queued(i) | ~self.queued(i)

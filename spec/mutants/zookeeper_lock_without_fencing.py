"""kazoo's lock recipe guarding a resource without fencing tokens: a holder whose session
expired, paused in a long GC, writes after its successor did, and an update is lost.

The recipe is right as far as ZooKeeper can see: once the holder's session expires its
ephemeral child is gone and the next client rightly takes the lock. But the old holder does not
know yet; when it wakes up it finishes its read-modify-write with the value it read before its
pause, overwriting the new holder's update. A lock service alone cannot prevent this: the
resource must check the lock's generation (the child's sequence number, a fencing token) and
refuse an older one, as `spec/zookeeper_lock.py` does. `no_lost_update` is violated.
"""

from __future__ import annotations

from checker.lang import SymFormula, SymTerm
from spec.zookeeper_lock import ZooKeeperLock

BREAKS = "no_lost_update"  # the property the bug breaks (tests/spec/test_mutants.py)


class LockWithoutFencing(ZooKeeperLock):
    """The resource takes any access from a client that believes it holds the lock."""

    expected_states = {}

    def fenced(self, c: SymTerm) -> SymFormula:
        return self.mine(c) == self.mine(c)

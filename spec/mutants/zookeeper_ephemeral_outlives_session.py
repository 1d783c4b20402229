"""An ephemeral node that outlives its session: expiry ends the session but forgets to delete
the ephemerals it owns.

This is the bug behind a lock recipe's worst failure: kazoo's lock is an ephemeral sequential
child, and a client whose session expired is supposed to lose it, so that the next waiter's
watch fires and it takes the lock. Here the dead session's child stays, nobody's watch fires,
and the lock is held by no one for ever; a client that reconnects with a new session may even
believe it still holds it. `ephemerals_die_with_their_session` is violated as soon as a session
that created an ephemeral expires.
"""

from __future__ import annotations

from checker import action, require
from spec.zookeeper import ZooKeeper

BREAKS = (
    "ephemerals_die_with_their_session"  # the property the bug breaks (tests/spec/test_mutants.py)
)


class EphemeralOutlivesSession(ZooKeeper):
    """Expiry that leaves the session's ephemerals behind."""

    expected_states = {}

    @action
    def expire(self, s: ZooKeeper.session) -> None:
        require(self.alive(s))
        self.alive.remove(s)
        self.watching.update(lambda t, n: self.watching(t, n) & (t != s))

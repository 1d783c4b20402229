"""A watch that fires twice: a change delivers the event but leaves the watch registered, so the
next change delivers another one.

ZooKeeper's watches are one-shot: a client that wants to keep watching sets the watch again when
it reads the new data, and recipes rely on it (a lock waiter that saw its predecessor go must
not be woken again by some later change and act twice on one event). Here the server forgets to
remove the registration when it fires: two writes to a watched node give the watcher two
events for one registration, and `a_watch_fires_at_most_once` is violated.
"""

from __future__ import annotations

from checker import ite
from spec.zookeeper import ZooKeeper

BREAKS = "a_watch_fires_at_most_once"  # the property the bug breaks (tests/spec/test_mutants.py)


class WatchFiresTwice(ZooKeeper):
    """Watches that stay registered after they fire."""

    expected_states = {}

    def fire(self, changed: object) -> None:
        self.fired.update(
            lambda t, n: ite(
                self.watching(t, n) & changed(n),  # type: ignore[operator]
                self.fired(t, n) + 1,
                self.fired(t, n),
            )
        )

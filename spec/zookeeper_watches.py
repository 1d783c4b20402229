"""The ZooKeeper tree of `spec/zookeeper.py` with persistent watches and multi: what
ZooKeeper 3.6 added for clients that follow a node (addWatch in PERSISTENT mode, removeWatches)
and the atomic batch (multi), here of two deletes.

- `add_watch(s, n)` / `remove_watch(s, n)`: a persistent watch on an existing child. It fires
  at every write and at the delete of the child, and stays; `pfired` counts its events since
  it was added. A persistent watch stays on a deleted path, which no child has again (a child
  created again has a new number): the spec forgets it.
- `multi_delete(s, n, m)`: two children deleted in one transaction, both or neither.

Invariants: the tree's, and a persistent watch has seen no more events than the child has had
writes (`persistent_watches_see_only_writes`). A separate spec so that the tree's own instance
stays small: persistent watches multiply the states (with two sessions and two children, this
instance has 4 times the tree's). `tests/conformance/zookeeper_driver.py` replays both.
"""

from __future__ import annotations

from collections.abc import Callable

from checker import (
    Function,
    IntSort,
    Param,
    Relation,
    action,
    forall,
    implies,
    invariant,
    ite,
    require,
)
from checker.lang import SymFormula, SymTerm
from spec.zookeeper import ZooKeeper


class ZooKeeperWatches(ZooKeeper):
    """The children of one znode, with persistent watches and multi."""

    expected_states = {"": 615_288}

    max_cversion = Param(2, doc="the parent's child version (children created) is 0..max_cversion")

    changes = IntSort(0, ZooKeeper.max_version + 1)  # writes, then the delete
    persistent = Relation(ZooKeeper.session, ZooKeeper.name)  # addWatch(PERSISTENT)
    pfired = Function(ZooKeeper.session, ZooKeeper.name, changes, init=0)

    def fire(self, changed: Callable[[SymTerm], SymFormula]) -> None:  # type: ignore[override]
        """The one-shot watches fire and go (the tree's); the persistent ones fire and stay."""
        self.pfired.update(
            lambda t, n: ite(
                self.persistent(t, n) & changed(n), self.pfired(t, n) + 1, self.pfired(t, n)
            )
        )
        super().fire(changed)

    def remove(self, gone: Callable[[SymTerm], SymFormula]) -> None:
        """The children that are `gone(n)` are deleted, their watches fired and forgotten.
        `gone` may read the owner, so the owner changes last."""
        self.fire(gone)
        self.persistent.update(lambda t, n: self.persistent(t, n) & ~gone(n))
        self.data_version.update(lambda n: ite(gone(n), 0, self.data_version(n)))
        self.seq.update(lambda n: ite(gone(n), 0, self.seq(n)))
        self.exists_.update(lambda n: self.exists_(n) & ~gone(n))
        self.owner.update(lambda n: ite(gone(n), self.session.bottom, self.owner(n)))

    @action
    def delete(self, s: ZooKeeper.session, n: ZooKeeper.name) -> None:
        require(self.alive(s) & self.exists_(n))
        self.remove(lambda m: m == n)

    @action
    def multi_delete(self, s: ZooKeeper.session, n: ZooKeeper.name, m: ZooKeeper.name) -> None:
        """A multi of two deletes: both children go in one transaction."""
        require(self.alive(s) & self.exists_(n) & self.exists_(m) & (n != m))
        self.remove(lambda k: (k == n) | (k == m))

    @action
    def expire(self, s: ZooKeeper.session) -> None:
        """s's ephemerals go (an absent child has no owner), firing s's own watches too,
        before s's watches go."""
        require(self.alive(s))
        self.alive.remove(s)
        self.remove(lambda n: self.owner(n) == s)
        self.watching.update(lambda t, n: self.watching(t, n) & (t != s))
        self.persistent.update(lambda t, n: self.persistent(t, n) & (t != s))

    @action
    def add_watch(self, s: ZooKeeper.session, n: ZooKeeper.name) -> None:
        """addWatch(PERSISTENT) on an existing child."""
        require(self.alive(s) & self.exists_(n) & ~self.persistent(s, n))
        self.persistent.insert(s, n)
        self.pfired[s, n] = 0

    @action
    def remove_watch(self, s: ZooKeeper.session, n: ZooKeeper.name) -> None:
        """removeWatches(PERSISTENT)."""
        require(self.alive(s) & self.persistent(s, n))
        self.persistent.remove(s, n)

    @invariant
    def persistent_watches_see_only_writes(self) -> SymFormula:
        """A persistent watch's events so far are writes of its child, no more."""
        return forall(
            self.session,
            self.name,
            lambda s, n: implies(self.persistent(s, n), self.pfired(s, n) <= self.data_version(n)),
        )

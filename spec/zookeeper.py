"""ZooKeeper's data tree as clients see it: the children of one directory (a lock's or a queue's
`/lock`), created plain or ephemeral, each with its sequence number, data version and one-shot
watches, and the sessions that own the ephemerals and expire.

The level is that of client-visible operations (`impl/coord/tree.py` is the implementation):

- `create(s, n)` and `create_ephemeral(s, n)`: a sequential child n (`n-0000000007`: its
  sequence number, `seq`, is the parent's child version at creation), persistent or owned by
  session s, data version 0; the parent's child version (`cversion`) goes up by one;
- `delete(s, n)` and `set_data(s, n)` (the data version goes up by one). `cversion` is what
  ZooKeeper stores, the children ever created, which numbers sequential children; a client is
  shown creations and deletions (2 * cversion - the number of children, DataNode.copyStat);
- `watch(s, n)`: a one-shot watch on an existing n (exists / getData), fired — one event, then
  gone — by the next delete or write of n (a node created again is a new sequential name, so
  a watch is only ever set on one that exists, as the recipes do);
- `expire(s)`: the session ends: its ephemerals are deleted (firing the watches on them, its
  own included, as ZooKeeper's server does before it closes the connection) and its own
  watches are dropped.

Invariants: an ephemeral never outlives its session; sequence numbers are unique among the
children and below the counter that gives the next one; a node that does not exist has no
owner, and version and number 0; a watch fires at most once per registration. The mutants in
`spec/mutants/` (`zookeeper_*`) break each. `tests/conformance/zookeeper_driver.py` replays the
spec against `impl/coord/`'s tree and watches.
"""

from __future__ import annotations

from checker import (
    Function,
    Individual,
    IntSort,
    Param,
    Relation,
    Sort,
    Spec,
    action,
    forall,
    implies,
    invariant,
    ite,
    require,
)
from checker.lang import SymFormula, SymTerm


class ZooKeeper(Spec):
    """The children of one znode, their sessions and their watches."""

    expected_states = {"": 47_116}

    sessions = Param(2, doc="client sessions")
    names = Param(2, doc="children of the directory")
    max_version = Param(1, doc="data versions are 0..max_version")
    max_cversion = Param(4, doc="the parent's child version (children created) is 0..max_cversion")

    session = Sort(sessions, symmetric=True, bottom="none", labels="s")
    name = Sort(names, labels="n")
    version = IntSort(0, max_version)
    counter = IntSort(0, max_cversion)
    events = IntSort(0, 2)

    alive = Relation(session, init=True)
    exists_ = Relation(name)
    owner = Function(name, session.or_bottom, init=session.bottom)  # an ephemeral's session
    data_version = Function(name, version, init=0)
    seq = Function(name, counter, init=0)  # the sequence number given at creation
    cversion = Individual(counter, init=0)
    watching = Relation(session, name)  # one-shot watches registered, not yet fired
    fired = Function(session, name, events, init=0)  # events for the last registration

    def fire(self, changed: object) -> None:
        """Every watch on a node that `changed(n)` fires: one event, and it is gone."""
        self.fired.update(
            lambda t, n: ite(
                self.watching(t, n) & changed(n),  # type: ignore[operator]
                self.fired(t, n) + 1,
                self.fired(t, n),
            )
        )
        self.watching.update(lambda t, n: self.watching(t, n) & ~changed(n))  # type: ignore[operator]

    def bump_children(self) -> None:
        """A child created: the parent's cversion goes up by one."""
        require(self.cversion < self.max_cversion)
        self.cversion = self.cversion + 1

    def make(self, s: SymTerm, n: SymTerm, owner: SymTerm) -> None:
        """Session s creates child n, owned by `owner` (an ephemeral's session, or none)."""
        require(self.alive(s) & ~self.exists_(n))
        self.seq[n] = self.cversion
        self.bump_children()
        self.exists_.insert(n)
        self.data_version[n] = 0
        self.owner[n] = owner

    @action
    def create(self, s: session, n: name) -> None:
        """A persistent sequential child."""
        self.make(s, n, self.session.bottom)

    @action
    def create_ephemeral(self, s: session, n: name) -> None:
        """An ephemeral sequential child, owned by session s."""
        self.make(s, n, s)

    @action
    def delete(self, s: session, n: name) -> None:
        require(self.alive(s) & self.exists_(n))
        self.fire(lambda m: m == n)
        self.exists_.remove(n)
        self.owner[n] = self.session.bottom
        self.data_version[n] = 0
        self.seq[n] = 0

    @action
    def set_data(self, s: session, n: name) -> None:
        require(self.alive(s) & self.exists_(n) & (self.data_version(n) < self.max_version))
        self.fire(lambda m: m == n)
        self.data_version[n] = self.data_version(n) + 1

    @action
    def watch(self, s: session, n: name) -> None:
        require(self.alive(s) & self.exists_(n) & ~self.watching(s, n))
        self.watching.insert(s, n)
        self.fired[s, n] = 0

    def owned_by(self, s: SymTerm, n: SymTerm) -> SymFormula:
        return self.exists_(n) & (self.owner(n) == s)

    @action
    def expire(self, s: session) -> None:
        require(self.alive(s))
        self.alive.remove(s)
        self.fire(lambda n: self.owned_by(s, n))  # s's own watches too, before they go
        self.watching.update(lambda t, n: self.watching(t, n) & (t != s))
        self.data_version.update(lambda n: ite(self.owned_by(s, n), 0, self.data_version(n)))
        self.seq.update(lambda n: ite(self.owned_by(s, n), 0, self.seq(n)))
        self.exists_.update(lambda n: self.exists_(n) & (self.owner(n) != s))
        self.owner.update(lambda n: ite(self.owner(n) == s, self.session.bottom, self.owner(n)))

    @invariant
    def ephemerals_die_with_their_session(self) -> SymFormula:
        return forall(
            self.name, self.session, lambda n, s: implies(self.owned_by(s, n), self.alive(s))
        )

    @invariant
    def sequence_numbers_are_unique(self) -> SymFormula:
        return forall(
            self.name,
            self.name,
            lambda a, b: implies(
                self.exists_(a) & self.exists_(b) & (a != b), self.seq(a) != self.seq(b)
            ),
        )

    @invariant
    def sequence_numbers_are_below_the_counter(self) -> SymFormula:
        return forall(self.name, lambda n: implies(self.exists_(n), self.seq(n) < self.cversion))

    @invariant
    def absent_nodes_have_no_owner_or_version(self) -> SymFormula:
        return forall(
            self.name,
            lambda n: implies(
                ~self.exists_(n),
                (self.owner(n) == self.session.bottom)
                & (self.data_version(n) == 0)
                & (self.seq(n) == 0),
            ),
        )

    @invariant
    def a_watch_fires_at_most_once(self) -> SymFormula:
        return forall(self.session, self.name, lambda s, n: self.fired(s, n) <= 1)

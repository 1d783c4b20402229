"""kazoo's lock recipe on the coordination tree, guarding a resource with fencing tokens.

Each client creates an ephemeral sequential child of the lock node (`request`: its number is
the parent's counter, one more each time) and holds the lock once its child is the lowest
(`acquire`, as kazoo's `Lock.acquire` decides from the children it lists). Holding it, the client
does a read-modify-write on a shared resource (`read`, then `write`, which also releases the
lock by deleting the child). A session may expire at any time (`expire`: the server deletes the
client's ephemeral child); the client, perhaps paused in a long GC, does not know yet and goes on
as the holder — the hazard of every lease-based lock. A client notices later (`notice`) and lets
go.

The resource therefore checks a **fencing token** (Kleppmann): the client's sequence number, sent
with every access; the resource remembers the highest it has seen and refuses an access with a
lower one (`refused`: the client gives up its turn). `no_lost_update` — the resource's value is
the number of completed critical sections — holds with fencing;
`spec/mutants/zookeeper_lock_without_fencing.py`, the same recipe without the check, loses an
update: the expired holder's write lands after its successor's.
"""

from __future__ import annotations

from checker import (
    WF,
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
    leads_to,
    liveness,
    maximum,
    require,
)
from checker.lang import SymFormula, SymTerm


class ZooKeeperLock(Spec):
    """Clients taking a ZooKeeper lock in turn to update one resource, sessions expiring."""

    expected_states = {"": 11_769}

    # Clients that hold the lock go on, and one that waits looks again when woken.
    fairness = tuple(
        WF(name, per="c") for name in ("acquire", "read", "write", "refused", "notice")
    )

    clients = Param(3, doc="clients of the lock")
    max_token = Param(4, doc="sequential children created in all")

    client = Sort(clients, symmetric=True, labels="c")
    token = IntSort(0, max_token)  # a child's sequence number; 0: none
    amount = IntSort(0, max_token)

    counter = Individual(token, init=0)  # the lock node's cversion: the last number given
    child = Function(client, token, init=0)  # the client's child as the server has it
    mine = Function(client, token, init=0)  # the number the client believes is its child
    holds = Relation(client)  # the client believes it holds the lock
    has_read = Relation(client)
    seen = Function(client, amount, init=0)  # what its read returned

    value = Individual(amount, init=0)  # the resource
    highest = Individual(token, init=0)  # the highest token the resource has seen
    done = Individual(amount, init=0)  # critical sections completed

    def fenced(self, c: SymTerm) -> SymFormula:
        """The resource takes an access with c's token."""
        return self.mine(c) >= self.highest

    def let_go(self, c: SymTerm) -> None:
        self.holds.remove(c)
        self.has_read.remove(c)
        self.mine[c] = 0
        self.child[c] = 0

    @action
    def request(self, c: client) -> None:
        require((self.mine(c) == 0) & (self.counter < self.max_token))
        self.counter = self.counter + 1
        self.child[c] = self.counter
        self.mine[c] = self.counter

    @action
    def acquire(self, c: client) -> None:
        require((self.child(c) != 0) & ~self.holds(c))
        require(
            forall(self.client, lambda d: (self.child(d) == 0) | (self.child(c) <= self.child(d)))
        )
        self.holds.insert(c)

    @action
    def read(self, c: client) -> None:
        require(self.holds(c) & ~self.has_read(c) & self.fenced(c))
        self.highest = maximum(self.highest, self.mine(c))
        self.seen[c] = self.value
        self.has_read.insert(c)

    @action
    def write(self, c: client) -> None:
        require(self.holds(c) & self.has_read(c) & self.fenced(c))
        self.highest = maximum(self.highest, self.mine(c))
        self.value = self.seen(c) + 1
        self.done = self.done + 1
        self.let_go(c)

    @action
    def refused(self, c: client) -> None:
        """The resource refuses c's token (a later holder's was seen): c gives up its turn."""
        require(self.holds(c) & ~self.fenced(c))
        self.let_go(c)

    @action
    def expire(self, c: client) -> None:
        require(self.child(c) != 0)
        self.child[c] = 0

    @action
    def notice(self, c: client) -> None:
        """c learns that its session expired: it is not the holder, whatever it thought."""
        require((self.mine(c) != 0) & (self.child(c) == 0))
        self.let_go(c)

    @invariant
    def no_lost_update(self) -> SymFormula:
        return self.value == self.done

    @invariant
    def a_live_holder_is_alone(self) -> SymFormula:
        """Two clients may both believe they hold the lock (one's session expired), but at
        most one of them still has its child."""
        return forall(
            self.client,
            self.client,
            lambda a, b: implies(
                self.holds(a) & self.holds(b) & (self.child(a) != 0) & (self.child(b) != 0),
                a == b,
            ),
        )

    @liveness
    def a_waiting_client_gets_the_lock(self) -> SymFormula:
        """Under fairness, a client whose child exists holds the lock one day (or its session
        expires first)."""
        return forall(
            self.client,
            lambda c: leads_to(self.child(c) != 0, self.holds(c) | (self.child(c) == 0)),
        )

"""kazoo's leader election recipe on the coordination tree, its leaders fenced by epochs.

kazoo's `Election.run(func)` is its lock recipe (`spec/zookeeper_lock.py`) around `func`: each
candidate creates an ephemeral sequential child of the election node (`join`: its number is the
parent's counter, one more each time); the candidate whose child is the lowest is the leader
(`elected`, as `Lock.acquire` decides from the children it lists; the others wait on a watch
on their predecessor, which the fairness below stands for) and runs `func` until it returns
(`resign`: the child is deleted, the next candidate is elected). The level is the lock spec's:
one step per decision a client takes on what it has read, the watches left implicit.

A client may **pause** (a long GC, a frozen VM, a partition from ZooKeeper: it takes no step)
and **resume**. A paused client sends no heartbeats, so its session may **expire** (the server
deletes its ephemeral child); the client learns it when it runs again (`notice`), gives up
whatever it believed and may stand again (`join`) with a new session and a new child. Until it
notices, a leader whose session expired still believes it leads, and acts (`command`): two
clients may then both *believe* they lead (tests/spec/test_zookeeper_recipes.py finds such a
state), although at most one leader is still one *according to the tree*, a client whose child
is the lowest (`at_most_one_leader`, `a_live_leader_has_the_lowest_child`).

The resource the leader commands therefore checks an **epoch**: the leader's child's sequence
number, sent with every command. It remembers the newest epoch it has taken a command from and
refuses a lower one (`deposed`: the refused client steps down).
`no_stale_leader_command_is_accepted` — the last command taken came from the newest leader the
resource has heard from: no deposed leader's command lands after its successor's — holds with
the epochs; `spec/mutants/zookeeper_election_without_epochs.py`, the same recipe without the
check, breaks it. An epoch does not stop a deposed leader whose successor has not commanded
yet: that command is taken, for its epoch is still the newest the resource knows — what fencing
can and cannot do (the tests show it).

Liveness (`a_candidate_sees_a_leader`, per client): while a client's child exists, some client
eventually leads with its child alive (or the client's own child goes). It needs a leader to
be elected even if it pauses now and then — strong fairness of `elected` (with weak fairness, a
client that pauses and resumes for ever is never elected: the test shows the lasso) — and a
paused client's session to expire one day (weak fairness of `expire`: the session timeout).
`resume` has none: a client may stay paused for ever, which is a crash.
"""

from __future__ import annotations

from checker import (
    SF,
    WF,
    Function,
    Individual,
    IntSort,
    Param,
    Relation,
    Sort,
    Spec,
    action,
    exists,
    forall,
    implies,
    invariant,
    leads_to,
    liveness,
    maximum,
    require,
)
from checker.lang import SymFormula, SymTerm


class ZooKeeperElection(Spec):
    """Clients electing a leader through ZooKeeper, pausing, their sessions expiring."""

    expected_states = {"": 6_322, "max_seq=4": 25_407}

    fairness = (
        SF("elected", per="c"),
        WF("notice", per="c"),
        WF("expire", per="c"),
    )

    clients = Param(3, doc="candidates")
    max_seq = Param(3, doc="sequential children created in all")

    client = Sort(clients, symmetric=True, labels="c")
    seq = IntSort(0, max_seq)  # a child's sequence number, a leader's epoch; 0: none

    counter = Individual(seq, init=0)  # the election node's cversion: the last number given
    child = Function(client, seq, init=0)  # the client's child as the server has it
    mine = Function(client, seq, init=0)  # the number the client believes is its child
    leads = Relation(client)  # the client believes it leads
    paused = Relation(client)

    newest = Individual(seq, init=0)  # the resource: the newest epoch it took a command from
    last = Individual(seq, init=0)  # the epoch of the last command it took

    def fenced(self, c: SymTerm) -> SymFormula:
        """The resource takes a command with c's epoch."""
        return self.mine(c) >= self.newest

    def runs(self, c: SymTerm) -> SymFormula:
        return ~self.paused(c)

    def step_down(self, c: SymTerm) -> None:
        """c stops leading (or standing) and deletes its child, if the server still has it."""
        self.leads.remove(c)
        self.mine[c] = 0
        self.child[c] = 0

    @action
    def join(self, c: client) -> None:
        """c stands: an ephemeral sequential child, in a new session if its last one expired."""
        require(self.runs(c) & (self.mine(c) == 0) & (self.counter < self.max_seq))
        self.counter = self.counter + 1
        self.child[c] = self.counter
        self.mine[c] = self.counter

    @action
    def elected(self, c: client) -> None:
        """c lists the children and finds its own the lowest: it leads."""
        require(self.runs(c) & (self.child(c) != 0) & ~self.leads(c))
        require(
            forall(self.client, lambda d: (self.child(d) == 0) | (self.child(c) <= self.child(d)))
        )
        self.leads.insert(c)

    @action
    def command(self, c: client) -> None:
        """c, believing it leads, sends a command with its epoch; the resource takes it."""
        require(self.runs(c) & self.leads(c) & self.fenced(c))
        self.newest = maximum(self.newest, self.mine(c))
        self.last = self.mine(c)

    @action
    def deposed(self, c: client) -> None:
        """The resource refuses c's command (it took a newer leader's): c steps down."""
        require(self.runs(c) & self.leads(c) & ~self.fenced(c))
        self.step_down(c)

    @action
    def resign(self, c: client) -> None:
        """The leader's function returns: it deletes its child, the next candidate leads."""
        require(self.runs(c) & self.leads(c))
        self.step_down(c)

    @action
    def pause(self, c: client) -> None:
        """c, standing or leading, stops (a client outside the election has no session to
        lose: its pause is a delay, which the interleaving of steps already is)."""
        require(self.runs(c) & (self.mine(c) != 0))
        self.paused.insert(c)

    @action
    def resume(self, c: client) -> None:
        require(self.paused(c))
        self.paused.remove(c)

    @action
    def expire(self, c: client) -> None:
        """c, paused, misses its session timeout: the server deletes its ephemeral child."""
        require(self.paused(c) & (self.child(c) != 0))
        self.child[c] = 0

    @action
    def notice(self, c: client) -> None:
        """c runs again and learns its session expired: it neither leads nor stands."""
        require(self.runs(c) & (self.mine(c) != 0) & (self.child(c) == 0))
        self.step_down(c)

    def live_leader(self, c: SymTerm) -> SymFormula:
        """c leads according to the tree: it believes it leads and its child still exists."""
        return self.leads(c) & (self.child(c) != 0)

    @invariant
    def no_stale_leader_command_is_accepted(self) -> SymFormula:
        """No command lands after a newer leader's: the last one taken has the newest epoch."""
        return self.last == self.newest

    @invariant
    def at_most_one_leader(self) -> SymFormula:
        """Two clients may both believe they lead, but at most one of them has its child."""
        return forall(
            self.client,
            self.client,
            lambda a, b: implies(self.live_leader(a) & self.live_leader(b), a == b),
        )

    @invariant
    def a_live_leader_has_the_lowest_child(self) -> SymFormula:
        return forall(
            self.client,
            self.client,
            lambda a, b: implies(
                self.live_leader(a) & (self.child(b) != 0), self.child(a) <= self.child(b)
            ),
        )

    @liveness
    def a_candidate_sees_a_leader(self) -> SymFormula:
        """While c's child exists, some client eventually leads with its child alive (or c's
        own child goes first)."""
        return forall(
            self.client,
            lambda c: leads_to(
                self.child(c) != 0,
                exists(self.client, lambda d: self.live_leader(d)) | (self.child(c) == 0),
            ),
        )

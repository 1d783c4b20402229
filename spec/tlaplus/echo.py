"""Echo: the Echo algorithm building a spanning tree from one initiator, from tlaplus/Examples.

TLA+ module: specifications/echo/Echo.tla (PlusCal translation), model MCEcho.tla.
TLC model:   specifications/echo/MCEcho.cfg (Node = {"a", "b", "c"}, initiator = CHOOSE n \\in
             Node : TRUE, R the complete graph without self-loops, INVARIANTS TypeOK
             AncestorProperties; deadlock checked, but `Terminating` stutters at the end).
TLC's counts: 75 distinct states, depth 16 (116 states generated).

Encoding:
- Node is a sort of n elements (n = 3); the initiator is the first node, n1 (which node CHOOSE picks does
  not change the counts: the graph is complete). R is complete, so neighbors(p) is every other
  node, nbrs[p] (a constant) is not stored, and Cardinality(nbrs[p]) is n - 1.
- inbox[p], a set of records [kind, sndr], is a relation inbox(p, kind, sndr).
- pc[p] is a function into a sort of labels n0, n1, n2, Done; parent[p] is a function into
  node.or_bottom (bottom is NoNode); children[p] a relation children(p, q); rcvd[p] an integer
  0..n-1 (it never exceeds Cardinality(nbrs[p])).
- n1 is split: `n1_receive` (rcvd[p] < n - 1, some message received) and `n1_exit`
  (rcvd[p] = n - 1, go to n2). The two PlusCal `assert`s (the first message received by a
  non-initiator is an "m", a non-initiator's parent is a neighbour at n2) are ported as the
  invariants `first_message_is_m` (every pending message to a node that has received nothing
  yet is an "m") and `parent_is_neighbour_at_n2`, which imply them.
- `Terminating` (every pc is "Done", nothing changes) is an action, so that with `--deadlock`
  the final state is not a deadlock, as in TLC.
- TypeOK: the sorts give it, except `msg.sndr \\in nbrs[n]` (a message never comes from its
  own receiver), ported in `type_ok`.
- AncestorProperties uses TransitiveClosure of the parent relation, which the language cannot
  compute for any N; `ancestor(x, y)` unrolls the parent chain ANCESTOR_STEPS = 4 times, exact
  for N <= 5 (a path without repeated nodes has at most N - 1 steps, a cycle at most N).
"""

from checker import (
    Function,
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
    ite,
    require,
)

ANCESTOR_STEPS = 4


class Echo(Spec):
    expected_states = {"": 75}  # TLC
    expected_depth = 16

    n = Param(3, doc="the number of nodes of the complete graph (Node = {a, b, c})")

    node = Sort(n, bottom="NoNode", labels="n")
    kind = Sort(2, labels=("m", "c"))
    label = Sort(4, labels=("n0", "n1", "n2", "Done"))
    count = IntSort(0, n - 1)

    inbox = Relation(node, kind, node)  # inbox(p, kind, sndr)
    pc = Function(node, label, init=label["n0"])
    parent = Function(node, node.or_bottom, init=node.bottom)
    children = Relation(node, node)  # children(p, q): q \in children[p]
    rcvd = Function(node, count, init=0)

    @property
    def initiator(self):
        return self.node[0]

    @action
    def n0(self, p: node) -> None:
        require(self.pc(p) == self.label["n0"])
        init = self.initiator
        self.inbox.update(
            lambda q, k, s: (
                self.inbox(q, k, s) | ((p == init) & (q != p) & (k == self.kind["m"]) & (s == p))
            )
        )
        self.pc[p] = self.label["n1"]

    @action
    def n1_receive(self, p: node, k: kind, s: node) -> None:
        require((self.pc(p) == self.label["n1"]) & (self.rcvd(p) < self.n - 1))
        require(self.inbox(p, k, s))
        first = (p != self.initiator) & (self.rcvd(p) == 0)
        self.inbox.remove(p, k, s)
        self.inbox.update(
            lambda q, k2, s2: (
                self.inbox(q, k2, s2)
                | (first & (q != p) & (q != s) & (k2 == self.kind["m"]) & (s2 == p))
            )
        )
        self.parent[p] = ite(first, s, self.parent(p))
        self.children.update(
            lambda q, c: self.children(q, c) | ((q == p) & (c == s) & (k == self.kind["c"]))
        )
        self.rcvd[p] = self.rcvd(p) + 1  # last: `first` reads the old value

    @action
    def n1_exit(self, p: node) -> None:
        require((self.pc(p) == self.label["n1"]) & (self.rcvd(p) == self.n - 1))
        self.pc[p] = self.label["n2"]

    @action
    def n2(self, p: node) -> None:
        require(self.pc(p) == self.label["n2"])
        notinit = p != self.initiator
        self.inbox.update(
            lambda q, k, s: (
                self.inbox(q, k, s)
                | (notinit & (q == self.parent(p)) & (k == self.kind["c"]) & (s == p))
            )
        )
        self.pc[p] = self.label["Done"]

    @action
    def terminating(self) -> None:
        require(forall(self.node, lambda p: self.pc(p) == self.label["Done"]))

    # -- properties -------------------------------------------------------------------------
    def ancestor(self, x, y, steps=ANCESTOR_STEPS):
        """y is reached from x by following parent pointers 1..steps times."""
        if steps == 1:
            return self.parent(x) == y
        return (self.parent(x) == y) | exists(
            self.node, lambda z: (self.parent(x) == z) & self.ancestor(z, y, steps - 1)
        )

    @invariant
    def type_ok(self):
        return forall(self.node, self.kind, lambda p, k: ~self.inbox(p, k, p))

    @invariant
    def first_message_is_m(self):
        return forall(
            self.node,
            self.node,
            lambda p, s: implies(
                (p != self.initiator) & (self.pc(p) == self.label["n1"]) & (self.rcvd(p) == 0),
                ~self.inbox(p, self.kind["c"], s),
            ),
        )

    @invariant
    def parent_is_neighbour_at_n2(self):
        return forall(
            self.node,
            lambda p: implies(
                (p != self.initiator) & (self.pc(p) == self.label["n2"]),
                (self.parent(p) != self.node.bottom) & (self.parent(p) != p),
            ),
        )

    @invariant
    def ancestor_properties(self):
        init = self.initiator
        return implies(
            forall(self.node, lambda p: self.pc(p) == self.label["Done"]),
            forall(self.node, lambda p: implies(p != init, self.ancestor(p, init)))
            & forall(self.node, lambda p: ~self.ancestor(p, p)),
        )

"""Leader election in a ring (Chang and Roberts), ported from mypyvy's `examples/misc/pd/ring.pyv`
without changes of substance:

- `le` (the order of the nodes' ids) and `btw` (the ring: `btw(x, y, z)` when going round from
  x one meets y before z) are rigid relations that the axioms make a total order and a cyclic
  order (mypyvy's `immutable` symbols); the explicit engines start from each of their
  interpretations (for 3 nodes: 6 orders times 2 directions round the ring);
- a node sends its id to its successor `next` (the node right after it on the ring);
- `recv`: a node receiving its own id becomes leader; one receiving a higher id passes it on;
  either way "the message may or may not be removed" (mypyvy leaves `pending(sender, n)`
  unconstrained after the step): a free choice, `maybe()`.
"""

from checker import (
    Param,
    Relation,
    Sort,
    Spec,
    action,
    axiom,
    forall,
    implies,
    invariant,
    ite,
    maybe,
    require,
)
from checker.lang import SymFormula


class Ring(Spec):
    nodes = Param(3)
    node = Sort(nodes, labels="n")

    le = Relation(node, node, rigid=True)
    btw = Relation(node, node, node, rigid=True)

    leader = Relation(node)
    pending = Relation(node, node)

    @axiom
    def le_is_a_total_order(self):
        n = self.node
        return (
            forall(n, lambda x: self.le(x, x))
            & forall(n, n, n, lambda x, y, z: implies(self.le(x, y) & self.le(y, z), self.le(x, z)))
            & forall(n, n, lambda x, y: implies(self.le(x, y) & self.le(y, x), x == y))
            & forall(n, n, lambda x, y: self.le(x, y) | self.le(y, x))
        )

    @axiom
    def btw_is_a_ring(self):
        n = self.node
        return (
            forall(
                n,
                n,
                n,
                n,
                lambda w, x, y, z: implies(
                    self.btw(w, x, y) & self.btw(w, y, z), self.btw(w, x, z)
                ),
            )
            & forall(n, n, n, lambda w, x, y: implies(self.btw(w, x, y), ~self.btw(w, y, x)))
            & forall(
                n,
                n,
                n,
                lambda w, x, y: (
                    self.btw(w, x, y) | self.btw(w, y, x) | (w == x) | (w == y) | (x == y)
                ),
            )
            & forall(n, n, n, lambda x, y, z: implies(self.btw(x, y, z), self.btw(y, z, x)))
        )

    def is_next(self, n, nxt) -> SymFormula:
        """`nxt` comes right after `n` on the ring."""
        return (n != nxt) & forall(
            self.node, lambda z: implies((z != n) & (z != nxt), self.btw(n, nxt, z))
        )

    @action
    def send(self, n: node, nxt: node) -> None:
        require(self.is_next(n, nxt))
        self.pending.insert(n, nxt)

    @action
    def recv(self, sender: node, n: node, nxt: node) -> None:
        require(self.is_next(n, nxt) & self.pending(sender, n))
        removed = maybe()  # the message may or may not be removed
        passed_on = (sender != n) & self.le(n, sender)
        self.leader.update(lambda x: self.leader(x) | ((sender == n) & (x == n)))
        self.pending.update(
            lambda a, b: ite(
                (a == sender) & (b == n),
                ~removed,
                self.pending(a, b) | (passed_on & (a == sender) & (b == nxt)),
            )
        )

    @invariant
    def one_leader(self):
        return forall(
            self.node,
            self.node,
            lambda l1, l2: implies(self.leader(l1) & self.leader(l2), l1 == l2),
        )

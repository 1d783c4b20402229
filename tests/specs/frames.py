"""Whole-symbol updates of every shape the compilers write as slices (see checker.explicit.frame):
pinned to an action parameter, to a state term that may be bottom (the slice is then empty), on
either branch of an ite, through `old & g`, to a function's value, and an update that changes
nothing. The tests compare every compiled form with the interpreter."""

from checker import (
    Function,
    Individual,
    OrderedSort,
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


class Frames(Spec):
    nodes = Param(2)
    node = Sort(nodes, labels="n", bottom="none")
    slot = OrderedSort(3)

    leader = Individual(node.or_bottom, init=node.bottom)
    log = Relation(node, slot, node)
    mark = Relation(node, node)
    level = Function(node, slot, init=slot[0])

    @action
    def elect(self, n: node) -> None:
        self.leader = n

    @action
    def depose(self) -> None:
        self.leader = self.node.bottom

    @action
    def leader_writes(self, i: slot, v: node) -> None:
        """Pinned to a state term that may be bottom: no leader, no write."""
        self.log.update(
            lambda a, j, w: self.log(a, j, w) | ((a == self.leader) & (j == i) & (w == v))
        )

    @action
    def shift(self, a: node) -> None:
        """ite(a2 == a, shifted row, old): the row of a moves down one slot."""
        self.log.update(
            lambda a2, j, w: ite(
                a2 == a,
                exists(
                    self.slot,
                    lambda k: (
                        (j < k)
                        & forall(self.slot, lambda m: ~((j < m) & (m < k)))
                        & self.log(a2, k, w)
                    ),
                ),
                self.log(a2, j, w),
            )
        )

    @action
    def unmark(self, a: node) -> None:
        """old & g: only the row of a can change."""
        self.mark.update(lambda x, y: self.mark(x, y) & (x != a))

    @action
    def mark_leader(self) -> None:
        """ite(c, old, e): the else branch is pinned to the leader (or empty without one)."""
        self.mark.update(lambda x, y: ite(x != self.leader, self.mark(x, y), y == x))

    @action
    def raise_level(self, a: node) -> None:
        """A function update pinned to a parameter."""
        require(self.level(a) < self.slot[2])
        self.level.update(
            lambda x: ite(
                x == a, ite(self.level(x) < self.slot[1], self.slot[1], self.slot[2]), self.level(x)
            )
        )

    @action
    def touch(self) -> None:
        """Changes nothing."""
        self.mark.update(lambda x, y: self.mark(x, y))

    @invariant
    def marks_are_reflexive(self):
        return forall(self.node, self.node, lambda x, y: implies(self.mark(x, y), x == y))

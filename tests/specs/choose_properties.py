"""TLA+'s CHOOSE inside properties: `choose(node, lambda n: self.up(n))` is the least node that
is up, a value computed in each state — in an invariant, an action property, a constraint, a
liveness property and a proof's conjuncts. `elect` makes the same CHOOSE as a choice of the
action. Where no node is up (`Crashy` lets the last one crash), evaluating the CHOOSE fails:
TLC's "Attempted to compute the value of an expression of form CHOOSE x \\in S: P, but no
element of S satisfied P", here the failure of the property `defined(least_is_up)`, with its
trace."""

from checker import (
    Function,
    Individual,
    IntSort,
    OrderedSort,
    Param,
    Relation,
    Sort,
    Spec,
    action,
    action_property,
    always,
    choose,
    conjunct,
    constraint,
    exists,
    forall,
    implies,
    invariant,
    liveness,
    require,
)


class Election(Spec):
    nodes = Param(3)
    node = OrderedSort(nodes, bottom=-1)
    up = Relation(node, init=True)
    leader = Individual(node.or_bottom, init=node.bottom)

    def least_up(self, state=None):  # type: ignore[no-untyped-def]
        s = self if state is None else state
        return choose(self.node, lambda n: s.up(n))

    @action
    def crash(self, n: node) -> None:
        require(self.up(n) & exists(self.node, lambda m: (m != n) & self.up(m)))
        self.up.remove(n)

    @action
    def recover(self, n: node) -> None:
        require(~self.up(n))
        self.up.insert(n)

    @action
    def elect(self) -> None:
        self.leader = choose(self.node, lambda n: self.up(n))

    @invariant
    def least_is_up(self):
        return self.up(self.least_up())

    @invariant
    def nothing_below_the_least(self):
        return forall(self.node, lambda n: implies(n < self.least_up(), ~self.up(n)))

    @action_property
    def elect_takes_the_least(self, post):
        return implies(post.leader != self.leader, post.leader == self.least_up(self))


class Lively(Election):
    """The least node up is up in every state of every behaviour (a liveness property's state
    formula)."""

    @liveness
    def always_someone(self):
        return always(self.up(self.least_up()))


class Limited(Election):
    """The last node is never the least one up: states where it is are not explored."""

    @constraint
    def not_only_the_last(self):
        return self.least_up() != self.node.last


class Crashy(Election):
    @action
    def crash(self, n: node) -> None:  # noqa: F821 - the parent's sort
        require(self.up(n))  # forgets that someone must stay up
        self.up.remove(n)


class ElectionProof(Election):
    safety = ("least_is_up", "nothing_below_the_least")

    @conjunct
    def someone_up(self):
        return exists(self.node, lambda n: self.up(n))

    @conjunct
    def least(self):
        return self.least_is_up() & self.nothing_below_the_least()


class Counters(Spec):
    """Per node, the least value above its counter that no other node holds (CHOOSE inside
    an update's lambda, one per element)."""

    node = Sort(2, labels="n")
    value = IntSort(0, 3)
    c = Function(node, value, init=0)

    @action
    def bump(self) -> None:
        self.c.update(
            lambda n: choose(
                self.value,
                lambda v: (v > self.c(n)) | (v == 3),
            )
        )

    @action
    def reset(self, n: node) -> None:
        self.c[n] = 0


class Stuck(Counters):
    @action
    def bump(self) -> None:  # nothing above 3
        self.c.update(lambda n: choose(self.value, lambda v: v > self.c(n)))

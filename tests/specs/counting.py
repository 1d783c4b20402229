"""Counting (`count(sort, lambda x: ...)`, `Subsets.size(s)`): nodes vote once for a value; a
value is decided when more than half of the nodes voted for it (TLA+'s
`Cardinality({n \\in Node : voted[n] = v}) * 2 > N`), and a ballot box, a set value, is closed
when it holds at least `quorum` members. `Plurality` decides on fewer votes than a majority,
and two values can then be decided: the invariant catches it."""

from checker import (
    Function,
    Individual,
    Param,
    Relation,
    Sort,
    Spec,
    Subsets,
    action,
    arbitrary,
    count,
    forall,
    implies,
    init,
    invariant,
    require,
)


class Counting(Spec):
    nodes = Param(3)
    node = Sort(nodes, labels="n")
    value = Sort(2, labels="v", bottom="None")
    box = Subsets(node)

    voted = Function(node, value.or_bottom, init=value.bottom)
    decided = Relation(value)
    ballots = Individual(box, init=arbitrary)

    @init
    def empty_box(self) -> None:
        require(self.box.is_empty(self.ballots))

    def votes(self, v):
        return count(self.node, lambda n: self.voted(n) == v)

    @action
    def vote(self, n: node, v: value) -> None:
        require(self.voted(n) == self.value.bottom)
        self.voted[n] = v
        self.ballots = self.box.with_(self.ballots, n)

    @action
    def decide(self, v: value) -> None:
        require(self.votes(v) * 2 > self.nodes)
        self.decided.insert(v)

    @invariant
    def agreement(self):
        return forall(
            self.value, self.value, lambda a, b: implies(self.decided(a) & self.decided(b), a == b)
        )

    @invariant
    def the_box_counts_the_votes(self):
        return self.box.size(self.ballots) == count(
            self.node, lambda n: self.voted(n) != self.value.bottom
        )


class Plurality(Counting):
    @action
    def decide(self, v: value) -> None:  # noqa: F821 - the parent's sort
        require(self.votes(v) >= 1)
        self.decided.insert(v)

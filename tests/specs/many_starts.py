"""Many initial states from arbitrary initial values: 4^n * 2^(n*n) starts (32,768 for the
default n = 3, more than the explicit engines run through the interpreter; 256 for n = 2), an
@init with a parameter that keeps some of them, and an invariant, `no_top_pair`, that an
initial state breaks, but not the first one (the 147th with n = 2). `StartFails` has an @init
whose assignment leaves its integer sort for some starts (an error)."""

from checker import (
    Function,
    Individual,
    IntSort,
    Param,
    Relation,
    Sort,
    Spec,
    action,
    arbitrary,
    exists,
    forall,
    implies,
    init,
    invariant,
    require,
)


class ManyStarts(Spec):
    nodes = Param(3)
    node = Sort(nodes)
    val = IntSort(0, 3)
    x = Function(node, val, init=arbitrary)
    link = Relation(node, node, init=arbitrary)
    top = Individual(val, init=0)

    @init
    def start(self, b: val) -> None:
        """The links go up (or stay level) in x, and b bounds x from above, tightly."""
        require(
            forall(
                self.node, self.node, lambda m, n: implies(self.link(m, n), self.x(m) <= self.x(n))
            )
        )
        require(
            forall(self.node, lambda n: self.x(n) <= b)
            & exists(self.node, lambda n: self.x(n) == b)
        )
        self.top = b

    @action
    def lower(self, n: node) -> None:
        require((self.x(n) > 0) & forall(self.node, lambda m: ~self.link(m, n)))
        self.x[n] = self.x(n) - 1

    @invariant
    def top_is_the_maximum(self):
        return forall(self.node, lambda n: self.x(n) <= self.top)

    @invariant
    def no_top_pair(self):
        return ~exists(
            self.node,
            self.node,
            lambda m, n: (m != n) & self.link(m, n) & (self.x(m) == 3) & (self.x(n) == 3),
        )


class ManyStartsOk(ManyStarts):
    @invariant
    def no_top_pair(self):
        return forall(self.node, lambda n: self.x(n) >= 0)


class StartFails(ManyStarts):
    @init
    def start(self, b: ManyStarts.val) -> None:
        require(forall(self.node, lambda n: self.x(n) <= b))
        self.top = self.x(self.node[0]) + self.x(self.node[1])  # past 3 for some starts

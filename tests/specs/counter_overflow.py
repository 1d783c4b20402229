"""A counter whose increment forgets its bound: the third increment of a counter in 0..2 is
an error, reported with the trace that reached it (as TLC reports a value outside a type)."""

from checker import Function, IntSort, Param, Sort, Spec, action, forall, invariant


class CounterOverflow(Spec):
    nodes = Param(2)
    node = Sort(nodes, symmetric=True, labels="n")
    count = IntSort(0, 2)

    c = Function(node, count, init=0)

    @action
    def incr(self, n: node) -> None:
        self.c[n] = self.c(n) + 1

    @action
    def reset(self, n: node) -> None:
        self.c[n] = 0

    @invariant
    def small(self):
        return forall(self.node, lambda n: self.c(n) <= 2)

"""Integer sorts: counters with arithmetic (+, -, *, //, %, minimum, maximum), comparisons with
ints and parameters, a relation read at a value that may lie outside its sort (false there),
and an invariant over values. `--param max_count=...` sizes everything."""

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
    maximum,
    minimum,
    require,
)


class Counters(Spec):
    nodes = Param(2)
    max_count = Param(3)
    node = Sort(nodes, labels="n")
    count = IntSort(0, max_count)
    total = IntSort(0, 2 * max_count)
    delta = IntSort(-2, 2)

    c = Function(node, count, init=0)
    sum_ = Individual(total, init=0)
    last = Individual(delta, init=0)
    reached = Relation(node, count)
    prev = Function(node, count, init=0)
    below = Function(count, count, init=0)  # a function of integers, read at c - 1

    @action
    def incr(self, n: node) -> None:
        require(self.c(n) < self.max_count)
        self.c[n] = self.c(n) + 1
        self.sum_ = self.sum_ + 1
        self.last = 1
        self.reached.insert(n, self.c(n))

    @action
    def halve(self, n: node) -> None:
        """Halve a counter (rounding down) and take what was lost off the sum."""
        require(self.c(n) > 0)
        self.sum_ = self.sum_ - (self.c(n) - self.c(n) // 2)
        self.last = maximum(-2, self.c(n) // 2 - self.c(n))
        self.c[n] = self.c(n) // 2

    @action
    def wrap(self, n: node) -> None:
        """A counter at the top goes back to its remainder modulo 2."""
        require((self.c(n) == self.max_count) & ~self.reached(n, self.c(n) + 1))
        self.sum_ = self.sum_ - self.c(n) + self.c(n) % 2
        self.c[n] = minimum(self.c(n) % 2, 1)
        self.last = 0

    @action
    def skew(self, n: node) -> None:
        """Floor division and modulo with negative operands, as Python computes them."""
        self.last = maximum(-2, minimum(2, (self.c(n) - 3) // 2 + (self.c(n) + 1) % -3))

    @action
    def look_back(self, n: node) -> None:
        """Reads `reached` and `below` one below the counter only where the counter is above
        0: the guard protects the argument, so this never fails (evaluation stops at `&`)."""
        require(
            (self.c(n) > 0)
            & self.reached(n, self.c(n) - 1)
            & (self.below(self.c(n) - 1) <= self.c(n))
            & (self.prev(n) < self.c(n))
        )
        self.prev[n] = self.c(n) - 1
        self.below[self.c(n) - 1] = self.c(n)

    @invariant
    def sum_is_the_total(self):
        return self.sum_ == self.c(self.node[0]) + self.c(self.node[1])

    @invariant
    def reached_up_to_the_counter(self):
        return forall(
            self.node,
            self.count,
            lambda n, k: implies(self.reached(n, k), k >= 1),
        )

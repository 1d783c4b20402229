"""Logical clocks: exercises @init with parameters (several initial states), function updates
by a formula, ite on terms, ordered sorts, a constraint, and an action property that fails."""

from checker import (
    Function,
    OrderedSort,
    Param,
    Sort,
    Spec,
    action,
    action_property,
    constraint,
    exists,
    forall,
    implies,
    init,
    invariant,
    ite,
    require,
)


class Clocks(Spec):
    nodes = Param(2)
    ticks = Param(4)
    node = Sort(nodes, labels="n")
    time = OrderedSort(ticks)

    clock = Function(node, time)
    seen = Function(node, node, time, init=time.first)

    @init
    def start(self, t: time) -> None:
        self.clock.update(lambda n: t)

    @action
    def tick(self, n: node, t: time) -> None:
        """Advance n's clock to the next time."""
        require(
            (self.clock(n) < t) & forall(self.time, lambda u: implies(self.clock(n) < u, t <= u))
        )
        self.clock[n] = t

    @action
    def observe(self, n: node, m: node) -> None:
        """n records m's clock."""
        require(n != m)
        self.seen[n, m] = self.clock(m)

    @action
    def reset_behind(self) -> None:
        """Every node behind some other node resets to the first time."""
        self.clock.update(
            lambda n: ite(
                exists(self.node, lambda m: self.clock(m) > self.clock(n)),
                self.time.first,
                self.clock(n),
            )
        )

    @constraint
    def not_all_at_end(self):
        return exists(self.node, lambda n: self.clock(n) < self.time[3])

    @invariant
    def seen_is_a_time(self):
        return forall(self.node, self.node, lambda n, m: self.seen(n, m) >= self.time.first)

    @action_property
    def monotone(self, post):
        return forall(self.node, lambda n: self.clock(n) <= post.clock(n))

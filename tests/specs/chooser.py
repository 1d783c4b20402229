"""TLA+'s CHOOSE inside actions: a lock granted to the least waiting node (an ordered sort),
and each release recorded under the least unused ticket (a plain sort: its elements' order).
`Careless` releases without checking that a ticket is left: choose(...) then finds none, an
error with its trace (as TLC reports a CHOOSE that nothing satisfies)."""

from checker import (
    Function,
    Individual,
    OrderedSort,
    Param,
    Relation,
    Sort,
    Spec,
    action,
    choose,
    exists,
    forall,
    implies,
    invariant,
    narrow,
    require,
)


class Chooser(Spec):
    nodes = Param(3)
    tickets = Param(3)
    node = OrderedSort(nodes, bottom=-1)
    ticket = Sort(tickets, labels="t")

    waiting = Relation(node)
    holder = Individual(node.or_bottom, init=node.bottom)
    used = Relation(ticket)
    owner = Function(ticket, node.or_bottom, init=node.bottom)

    @action
    def wait(self, n: node) -> None:
        require(~self.waiting(n) & (self.holder != n))
        self.waiting.insert(n)

    @action
    def grant(self) -> None:
        require((self.holder == self.node.bottom) & exists(self.node, lambda n: self.waiting(n)))
        winner = choose(self.node, lambda n: self.waiting(n))
        self.holder = winner
        self.waiting.remove(winner)

    @action
    def release(self) -> None:
        h = narrow(self.holder)
        require(exists(self.ticket, lambda t: ~self.used(t)))
        t = choose(self.ticket, lambda t: ~self.used(t))
        self.used.insert(t)
        self.owner[t] = h
        self.holder = self.node.bottom

    @action
    def recycle(self) -> None:
        require(forall(self.ticket, lambda t: self.used(t)))
        self.used.update(lambda t: False)
        self.owner.update(lambda t: self.node.bottom)

    @invariant
    def owners_used_their_tickets(self):
        return forall(
            self.ticket, lambda t: implies(self.owner(t) != self.node.bottom, self.used(t))
        )


class Careless(Chooser):
    @action
    def release(self) -> None:
        h = narrow(self.holder)
        t = choose(self.ticket, lambda t: ~self.used(t))
        self.used.insert(t)
        self.owner[t] = h
        self.holder = self.node.bottom

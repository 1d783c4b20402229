"""Bags: a channel that may duplicate (a message sent once may be delivered twice: the sender
adds a copy, the network may copy it, delivery takes one), its messages records. `Careless`
delivers without checking that a copy is there: an error with its trace."""

from checker import (
    Bag,
    Function,
    IntSort,
    Param,
    Record,
    Sort,
    Spec,
    action,
    forall,
    invariant,
    require,
)


class Duplicating(Spec):
    nodes = Param(2)
    node = Sort(nodes, labels="n")
    kind = Sort(2, labels=("ping", "pong"))
    tally = IntSort(0, 3)

    Msg = Record(kind=kind, to=node)
    net = Bag(Msg, capacity=2)
    got = Function(node, tally, init=0)

    @action
    def send(self, m: Msg) -> None:
        require(self.net.count(m) < 1)
        self.net.add(m)

    @action
    def duplicate(self, m: Msg) -> None:
        require(self.net.contains(m) & (self.net.count(m) < 2))
        self.net.add(m)

    @action
    def deliver(self, m: Msg) -> None:
        require(self.net.contains(m) & (self.got(m.to) < 3))
        self.net.discard(m)
        self.got[m.to] = self.got(m.to) + 1

    @invariant
    def bounded(self):
        return forall(self.node, lambda n: self.got(n) <= 3)


class Careless(Duplicating):
    @action
    def deliver(self, m: Msg) -> None:  # noqa: F821 - the parent's record
        require(self.got(m.to) < 3)
        self.net.discard(m)
        self.got[m.to] = self.got(m.to) + 1

"""Sequences: a FIFO channel per ordered pair of nodes (capacity `cap`), a log per node, and
a counter. `send` appends (guarded by room), `recv` takes the head into the receiver's log,
`drop_last_logged` rewrites the log's last entry. `Overfull` forgets the guard: appending to a
full channel is an error with its trace."""

from checker import (
    Function,
    IntSort,
    Param,
    Sequence,
    Sort,
    Spec,
    action,
    forall,
    implies,
    invariant,
    require,
)


class Fifo(Spec):
    nodes = Param(2)
    values = Param(2)
    cap = Param(2)
    node = Sort(nodes, labels="n")
    value = Sort(values, labels="v")
    count = IntSort(0, 3)

    net = Sequence(node, node, value, capacity=cap)
    log = Sequence(node, value, capacity=2)
    sent = Function(node, count, init=0)

    @action
    def send(self, s: node, r: node, v: value) -> None:
        require((s != r) & (self.net(s, r).len() < self.cap) & (self.sent(s) < 3))
        self.net(s, r).append(v)
        self.sent[s] = self.sent(s) + 1

    @action
    def recv(self, s: node, r: node) -> None:
        require(~self.net(s, r).is_empty() & (self.log(r).len() < 2))
        self.log(r).append(self.net(s, r).head())
        self.net(s, r).pop()

    @action
    def rewrite(self, n: node, v: value) -> None:
        require(~self.log(n).is_empty() & (self.log(n).last() != v))
        self.log(n).set(self.log(n).len() - 1, v)

    @invariant
    def logs_hold_what_was_sent(self):
        return forall(self.node, lambda n: implies(~self.log(n).is_empty(), self.log(n).len() <= 2))


class Overfull(Fifo):
    @action
    def send(self, s: node, r: node, v: value) -> None:  # noqa: F821 - Fifo's sorts
        require(s != r)
        self.net(s, r).append(v)


class PopEmpty(Fifo):
    @action
    def recv(self, s: node, r: node) -> None:  # noqa: F821
        self.net(s, r).pop()  # no guard: the first step pops an empty channel


class PastTheEnd(Fifo):
    @action
    def peek(self, n: node) -> None:  # noqa: F821
        require(self.log(n)[1] == self.value[0])  # the second entry, which may not be there


class Watched(Fifo):
    """`any` finds the second element of a channel being v2 (a violation after two sends);
    `all` holds of every log."""

    @invariant
    def never_v2_second(self):
        return forall(
            self.node,
            self.node,
            lambda s, r: ~self.net(s, r).any(lambda i, x: (i == 1) & (x == self.value[1])),
        )

    @invariant
    def logs_hold_values(self):
        return forall(
            self.node,
            lambda n: self.log(n).all(lambda x: (x == self.value[0]) | (x == self.value[1])),
        )


class Filtered(Fifo):
    """`recv` logs only v1 messages, with `append(..., when=...)`; `Split` is the same with two
    actions, as the TLA+ ports had to write it before `when=`."""

    @action
    def recv(self, s: node, r: node) -> None:  # noqa: F821
        require(~self.net(s, r).is_empty() & (self.log(r).len() < 2))
        head = self.net(s, r).head()
        self.log(r).append(head, when=head == self.value[0])
        self.net(s, r).pop(when=self.sent(s) >= 0)  # always: exercises pop's when=


class Split(Fifo):
    @action
    def recv(self, s: node, r: node) -> None:  # noqa: F821
        require(~self.net(s, r).is_empty() & (self.log(r).len() < 2))
        require(self.net(s, r).head() == self.value[0])
        self.log(r).append(self.net(s, r).head())
        self.net(s, r).pop()

    @action
    def drop(self, s: node, r: node) -> None:  # noqa: F821
        require(~self.net(s, r).is_empty() & (self.log(r).len() < 2))
        require(self.net(s, r).head() != self.value[0])
        self.net(s, r).pop()


class Lossy(Fifo):
    """The network may lose any message of a channel (`remove(i)`), as AlternatingBit's Lose."""

    pos = IntSort(0, 1)

    @action
    def lose(self, s: node, r: node, i: pos) -> None:  # noqa: F821
        require(i < self.net(s, r).len())
        self.net(s, r).remove(i)


class LossyPastTheEnd(Lossy):
    @action
    def lose(self, s: node, r: node, i: pos) -> None:  # noqa: F821
        self.net(s, r).remove(i)  # no guard: index 0 of an empty channel

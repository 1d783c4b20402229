"""Sequence values: slices, concatenation, lists of elements, comparison and assignment.

`inbox` and `done` are sequences of values (capacity `cap`) and `pairs` one sequence per node.
`put` appends by concatenation (`inbox + [v]`), `take` moves the first `k` elements of the inbox
to the end of `done` (TLA+'s `done' = done \\o SubSeq(inbox, 1, k)`, `inbox' = SubSeq(inbox,
k+1, Len(inbox))`), `rotate` moves the head to the end (`Tail(q) \\o <<Head(q)>>`), `forget`
drops `done`'s head (`Tail`), `reset` sets `done` to a list, and `mirror` copies the inbox into a
node's sequence. The mutants each misuse one operation: the checker reports an error with the
trace that reached it."""

from checker import (
    IntSort,
    Param,
    Sequence,
    Sort,
    Spec,
    action,
    implies,
    invariant,
    require,
)


class Pipeline(Spec):
    values = Param(2)
    cap = Param(3)
    nodes = Param(2)
    value = Sort(values, labels="v")
    node = Sort(nodes, labels="n")
    amount = IntSort(1, cap)

    inbox = Sequence(value, capacity=cap)
    done = Sequence(value, capacity=cap)
    copy = Sequence(node, value, capacity=cap)

    @action
    def put(self, v: value) -> None:
        require(self.inbox().len() < self.cap)
        self.inbox = self.inbox() + [v]

    @action
    def take(self, k: amount) -> None:
        require((k <= self.inbox().len()) & (self.done().len() + k <= self.cap))
        self.done = self.done() + self.inbox()[:k]
        self.inbox = self.inbox()[k:]

    @action
    def rotate(self) -> None:
        require(self.inbox().len() >= 2)
        self.inbox = self.inbox().tail() + [self.inbox().head()]

    @action
    def forget(self) -> None:
        require(~self.done().is_empty())
        self.done = self.done().tail()

    @action
    def reset(self, v: value) -> None:
        require(self.done() == self.inbox())
        self.done = [v, v]

    @action
    def mirror(self, n: node) -> None:
        require(~self.inbox().is_empty() & (self.copy(n) != self.inbox()[1:] + self.inbox()[:1]))
        self.copy[n] = self.inbox()[1:] + self.inbox()[:1]

    @invariant
    def done_fits(self):
        return (self.done() + self.inbox()).len() <= 2 * self.cap


class TakeTooMany(Pipeline):
    @action
    def take(self, k: amount) -> None:  # noqa: F821 - Pipeline's sorts
        require(self.done().len() + k <= self.cap)  # forgets k <= len(inbox)
        self.done = self.done() + self.inbox()[:k]
        self.inbox = self.inbox()[k:]


class Overflowing(Pipeline):
    @action
    def take(self, k: amount) -> None:  # noqa: F821 - Pipeline's sorts
        require(k <= self.inbox().len())  # forgets the room in `done`
        self.done = self.done() + self.inbox()[:k]
        self.inbox = self.inbox()[k:]


class TailOfNothing(Pipeline):
    @invariant
    def tails_are_short(self):
        return self.inbox().tail().len() < self.cap


class NoRepeats(Pipeline):
    @invariant
    def never_two_alike_in_front(self):
        first_two = self.inbox()[:2]
        return implies(self.inbox().len() >= 2, first_two != [self.value[0], self.value[0]])

"""Choices inside actions: a lossy, duplicating channel and a token that may be passed on.

- `send` picks a value not sent yet (`pick` with a condition reading the state);
- `deliver` may or may not consume the message (`maybe`), and may or may not duplicate its
  effect on a counter (a second `maybe`, independent of the first);
- `grab` narrows the token's holder (`node.or_bottom`) to a node: disabled while nobody holds it;
- the @init picks the first holder among the nodes (a choice in an @init: one initial state each).
"""

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
    init,
    invariant,
    ite,
    maybe,
    narrow,
    pick,
    require,
)


class Choices(Spec):
    nodes = Param(2)
    values = Param(3)
    node = Sort(nodes, labels="n", bottom="nobody")
    value = Sort(values, labels="v")
    count = IntSort(0, 4)

    sent = Relation(value)
    inbox = Relation(node, value)
    got = Function(node, count, init=0)
    holder = Individual(node.or_bottom, init=node.bottom)
    last = Individual(node, init=node[0])

    @init
    def start(self) -> None:
        self.holder = pick(self.node)

    @action
    def send(self, to: node) -> None:
        v = pick(self.value, lambda v: ~self.sent(v))
        self.sent.insert(v)
        self.inbox.insert(to, v)

    @action
    def deliver(self, n: node, v: value) -> None:
        require(self.inbox(n, v) & (self.got(n) < 3))
        consumed = maybe()
        twice = maybe()
        self.inbox.update(lambda m, w: self.inbox(m, w) & ~(consumed & (m == n) & (w == v)))
        self.got[n] = self.got(n) + ite(twice, 2, 1)

    @action
    def grab(self) -> None:
        h = narrow(self.holder)
        self.last = h
        self.holder = self.node.bottom

    @action
    def hand_over(self) -> None:
        require(self.holder == self.node.bottom)
        self.holder = pick(self.node, lambda n: n != self.last)

    @invariant
    def inbox_only_holds_sent_values(self):
        return forall(self.node, self.value, lambda n, v: implies(self.inbox(n, v), self.sent(v)))

"""kazoo's queue recipe on the coordination tree: producers append, consumers race to take.

kazoo's `Queue.put` creates a persistent sequential child of the queue node (`put`: its number
is the parent's counter, one more each time; which producer puts it makes no difference, so
the spec has none). `Queue.get` keeps a list of the children it has seen (`_children`, sorted)
and takes the first: when the list is empty it lists the children again (`refresh`), then
reads the first's data (`read`) and deletes it (`delete`). The delete succeeds for exactly one
consumer: that one has taken the item (it pops it from its list and returns it). A consumer
whose read or delete finds the child gone (NONODE: another consumer took it) forgets its whole
list and tries again (`missed`). The level is that of the client's calls on the tree: one step
per request, each consumer's list as kazoo keeps it between calls.

Invariants: no item is consumed twice (`no_item_consumed_twice`); none is lost: an item put
is still in the queue or was consumed exactly once (`no_item_is_lost`); and items are consumed
in the order of their sequence numbers — when an item is consumed, every item put before it has
been consumed already (`items_are_consumed_in_order`). The order holds with any number of
consumers, not only one: when a consumer deletes a child, no child below it exists. Its list
holds every child that existed when it listed them (a child created later has a larger
number), and it works through the list from the front, dropping the whole list at its first
NONODE: a child below the one it deletes was on the list, and the consumer deleted it already
(had it found it gone, it would have dropped the list). "Consumed" is the successful delete:
consumers then hand their items on concurrently, so across consumers the order in which items
are *handled* is not fixed; each consumer handles its own in order.

Not modelled: priorities (`put(value, priority)` sorts the children by priority first; a list
taken before an urgent item was put does not show it, so the order above would not hold), and
a connection lost after a delete succeeded (kazoo's retry reads the child again, gets NONODE
and moves on: the item is lost, as kazoo's documentation warns — the queue does not offer
reliable consumption; tests/spec/test_zookeeper_recipes.py adds that step and finds the loss).
Liveness (`every_item_is_consumed`, per item): consumers that keep calling `get` (weak fairness
of their steps) take every item put. `spec/mutants/zookeeper_queue_get_without_delete.py`, a
consumer that does not check its delete's result, consumes an item twice.
"""

from __future__ import annotations

from checker import (
    WF,
    Function,
    Individual,
    IntSort,
    Param,
    Relation,
    Sort,
    Spec,
    action,
    exists,
    forall,
    implies,
    invariant,
    ite,
    leads_to,
    liveness,
    minimum,
    require,
)
from checker.lang import SymFormula, SymTerm


class ZooKeeperQueue(Spec):
    """Producers appending to a ZooKeeper queue, consumers taking its lowest child."""

    expected_states = {"": 15_619}

    # Consumers keep calling get: each step of a consumer that can go on is taken.
    fairness = tuple(WF(name, per="c") for name in ("refresh", "read", "delete", "missed"))

    consumers = Param(3, doc="consumers")
    items = Param(4, doc="items put in all")

    consumer = Sort(consumers, symmetric=True, labels="c")
    item = IntSort(1, items)  # an item: its child's sequence number
    seq = IntSort(0, items)  # the same, or 0: none
    times = IntSort(0, 2)  # how many times an item was consumed: 2 stands for twice or more

    counter = Individual(seq, init=0)  # the queue node's cversion: the last number given
    queued = Relation(item)  # the children of the queue node
    listed = Relation(consumer, item)  # the consumer's list (_children), what it has not taken
    reading = Function(consumer, seq, init=0)  # the child whose data it read, to delete now
    consumed = Function(item, times, init=0)

    def first(self, c: SymTerm, i: SymTerm) -> SymFormula:
        """i is the first child on c's list."""
        return self.listed(c, i) & forall(self.item, lambda j: implies(self.listed(c, j), i <= j))

    def took(self, i: SymTerm) -> SymFormula:
        """The delete of child i succeeded: it was still there."""
        return self.queued(i)

    @action
    def put(self) -> None:
        require(self.counter < self.items)
        self.counter = self.counter + 1
        self.queued.insert(self.counter)

    @action
    def refresh(self, c: consumer) -> None:
        """c's list is empty: it lists the children (a get on an empty queue returns None)."""
        require(forall(self.item, lambda j: ~self.listed(c, j)))
        require(exists(self.item, lambda j: self.queued(j)))
        self.listed.update(lambda d, j: self.listed(d, j) | ((d == c) & self.queued(j)))

    @action
    def read(self, c: consumer, i: item) -> None:
        """c reads the data of the first child on its list."""
        require((self.reading(c) == 0) & self.first(c, i) & self.queued(i))
        self.reading[c] = i

    @action
    def delete(self, c: consumer, i: item) -> None:
        """c deletes the child it read, and succeeds: the item is c's."""
        require((self.reading(c) == i) & self.took(i))
        self.queued.remove(i)
        self.listed.remove(c, i)
        self.reading[c] = 0
        self.consumed[i] = minimum(self.consumed(i) + 1, 2)

    @action
    def missed(self, c: consumer, i: item) -> None:
        """c's read or delete of i finds it gone (NONODE): c forgets its list and retries."""
        require(
            ((self.reading(c) == 0) & self.first(c, i) & ~self.queued(i))
            | ((self.reading(c) == i) & ~self.took(i))
        )
        self.listed.update(lambda d, j: self.listed(d, j) & (d != c))
        self.reading[c] = 0

    @invariant
    def no_item_consumed_twice(self) -> SymFormula:
        return forall(self.item, lambda i: self.consumed(i) <= 1)

    @invariant
    def no_item_is_lost(self) -> SymFormula:
        """An item put is still in the queue or was consumed exactly once; an item not put is
        neither."""
        return forall(
            self.item,
            lambda i: ite(
                i <= self.counter,
                (self.queued(i) & (self.consumed(i) == 0))
                | (~self.queued(i) & (self.consumed(i) == 1)),
                ~self.queued(i) & (self.consumed(i) == 0),
            ),
        )

    @invariant
    def items_are_consumed_in_order(self) -> SymFormula:
        """When an item is consumed, every item put before it has been consumed already."""
        return forall(
            self.item,
            self.item,
            lambda i, j: implies((i < j) & (self.consumed(j) > 0), self.consumed(i) > 0),
        )

    @liveness
    def every_item_is_consumed(self) -> SymFormula:
        return forall(self.item, lambda i: leads_to(self.queued(i), ~self.queued(i)))

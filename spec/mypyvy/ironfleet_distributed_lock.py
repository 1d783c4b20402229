"""IronFleet's distributed lock (Hawblitzel et al., SOSP 2015), ported from mypyvy's
`examples/ironfleet_distributed_lock.pyv` without changes of substance:

- epochs are an uninterpreted sort with a rigid relation `le` that the axioms make a total
  order, and a rigid constant `zero` below every epoch (mypyvy's `immutable` symbols);
- the initial state is a formula: no message sent, one host holds the lock and every other
  host is at epoch `zero`, the holder at another epoch (`init exists H0. ...`), so `holds_lock`
  and `host_epoch` start arbitrary and the @init constrains them;
- `do_grant` passes the lock to `d` with a higher epoch `e` (a message), `do_accept` takes it.
"""

from checker import (
    Function,
    Individual,
    Param,
    Relation,
    Sort,
    Spec,
    action,
    arbitrary,
    axiom,
    exists,
    forall,
    iff,
    implies,
    init,
    invariant,
    require,
)


class IronfleetDistributedLock(Spec):
    hosts = Param(2)
    epochs = Param(3)
    host = Sort(hosts, labels="h")
    epoch = Sort(epochs, labels="e")

    zero = Individual(epoch, rigid=True)
    le = Relation(epoch, epoch, rigid=True)

    sent_msgs = Relation(host, epoch)  # (destination, epoch)
    host_epoch = Function(host, epoch, init=arbitrary)
    holds_lock = Relation(host, init=arbitrary)

    @axiom
    def le_is_a_total_order(self):
        e = self.epoch
        return (
            forall(e, lambda x: self.le(x, x))
            & forall(e, e, e, lambda x, y, z: implies(self.le(x, y) & self.le(y, z), self.le(x, z)))
            & forall(e, e, lambda x, y: implies(self.le(x, y) & self.le(y, x), x == y))
            & forall(e, e, lambda x, y: self.le(x, y) | self.le(y, x))
        )

    @axiom
    def zero_is_the_smallest(self):
        return forall(self.epoch, lambda x: self.le(self.zero, x))

    @init
    def start(self) -> None:
        require(
            exists(
                self.host,
                lambda h0: forall(
                    self.host,
                    lambda h: (
                        iff(self.holds_lock(h), h == h0)
                        & iff(self.host_epoch(h) == self.zero, h != h0)
                    ),
                ),
            )
        )

    @action
    def do_grant(self, h: host, d: host, e: epoch) -> None:
        require(self.holds_lock(h) & ~self.le(e, self.host_epoch(h)))
        self.holds_lock.remove(h)
        self.sent_msgs.insert(d, e)

    @action
    def do_accept(self, h: host, e: epoch) -> None:
        require(self.sent_msgs(h, e) & ~self.le(e, self.host_epoch(h)))
        self.holds_lock.insert(h)
        self.host_epoch[h] = e

    @invariant
    def mutual_exclusion(self):
        return forall(
            self.host,
            self.host,
            lambda h1, h2: implies(self.holds_lock(h1) & self.holds_lock(h2), h1 == h2),
        )

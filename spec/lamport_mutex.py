"""LamportMutex: Lamport's distributed mutual exclusion algorithm, ported from tlaplus/Examples.

TLA+ module: specifications/lamport_mutex/LamportMutex.tla, model MCLamportMutex.tla
TLC model:   specifications/lamport_mutex/MCLamportMutex.cfg (N = 3, maxClock = 6,
             MaxNat = 7 with Nat <- 0..MaxNat, INVARIANTS TypeOK BoundedNetwork Mutex,
             CONSTRAINT ClockConstraint: clock[p] <= maxClock). Here maxClock is always
             MaxNat - 1, as in that model: -p n=N -p max_nat=M is (N, MaxNat=M, maxClock=M-1).
TLC's counts (TLC 2.19 on this machine): 724,274 distinct states, depth 61, 2,729,079 states
generated (the initial state and 2,729,078 transitions); N=2 MaxNat=7: 1,043 states, depth 40;
N=3 MaxNat=3: 511 states, depth 15.

The language has no integers, no sequences and no records yet, so:
- Nat (0..7 in the model) is an ordered sort `num`; `c + 1` is an action parameter constrained
  to be the successor, IF c > clock[p] THEN c ELSE clock[p] is an `ite` on terms.
- network[s][r], a FIFO sequence of messages [type, clock], is a relation
  net(s, r, i, type, clock) over positions i = 0..3, packed at the front (Append inserts at the
  first free position, Tail shifts down). Four positions hold one more message than the
  invariant BoundedNetwork (Len <= 3) allows, so a longer channel would be reported rather
  than cut off. Ack and release messages carry clock 0, as in the TLA+ records.
- ack[p] (a set) is a relation ack(p, q); crit a relation.
Proc == 1..N is an ordered sort labelled 0..N-1 (only its order matters, in beats).

A wide relation (five columns, 864 tuples) updated through a few tuples by every action: the
spec that showed the compilers writing every tuple of a relation in every action instance
(tens of seconds and a gigabyte to compile), and the reference engine's generated code
overwriting its own loop counter with the spec's variable `i`. Both are regression-tested on it.
"""

from checker import (
    Function,
    OrderedSort,
    Param,
    Relation,
    Sort,
    Spec,
    action,
    constraint,
    exists,
    forall,
    implies,
    invariant,
    ite,
    require,
    well_typed,
)

REQ, ACK, REL = range(3)


class LamportMutex(Spec):
    expected_states = {"": 724274, "n=2 max_nat=7": 1043, "n=3 max_nat=3": 511}  # TLC

    n = Param(3, doc="N, the number of processes")
    max_nat = Param(7, doc="Nat is overridden by 0..MaxNat; maxClock is MaxNat - 1")

    proc = OrderedSort(n)
    num = OrderedSort(max_nat + 1)  # 0..MaxNat
    mtype = Sort(3, labels="m")  # m1 "req", m2 "ack", m3 "rel"
    pos = OrderedSort(4)  # positions in a channel

    clock = Function(proc, num, init=num[1])
    req = Function(proc, proc, num, init=num[0])
    ack = Relation(proc, proc)  # ack(p, q): q \in ack[p]
    net = Relation(proc, proc, pos, mtype, num)  # net(s, r, i, type, clock)
    crit = Relation(proc)

    # -- sequences ------------------------------------------------------------------------
    def occupied(self, s, r, i):
        return exists(self.mtype, self.num, lambda t, c: self.net(s, r, i, t, c))

    def first_free(self, s, r, i):
        return ~self.occupied(s, r, i) & forall(
            self.pos, lambda j: implies(j < i, self.occupied(s, r, j))
        )

    def has_room(self, s, r):
        return exists(self.pos, lambda i: ~self.occupied(s, r, i))

    def is_succ(self, a, b):
        return (a < b) & forall(self.pos, lambda m: ~((a < m) & (m < b)))

    def head_is(self, s, r, t, c):
        return self.net(s, r, self.pos[0], t, c)

    def append(self, s, r, t, c):
        require(self.has_room(s, r))
        self.net.update(
            lambda s2, r2, i, t2, c2: (
                self.net(s2, r2, i, t2, c2)
                | ((s2 == s) & (r2 == r) & self.first_free(s, r, i) & (t2 == t) & (c2 == c))
            )
        )

    def tail(self, s, r):
        self.net.update(
            lambda s2, r2, i, t2, c2: ite(
                (s2 == s) & (r2 == r),
                exists(self.pos, lambda j: self.is_succ(i, j) & self.net(s2, r2, j, t2, c2)),
                self.net(s2, r2, i, t2, c2),
            )
        )

    def broadcast(self, s, t, c):
        """Append (t, c) to network[s][r] for every r # s."""
        require(forall(self.proc, lambda r: implies(r != s, self.has_room(s, r))))
        self.net.update(
            lambda s2, r2, i, t2, c2: (
                self.net(s2, r2, i, t2, c2)
                | ((s2 == s) & (r2 != s) & self.first_free(s2, r2, i) & (t2 == t) & (c2 == c))
            )
        )

    # -- the algorithm ----------------------------------------------------------------------
    def beats(self, p, q):
        return (
            (self.req(p, q) == self.num[0])
            | (self.req(p, p) < self.req(p, q))
            | ((self.req(p, p) == self.req(p, q)) & (p < q))
        )

    @action
    def request(self, p: proc) -> None:
        require(self.req(p, p) == self.num[0])
        c = self.clock(p)
        self.req[p, p] = c
        self.broadcast(p, self.mtype[REQ], c)
        self.ack.update(lambda x, y: ite(x == p, y == p, self.ack(x, y)))

    @action
    def receive_request(self, p: proc, q: proc, c: num, nc: num) -> None:
        require((p != q) & self.head_is(q, p, self.mtype[REQ], c))
        # clock' = IF c > clock[p] THEN c + 1 ELSE clock[p] + 1
        bigger = ite(c > self.clock(p), c, self.clock(p))
        require((bigger < nc) & forall(self.num, lambda m: ~((bigger < m) & (m < nc))))
        self.req[p, q] = c
        self.clock[p] = nc
        self.tail(q, p)
        self.append(p, q, self.mtype[ACK], self.num[0])

    @action
    def receive_ack(self, p: proc, q: proc) -> None:
        require((p != q) & self.head_is(q, p, self.mtype[ACK], self.num[0]))
        self.ack.insert(p, q)
        self.tail(q, p)

    @action
    def enter(self, p: proc) -> None:
        require(forall(self.proc, lambda q: self.ack(p, q)))
        require(forall(self.proc, lambda q: implies(q != p, self.beats(p, q))))
        self.crit.insert(p)

    @action
    def exit(self, p: proc) -> None:
        require(self.crit(p))
        self.crit.remove(p)
        self.broadcast(p, self.mtype[REL], self.num[0])
        self.req[p, p] = self.num[0]
        self.ack.update(lambda x, y: self.ack(x, y) & (x != p))

    @action
    def receive_release(self, p: proc, q: proc) -> None:
        require((p != q) & self.head_is(q, p, self.mtype[REL], self.num[0]))
        self.req[p, q] = self.num[0]
        self.tail(q, p)

    # -- properties -------------------------------------------------------------------------
    @constraint
    def clock_constraint(self):
        """clock[p] <= maxClock, with maxClock = MaxNat - 1 (as in the TLC model): clock[p]
        is below some element of 0..MaxNat. (A Param cannot index a sort, `num[max_nat - 1]`.)"""
        return forall(self.proc, lambda p: exists(self.num, lambda m: self.clock(p) < m))

    @invariant
    def type_ok(self):
        return well_typed() & forall(self.proc, lambda p: self.clock(p) != self.num[0])

    @invariant
    def bounded_network(self):
        return forall(self.proc, self.proc, lambda s, r: ~self.occupied(s, r, self.pos[3]))

    @invariant
    def mutex(self):
        return forall(
            self.proc, self.proc, lambda p, q: implies(self.crit(p) & self.crit(q), p == q)
        )

"""Sequences of records: a FIFO channel of `Msg` records per ordered pair of processes
(capacity `cap`) and one log of the acknowledgements delivered (capacity 2).

`send` appends a request, `answer` turns the head request of a channel into an acknowledgement
appended to the channel back (`head`, `replace`, `append`, `pop`), `deliver` moves the head
acknowledgement into the log (dropping the oldest entry of a full log: `pop(when=...)` on the
length), `lose` drops any message (`remove`), `bump` raises the ballot of the head (`set`),
`rotate` moves the head to the back (a slice, a concatenation with a list, an assignment).
`tests/checker/lang/test_sequence_records.py` explores the same system with plain Python tuples.
`Overfull` forgets the room check; `Misfiled` names a field the record does not have."""

from checker import (
    OrderedSort,
    Param,
    Record,
    Sequence,
    Sort,
    Spec,
    action,
    forall,
    implies,
    invariant,
    require,
)


class RecordChannel(Spec):
    procs = Param(2)
    values = Param(2)
    cap = Param(2)
    proc = Sort(procs, labels="p")
    value = Sort(values, labels="v", bottom="None")
    mtype = Sort(2, labels=("req", "ack"))
    ballot = OrderedSort(2)

    Msg = Record(type=mtype, bal=ballot, val=value.or_bottom)
    net = Sequence(proc, proc, Msg, capacity=cap)
    got = Sequence(Msg, capacity=2)

    @action
    def send(self, s: proc, r: proc, b: ballot, v: value) -> None:
        require((s != r) & (self.net(s, r).len() < self.cap))
        self.net(s, r).append(self.Msg(type=self.mtype["req"], bal=b, val=v))

    @action
    def answer(self, s: proc, r: proc) -> None:
        q = self.net(s, r)
        require(~q.is_empty() & (self.net(r, s).len() < self.cap))
        m = q.head()
        require(m.type == self.mtype["req"])
        self.net(r, s).append(m.replace(type=self.mtype["ack"], val=self.value.bottom))
        q.pop()

    @action
    def deliver(self, s: proc, r: proc) -> None:
        q = self.net(s, r)
        require(~q.is_empty())
        require(q.head().type == self.mtype["ack"])
        self.got().pop(when=self.got().len() == 2)
        self.got().append(q.head())
        q.pop()

    @action
    def lose(self, s: proc, r: proc, i: net.index) -> None:
        require(i < self.net(s, r).len())
        self.net(s, r).remove(i)

    @action
    def bump(self, s: proc, r: proc) -> None:
        q = self.net(s, r)
        require(~q.is_empty())
        require(q.head().bal < self.ballot.last)
        q.set(0, q.head().replace(bal=self.ballot.last))

    @action
    def rotate(self, s: proc, r: proc) -> None:
        q = self.net(s, r)
        require((q.len() >= 2) & (q[0] != q[1]))
        self.net[s, r] = q[1:] + [q.head()]

    @invariant
    def acks_carry_no_value(self):
        return forall(
            self.proc,
            self.proc,
            lambda s, r: self.net(s, r).all(
                lambda m: implies(m.type == self.mtype["ack"], m.val == self.value.bottom)
            ),
        )

    @invariant
    def the_log_holds_acks(self):
        return self.got().all(lambda m: m.type == self.mtype["ack"]) & ~self.got().any(
            lambda i, m: (i > 0) & (m.val != self.value.bottom)
        )


class Overfull(RecordChannel):
    @action
    def send(self, s: proc, r: proc, b: ballot, v: value) -> None:  # noqa: F821
        require(s != r)
        self.net(s, r).append(self.Msg(type=self.mtype["req"], bal=b, val=v))


class Misfiled(RecordChannel):
    @action
    def peek(self, s: proc, r: proc) -> None:  # noqa: F821
        require(~self.net(s, r).is_empty() & (self.net(s, r).head().ballot == self.ballot.first))

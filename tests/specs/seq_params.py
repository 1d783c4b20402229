"""Sequences as action parameters and quantified variables (`SeqSort`): a queue filled from,
emptied by and compared with sequence parameters, and a channel of records refilled by whole
batches. tests/checker/lang/test_sequence_params.py explores both against brute-force Python
models, and reads their traces."""

from checker import (
    OrderedSort,
    Param,
    Record,
    SeqSort,
    Sequence,
    Sort,
    Spec,
    action,
    count,
    exists,
    forall,
    implies,
    invariant,
    require,
)


class SeqParams(Spec):
    values = Param(2)
    value = Sort(values, labels="v", bottom="None")
    Seqs = SeqSort(value, capacity=2)
    Opts = SeqSort(value.or_bottom, capacity=2)
    q = Sequence(value, capacity=3)

    @action
    def put(self, s: Seqs) -> None:  # q' = q \o s
        require(self.q().len() + s.len() <= 3)
        self.q = self.q() + s

    @action
    def take(self, s: Seqs) -> None:  # drop a prefix equal to s
        require((s.len() > 0) & (s.len() <= self.q().len()) & (self.q()[: s.len()] == s))
        self.q = self.q()[s.len() :]

    @action
    def reset(self, s: Seqs) -> None:  # a full queue starts again from s
        require(self.q().len() == 3)
        self.q = s

    @action
    def push_head(self, s: Seqs) -> None:  # append the head of a sequence that ends elsewhere
        require(~s.is_empty() & (self.q().len() < 3) & (s.last() != s.head()))
        self.q().append(s.head())

    @invariant
    def splits(self):  # \E a, b \in Seqs : a \o b = q
        return exists(self.Seqs, self.Seqs, lambda a, b: a + b == self.q())

    @invariant
    def counted(self):  # each sequence once: <<>>, <<v1>>, <<v2>>
        return count(self.Seqs, lambda s: s.len() <= 1) == 1 + self.values

    @invariant
    def counted_with_bottom(self):  # 1 + 3 + 9 sequences of value.or_bottom (2 values)
        n = self.values + 1
        return count(self.Opts, lambda s: s.len() >= 0) == 1 + n + n * n


class NotSquare(SeqParams):
    @invariant
    def not_square(self):  # false: put(<<v1, v1>>) makes q = <<v1>> \o <<v1>>
        return forall(self.Seqs, lambda s: implies(~s.is_empty(), (s + s) != self.q()))


class RecordParams(Spec):
    kind = Sort(2, labels=("req", "ack"))
    ballot = OrderedSort(2)
    Msg = Record(type=kind, bal=ballot)
    Batch = SeqSort(Msg, capacity=2)
    net = Sequence(Msg, capacity=2)

    @action
    def send(self, b: Batch) -> None:  # a batch of requests, into an empty channel
        require(self.net().is_empty() & b.all(lambda m: m.type == self.kind["req"]))
        self.net = b

    @action
    def answer(self, b: Batch) -> None:  # the channel acknowledged, element by element
        q = self.net()
        require(~q.is_empty() & (b.len() == q.len()) & (q.head().type == self.kind["req"]))
        require(b.all(lambda i, m: m == q[i].replace(type=self.kind["ack"])))
        self.net = b

    @action
    def take(self) -> None:
        require(~self.net().is_empty() & (self.net().head().type == self.kind["ack"]))
        self.net().pop()

    @invariant
    def some_batch(self):
        return exists(self.Batch, lambda b: b == self.net())


class AckedTwice(RecordParams):
    @invariant
    def one_ack_at_most(self):  # false: a batch of two requests is acknowledged as a whole
        return ~exists(
            self.Batch,
            lambda b: (
                (b == self.net()) & (b.len() == 2) & b.all(lambda m: m.type == self.kind["ack"])
            ),
        )

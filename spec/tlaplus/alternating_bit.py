"""AlternatingBit: the alternating bit protocol of Specifying Systems (section 14.5), ported from
tlaplus/Examples.

TLA+ module: specifications/SpecifyingSystems/TLC/AlternatingBit.tla, model MCAlternatingBit.tla
TLC model:   specifications/SpecifyingSystems/TLC/MCAlternatingBit.cfg (Data = {d1, d2},
             msgQLen = 2, ackQLen = 2, INVARIANT ABTypeInv, CONSTRAINT SeqConstraint:
             Len(msgQ) <= msgQLen /\\ Len(ackQ) <= ackQLen; PROPERTIES ABCSpec SentLeadsToRcvd,
             temporal, not ported).
TLC's counts (manifest): 240 distinct states, depth 10; msgQLen = 3, ackQLen = 1: 232 (TLC 2.19).

Encoding:
- msgQ, a sequence of <<bit, data>> pairs, is a `Sequence` of `Msg` records (`[bit, data]`,
  TLA+'s `Head(msgQ)[1]` is `head().bit`) of capacity msgQLen; ackQ is the `Sequence` of bits
  `ack_q`. Append, Head and Tail are `append`, `head` and `pop`.
- A queue holds at most its bound: TLC drops every state that breaks SeqConstraint (it is neither
  counted nor explored), so an Append onto a full queue is simply not enabled here (an append
  past the capacity would be an error, not a cut), and the constraint holds by construction (it
  is still stated, as `seq_constraint`).
- Lose(q), \\E i \\in 1..Len(q): drop the i-th element, is an action parameter `i` below the
  length (of the sequence's index sort, `msg_q.index`) and `remove(i)`.
- ABTypeInv holds by construction (every variable ranges over its type), so `ab_type_inv` is
  `well_typed()`.
- The bits 0..1 are an integer sort, so `1 - sBit` is written as in TLA+.
"""

from checker import (
    Individual,
    IntSort,
    Param,
    Record,
    Sequence,
    Sort,
    Spec,
    action,
    arbitrary,
    constraint,
    init,
    invariant,
    require,
    well_typed,
)


class AlternatingBit(Spec):
    expected_states = {"": 240, "msg_q_len=3 ack_q_len=1": 232}  # TLC
    expected_depth = 10

    msg_q_len = Param(2, doc="msgQLen, the longest message queue explored")
    ack_q_len = Param(2, doc="ackQLen, the longest acknowledgement queue explored")
    n_data = Param(2, doc="|Data|")

    bit = IntSort(0, 1)
    data = Sort(n_data, labels="d")  # d0 is TLA+'s d1

    Msg = Record(bit=bit, data=data)  # <<bit, data>>
    msg_q = Sequence(Msg, capacity=msg_q_len)
    ack_q = Sequence(bit, capacity=ack_q_len)
    s_bit = Individual(bit, init=arbitrary)
    s_ack = Individual(bit, init=0)
    r_bit = Individual(bit, init=0)
    sent = Individual(data, init=arbitrary)
    rcvd = Individual(data, init=arbitrary)

    @init
    def ab_init(self) -> None:
        self.s_ack = self.s_bit
        self.r_bit = self.s_bit

    # -- the queues ---------------------------------------------------------------------------
    def send_msg(self, b, d) -> None:
        require(self.msg_q().len() < self.msg_q_len)
        self.msg_q().append(self.Msg(bit=b, data=d))

    # -- the protocol ---------------------------------------------------------------------------
    @action
    def snd_new_value(self, d: data) -> None:
        require(self.s_ack == self.s_bit)
        self.send_msg(1 - self.s_bit, d)
        self.sent = d
        self.s_bit = 1 - self.s_bit

    @action
    def re_snd_msg(self) -> None:
        require(self.s_ack != self.s_bit)
        self.send_msg(self.s_bit, self.sent)

    @action
    def rcv_msg(self) -> None:
        require(~self.msg_q().is_empty())
        self.r_bit = self.msg_q().head().bit
        self.rcvd = self.msg_q().head().data
        self.msg_q().pop()

    @action
    def snd_ack(self) -> None:
        require(self.ack_q().len() < self.ack_q_len)
        self.ack_q().append(self.r_bit)

    @action
    def rcv_ack(self) -> None:
        require(~self.ack_q().is_empty())
        self.s_ack = self.ack_q().head()
        self.ack_q().pop()

    @action
    def lose_msg(self, i: msg_q.index) -> None:
        require(i < self.msg_q().len())
        self.msg_q().remove(i)

    @action
    def lose_ack(self, i: ack_q.index) -> None:
        require(i < self.ack_q().len())
        self.ack_q().remove(i)

    # -- properties -----------------------------------------------------------------------------
    @invariant
    def ab_type_inv(self):
        return well_typed()

    @constraint
    def seq_constraint(self):
        return (self.msg_q().len() <= self.msg_q_len) & (self.ack_q().len() <= self.ack_q_len)

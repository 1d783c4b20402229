"""AlternatingBit: the alternating bit protocol of Specifying Systems (section 14.5), ported from
tlaplus/Examples.

TLA+ module: specifications/SpecifyingSystems/TLC/AlternatingBit.tla, model MCAlternatingBit.tla
TLC model:   specifications/SpecifyingSystems/TLC/MCAlternatingBit.cfg (Data = {d1, d2},
             msgQLen = 2, ackQLen = 2, INVARIANT ABTypeInv, CONSTRAINT SeqConstraint:
             Len(msgQ) <= msgQLen /\\ Len(ackQ) <= ackQLen; PROPERTIES ABCSpec SentLeadsToRcvd,
             temporal, not ported).
TLC's counts (manifest): 240 distinct states, depth 10; msgQLen = 3, ackQLen = 1: 232 (TLC 2.19).

Encoding:
- msgQ, a sequence of <<bit, data>> pairs, is a length `mq_len` (0..msgQLen) and two functions
  over positions 0..msgQLen-1, `mq_bit` and `mq_data`; ackQ is `aq_len` and `aq_bit`. Slots at
  or past the length hold bit 0 and d1, so one TLA+ state is one state here.
- A queue holds at most its bound: TLC drops every state that breaks SeqConstraint (it is neither
  counted nor explored), so an Append onto a full queue is simply not enabled here, and the
  constraint holds by construction (it is still stated, as `seq_constraint`).
- Lose(q), \\E i \\in 1..Len(q): drop the i-th element, is an action parameter `i` below the
  length, the elements past it shifted down one slot and the last slot cleared.
- ABTypeInv holds by construction (every variable ranges over its type), so `ab_type_inv` is
  `well_typed()`.
- The bits 0..1 are an integer sort, so `1 - sBit` is written as in TLA+.
"""

from checker import (
    Function,
    Individual,
    IntSort,
    Param,
    Sort,
    Spec,
    action,
    arbitrary,
    constraint,
    init,
    invariant,
    ite,
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
    mpos = IntSort(0, msg_q_len - 1)
    apos = IntSort(0, ack_q_len - 1)
    mlen = IntSort(0, msg_q_len)
    alen = IntSort(0, ack_q_len)

    mq_len = Individual(mlen, init=0)
    mq_bit = Function(mpos, bit, init=0)
    mq_data = Function(mpos, data, init=data[0])
    aq_len = Individual(alen, init=0)
    aq_bit = Function(apos, bit, init=0)
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
    def append_msg(self, b, d) -> None:
        require(self.mq_len < self.msg_q_len)
        self.mq_bit[self.mq_len] = b
        self.mq_data[self.mq_len] = d
        self.mq_len = self.mq_len + 1

    def lose_msg_at(self, i) -> None:
        """Remove slot i of msgQ (i < its length): the later ones move down, the last clears."""
        n = self.mq_len
        self.mq_bit.update(
            lambda j: ite(j < i, self.mq_bit(j), ite(j + 1 < n, self.mq_bit(j + 1), 0))
        )
        self.mq_data.update(
            lambda j: ite(j < i, self.mq_data(j), ite(j + 1 < n, self.mq_data(j + 1), self.data[0]))
        )
        self.mq_len = self.mq_len - 1

    def lose_ack_at(self, i) -> None:
        n = self.aq_len
        self.aq_bit.update(
            lambda j: ite(j < i, self.aq_bit(j), ite(j + 1 < n, self.aq_bit(j + 1), 0))
        )
        self.aq_len = self.aq_len - 1

    # -- the protocol ---------------------------------------------------------------------------
    @action
    def snd_new_value(self, d: data) -> None:
        require(self.s_ack == self.s_bit)
        self.append_msg(1 - self.s_bit, d)
        self.sent = d
        self.s_bit = 1 - self.s_bit

    @action
    def re_snd_msg(self) -> None:
        require(self.s_ack != self.s_bit)
        self.append_msg(self.s_bit, self.sent)

    @action
    def rcv_msg(self) -> None:
        require(self.mq_len > 0)
        self.r_bit = self.mq_bit(0)
        self.rcvd = self.mq_data(0)
        self.lose_msg_at(0)  # Tail

    @action
    def snd_ack(self) -> None:
        require(self.aq_len < self.ack_q_len)
        self.aq_bit[self.aq_len] = self.r_bit
        self.aq_len = self.aq_len + 1

    @action
    def rcv_ack(self) -> None:
        require(self.aq_len > 0)
        self.s_ack = self.aq_bit(0)
        self.lose_ack_at(0)  # Tail

    @action
    def lose_msg(self, i: mpos) -> None:
        require(i < self.mq_len)
        self.lose_msg_at(i)

    @action
    def lose_ack(self, i: apos) -> None:
        require(i < self.aq_len)
        self.lose_ack_at(i)

    # -- properties -----------------------------------------------------------------------------
    @invariant
    def ab_type_inv(self):
        return well_typed()

    @constraint
    def seq_constraint(self):
        return (self.mq_len <= self.msg_q_len) & (self.aq_len <= self.ack_q_len)

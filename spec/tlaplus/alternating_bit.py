"""AlternatingBit: the alternating bit protocol of Specifying Systems (section 14.5), ported from
tlaplus/Examples.

TLA+ module: specifications/SpecifyingSystems/TLC/AlternatingBit.tla, model MCAlternatingBit.tla
TLC model:   specifications/SpecifyingSystems/TLC/MCAlternatingBit.cfg (Data = {d1, d2},
             msgQLen = 2, ackQLen = 2, INVARIANT ABTypeInv, CONSTRAINT SeqConstraint:
             Len(msgQ) <= msgQLen /\\ Len(ackQ) <= ackQLen; SPECIFICATION ABSpec, PROPERTIES
             ABCSpec SentLeadsToRcvd).
TLC's counts (manifest): 240 distinct states, depth 10; msgQLen = 3, ackQLen = 1: 232 (TLC 2.19).

TLC 2.19 on this machine (2026-12-05, one worker), MCAlternatingBit.cfg: "Checking 3 branches
of temporal properties for the complete state space with 720 total distinct states ... Model
checking completed. No error has been found. 1392 states generated, 240 distinct states found, 0
states left on queue. The depth of the complete state graph search is 10." (msgQLen = 3, ackQLen
= 1: "No error has been found", 232 distinct states, as here.) Both properties hold, as here.
Mutants (MCABMut.tla; `AlternatingBitNoFairness` and `AlternatingBitWeakRcvMsg` in
tests/spec/test_liveness_corpus.py, which quotes TLC's counterexamples): without ABFairness
(ABInit /\\ [][ABNext]_abvars), SentLeadsToRcvd and ABCSpec give "Error: Temporal properties
were violated.", a value sent (for SentLeadsToRcvd, then lost) and then "Stuttering"; with
WF_abvars(RcvMsg) instead of SF, both give "Error: Temporal properties were violated." with a
cycle (ABCSpec's: "Back to state 2: <ReSndMsg ...>", every copy of the message lost while
RcvMsg is enabled only now and then). A receiver that acknowledges the wrong bit breaks
[][ABCNext]_cvars ("Error: Action property ... of module ABCorrectness is violated.", 3
states; `AlternatingBitWrongAck`).

Properties:
- SentLeadsToRcvd == \\A d \\in Data : (sent = d) /\\ (sBit # sAck) ~> (rcvd = d) is
  `sent_leads_to_rcvd`, one property per value.
- ABCSpec == ABCInit /\\ [][ABCNext]_cvars /\\ WF_cvars(CRcvMsg) /\\ WF_cvars(CRcvAck)
  (module ABCorrectness, INSTANCEd with its variables sBit, sAck, rBit, sent, rcvd as they are:
  the protocol implements its abstract correctness spec). [][ABCNext]_cvars is the action
  property `abc_next`: every step, on cvars = <<sBit, sAck, rBit, sent, rcvd>>, is a
  CSndNewValue(d), CRcvMsg or CRcvAck step or leaves cvars unchanged. The two WF conditions are
  `abc_rcv_msg_is_weakly_fair` and `abc_rcv_ack_is_weakly_fair`, step properties
  `[]<>~ENABLED <<A>>_cvars \\/ []<><<A>>_cvars` with ENABLED <<CRcvMsg>>_cvars written out as
  rBit # sBit and ENABLED <<CRcvAck>>_cvars as rBit # sAck (each step changes rBit, resp. sAck:
  it is never stuttering). ABCInit is a condition on the initial states alone, which the
  language cannot state as a property (an invariant would be checked in every state, and
  ABCInit's sAck = sBit fails after the first SndNewValue): `abc_init` is the formula, and the
  test checks it as an invariant of a search bounded at depth 0 (the 8 initial states).
- Fairness: ABFairness == WF_abvars(ReSndMsg) /\\ WF_abvars(SndAck) /\\ SF_abvars(RcvMsg) /\\
  SF_abvars(RcvAck), one condition per action.
- The states and transitions are TLC's, but the fairness here counts an action enabled where
  its step is in the model: an Append onto a full queue is disabled (see below), where TLC's
  ENABLED ignores the CONSTRAINT (a one-variable model run with TLC on this machine, x' = x + 1
  under CONSTRAINT x <= 1 with WF_x(x' = x + 1), gives "No error has been found" for []<>(x =
  0): the step the constraint cuts still counts as enabled, and the behaviour that stops at x =
  1 as unfair). So SndAck and ReSndMsg are enabled for TLC in a few more states, every
  behaviour fair for TLC is fair here, and a property that holds here holds for TLC. The
  mutants' lassos are fair for TLC too: SndAck and ReSndMsg are taken in their cycle.

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
    SF,
    WF,
    Individual,
    IntSort,
    Param,
    Record,
    Sequence,
    Sort,
    Spec,
    action,
    action_property,
    always,
    arbitrary,
    constraint,
    eventually,
    exists,
    forall,
    init,
    invariant,
    leads_to,
    liveness,
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

    fairness = (  # ABFairness
        WF("re_snd_msg"),
        WF("snd_ack"),
        SF("rcv_msg"),
        SF("rcv_ack"),
    )

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

    @liveness
    def sent_leads_to_rcvd(self):
        """SentLeadsToRcvd == \\A d \\in Data : (sent = d) /\\ (sBit # sAck) ~> (rcvd = d)."""
        return forall(
            self.data,
            lambda d: leads_to((self.sent == d) & (self.s_bit != self.s_ack), self.rcvd == d),
        )

    # -- ABCSpec, the refinement of ABCorrectness (over cvars = <<sBit, sAck, rBit, sent, rcvd>>)
    def abc_init(self):
        """ABCInit (sBit, sent and rcvd range over their types): a property of the initial
        states, which the language cannot state; tests/spec/test_liveness_corpus.py checks it
        as an invariant of the initial states alone."""
        return (self.s_ack == self.s_bit) & (self.r_bit == self.s_bit)

    def c_snd_new_value(self, post, d):
        """CSndNewValue(d)."""
        return (
            (self.s_ack == self.s_bit)
            & (post.sent == d)
            & (post.s_bit == 1 - self.s_bit)
            & (post.s_ack == self.s_ack)
            & (post.r_bit == self.r_bit)
            & (post.rcvd == self.rcvd)
        )

    def c_rcv_msg(self, post):
        """CRcvMsg: rBit # sBit, the receiver takes the sender's bit and value."""
        return (
            (self.r_bit != self.s_bit)
            & (post.r_bit == self.s_bit)
            & (post.rcvd == self.sent)
            & (post.s_bit == self.s_bit)
            & (post.s_ack == self.s_ack)
            & (post.sent == self.sent)
        )

    def c_rcv_ack(self, post):
        """CRcvAck: rBit # sAck, the sender takes the receiver's bit."""
        return (
            (self.r_bit != self.s_ack)
            & (post.s_ack == self.r_bit)
            & (post.s_bit == self.s_bit)
            & (post.r_bit == self.r_bit)
            & (post.sent == self.sent)
            & (post.rcvd == self.rcvd)
        )

    @action_property
    def abc_next(self, post):
        """[][ABCNext]_cvars: every step is an ABCorrectness step on cvars, or leaves them."""
        unchanged = (
            (post.s_bit == self.s_bit)
            & (post.s_ack == self.s_ack)
            & (post.r_bit == self.r_bit)
            & (post.sent == self.sent)
            & (post.rcvd == self.rcvd)
        )
        return (
            unchanged
            | exists(self.data, lambda d: self.c_snd_new_value(post, d))
            | self.c_rcv_msg(post)
            | self.c_rcv_ack(post)
        )

    @liveness
    def abc_rcv_msg_is_weakly_fair(self, post):
        """WF_cvars(CRcvMsg): []<>~ENABLED <<CRcvMsg>>_cvars \\/ []<><<CRcvMsg>>_cvars, where
        ENABLED <<CRcvMsg>>_cvars is rBit # sBit."""
        return always(eventually((self.r_bit == self.s_bit) | self.c_rcv_msg(post)))

    @liveness
    def abc_rcv_ack_is_weakly_fair(self, post):
        """WF_cvars(CRcvAck): []<>~ENABLED <<CRcvAck>>_cvars \\/ []<><<CRcvAck>>_cvars, where
        ENABLED <<CRcvAck>>_cvars is rBit # sAck."""
        return always(eventually((self.r_bit == self.s_ack) | self.c_rcv_ack(post)))

"""InnerFIFO: a FIFO buffer between two handshake channels (Specifying Systems, section 4.1),
ported from tlaplus/Examples.

TLA+ module: specifications/SpecifyingSystems/FIFO/InnerFIFOInstanced.tla (InnerFIFO.tla with
             the two Channel instances written out), model MCInnerFIFO.tla
TLC model:   specifications/SpecifyingSystems/FIFO/MCInnerFIFO.cfg (Message = {m1, m2, m3},
             qLen = 3, INVARIANT TypeInvariant, CONSTRAINT qConstraint: Len(q) <= qLen).
TLC's counts (manifest): 3,864 distinct states, depth 11; qLen = 2: 1,272, depth 9 (TLC 2.19).

Encoding:
- The channels `in` and `out`, records [val : Message, rdy : {0, 1}, ack : {0, 1}], are three
  individuals each (`in_val`, `in_rdy`, `in_ack`, ...); Init (TypeInvariant /\\ ack = rdy)
  leaves val and rdy arbitrary and sets ack to rdy.
- The queue q is a `Sequence` of messages of capacity qLen: Append, Head and Tail are
  `append`, `head` and `pop`.
- TLC drops every state that breaks qConstraint (neither counted nor explored), so BufRcv onto
  a full queue is simply not enabled here (its guard `len() < qLen`: an append past the
  capacity would be an error, not a cut) and the constraint holds by construction (it is still
  stated, as `q_constraint`).
- TypeInvariant holds by construction (every variable ranges over its type): `well_typed()`.
- The bits 0..1 are an integer sort, so `1 - @` is written as in TLA+.
"""

from checker import (
    Individual,
    IntSort,
    Param,
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


class InnerFIFO(Spec):
    expected_states = {"": 3864, "q_max=2": 1272}  # TLC
    expected_depth = 11

    n_messages = Param(3, doc="|Message|")
    q_max = Param(3, doc="qLen, the longest queue explored")

    bit = IntSort(0, 1)
    message = Sort(n_messages, labels="m")  # m0 is TLA+'s m1

    in_val = Individual(message, init=arbitrary)
    in_rdy = Individual(bit, init=arbitrary)
    in_ack = Individual(bit, init=0)
    out_val = Individual(message, init=arbitrary)
    out_rdy = Individual(bit, init=arbitrary)
    out_ack = Individual(bit, init=0)
    q = Sequence(message, capacity=q_max)

    @init
    def start(self) -> None:
        self.in_ack = self.in_rdy
        self.out_ack = self.out_rdy

    @action
    def s_send(self, msg: message) -> None:
        """InChan!Send(msg)."""
        require(self.in_rdy == self.in_ack)
        self.in_val = msg
        self.in_rdy = 1 - self.in_rdy

    @action
    def buf_rcv(self) -> None:
        """InChan!Rcv, and q' = Append(q, in.val)."""
        require(self.in_rdy != self.in_ack)
        require(self.q().len() < self.q_max)
        self.in_ack = 1 - self.in_ack
        self.q().append(self.in_val)

    @action
    def buf_send(self) -> None:
        """OutChan!Send(Head(q)), and q' = Tail(q)."""
        require(~self.q().is_empty())
        require(self.out_rdy == self.out_ack)
        self.out_val = self.q().head()
        self.out_rdy = 1 - self.out_rdy
        self.q().pop()

    @action
    def r_rcv(self) -> None:
        """OutChan!Rcv."""
        require(self.out_rdy != self.out_ack)
        self.out_ack = 1 - self.out_ack

    @invariant
    def type_invariant(self):
        return well_typed()

    @constraint
    def q_constraint(self):
        return self.q().len() <= self.q_max

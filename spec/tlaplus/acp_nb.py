"""ACP_NB: the non-blocking atomic commitment protocol (a reliable broadcast: a participant
forwards the decision to every other before it decides), ported from tlaplus/Examples.

TLA+ module: specifications/acp/ACP_NB.tla (EXTENDS ACP_SB), model ACP_NB_TLC.tla
TLC model:   specifications/acp/ACP_NB_TLC.cfg (participants = {p0, p1}, SPECIFICATION SpecNB,
             PROPERTIES AC1 AC2 AC3_1 AC4_alt (safety) and AC3_2 AC5 (liveness, not ported),
             CHECK_DEADLOCK FALSE, no symmetry).
TLC's counts (manifest): 4,284 distinct states, depth 19; 3 participants: 730,842, depth 30
(TLC 2.19, safety only, about 100 s; 3 s here).

Encoding: as ACP_NB extends ACP_SB, this spec extends the port of ACP_SB (spec/tlaplus/acp_sb.py:
records as one symbol per field, three sorts for the model values), and adds
participant[i].forward[j] as the function `forward(i, j)`, initially notsent. SpecNB's next-state
relation leaves out ACP_SB's `decide(i)` (decideNB replaces it), so `decide` is overridden by a
plain attribute, which drops the action. TLA+'s forward(i, j) action is `forward_decision`, the
name `forward` being the variable. AC1, AC2, AC3_1 are invariants and AC4_alt an action property
(inherited); TypeInvNB holds by construction.
"""

from checker import Function, Param, action, forall, implies, require
from spec.tlaplus.acp_sb import AcpSb


class AcpNb(AcpSb):
    expected_states = {"": 4284, "n=3": 730842}  # TLC
    expected_depth = 19

    n = Param(2, doc="|participants|")

    forward = Function(AcpSb.part, AcpSb.part, AcpSb.bcast, init=AcpSb.bcast["notsent"])

    decide = None  # not in SpecNB's next-state relation

    def notsent(self):
        return self.bcast["notsent"]

    @action
    def forward_decision(self, i: AcpSb.part, j: AcpSb.part) -> None:
        """forward(i, j): i passes its predecision on to j."""
        require(
            (i != j)
            & self.alive(i)
            & (self.forward(i, i) != self.notsent())
            & (self.forward(i, j) == self.notsent())
        )
        self.forward[i, j] = self.forward(i, i)

    @action
    def pre_decide_on_forward(self, i: AcpSb.part, j: AcpSb.part) -> None:
        """preDecideOnForward(i, j): i takes the decision j forwarded to it."""
        require(
            (i != j)
            & self.alive(i)
            & (self.forward(i, i) == self.notsent())
            & (self.forward(j, i) != self.notsent())
        )
        self.forward[i, i] = self.forward(j, i)

    @action
    def pre_decide(self, i: AcpSb.part) -> None:
        """preDecide(i): i takes the coordinator's decision."""
        require(
            self.alive(i)
            & (self.forward(i, i) == self.notsent())
            & (self.broadcast(i) != self.notsent())
        )
        self.forward[i, i] = self.broadcast(i)

    @action
    def decide_nb(self, i: AcpSb.part) -> None:
        """decideNB(i): once forwarded to all, i decides its predecision."""
        require(self.alive(i) & forall(self.part, lambda j: self.forward(i, j) != self.notsent()))
        self.decision[i] = self.sent(self.forward(i, i))

    @action
    def abort_on_timeout(self, i: AcpSb.part) -> None:
        """abortOnTimeout(i): the coordinator died before any live participant got its
        decision, and no dead participant forwarded one to a live participant."""
        require(
            self.alive(i)
            & (self.decision(i) == self.dec("undecided"))
            & ~self.coord_alive()
            & forall(
                self.part,
                lambda j: implies(self.alive(j), self.broadcast(j) == self.notsent()),
            )
            & forall(
                self.part,
                self.part,
                lambda j, k: implies(
                    ~self.alive(j) & self.alive(k), self.forward(j, k) == self.notsent()
                ),
            )
        )
        self.decision[i] = self.dec("abort")

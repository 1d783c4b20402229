"""ACP_NB: the non-blocking atomic commitment protocol (a reliable broadcast: a participant
forwards the decision to every other before it decides), ported from tlaplus/Examples.

TLA+ module: specifications/acp/ACP_NB.tla (EXTENDS ACP_SB), model ACP_NB_TLC.tla
TLC model:   specifications/acp/ACP_NB_TLC.cfg (participants = {p0, p1}, SPECIFICATION SpecNB,
             PROPERTIES AC1 AC2 AC3_1 AC4_alt (safety) and AC3_2 AC5 (liveness),
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

Liveness. fairnessNB is `\\A i : WF_vars(\\E j : parProgNB(i, j))` — one condition per
participant over the eight actions of parProgNB, `WF(send_vote, ..., decide_nb, per="i")` (the
`j` of forward and preDecideOnForward is inside the condition) — and `WF_vars(coordProgB)`,
one condition over makeDecision (`make_decision_commit`, `make_decision_abort`) and every
coordProgA(i) (`request_vote`, `get_vote`, `detect_fault`, `coord_broadcast`); the deaths
(parDie, coordDie) are not fair. sendVote(i) stays enabled after the vote is sent, as a step
that changes nothing — a stuttering step, which makes no condition enabled. AC3_2 (`<>(every
participant decided \\/ some participant faulty \\/ the coordinator faulty)`) and AC5 (`<>(\\A i :
i decided \\/ i faulty)`) are `eventually(...)`. They are ACP_SB's definitions, declared here
since only this model checks them: ACP_SB_TLC.cfg has them commented out (AC5 among the
properties that do not hold for ACP_SB), so spec/tlaplus/acp_sb.py keeps no liveness.

TLC 2.19 on this machine (2026-12-03, one worker), ACP_NB_TLC.cfg (PROPERTIES AC1 AC2 AC3_1
AC4_alt AC3_2 AC5): "Finished computing initial states: 4 distinct states generated ...
Checking 2 branches of temporal properties for the complete state space with 8568 total
distinct states ... Model checking completed. No error has been found. 23988 states generated,
4284 distinct states found, 0 states left on queue. The depth of the complete state graph
search is 19." AC3_2 and AC5 hold, as here. Without WF_vars(coordProgB) (SPECIFICATION
InitNB /\\ [][progNNB]_vars /\\ \\A i : WF_vars(\\E j : parProgNB(i, j));
`AcpNbNoCoordinatorFairness` in tests/spec/test_liveness_corpus.py): "Error: Temporal properties were violated." — the
coordinator requests the votes, collects them and decides commit, then "State 9: Stuttering"
before broadcasting. Without the participants' fairness (only WF_vars(coordProgB)) too: a
15-state behaviour, then "State 16: Stuttering".
"""

from checker import (
    WF,
    Function,
    Param,
    action,
    eventually,
    exists,
    forall,
    implies,
    liveness,
    require,
)
from spec.tlaplus.acp_sb import AcpSb

PARTICIPANT = (  # parProgNB(i, j)
    "send_vote",
    "abort_on_vote",
    "abort_on_timeout_request",
    "forward_decision",
    "pre_decide_on_forward",
    "abort_on_timeout",
    "pre_decide",
    "decide_nb",
)
COORDINATOR = (  # coordProgB: makeDecision \/ \E i : coordProgA(i)
    "make_decision_commit",
    "make_decision_abort",
    "request_vote",
    "get_vote",
    "detect_fault",
    "coord_broadcast",
)


class AcpNb(AcpSb):
    expected_states = {"": 4284, "n=3": 730842}  # TLC
    expected_depth = 19

    n = Param(2, doc="|participants|")

    forward = Function(AcpSb.part, AcpSb.part, AcpSb.bcast, init=AcpSb.bcast["notsent"])

    decide = None  # not in SpecNB's next-state relation

    fairness = (WF(*PARTICIPANT, per="i"), WF(*COORDINATOR))  # fairnessNB

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

    # -- liveness --------------------------------------------------------------------------------
    def decided(self, i):
        return self.decision(i) != self.dec("undecided")  # \in {abort, commit}

    @liveness
    def ac3_2(self):
        """AC3_2: every participant eventually decides, unless some process is faulty."""
        return eventually(
            forall(self.part, lambda i: self.decided(i))
            | exists(self.part, lambda j: self.faulty(j))
            | self.coord_faulty()
        )

    @liveness
    def ac5(self):
        """AC5: eventually every participant has decided or is faulty (non-blocking)."""
        return eventually(forall(self.part, lambda i: self.decided(i) | self.faulty(i)))

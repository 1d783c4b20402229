"""Liveness of more TLA+ corpus ports (spec/tlaplus/), with TLC's verdicts: TLC 2.19 on this
machine (2026-12-03, one worker) on each model's .cfg with its PROPERTY lines, and on a mutant
with fairness dropped or weakened, the outputs recorded in each port's docstring and below. The
ports keep TLC's state counts (tests/spec/test_tlaplus_corpus.py) and give TLC's verdict; each
mutant's violation is a lasso that both engines give identically, replayed by the reference
interpreter (real steps, fair, violating the property: `replay`)."""

from __future__ import annotations

from typing import Any

import pytest

from checker import SF, WF, Spec, action, eventually, exists, invariant, liveness, require
from checker.check import CheckReport, check
from checker.explicit import Options
from spec.tlaplus.acp_nb import PARTICIPANT, AcpNb
from spec.tlaplus.alternating_bit import AlternatingBit
from spec.tlaplus.chang_roberts import ChangRoberts
from spec.tlaplus.dining_philosophers import DiningPhilosophers
from spec.tlaplus.simple_allocator import SimpleAllocator
from spec.tlaplus.single_lane_bridge import SingleLaneBridge
from spec.tlaplus.tcp import SYSTEM, Tcp
from tests.checker.explicit.test_liveness import replay


def holds(spec: type[Spec], engine: str) -> CheckReport:
    report = check(spec, {}, Options(engine=engine))
    assert report.ok, report.headline()
    assert report.result.complete
    return report


Lasso = tuple[str, int | None, object, list[Any]]


def lasso(spec: type[Spec], liveness: list[str] | None = None) -> Lasso:
    """The liveness violation of `spec` (of its `liveness` properties named, or of all), the
    same in both engines, replayed: (property, loop, closing step, steps)."""
    return lasso_and_text(spec, liveness)[0]


def lasso_and_text(spec: type[Spec], liveness: list[str] | None = None) -> tuple[Lasso, str]:
    """`lasso(spec, liveness)`, and the counterexample as the command line prints it."""
    signatures: list[Lasso] = []
    for engine in ("vector", "reference"):
        report = check(spec, {}, Options(engine=engine, liveness=liveness))
        v = report.result.violation
        assert v is not None and v.kind == "liveness", engine
        closing = None if v.closing is None else (v.closing.action, v.closing.params)
        steps = [(s.action, s.params, s.state) for s in v.trace]
        signatures.append((v.name, v.loop, closing, steps))
    assert signatures[0] == signatures[1]
    replay(report)
    return signatures[0], report.trace_text()


def actions(steps: list[Any]) -> list[object]:
    return [s[0] for s in steps]


# -- DiningPhilosophers ----------------------------------------------------------------------

PHILOSOPHER = ("loop_give_left", "loop_give_right", "loop_keep", "think", "eat")


class DiningPhilosophersNoFairness(DiningPhilosophers):
    """TLC, SPECIFICATION Init /\\ [][Next]_vars, PROPERTY NobodyStarves: "Error: Temporal
    properties were violated.", a 27-state behaviour then "State 28: Stuttering"."""

    fairness = ()


class DiningPhilosophersWholeFairness(DiningPhilosophers):
    """WF_vars(\\E self \\in 1..NP : Philosopher(self)) instead of one per philosopher — TLC,
    PROPERTY NobodyStarves: "Model checking completed. No error has been found." (336 states
    generated, 67 distinct). A hungry philosopher's Loop step that keeps its forks changes
    nothing: it is stuttering, so it does not excuse the others' steps."""

    fairness = (WF(*PHILOSOPHER),)


@pytest.mark.parametrize("engine", ["vector", "reference"])
def test_dining_philosophers_nobody_starves(engine: str) -> None:
    """TLC, DiningPhilosophers.cfg: "Model checking completed. No error has been found. ...
    336 states generated, 67 distinct states found ... depth ... 29"."""
    report = holds(DiningPhilosophers, engine)
    assert report.result.liveness == [f"nobody_starves[{p}]" for p in range(1, 6)]
    assert (report.result.distinct_states, report.result.depth) == (67, 29)
    assert holds(DiningPhilosophersWholeFairness, engine).ok


def test_dining_philosophers_without_fairness_starve_at_once() -> None:
    name, loop, closing, steps = lasso(DiningPhilosophersNoFairness)
    assert (name, loop, closing, actions(steps)) == ("nobody_starves[1]", 0, None, ["start"])


# -- SingleLaneBridge ------------------------------------------------------------------------


class SingleLaneBridgeNoEnterFairness(SingleLaneBridge):
    """The fairness of MoveOutsideBridge and MoveInsideBridge per car, without WF_vars(
    EnterBridge) — TLC, PROPERTIES CarsInBridgeExitBridge CarsEnterBridge: "Error: Temporal
    properties were violated.", every car reaches the queue (WaitingBeforeBridge = <<"r1",
    "l2", "l1", "r2">>), then "State 10: Stuttering"."""

    fairness = (WF("move_outside_bridge", per="c"), WF("move_inside_bridge", per="c"))


def test_single_lane_bridge_every_car_enters_and_leaves_the_bridge() -> None:
    """TLC, MC.cfg: "Checking 8 branches of temporal properties ... Model checking completed.
    No error has been found. 20181 states generated, 3605 distinct states found ... depth ...
    29" (the vector engine only: both engines are compared on the mutant)."""
    report = holds(SingleLaneBridge, "vector")
    assert report.result.liveness == [
        f"{prop}[{c}]"
        for prop in ("cars_in_bridge_exit_bridge", "cars_enter_bridge")
        for c in range(4)
    ]
    assert (report.result.distinct_states, report.result.depth) == (3605, 29)


def test_single_lane_bridge_without_fair_entry_every_car_waits_for_ever() -> None:
    name, loop, closing, steps = lasso(SingleLaneBridgeNoEnterFairness)
    assert (name, closing) == ("cars_enter_bridge[0]", None)  # r1 never enters
    assert actions(steps) == ["start"] + ["move_outside_bridge"] * 8  # all four queue up
    assert loop == 8  # then the full queue stutters


# -- ChangRoberts ----------------------------------------------------------------------------


class ChangRobertsOnlySendingFair(ChangRoberts):
    """Only n0 (sending one's own id) weakly fair per node, not n1 (receiving) — TLC,
    SPECIFICATION Init /\\ [][Next]_vars /\\ \\A self \\in Node : WF_vars(n0(self)), PROPERTY
    Liveness: "Error: Temporal properties were violated.", node 3 alone an initiator, its id
    carried round to msgs[3], then "State 7: Stuttering" (the same with no fairness at
    all)."""

    fairness = (WF("n0", per="p"),)


class ChangRobertsPlainEventually(ChangRoberts):
    """`<>(\\E n : state[n] = "won")` without Liveness's premise: stronger than the TLA+, and
    false — no node is an initiator in one initial state, so nobody ever wins."""

    @liveness
    def liveness(self):  # type: ignore[no-untyped-def]
        return eventually(exists(self.node, lambda p: self.state(p) == self.nstate["won"]))


@pytest.mark.parametrize("engine", ["vector", "reference"])
def test_chang_roberts_elects_a_leader_when_there_is_a_candidate(engine: str) -> None:
    """TLC, MCChangRoberts.cfg: "Model checking completed. No error has been found. 227
    states generated, 137 distinct states found ... depth ... 10"."""
    report = holds(ChangRoberts, engine)
    assert report.result.liveness == ["liveness"]
    assert (report.result.distinct_states, report.result.depth) == (137, 10)


def test_chang_roberts_without_fair_receipt_the_candidate_never_hears_its_id() -> None:
    name, loop, closing, steps = lasso(ChangRobertsOnlySendingFair)
    assert (name, loop, closing) == ("liveness", 3, None)
    assert actions(steps) == ["start", "n0", "n0", "n0"]  # every node past n0, then nothing


def test_chang_roberts_liveness_needs_its_premise() -> None:
    (name, loop, closing, steps), text = lasso_and_text(ChangRobertsPlainEventually)
    assert (name, loop, closing, actions(steps)) == (
        "liveness",
        3,
        None,
        ["start", "n0", "n0", "n0"],
    )
    assert "  initiator = {}\n" in text  # the initial state with no candidate


# -- SimpleAllocator -------------------------------------------------------------------------


class SimpleAllocatorWeakAllocate(SimpleAllocator):
    """Allocate weakly instead of strongly fair — TLC, SPECIFICATION Init /\\ [][Next]_vars /\\
    \\A c : WF_vars(Return(c, alloc[c])) /\\ \\A c : WF_vars(\\E S : Allocate(c, S)), PROPERTIES
    ClientsWillReturn ClientsWillObtain InfOftenSatisfied: "Error: Temporal properties were
    violated.", the three clients ask for r1, c2 gets it and returns it, "Back to state 4"."""

    fairness = (WF("return_all", per="c"), WF("allocate", per="c"))


@pytest.mark.parametrize("engine", ["vector", "reference"])
def test_simple_allocator_clients_return_obtain_and_are_satisfied(engine: str) -> None:
    """TLC, SimpleAllocator.cfg: "Checking 10 branches of temporal properties ... Model
    checking completed. No error has been found. 1633 states generated, 400 distinct states
    found ... depth ... 6"."""
    report = holds(SimpleAllocator, engine)
    assert report.result.liveness == (
        [f"clients_will_return[c{c}]" for c in (1, 2, 3)]
        + [f"clients_will_obtain[c{c}, {r}]" for c in (1, 2, 3) for r in (0, 1)]
        + [f"inf_often_satisfied[c{c}]" for c in (1, 2, 3)]
    )
    assert (report.result.distinct_states, report.result.depth) == (400, 6)


def test_simple_allocator_under_weak_fairness_a_client_starves_in_a_cycle() -> None:
    name, loop, closing, steps = lasso(SimpleAllocatorWeakAllocate)
    assert name == "clients_will_obtain[c1, 0]"  # c1 never gets resource 0
    assert actions(steps) == [None, "request", "request", "allocate"]  # None: the initial state
    assert loop == 1 and closing == ("return_all", (("c", 1, "client"),))  # c2 gives it back
    assert all(params[0] == ("c", 1, "client") for _, params, _ in steps[2:])  # only c2 moves


# -- ACP_NB ----------------------------------------------------------------------------------


class AcpNbNoCoordinatorFairness(AcpNb):
    """fairnessNB without WF_vars(coordProgB) — TLC, SPECIFICATION InitNB /\\
    [][progNNB]_vars /\\ \\A i : WF_vars(\\E j : parProgNB(i, j)), PROPERTIES AC1 AC2 AC3_1
    AC4_alt AC3_2 AC5: "Error: Temporal properties were violated.", the coordinator decides
    commit, then "State 9: Stuttering" before it broadcasts."""

    fairness = (WF(*PARTICIPANT, per="i"),)


@pytest.mark.parametrize("engine", ["vector", "reference"])
def test_acp_nb_every_live_participant_decides(engine: str) -> None:
    """TLC, ACP_NB_TLC.cfg: "Model checking completed. No error has been found. 23988 states
    generated, 4284 distinct states found ... depth ... 19". sendVote(i) stays enabled as a
    step that changes nothing; counted as fair progress, it would let a behaviour stutter
    before the coordinator broadcasts."""
    report = holds(AcpNb, engine)
    assert report.result.liveness == ["ac3_2", "ac5"]
    assert (report.result.distinct_states, report.result.depth) == (4284, 19)


def test_acp_nb_without_a_fair_coordinator_nobody_decides() -> None:
    name, loop, closing, steps = lasso(AcpNbNoCoordinatorFairness)
    assert (name, loop, closing, actions(steps)) == ("ac3_2", 0, None, ["start"])  # no request


# -- AlternatingBit --------------------------------------------------------------------------

ABC_FAIRNESS = ["abc_rcv_msg_is_weakly_fair", "abc_rcv_ack_is_weakly_fair"]  # ABCSpec's WF


class AlternatingBitNoFairness(AlternatingBit):
    """MCABMut's ABSpecNoFair == ABInit /\\ [][ABNext]_abvars — TLC, PROPERTIES
    SentLeadsToRcvd: "Error: Temporal properties were violated.", SndNewValue (sent = d1,
    sBit 1 -> 0), LoseMsg, SndAck, SndAck, then "State 6: Stuttering"; PROPERTIES ABCSpec:
    "Error: Temporal properties were violated.", SndNewValue (msgQ = <<<<1, d2>>>>), then
    "State 3: Stuttering"."""

    fairness = ()


class AlternatingBitWeakRcvMsg(AlternatingBit):
    """MCABMut's ABSpecWeakRcv: WF_abvars(RcvMsg) instead of SF — TLC, PROPERTIES
    SentLeadsToRcvd: "Error: Temporal properties were violated.", an 8-state behaviour, "Back
    to state 5: <LoseMsg ...>" (the message resent and lost, the acknowledgement of the old bit
    sent and received); PROPERTIES ABCSpec: "Error: Temporal properties were violated.",
    SndNewValue (msgQ = <<<<1, d2>>>>), SndAck, RcvAck, ReSndMsg, SndAck, LoseMsg, SndAck,
    LoseMsg, RcvAck, RcvAck, "Back to state 2: <ReSndMsg ...>"."""

    fairness = (WF("re_snd_msg"), WF("snd_ack"), WF("rcv_msg"), SF("rcv_ack"))


class AlternatingBitWrongAck(AlternatingBit):
    """The receiver acknowledges the bit it does not hold (SndAck appends 1 - rBit; MCABWrongAck
    in TLC's runs) — TLC, PROPERTIES ABCSpec: "Error: Action property line 39, col 23 to line
    39, col 39 of module ABCorrectness is violated." ([][ABCNext]_cvars), after SndAckWrong
    (ackQ = <<1>>) and RcvAck (sAck 0 -> 1 while rBit = 0): "State 3"."""

    @action
    def snd_ack(self) -> None:
        require(self.ack_q().len() < self.ack_q_len)
        self.ack_q().append(1 - self.r_bit)


class AlternatingBitInit(AlternatingBit):
    """ABCInit, which the language cannot state of the initial states alone, as an invariant
    checked with the search bounded at depth 0."""

    @invariant
    def abc_init_holds(self):  # type: ignore[no-untyped-def]
        return self.abc_init()


@pytest.mark.parametrize("engine", ["vector", "reference"])
def test_alternating_bit_delivers_every_value_and_implements_abcorrectness(engine: str) -> None:
    """TLC, MCAlternatingBit.cfg (PROPERTIES ABCSpec SentLeadsToRcvd): "Checking 3 branches of
    temporal properties for the complete state space with 720 total distinct states ... Model
    checking completed. No error has been found. ... 1392 states generated, 240 distinct states
    found, 0 states left on queue. The depth of the complete state graph search is 10."
    """
    report = holds(AlternatingBit, engine)
    assert report.result.action_properties == ["abc_next"]
    assert report.result.liveness == [
        "sent_leads_to_rcvd[d1]",
        "sent_leads_to_rcvd[d2]",
        *ABC_FAIRNESS,
    ]
    assert (report.result.distinct_states, report.result.depth) == (240, 10)
    assert report.result.transitions == 1196


def test_alternating_bit_starts_as_abcorrectness_does() -> None:
    """ABCInit holds of the 8 initial states (TLC: "Finished computing initial states: 8
    distinct states generated"), and is no invariant: the first SndNewValue breaks it."""
    only = {"liveness": [], "invariants": ["abc_init_holds"]}
    for engine in ("vector", "reference"):
        report = check(AlternatingBitInit, {}, Options(engine=engine, max_depth=0, **only))
        assert report.ok and report.result.distinct_states == 8, engine
        v = check(AlternatingBitInit, {}, Options(engine=engine, **only)).result.violation
        assert v is not None and [s.action for s in v.trace] == ["ab_init", "snd_new_value"]


def test_alternating_bit_without_fairness_stutters_with_a_value_unreceived() -> None:
    name, loop, closing, steps = lasso(AlternatingBitNoFairness)
    assert (name, loop, closing) == ("sent_leads_to_rcvd[d1]", 1, None)
    assert actions(steps) == ["ab_init", "snd_new_value"]  # then nothing is ever received
    name, loop, closing, steps = lasso(AlternatingBitNoFairness, ABC_FAIRNESS)
    assert (name, loop, closing) == ("abc_rcv_msg_is_weakly_fair", 1, None)
    assert actions(steps) == ["ab_init", "snd_new_value"]  # TLC's, as ABCSpec's lasso


def test_alternating_bit_under_weak_fairness_of_rcv_msg_every_message_is_lost() -> None:
    """A cycle back to state 2 closed by ReSndMsg, as TLC's ABCSpec counterexample (a shorter
    one): the message is resent and every copy lost, so RcvMsg, enabled only now and then, is
    never taken; the old bit's acknowledgement is sent and received."""
    for only, violated in (
        (["sent_leads_to_rcvd"], "sent_leads_to_rcvd[d1]"),
        (ABC_FAIRNESS, "abc_rcv_msg_is_weakly_fair"),
    ):
        name, loop, closing, steps = lasso(AlternatingBitWeakRcvMsg, only)
        assert name == violated
        assert loop == 1 and closing == ("re_snd_msg", ())  # back to state 2
        assert actions(steps) == [
            "ab_init", "snd_new_value", "re_snd_msg", "snd_ack", "rcv_ack", "lose_msg",
            "lose_msg",
        ]  # fmt: skip
        assert "rcv_msg" not in actions(steps)


def test_alternating_bit_acknowledging_the_wrong_bit_breaks_abcnext() -> None:
    for engine in ("vector", "reference"):
        only = Options(engine=engine, liveness=[])
        v = check(AlternatingBitWrongAck, {}, only).result.violation
        assert v is not None and (v.kind, v.name) == ("action_property", "abc_next")
        assert [s.action for s in v.trace] == ["ab_init", "snd_ack", "rcv_ack"]  # TLC's


# -- tcp -------------------------------------------------------------------------------------


class TcpNoCloseFairness(Tcp):
    """MCtcpMut's SpecNoClose == Init /\\ [][Next]_vars /\\ WF_vars(System) — TLC,
    PROPERTY Prop: "Error: Temporal properties were violated.", "State 2: <CLOSE_LISTEN ...>"
    (connstate = (A :> "SYN-SENT" @@ B :> "CLOSED"), network = (A :> <<>> @@ B :>
    <<"SYN">>)), "State 3: Stuttering"."""

    fairness = (WF(*SYSTEM),)


class TcpNoSystemFairness(Tcp):
    """MCtcpMut's SpecNoSystem == Init /\\ [][Next]_vars /\\ WF_vars(\\E local, remote :
    CLOSE_SYN_SENT(local, remote)) — TLC, PROPERTY Prop: "Error: Temporal properties were
    violated.", A sends a RST (Note3: A TIME-WAIT), B answers the SYN, closes, resets and
    times out, then A's RSTs to B are sent and received for ever: "Back to state 7: <Note3
    ...>"."""

    fairness = (WF("close_syn_sent"),)


@pytest.mark.parametrize("engine", ["vector", "reference"])
def test_tcp_a_syn_sent_peer_establishes_listens_or_closes(engine: str) -> None:
    """TLC, MCtcp.cfg (PROPERTY Prop): "Checking 2 branches of temporal properties for the
    complete state space with 2364 total distinct states ... Model checking completed. No
    error has been found. ... 6322 states generated, 1182 distinct states found, 0 states left
    on queue. The depth of the complete state graph search is 14."
    """
    report = holds(Tcp, engine)
    assert report.result.liveness == ["prop[p1]", "prop[p2]"]
    assert (report.result.distinct_states, report.result.depth) == (1182, 14)
    assert report.result.transitions == 3204


def test_tcp_without_fair_close_the_syn_sent_peer_waits_for_ever() -> None:
    """TLC's counterexample, state for state."""
    (name, loop, closing, steps), text = lasso_and_text(TcpNoCloseFairness)
    assert (name, loop, closing, actions(steps)) == (
        "prop[p1]",
        1,
        None,
        ["mc_init", "close_listen"],
    )
    assert "connstate[p2]: LISTEN -> CLOSED" in text and "net = {p1: <<>>, p2: <<SYN>>}" in text


def test_tcp_without_fair_system_a_reset_peer_stays_in_time_wait() -> None:
    """A shorter lasso than TLC's, as bad: p1 sends a RST from SYN-SENT and stays in TIME-WAIT
    (TimeWait, a System action, is no longer fair; CLOSE_SYN_SENT is disabled) — TLC's
    behaviour also ends with A in TIME-WAIT for ever."""
    (name, loop, closing, steps), text = lasso_and_text(TcpNoSystemFairness)
    assert (name, loop, closing, actions(steps)) == (
        "prop[p1]",
        1,
        None,
        ["mc_init", "note3_send_rst"],
    )
    assert "connstate[p1]: SYN-SENT -> TIME-WAIT" in text

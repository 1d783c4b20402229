"""Liveness models of the TLA+ corpus, ported with TLC's verdicts (recorded in each port's
docstring, TLC 2.19 run on this machine): the property holds under the model's fairness, and
fails — with a lasso both engines agree on — when the fairness is dropped."""

from __future__ import annotations

import pytest

from checker import WF, Spec, action, require
from checker.check import check
from checker.explicit import Options
from spec.tlaplus.consensus import Consensus
from spec.tlaplus.ewd840 import EWD840
from spec.tlaplus.live_internal_memory import LiveInternalMemory
from spec.tlaplus.live_write_through_cache import LiveWriteThroughCache


class EWD840NoFairness(EWD840):
    """TLC, SPECIFICATION Init /\\ [][Next]_vars: "Temporal properties were violated", a
    lasso ending in "Stuttering"."""

    fairness = ()


@pytest.mark.parametrize("engine", ["vector", "reference"])
def test_ewd840_detects_termination_under_weak_fairness_of_the_token(engine: str) -> None:
    report = check(EWD840, {}, Options(engine=engine))
    assert report.ok and report.result.liveness == ["termination_is_detected"]
    assert (report.result.distinct_states, report.result.depth) == (302, 9)


def test_ewd840_without_fairness_stutters_before_detecting() -> None:
    lassos = []
    for engine in ("vector", "reference"):
        v = check(EWD840NoFairness, {}, Options(engine=engine)).result.violation
        assert v is not None and v.kind == "liveness" and v.closing is None
        lassos.append([(s.action, s.params, s.state) for s in v.trace])
    assert lassos[0] == lassos[1]


def lassos_of(spec: type[Spec], liveness: list[str] | None = None) -> list[list[object]]:
    """The liveness violation of `spec` (of the `liveness` properties named) in both engines
    (asserted to be one), as its steps."""
    lassos: list[list[object]] = []
    for engine in ("vector", "reference"):
        v = check(spec, {}, Options(engine=engine, liveness=liveness)).result.violation
        assert v is not None and v.kind == "liveness", engine
        closing = None if v.closing is None else (v.closing.action, v.closing.params)
        lassos.append([v.name, v.loop, closing, [(s.action, s.params, s.state) for s in v.trace]])
    assert lassos[0] == lassos[1]
    return lassos[0]


class ConsensusNoFairness(Consensus):
    """TLC, SPECIFICATION ISpec (no WF_chosen(Next)), PROPERTY Success: "Temporal properties
    were violated": chosen = {}, then "State 2: Stuttering"."""

    fairness = ()


@pytest.mark.parametrize("engine", ["vector", "reference"])
def test_consensus_eventually_chooses_under_weak_fairness_of_next(engine: str) -> None:
    report = check(Consensus, {}, Options(engine=engine))
    assert report.ok and report.result.liveness == ["success"]
    assert (report.result.distinct_states, report.result.depth) == (4, 1)


def test_consensus_without_fairness_stutters_with_nothing_chosen() -> None:
    name, loop, closing, steps = lassos_of(ConsensusNoFairness)
    assert (name, loop, closing) == ("success", 0, None)
    assert len(steps) == 1  # the initial state chosen = {}, stuttering for ever


class LiveInternalMemoryNoFairness(LiveInternalMemory):
    """TLC, SPECIFICATION ISpec, PROPERTY LivenessProperty: "Temporal properties were violated",
    a behaviour ending in "Stuttering" with a processor not "rdy"."""

    fairness = ()


class LiveInternalMemoryWholeFairness(LiveInternalMemory):
    """Weak fairness of Do \\/ Rsp as a whole instead of per processor — TLC, SPECIFICATION
    ISpec /\\ WF_vars(\\E p \\in Proc : Do(p) \\/ Rsp(p)), PROPERTY LivenessProperty: "Temporal
    properties were violated", p1 left "done" while p2's requests are served ("Back to state
    5")."""

    fairness = (WF("do", "rsp"),)


@pytest.mark.parametrize("engine", ["vector", "reference"])
def test_live_internal_memory_answers_every_request(engine: str) -> None:
    report = check(LiveInternalMemory, {}, Options(engine=engine))
    assert report.ok
    assert report.result.liveness == [
        f"{name}[{p}]"
        for name in ("liveness_property", "do_is_weakly_fair", "rsp_is_weakly_fair")
        for p in ("p1", "p2")
    ]
    assert (report.result.distinct_states, report.result.depth) == (4408, 10)


def test_live_internal_memory_without_fairness_stutters_on_a_busy_processor() -> None:
    name, loop, closing, steps = lassos_of(LiveInternalMemoryNoFairness)
    assert (name, closing) == ("liveness_property[p1]", None)
    assert isinstance(steps, list) and loop == len(steps) - 1  # the last state stutters
    assert steps[-1][0] == "req_read"  # p1 asked, and nothing more happens


def test_live_internal_memory_starves_a_processor_under_fairness_of_all_of_them() -> None:
    name, loop, closing, steps = lassos_of(LiveInternalMemoryWholeFairness)
    assert name == "liveness_property[p1]" and closing is not None  # a real cycle
    assert isinstance(steps, list) and isinstance(loop, int)
    cycle = [step[:2] for step in steps[loop + 1 :]] + [closing]
    assert all(params[0][:2] == ("p", 1) for _, params in cycle)  # only p2 (code 1) moves


def test_live_internal_memory_liveness_is_not_implied_by_fairness_of_all_processors() -> None:
    """TLC, SPECIFICATION ISpec /\\ WF_vars(\\E p \\in Proc : Do(p) \\/ Rsp(p)), PROPERTY
    Liveness (\\A p : WF_vars(Do(p)) /\\ WF_vars(Rsp(p))): "Temporal properties were
    violated": p1 "busy" (Do(p1) enabled) while p2 requests, is served and answered, "Back to
    state 3" — Do(p1) enabled for ever and never taken."""
    name, loop, closing, steps = lassos_of(LiveInternalMemoryWholeFairness, ["do_is_weakly_fair"])
    assert name == "do_is_weakly_fair[p1]" and closing is not None
    assert isinstance(steps, list) and isinstance(loop, int)
    cycle = [step[:2] for step in steps[loop + 1 :]] + [closing]
    assert all(params[0][:2] == ("p", 1) for _, params in cycle)  # only p2 moves


class CacheWeakFairness(LiveWriteThroughCache):
    """SF_vars(RdMiss(p) \\/ DoWr(p)) weakened to WF — TLC, SPECIFICATION Spec /\\ WeakLiveness,
    PROPERTY LM_Inner_Liveness: "Temporal properties were violated", p1 "busy" with a read
    while p2's writes keep the one-slot queue full and its evictions empty p1's line ("Back to
    state 3")."""

    fairness = (
        WF("rsp", "do_rd", per="p"),
        WF("rd_miss", "do_wr", per="p"),
        WF("mem_q_wr", "mem_q_rd"),
    )


class CacheNoFairness(LiveWriteThroughCache):
    """TLC, SPECIFICATION Spec, PROPERTY LM_Inner_Liveness: "Temporal properties were violated",
    ending in "Stuttering"."""

    fairness = ()


class IncoherentCache(LiveWriteThroughCache):
    """DoWr updates only the writer's cache (`cache' = [cache EXCEPT ![p][r.adr] = r.val]`) —
    TLC: "Action property ... of module MCLiveWriteThroughCache is violated" (LM_Inner_ISpec's
    [][LM_Inner_INext]_...), a behaviour of 7 states ending in DoRd: p1 reads the value its
    cache kept after p2 wrote another, which no Do step of the internal memory gives."""

    @action
    def do_wr(self, p: LiveWriteThroughCache.proc) -> None:
        r = self.buf(p)
        require((self.ctl(p) == self.phase["busy"]) & self.is_(r, "Wr"))
        self.enqueue(p, r)
        self.cache[p, r.adr] = r.val
        self.buf[p] = self.no_val()
        self.ctl[p] = self.phase["done"]


def test_write_through_cache_implements_the_live_internal_memory() -> None:
    """(tests/spec/test_tlaplus_corpus.py checks the verdict in the reference engine too.)"""
    report = check(LiveWriteThroughCache, {}, Options())
    assert report.ok, report.result.violation
    assert (report.result.distinct_states, report.result.depth) == (5196, 18)
    assert report.result.liveness == [
        f"{name}[{p}]"
        for name in ("lm_inner_liveness2", "lm_inner_liveness_do", "lm_inner_liveness_rsp")
        for p in ("p1", "p2")
    ]


def test_write_through_cache_starves_a_reader_under_weak_fairness_of_rd_miss() -> None:
    name, loop, closing, steps = lassos_of(CacheWeakFairness, ["lm_inner_liveness_do"])
    assert name == "lm_inner_liveness_do[p1]" and closing is not None
    assert isinstance(steps, list) and isinstance(loop, int)
    cycle = [step[:2] for step in steps[loop + 1 :]] + [closing]
    assert ("rd_miss", (("p", 1, "proc"),)) in cycle  # p2 takes the one queue slot, and
    assert all(("p", 0, "proc") not in params for _, params in cycle)  # p1 never moves


def test_write_through_cache_without_fairness_stutters() -> None:
    name, loop, closing, steps = lassos_of(CacheNoFairness, ["lm_inner_liveness2"])
    assert name == "lm_inner_liveness2[p1]" and closing is None
    assert isinstance(steps, list) and loop == len(steps) - 1


def test_an_incoherent_cache_breaks_the_refinement_step() -> None:
    for engine in ("vector", "reference"):
        v = check(IncoherentCache, {}, Options(engine=engine, liveness=[])).result.violation
        assert v is not None and (v.kind, v.name) == ("action_property", "lm_inner_next")
        assert len(v.trace) == 7 and v.trace[-1].action == "do_rd"  # TLC's 7 states

"""Every liveness spec and liveness mutant of the project, in the reference engine and in the
vector engine with one and with two workers: the same states, depth, transitions and verdict,
the same lasso step for step, and every lasso replayed by the interpreter (real steps, a real
closing step, fair, the property false on it). The files beside this one check each spec's
verdict against TLC's; this one checks that no engine or worker count changes it."""

from __future__ import annotations

from typing import Any

import pytest

from checker import Spec
from checker.check import CheckReport, check
from checker.explicit import Options
from checker.lang.spec import MARK
from checker.loader import bundled_specs
from spec.mutants.paxos_live_no_stable_leader import QUICK, PaxosLiveNoStableLeader
from spec.paxos_live import PaxosLive
from spec.tlaplus.consensus import Consensus
from spec.tlaplus.ewd840 import EWD840
from spec.tlaplus.live_internal_memory import LiveInternalMemory
from spec.tlaplus.live_write_through_cache import LiveWriteThroughCache
from spec.zookeeper_election import ZooKeeperElection
from spec.zookeeper_lock import ZooKeeperLock
from spec.zookeeper_queue import ZooKeeperQueue
from tests.checker.explicit.test_liveness import replay
from tests.spec import test_liveness_corpus as corpus
from tests.spec import test_liveness_ports as ports
from tests.spec.test_zookeeper import LockUnfair
from tests.spec.test_zookeeper_recipes import ElectionUnfair, ElectionWeak, QueueIdle

CASES: list[tuple[type[Spec], dict[str, int], list[str] | None]] = [
    (PaxosLive, QUICK, None),
    (PaxosLiveNoStableLeader, QUICK, None),
    (EWD840, {}, None),
    (ports.EWD840NoFairness, {}, None),
    (Consensus, {}, None),
    (ports.ConsensusNoFairness, {}, None),
    (LiveInternalMemory, {}, None),
    (ports.LiveInternalMemoryNoFairness, {}, None),
    (ports.LiveInternalMemoryWholeFairness, {}, None),
    (LiveWriteThroughCache, {}, None),
    (ports.CacheWeakFairness, {}, None),
    (ports.CacheNoFairness, {}, None),
    (corpus.DiningPhilosophers, {}, None),
    (corpus.DiningPhilosophersNoFairness, {}, None),
    (corpus.DiningPhilosophersWholeFairness, {}, None),
    (corpus.SingleLaneBridge, {}, None),
    (corpus.SingleLaneBridgeNoEnterFairness, {}, None),
    (corpus.ChangRoberts, {}, None),
    (corpus.ChangRobertsOnlySendingFair, {}, None),
    (corpus.SimpleAllocator, {}, None),
    (corpus.SimpleAllocatorWeakAllocate, {}, None),
    (corpus.AcpNb, {}, None),
    (corpus.AcpNbNoCoordinatorFairness, {}, None),
    (corpus.AlternatingBit, {}, None),
    (corpus.AlternatingBitNoFairness, {}, None),
    (corpus.AlternatingBitWeakRcvMsg, {}, None),
    (corpus.Tcp, {}, None),
    (corpus.TcpNoCloseFairness, {}, None),
    (corpus.TcpNoSystemFairness, {}, None),
    (ZooKeeperLock, {}, None),
    (LockUnfair, {}, None),
    (ZooKeeperElection, {}, None),
    (ElectionUnfair, {}, None),
    (ElectionWeak, {}, None),
    (ZooKeeperQueue, {}, None),
    (QueueIdle, {}, None),
]


def outcome(report: CheckReport) -> tuple[Any, ...]:
    result, v = report.result, report.result.violation
    counts = (result.distinct_states, result.depth, result.transitions, tuple(result.liveness))
    if v is None:
        return counts, None
    closing = None if v.closing is None else (v.closing.action, v.closing.params)
    steps = [(s.action, s.params, s.state) for s in v.trace]
    return counts, (v.kind, v.name, steps, v.loop, closing)


@pytest.mark.parametrize(("spec", "params", "only"), CASES, ids=[c[0].__name__ for c in CASES])
def test_engines_and_workers_agree_and_every_lasso_replays(
    spec: type[Spec], params: dict[str, int], only: list[str] | None
) -> None:
    reference = check(spec, params, Options(engine="reference", liveness=only))
    assert reference.result.liveness, "no liveness property was checked"
    assert reference.ok == reference.result.complete, reference.headline()
    for workers in (1, 2):
        vector = check(spec, params, Options(engine="vector", workers=workers, liveness=only))
        assert outcome(vector) == outcome(reference), f"{workers} worker(s)"
    violation = reference.result.violation
    if violation is not None:
        assert violation.kind == "liveness", violation.name
        replay(reference)


def test_every_bundled_liveness_spec_and_mutant_is_here() -> None:
    """A liveness spec added to spec/ (or a liveness mutant to spec/mutants/) joins the list."""
    covered = {spec for spec, _, _ in CASES}
    for name, spec in bundled_specs():
        marks = (getattr(attr, MARK, None) for attr in vars(spec).values())
        if "liveness" in marks or "fairness" in vars(spec):
            assert spec in covered, f"{name}.{spec.__name__} speaks of liveness: add it to CASES"

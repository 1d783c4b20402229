"""spec/multipaxos.py against the Multi-Paxos replica: edge covers of two small instances
replay without a mismatch (leniently: the replica is more deterministic than the spec), and
every known bug of impl/ is caught by replay here or by trace validation."""

from __future__ import annotations

import functools

import pytest

from checker.conformance import Graph, edge_cover, explore, replay
from checker.explicit import Options
from checker.explicit.search import Engine
from checker.instance import instantiate
from checker.lang.trace import trace_spec
from checker.loader import load_spec
from impl.paxos.faults import Fault
from tests.conformance.multipaxos_driver import MultiPaxosDriver

CAUGHT_BY_REPLAY = [
    Fault.IGNORE_REPORTED_VOTES,
    Fault.COMMIT_WITHOUT_MAJORITY,
    Fault.UNPERSISTED_PROMISE,
    Fault.FORGET_VOTES_ON_RESTART,
]
# Ballots still differ by round under BALLOT_NOT_UNIQUE when the driver names the rounds, and
# replay never loses a log tail: trace validation catches these two (test_validate.py).
CAUGHT_BY_VALIDATION = [Fault.BALLOT_NOT_UNIQUE, Fault.SKIP_RECOVERY]
# Faults of the read path, which spec/multipaxos.py does not model: the simulation's
# linearizable-read check catches them; of observers, which it does not have: the simulation
# with observers catches it; and of membership changes, which the replay of
# spec/multipaxos_reconfig.py drives (tests/conformance/test_multipaxos_reconfig_conformance.py)
# but whose driver releases Accepts only as the spec does: the simulation changing membership
# catches it (tests/impl/sim/test_simulation.py). Quorum leases are spec/quorum_leases.py's, not
# spec/multipaxos.py's: the simulation with leases and drifting clocks catches their faults.
CAUGHT_BY_SIMULATION = [
    Fault.STALE_FOLLOWER_READS,
    Fault.OBSERVERS_VOTE,
    Fault.CONFIG_AT_PROPOSAL,
    Fault.LEASE_NO_DRIFT_MARGIN,
    Fault.WRITE_IGNORES_LEASES,
    Fault.LEASE_READ_WHILE_PENDING,
    Fault.RECEIPT_NOT_PENDING,
    Fault.RECEIPT_COUNTS_AS_VOTE,
]


def graph_of(**params: int) -> Graph:
    spec = trace_spec(load_spec("spec/multipaxos.py"))
    return explore(Engine(instantiate(spec, params), Options()))


@pytest.fixture(scope="module")
def two_ballots() -> Graph:
    return graph_of(slots=1, max_ballot=1)


@pytest.mark.parametrize(
    ("params", "states", "least_covered"),
    [({"slots": 2, "max_ballot": 0}, 2505, 0.8), ({"slots": 1, "max_ballot": 1}, 6353, 0.5)],
)
def test_the_edge_cover_conforms(params: dict[str, int], states: int, least_covered: float) -> None:
    graph = graph_of(**params)
    report = replay(graph, edge_cover(graph), MultiPaxosDriver, strict=False)
    print(params, report.text())  # the coverage figures, shown with pytest -s
    assert report.ok, report.text()
    assert graph.size[0] == states
    assert report.edges_covered >= least_covered * graph.size[1], report.coverage()


@pytest.mark.parametrize("fault", CAUGHT_BY_REPLAY)
def test_each_fault_is_caught_by_replay(two_ballots: Graph, fault: Fault) -> None:
    driver = functools.partial(MultiPaxosDriver, options={"faults": fault.value})
    report = replay(two_ballots, edge_cover(two_ballots), driver, strict=False)
    assert not report.ok
    text = report.text()
    assert "unexpected output at step" in text or "state mismatch at step" in text
    assert "the spec's path so far:" in text


def test_every_fault_of_impl_is_caught_somewhere() -> None:
    caught = set(CAUGHT_BY_REPLAY) | set(CAUGHT_BY_VALIDATION) | set(CAUGHT_BY_SIMULATION)
    assert caught == set(Fault)

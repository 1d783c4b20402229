"""The golden counts: TLC's distinct-state counts and depths for Lamport's Paxos.

Matching them is the evidence that the transcription of Paxos.tla and the engine are both right.
"""

from __future__ import annotations

import json

import pytest

from checker.check import check
from checker.explicit import Options
from tests.conftest import GOLDEN, ROOT

GOLDEN_COUNTS = json.loads((GOLDEN / "paxos_counts.json").read_text())


@pytest.mark.parametrize(
    "case",
    GOLDEN_COUNTS["cases"],
    ids=lambda c: f"max_ballot={c['params']['max_ballot']}{'-symmetry' if c['symmetry'] else ''}",
)
def test_paxos_matches_tlc(case: dict) -> None:
    options = Options(symmetry=case["symmetry"], invariants=case.get("invariants"))
    report = check(GOLDEN_COUNTS["spec"], case["params"], options)
    assert report.ok, report.result.violation
    assert report.result.complete
    assert report.result.distinct_states == case["distinct_states"]
    assert report.result.depth == case["depth"]
    if "transitions" in case:
        assert report.result.transitions == case["transitions"]
    # Every action of Paxos fires: a never-firing action would mean a transcription error.
    assert report.never_fired == []


def test_reference_interpreter_matches_tlc() -> None:
    """The oracle itself is checked against TLC: plain BFS over the IR's direct interpretation."""
    from checker.explicit.interp import Interpreter, reference_bfs
    from checker.instance import instantiate
    from checker.lang.trace import trace_spec
    from checker.loader import load_spec

    spec = trace_spec(load_spec(GOLDEN_COUNTS["spec"]))
    states, depth, bad = reference_bfs(Interpreter(instantiate(spec, {"max_ballot": 1})))
    assert (states, depth, bad) == (3921, 17, None)


@pytest.mark.parametrize(
    ("params", "states", "depth"),
    [({"n": 2, "max_nat": 7}, 1043, 40), ({"n": 3, "max_nat": 3}, 511, 15)],
    ids=["N=2-MaxNat=7", "N=3-MaxNat=3"],
)
def test_lamport_mutex_matches_tlc(params: dict[str, int], states: int, depth: int) -> None:
    """tlaplus/Examples' LamportMutex, smaller models of MCLamportMutex.cfg, as TLC counts them
    (the full model, 724,274 states, runs in `benchmarks/check_lamport_mutex.py`)."""
    for engine in ("vector", "reference"):
        report = check(str(ROOT / "spec/lamport_mutex.py"), params, Options(engine=engine))
        assert report.ok and report.result.complete
        assert (report.result.distinct_states, report.result.depth) == (states, depth)
        assert report.never_fired == []

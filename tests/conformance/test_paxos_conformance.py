"""spec/paxos.py against the single-decree cores: the edge cover of the 3,921-state instance
replays step for step, and each known bug of the cores is caught with a readable report."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

import pytest

from checker.conformance import (
    Graph,
    edge_cover,
    explore,
    random_walks,
    replay,
    shortest_paths,
)
from checker.conformance.paths import concrete_trace, covered_by
from checker.explicit import Options
from checker.explicit.search import Engine
from checker.instance import instantiate
from checker.lang.trace import trace_spec
from checker.loader import load_spec
from impl.paxos.faults import Fault
from tests.conformance.paxos_driver import PaxosDriver
from tests.conftest import ROOT


def graph_of(max_ballot: int, symmetry: bool = False) -> Graph:
    spec = trace_spec(load_spec("spec/paxos.py"))
    return explore(
        Engine(instantiate(spec, {"max_ballot": max_ballot}), Options(symmetry=symmetry))
    )


@pytest.fixture(scope="module")
def graph() -> Graph:
    return graph_of(1)


def with_fault(fault: Fault) -> type[PaxosDriver]:
    return type(f"PaxosDriverWith{fault.name}", (PaxosDriver,), {"faults": frozenset({fault})})


def test_the_edge_cover_conforms_step_for_step(graph: Graph) -> None:
    paths = edge_cover(graph)
    report = replay(graph, paths, PaxosDriver)
    print(report.text())  # the coverage figures, shown with pytest -s
    assert report.ok, report.text()
    assert graph.size == (3921, 22994)  # TLC's state count for max_ballot=1
    assert (report.states_covered, report.edges_covered) == graph.size
    assert "covered 3921 of 3921 spec states (100.0%)" in report.text()


def test_paths_cover_what_they_claim(graph: Graph) -> None:
    shortest = shortest_paths(graph)
    states, _ = covered_by(graph, shortest)
    assert len(states) == len(graph.states)
    cover = edge_cover(graph)
    _, edges = covered_by(graph, cover)
    assert len(edges) == len(graph.edges)
    assert len(cover) < len(graph.edges) // 5  # an edge cover needs far fewer paths than edges
    assert replay(graph, random_walks(graph, 50, 30, seed=1), PaxosDriver).ok


def test_symmetry_reduced_paths_map_back_to_concrete_traces() -> None:
    reduced = graph_of(1, symmetry=True)
    assert reduced.size[0] == 443  # orbits, as `check --symmetry` counts
    engine = reduced.engine
    for path in shortest_paths(reduced)[:60]:
        trace = concrete_trace(reduced, path)
        for before, after in itertools.pairwise(trace):
            k = next(i for i, a in enumerate(engine.spec.actions) if a.name == after.action)
            codes = tuple(code for _, code, _ in after.params)
            index = engine.compiled.params[k].index(codes)
            assert (after.state, index) in engine.compiled.labelled[k](before.state)
    report = replay(reduced, shortest_paths(reduced), PaxosDriver)
    assert report.ok, report.text()


@pytest.mark.parametrize(
    ("fault", "kind", "symptom"),
    [
        (Fault.IGNORE_REPORTED_VOTES, "unexpected output", "msg_2a"),
        (Fault.UNPERSISTED_PROMISE, "state mismatch", "max_bal[a"),
        (Fault.FORGET_VOTES_ON_RESTART, "state mismatch", "max_vbal[a"),
        (Fault.BALLOT_NOT_UNIQUE, "unexpected output", "msg_1a"),
    ],
)
def test_each_fault_of_the_cores_is_caught(
    graph: Graph, fault: Fault, kind: str, symptom: str
) -> None:
    report = replay(graph, edge_cover(graph), with_fault(fault))
    assert not report.ok
    text = report.text()
    assert f"DOES NOT CONFORM (1 failing path(s)): {kind} at step" in text
    assert "what differs (spec -> implementation):" in text and symptom in text
    assert "the spec's path so far:" in text and "State 1: initial state" in text
    # The report is shrunk to the shortest path to the failing transition.
    assert len(report.mismatches[0].trace) <= 12


def test_cli_replays_paths_and_counterexample_traces(tmp_path: Path) -> None:
    driver = "tests/conformance/paxos_driver.py:PaxosDriver"
    ok = paxoscope("conform", "spec/paxos.py", "--driver", driver, "-p", "max_ballot=1")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "conforms: 3889 paths" in ok.stdout and "(100.0%)" in ok.stdout
    bug = paxoscope(
        "conform", "spec/paxos.py", "--driver", driver, "-p", "max_ballot=1",
        "--option", "faults=unpersisted-promise",
    )  # fmt: skip
    assert bug.returncode == 1 and "state mismatch" in bug.stdout
    # A counterexample of a buggy spec, replayed against the cores: they refuse its bad step.
    cex = tmp_path / "cex.itf.json"
    found = paxoscope(
        "check", "spec/mutants/paxos_ignore_highest_vote.py", "-p", "max_ballot=1",
        "--invariant", "agreement", "--trace-out", str(cex),
    )  # fmt: skip
    assert found.returncode == 1
    replayed = paxoscope(
        "conform", "spec/paxos.py", "--driver", driver, "-p", "max_ballot=1", "--trace", str(cex)
    )
    assert replayed.returncode == 1
    assert "not enabled in impl" in replayed.stdout and "phase2a" in replayed.stdout
    missing = paxoscope("conform", "spec/paxos.py", "--driver", "tests/conformance/nope.py:X")
    assert missing.returncode == 2 and "Traceback" not in missing.stderr


def paxoscope(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "checker.cli", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip

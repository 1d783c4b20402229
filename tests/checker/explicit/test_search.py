"""Search modes and options: determinism, DFS, simulation, deadlock, constraints, action
properties, depth bounds, coverage, and counterexample traces that replay."""

from __future__ import annotations

import json

import pytest

from checker.check import check
from checker.errors import UsageError
from checker.explicit import Options, Progress
from checker.explicit.interp import Interpreter
from tests.conftest import ROOT, assert_replays, run_cli

CLOCKS = str(ROOT / "tests/specs/clocks.py")
STUCK = str(ROOT / "tests/specs/stuck.py")
LOCKS = str(ROOT / "tests/specs/lockserver.py")


def replays(report) -> bool:
    """The violation's trace is a real behaviour: each step is its action applied to the state before."""
    assert_replays(report.engine, report.result.violation.trace)
    return True


def test_dfs_finds_the_same_states_as_bfs() -> None:
    bfs = check("spec/paxos.py", {"max_ballot": 1}, Options(mode="bfs"))
    dfs = check("spec/paxos.py", {"max_ballot": 1}, Options(mode="dfs"))
    assert dfs.result.distinct_states == bfs.result.distinct_states == 3921
    assert dfs.result.transitions == bfs.result.transitions
    assert dfs.result.depth >= bfs.result.depth


def test_dfs_and_simulation_find_mutant_violations() -> None:
    dfs = check(
        "spec/mutants/paxos_two_proposals_per_ballot.py",
        {},
        Options(mode="dfs", invariants=["agreement"]),
    )
    assert dfs.result.violation is not None and replays(dfs)
    sim = check(
        "spec/mutants/paxos_two_proposals_per_ballot.py",
        {},
        Options(mode="simulate", invariants=["agreement"], walks=2000, walk_depth=30, seed=3),
    )
    assert sim.result.violation is not None and replays(sim)
    again = check(
        "spec/mutants/paxos_two_proposals_per_ballot.py",
        {},
        Options(mode="simulate", invariants=["agreement"], walks=2000, walk_depth=30, seed=3),
    )
    assert [s.state for s in again.result.violation.trace] == [
        s.state for s in sim.result.violation.trace
    ]


def test_simulation_of_a_correct_spec_is_ok_but_incomplete() -> None:
    report = check(
        "spec/paxos.py", {"max_ballot": 1}, Options(mode="simulate", walks=50, walk_depth=20)
    )
    assert report.ok
    assert not report.result.complete
    assert 0 < report.result.distinct_states <= 3921


def test_deadlock_is_reported_only_when_asked() -> None:
    assert check(STUCK).ok
    report = check(STUCK, {}, Options(deadlock=True))
    v = report.result.violation
    assert v is not None and v.kind == "deadlock"
    assert [s.action for s in v.trace] == [None, "move", "move", "move"]
    assert replays(report)


def test_action_property_violation_has_the_violating_step() -> None:
    report = check(CLOCKS)
    v = report.result.violation
    assert v is not None and (v.kind, v.name) == ("action_property", "monotone")
    assert v.trace[-1].action == "reset_behind"
    assert replays(report)
    assert check(CLOCKS, {}, Options(action_properties=[])).ok


def test_constraint_prunes_states() -> None:
    from checker.explicit.interp import reference_bfs
    from checker.instance import instantiate
    from checker.lang.trace import trace_spec
    from checker.loader import load_spec

    clocks = load_spec(CLOCKS)

    class Unconstrained(clocks):  # type: ignore[valid-type,misc]
        not_all_at_end = None

    constrained = check(clocks, {}, Options(action_properties=[]))
    free = check(Unconstrained, {}, Options(action_properties=[]))
    # Without the constraint, the states with every clock at the last time are reachable.
    assert free.result.distinct_states > constrained.result.distinct_states
    for cls, report in ((clocks, constrained), (Unconstrained, free)):
        interp = Interpreter(instantiate(trace_spec(cls)))
        assert reference_bfs(interp)[0] == report.result.distinct_states


def test_several_initial_states() -> None:
    report = check(CLOCKS, {}, Options(action_properties=[]))
    assert len(report.engine.inits) == 4  # @init start(t) for each of the 4 times
    assert report.engine.inits[0][0] == 0  # made by the first @init


def test_max_depth_bounds_the_search() -> None:
    report = check("spec/paxos.py", {"max_ballot": 1}, Options(max_depth=5))
    assert report.ok and not report.result.complete
    assert report.result.depth == 5
    assert report.result.distinct_states < 3921


def test_coverage_counts_and_never_fired_actions() -> None:
    report = check("spec/paxos.py", {"max_ballot": 0})
    cov = report.result.coverage
    assert sum(c.fired for c in cov.values()) == report.result.transitions
    assert sum(c.distinct for c in cov.values()) == report.result.distinct_states - len(
        report.engine.inits
    )
    assert report.never_fired == []
    # LockServer with one client can never hand the lock from one client to another.
    locks = check(LOCKS, {"clients": 1})
    assert locks.ok and locks.never_fired == []


def test_unknown_property_names_are_usage_errors() -> None:
    with pytest.raises(UsageError, match=r"no invariant `nope`.*agreement"):
        check("spec/paxos.py", {"max_ballot": 0}, Options(invariants=["nope"]))
    with pytest.raises(UsageError, match="no parameter `ballots`"):
        check("spec/paxos.py", {"ballots": 2})


def test_progress_is_reported_for_long_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    from checker.explicit import contract

    monkeypatch.setattr(contract, "PROGRESS_AFTER", 0.0)
    monkeypatch.setattr(contract, "PROGRESS_EVERY", 0.0)
    seen: list[Progress] = []
    check("spec/paxos.py", {"max_ballot": 1}, Options(progress=seen.append))
    assert seen, "no progress reported"
    assert all(p.distinct_states <= 3921 and p.depth <= 17 for p in seen)
    assert seen[-1].distinct_states >= seen[0].distinct_states


def _stable(result: dict) -> dict:
    return {k: v for k, v in result.items() if k not in ("seconds", "states_per_second")}


@pytest.mark.parametrize(
    "args",
    [
        ["spec/paxos.py", "-p", "max_ballot=1"],
        ["spec/mutants/paxos_forgetful_1b.py", "--invariant", "agreement"],
        ["spec/mutants/paxos_forgetful_1b.py", "--symmetry"],
    ],
)
def test_same_results_and_same_counterexample_every_run(args: list[str]) -> None:
    runs = [
        run_cli("check", *args, "--json", "-", "--no-progress", env={"PYTHONHASHSEED": seed})
        for seed in ("1", "2")
    ]
    results = [_stable(json.loads(r.stdout)) for r in runs]
    assert results[0] == results[1]


@pytest.mark.parametrize("engine", ["vector", "reference"])
def test_a_relation_declared_full_starts_with_every_tuple(engine: str) -> None:
    """`Relation(..., init=True)` was read as empty by the explicit engines (only z3 honoured it)."""
    report = check(str(ROOT / "tests/specs/full_relation.py"), {}, Options(engine=engine))
    assert report.ok and report.result.complete
    assert report.result.distinct_states == 64
    assert report.result.depth == 7

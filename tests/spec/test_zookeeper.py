"""The coordination tree (spec/zookeeper.py): its count in both explicit engines and under
symmetry, and each of its mutants caught by the invariant it breaks, with the operations that
break it in the trace.

The count has no other tool's to match (the spec is ours): the reference engine, the oracle,
must find the same states, depth and transitions as the vector engine.
"""

from __future__ import annotations

import pytest

from checker.check import check
from checker.explicit.search import Options
from checker.symbolic.prove import prove
from spec.zookeeper import ZooKeeper

SPEC = "spec/zookeeper.py"


@pytest.mark.parametrize("engine", ["vector", "reference"])
def test_the_tree_keeps_its_invariants(engine: str) -> None:
    result = check(SPEC, {}, Options(engine=engine)).result
    assert result.violation is None and result.complete
    assert (result.distinct_states, result.depth) == (ZooKeeper.expected_states[""], 13)
    assert result.transitions == 243_004


def test_sessions_are_interchangeable() -> None:
    result = check(SPEC, {}, Options(symmetry=True)).result
    assert result.violation is None and result.distinct_states == 20_004


@pytest.mark.parametrize(
    ("mutant", "invariant", "steps", "operation"),
    [
        ("ephemeral_outlives_session", "ephemerals_die_with_their_session", 2, "expire("),
        ("watch_fires_twice", "a_watch_fires_at_most_once", 3, "watch("),
        ("sequence_reused", "sequence_numbers_are_below_the_counter", 1, "create("),
    ],
)
def test_each_mutant_breaks_its_invariant(
    mutant: str, invariant: str, steps: int, operation: str
) -> None:
    report = check(f"spec/mutants/zookeeper_{mutant}.py", {}, Options())
    v = report.result.violation
    assert v is not None and v.name == invariant
    assert len(v.trace) == steps + 1
    assert operation in report.trace_text()


def test_two_sequential_children_share_a_number_without_the_counter() -> None:
    """The reused sequence number itself, once the first symptom is not looked at."""
    report = check(
        "spec/mutants/zookeeper_sequence_reused.py",
        {},
        Options(invariants=["sequence_numbers_are_unique"]),
    )
    v = report.result.violation
    assert v is not None and v.name == "sequence_numbers_are_unique" and len(v.trace) == 3


def test_the_invariants_are_proved_for_all_sizes() -> None:
    report = prove("proofs/zookeeper.py")
    assert report.result == "proved", [(o.title, o.verdict) for o in report.failed]

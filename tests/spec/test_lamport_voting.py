"""Lamport's Voting.tla: the compiled engine agrees with the reference interpreter, and
consistency (at most one value chosen) holds."""

from __future__ import annotations

import pytest

from checker.check import check
from checker.explicit.interp import Interpreter, reference_bfs
from checker.instance import instantiate
from checker.lang.trace import trace_spec
from checker.loader import load_spec


@pytest.mark.parametrize(("max_ballot", "states", "depth"), [(1, 599, 11), (2, 6752, 16)])
def test_counts_agree_with_the_reference_interpreter(
    max_ballot: int, states: int, depth: int
) -> None:
    report = check("spec/lamport_voting.py", {"max_ballot": max_ballot})
    assert report.ok and report.never_fired == []
    assert (report.result.distinct_states, report.result.depth) == (states, depth)
    spec = trace_spec(load_spec("spec/lamport_voting.py"))
    inst = instantiate(spec, {"max_ballot": max_ballot})
    assert reference_bfs(Interpreter(inst)) == (states, depth, None)

"""The vector code computes what the scalar code computes, on every row.

For each bundled spec, states reached by a breadth-first walk of the scalar engine are put in
one batch; every vector action must give each row the successors the scalar action gives that
state (same instance index, same successor), and every property the same verdict. Each spec is
compiled with the default limits, with every quantifier, parameter and update turned into a
Python loop, and with tiny limits (unroll, then fall back), so that each code path the compiler
can choose is compared.
"""

from __future__ import annotations

import random
from functools import cache
from typing import Any

import numpy as np
import pytest

from checker import ir
from checker.explicit.codegen import compile_instance
from checker.explicit.interp import Interpreter
from checker.explicit.layout import Layout
from checker.explicit.vector.compiler import VectorLimits, compile_vector
from checker.explicit.vector.store import ints_to_rows, rows_to_ints
from checker.instance import instantiate
from checker.lang.trace import trace_spec
from checker.loader import load_spec
from tests.conftest import ROOT

CASES = {
    "paxos": ("spec/paxos.py", {"max_ballot": 2}),
    "voting": ("spec/voting.py", {"rounds": 2}),
    "lamport-voting": ("spec/lamport_voting.py", {"max_ballot": 1}),
    "multipaxos": ("spec/multipaxos.py", {}),
    "paxos-minority-quorums": ("spec/mutants/paxos_minority_quorums.py", {}),
    "paxos-two-proposals": ("spec/mutants/paxos_two_proposals_per_ballot.py", {}),
    "paxos-forgetful-1b": ("spec/mutants/paxos_forgetful_1b.py", {}),
    "voting-vote-in-left-round": ("spec/mutants/voting_vote_in_left_round.py", {}),
    "multipaxos-forgets-other-slots": ("spec/mutants/multipaxos_forgets_other_slots.py", {}),
    "lockserver": ("tests/specs/lockserver.py", {}),
    "clocks": ("tests/specs/clocks.py", {}),
    "stuck": ("tests/specs/stuck.py", {}),
    "hostile-names": ("tests/specs/hostile_names.py", {}),
    "frames": ("tests/specs/frames.py", {}),
    "counters": ("tests/specs/counters.py", {}),
    "counter-overflow": ("tests/specs/counter_overflow.py", {}),
    "choices": ("tests/specs/choices.py", {"values": 2}),
    "ring": ("spec/mypyvy/ring.py", {}),
    "lamport-mutex": ("spec/lamport_mutex.py", {"n": 2, "max_nat": 3}),
}

LIMITS = {
    "unrolled": VectorLimits(),
    "loops": VectorLimits(
        quantifier_domain=0, unrolled_cost=0, sparse_cost=0, action_instances=0, update_tuples=0
    ),
    "fallback": VectorLimits(
        quantifier_domain=8, unrolled_cost=6, sparse_cost=2, action_instances=4, update_tuples=4
    ),
}

STATES = 1500


@cache
def reachable(case: str) -> tuple[Any, Any, list[int]]:
    """The instance, its layout, and up to STATES reachable states in a shuffled order."""
    path, params = CASES[case]
    inst = instantiate(trace_spec(load_spec(str(ROOT / path))), params)
    layout = Layout(inst)
    scalar = compile_instance(inst, layout)
    states = [layout.pack(s) for _, _, s in Interpreter(inst, layout).initial_states()]
    seen = set(states)
    i = 0
    while i < len(states) and len(states) < STATES:
        for fn in scalar.actions:
            for t in fn(states[i]):
                if t not in seen:
                    seen.add(t)
                    states.append(t)
        i += 1
    random.Random(0).shuffle(states)
    return inst, layout, states


def columns(states: list[int], words: int) -> list[Any]:
    return list(np.ascontiguousarray(ints_to_rows(states, words).T))


@pytest.mark.parametrize("limits", LIMITS)
@pytest.mark.parametrize("case", CASES)
def test_vector_code_agrees_with_scalar_code(case: str, limits: str) -> None:
    inst, layout, states = reachable(case)
    scalar = compile_instance(inst, layout)
    vector = compile_vector(inst, layout, LIMITS[limits])
    X = columns(states, vector.words)
    n = len(states)
    for k, (fn, vfn) in enumerate(zip(scalar.labelled, vector.actions, strict=True)):
        got: list[list[tuple[int, int]]] = [[] for _ in range(n)]
        fails: list[list[tuple[int, int]]] = [[] for _ in range(n)]  # (instance, Check's id)
        for index, rows, Y in vfn(X, n):
            successors = rows_to_ints(np.stack(Y, axis=1)) if rows.size else []
            for row, t in zip(rows, successors, strict=True):
                got[int(row)].append((index, t))
        for index, rows, check in vector.failed:
            for row in rows:
                fails[int(row)].append((index, id(vector.checks[check])))
        vector.failed.clear()
        for j, s in enumerate(states):
            expected = sorted((index, t) for t, index in fn(s))
            assert sorted(got[j]) == expected, (inst.spec.actions[k].name, j)
            scalar.failed.clear()
            fn(s)
            failed = sorted((i, id(scalar.checks[c])) for i, c in scalar.failed)
            scalar.failed.clear()
            assert sorted(fails[j]) == failed, (inst.spec.actions[k].name, j)
    for prop in inst.spec.properties:
        vfn, fn = vector.properties[prop.name], scalar.properties[prop.name]
        if prop.kind is ir.PropertyKind.ACTION_PROPERTY:
            pairs = [(s, t) for s in states[:200] for act in scalar.actions for t in act(s)]
            if not pairs:
                continue
            pre = columns([s for s, _ in pairs], vector.words)
            post = columns([t for _, t in pairs], vector.words)
            verdicts = vfn(pre, post, len(pairs))
            assert [bool(v) for v in verdicts] == [fn(s, t) for s, t in pairs], prop.name
        else:
            verdicts = vfn(X, n)
            assert [bool(v) for v in verdicts] == [fn(s) for s in states], prop.name


def test_the_limits_really_change_the_code() -> None:
    """The comparisons above would prove little if every setting wrote the same code."""
    inst, layout, _ = reachable("paxos")
    sources = {name: compile_vector(inst, layout, lim).source for name, lim in LIMITS.items()}
    assert "for _" in sources["loops"] and "for _" not in sources["unrolled"]
    assert "_set_bits(" in sources["loops"]  # visits of set bits (over 1b and 2a messages)
    assert "_and_then(" in sources["unrolled"]  # short-circuit over rows
    assert len(set(sources.values())) == 3


def test_a_batch_of_no_rows_is_fine() -> None:
    inst, layout, _ = reachable("paxos")
    vector = compile_vector(inst, layout)
    X = [np.zeros(0, dtype=np.uint64) for _ in range(vector.words)]
    assert all(fn(X, 0) == [] or all(r.size == 0 for _, r, _ in fn(X, 0)) for fn in vector.actions)
    for prop in inst.spec.properties:
        if prop.kind is not ir.PropertyKind.ACTION_PROPERTY:
            assert vector.properties[prop.name](X, 0).size == 0

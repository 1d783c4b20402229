"""Symmetry reduction: the fast canonical form is the minimum over the whole group, is constant
on orbits, and the specs are symmetric (invariants agree on a state and its images)."""

from __future__ import annotations

import random

import pytest

from checker.explicit.interp import Interpreter
from checker.explicit.layout import Layout
from checker.explicit.symmetry import Symmetry
from checker.instance import instantiate
from checker.lang.trace import trace_spec
from checker.loader import load_spec
from tests.conftest import ROOT

CASES = [
    ("spec/paxos.py", {"max_ballot": 1}, 12),
    ("spec/voting.py", {"rounds": 2}, 12),
    ("tests/specs/lockserver.py", {}, 6),
]


def reachable(interp: Interpreter, limit: int) -> list:
    frontier = [st for _, _, st in interp.initial_states()]
    seen = set(frontier)
    while frontier and len(seen) < limit:
        nxt = []
        for st in frontier:
            for step in interp.successors(st):
                if step.state not in seen:
                    seen.add(step.state)
                    nxt.append(step.state)
        frontier = nxt
    return sorted(seen, key=repr)


@pytest.mark.parametrize(("path", "params", "group"), CASES, ids=[c[0] for c in CASES])
def test_canonical_form_is_the_orbit_minimum(path: str, params: dict, group: int) -> None:
    spec = trace_spec(load_spec(str(ROOT / path)))
    inst = instantiate(spec, params)
    layout = Layout(inst)
    interp = Interpreter(inst, layout)
    sym = Symmetry(inst, layout)
    assert sym.group_size == group
    rng = random.Random(7)
    states = reachable(interp, 1500)
    for st in rng.sample(states, min(150, len(states))):
        s = layout.pack(st)
        images = [sym.apply(p, s) for p in sym.perms]
        canon = sym.canonical(s)
        assert canon == min(images)
        assert sym.canonical_with_witness(s)[0] == canon
        image = images[rng.randrange(len(images))]
        assert sym.canonical(image) == canon  # constant on the orbit
        for prop in spec.properties:
            if prop.kind.value == "invariant":
                assert interp.holds(prop, st) == interp.holds(prop, layout.unpack(image)), prop.name


def test_group_algebra() -> None:
    spec = trace_spec(load_spec(str(ROOT / "spec/paxos.py")))
    inst = instantiate(spec, {"max_ballot": 1})
    sym = Symmetry(inst, Layout(inst))
    s = Layout(inst).pack(Interpreter(inst).initial_states()[0][2])
    for p in sym.perms:
        inverse = sym.inverse(p)
        assert sym.compose(p, inverse) == {k: tuple(range(len(v))) for k, v in p.items()} | {
            k: tuple(range(len(v))) for k, v in inverse.items()
        }
        assert sym.apply(inverse, sym.apply(p, s)) == s
    # Quorums move with the acceptors: the induced map is a permutation of the quorums.
    for p in sym.perms:
        assert sorted(p["quorum"]) == list(range(3))


def test_symmetric_sort_constant_is_refused() -> None:
    from checker.errors import SpecError

    spec = trace_spec(load_spec(str(ROOT / "tests/specs/bad/symmetric_constant.py")))
    inst = instantiate(spec)
    with pytest.raises(SpecError, match=r"symmetric_constant.py:10: .*node\[0\]"):
        Symmetry(inst, Layout(inst))

"""The ports of mypyvy's examples (spec/mypyvy/, proofs/mypyvy/): rigid symbols with axioms and
initial states given by formulas check on small instances in both explicit engines and bmc,
and prove for every size; dropping a needed conjunct gives a counterexample to induction."""

from __future__ import annotations

import pytest

from checker.check import check
from checker.explicit.interp import Interpreter, reference_bfs
from checker.explicit.search import Options
from checker.instance import instantiate
from checker.lang.trace import trace_spec
from checker.loader import load_spec
from checker.symbolic.bmc import bmc
from checker.symbolic.prove import prove
from proofs.mypyvy.ironfleet_distributed_lock import IronfleetDistributedLockProof

PORTS = {
    # spec file: (parameters, distinct states, depth), counted by the reference interpreter
    "spec/mypyvy/ironfleet_distributed_lock.py": ({"hosts": 2, "epochs": 3}, 72, 3),
}


@pytest.mark.parametrize("path", PORTS)
def test_the_port_checks_alike_in_every_engine(path: str) -> None:
    params, states, depth = PORTS[path]
    spec = trace_spec(load_spec(path))
    invariants = list(spec.state_invariants())
    oracle = reference_bfs(Interpreter(instantiate(spec, params)), invariants)
    assert oracle == (states, depth, None)
    for engine in ("vector", "reference"):
        report = check(path, params, Options(engine=engine))
        assert report.ok and report.never_fired == []
        assert (report.result.distinct_states, report.result.depth) == (states, depth)
    assert bmc(path, params, k=depth + 2).result == "ok"


def test_ironfleet_has_an_initial_state_per_order_of_epochs() -> None:
    """`le` and `zero` are rigid: every total order of 3 epochs (6), with `zero` its least
    element, is an interpretation; each gives the @init's 4 states (the holder, its epoch)."""
    report = check("spec/mypyvy/ironfleet_distributed_lock.py", {}, Options())
    assert len(report.engine.inits) == 6 * 4


def test_ironfleet_is_proved() -> None:
    report = prove(IronfleetDistributedLockProof)
    assert report.result == "proved", [o.title for o in report.failed]


@pytest.mark.parametrize(
    "dropped", ["in_flight_has_freshest_epoch", "in_flight_precludes_lock_held"]
)
def test_dropping_a_needed_conjunct_gives_a_cti(dropped: str) -> None:
    def without(self: IronfleetDistributedLockProof) -> object:
        return None  # a plain method: no longer a conjunct

    weaker = type("Weaker", (IronfleetDistributedLockProof,), {dropped: without})
    report = prove(weaker)
    assert report.result == "failed"
    assert report.cti is not None

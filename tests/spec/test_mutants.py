"""Every known-buggy mutant is caught with a counterexample that replays through the spec."""

from __future__ import annotations

import importlib
import json
import pkgutil
import re

import pytest

import spec.mutants
from checker import ir
from checker.check import check
from checker.explicit import Options
from checker.explicit.interp import Interpreter
from checker.loader import specs_in
from checker.traces.itf import trace_from_itf
from tests.checker.explicit.test_liveness import replay as replay_lasso
from tests.conftest import assert_replays, breaks_liveness, run_cli

MUTANTS = sorted(m.name for m in pkgutil.iter_modules(spec.mutants.__path__))


def quick(name: str) -> dict[str, int]:
    """The parameters the suite checks a mutant with: its module's QUICK, else its defaults."""
    return dict(getattr(importlib.import_module(f"spec.mutants.{name}"), "QUICK", {}))


@pytest.mark.parametrize("name", MUTANTS)
def test_mutant_is_documented(name: str) -> None:
    module = importlib.import_module(f"spec.mutants.{name}")
    assert module.__doc__ and len(module.__doc__.split()) >= 40, "explain the bug in a paragraph"
    assert len(specs_in(module)) == 1


def replay(report, doc: dict) -> None:
    """Replay an ITF counterexample through the reference interpreter, step by step."""
    engine = report.engine
    interp = Interpreter(engine.inst, engine.layout)
    steps = trace_from_itf(engine.inst, engine.layout, doc)
    state = assert_replays(engine, steps)
    prop = next(p for p in engine.spec.properties if p.name == doc["#meta"]["property"])
    assert prop.kind is ir.PropertyKind.INVARIANT
    assert not interp.holds(prop, state), "the last state must violate the property"
    before = [engine.layout.unpack(s.state) for s in steps[:-1]]
    assert all(interp.holds(prop, st) for st in before), "the violation is at the last state only"


@pytest.mark.parametrize("name", MUTANTS)
def test_mutant_exits_1_with_a_replayable_counterexample(name: str) -> None:
    path, params = f"spec/mutants/{name}.py", quick(name)
    given = [arg for key, value in params.items() for arg in ("-p", f"{key}={value}")]
    result = run_cli("check", path, *given, "--json", "-", "--no-progress")
    assert result.returncode == 1, result.stderr
    doc = json.loads(result.stdout)
    assert doc["result"] == "violation"
    assert "VIOLATION" in result.stderr
    # the first state: "initial state", or the @init that made it
    assert re.search(r"^State 1: (initial state|\w+\()", result.stderr, re.MULTILINE)
    report = check(path, params)
    if doc["violation"]["kind"] == "liveness":  # a lasso: a prefix, then a cycle for ever
        assert doc["violation"]["loop"] is not None and "for ever" in result.stderr
        replay_lasso(report)
    else:
        replay(report, doc["trace"])


@pytest.mark.parametrize("name", MUTANTS)
@pytest.mark.parametrize("symmetry", [False, True], ids=["plain", "symmetry"])
def test_mutant_breaks_agreement(name: str, symmetry: bool) -> None:
    """The bug is real: the safety property itself fails (agreement; for Multi-Paxos, a
    consistent log; what a module's BREAKS names), not only a stronger inductive invariant."""
    module = importlib.import_module(f"spec.mutants.{name}")
    default = "consistent_log" if name.startswith("multipaxos") else "agreement"
    broken = getattr(module, "BREAKS", default)
    if breaks_liveness(name):
        if symmetry:
            pytest.skip("liveness is refused under --symmetry (test_liveness.py checks that)")
        report = check(f"spec/mutants/{name}.py", quick(name), Options(liveness=[broken]))
        assert report.result.violation is not None and report.result.violation.name == broken
        replay_lasso(report)
        return
    options = Options(invariants=[broken], liveness=[], symmetry=symmetry)
    report = check(f"spec/mutants/{name}.py", quick(name), options)
    assert report.result.violation is not None
    assert report.result.violation.name == broken
    doc = report.itf()
    assert doc is not None
    replay(report, doc)  # under symmetry: the trace mapped back to concrete states still replays


@pytest.mark.parametrize(
    ("path", "params"), [("spec/paxos.py", {"max_ballot": 1}), ("spec/voting.py", {"rounds": 2})]
)
def test_correct_specs_hold(path: str, params: dict) -> None:
    report = check(path, params)
    assert report.ok and report.result.complete and report.never_fired == []


def test_list_shows_specs_and_mutants() -> None:
    result = run_cli("list")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    names = {line.split()[0] for line in out.splitlines() if line and not line[0].isspace()}
    for name in ["spec.paxos", "spec.voting", *(f"spec.mutants.{m}" for m in MUTANTS)]:
        assert name in names
    # the bundled proofs too, each by its module, as `paxoscope prove` takes it
    assert {"proofs.voting", "proofs.paxos", "proofs.mypyvy.ring"} <= names
    assert "max_ballot=2" in out and "rounds=3" in out
    # A spec without a class docstring is described by its module's, not by the base class's.
    assert "Base class of specs" not in out
    assert "A MESI cache coherence protocol" in out

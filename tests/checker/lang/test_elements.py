"""Elements as users name them: sorts with named elements, elements named by parameter
expressions and `last`, a subclass that uses its parent's sorts by their plain names, and
@init parameters in every trace (issue 16's silent traps, each of which now just works)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker import Relation, Sort, Spec, action, ir
from checker.check import check
from checker.errors import SpecError
from checker.explicit import Options
from checker.instance import instantiate
from checker.lang.trace import trace_spec
from checker.loader import load_spec
from checker.symbolic.bmc import bmc
from tests.conftest import ROOT, run_cli

COMMIT = str(ROOT / "tests/specs/commit.py")


def test_named_elements_are_printed_by_name() -> None:
    result = run_cli("check", "tests/specs/commit.py", "--no-progress")
    assert result.returncode == 1, result.stderr
    out = result.stdout
    assert "State 1: start(p=working)" in out  # an @init's parameter, by name
    assert "state = {w1: working, w2: working}" in out
    assert "state[w1]: prepared -> committed" in out and "-> aborted" in out
    assert "(" not in out.split("State 1:")[1].split("\n")[1]  # no tuple of labels anywhere


def test_named_elements_round_trip_through_itf(tmp_path: Path) -> None:
    trace = tmp_path / "cex.itf.json"
    result = run_cli("check", "tests/specs/commit.py", "--no-progress", "--trace-out", str(trace))
    assert result.returncode == 1, result.stderr
    doc = json.loads(trace.read_text())
    assert doc["states"][0]["state"]["#map"][0][1] == "working"
    shown = run_cli("trace", "tests/specs/commit.py", str(trace))
    assert shown.returncode == 0, shown.stderr
    assert "state[w1]: prepared -> committed" in shown.stdout


def test_an_element_named_by_parameters_is_evaluated_per_instance() -> None:
    spec = trace_spec(load_spec(COMMIT))
    for rounds in (3, 5):
        report = check(COMMIT, {"rounds": rounds}, Options(invariants=[]))
        assert report.ok
        inst = instantiate(spec, {"rounds": rounds})
        tick = spec.action("tick")
        (bound,) = [e for s in tick.body for e in _walk(s) if isinstance(e, ir.Elem)]
        assert isinstance(bound.index, ir.Size) and str(bound.index) == "(rounds - 2)"
        assert inst.elem_code(bound) == rounds - 2
    with pytest.raises(SpecError, match=r"`round\[\(rounds - 2\) = -1\]` does not exist"):
        check(COMMIT, {"rounds": 1}, Options())


def _walk(stmt: ir.Stmt) -> list[ir.Expr]:
    return [e for root in ir.stmt_exprs(stmt) for e in ir.walk(root)]


def test_an_unknown_element_name_is_a_clear_error() -> None:
    class Named(Spec):
        phase = Sort(2, labels=("on", "off"))
        r = Relation(phase)

        @action
        def act(self, p: phase) -> None:
            self.r.insert(self.phase["dimmed"])

    with pytest.raises(SpecError, match=r"no element named 'dimmed' \(its elements are on, off\)"):
        trace_spec(Named)


def test_a_subclass_names_its_parents_sorts_plainly() -> None:
    """tests/specs/plain_mutant.py annotates with `a: acceptor` where `acceptor` is Paxos's, and
    has no `from __future__ import annotations`: Python evaluates the annotations in the class
    body, where the spec's metaclass finds the parent's sorts."""
    result = run_cli("check", "tests/specs/plain_mutant.py", "-p", "max_ballot=1", "--no-progress")
    assert result.returncode == 1, result.stderr  # loads, and the mutant is caught
    assert "VIOLATION: invariant" in result.stdout
    spec = trace_spec(load_spec(str(ROOT / "tests/specs/plain_mutant.py")))
    assert [str(v.type) for v in spec.action("phase2b").params] == ["acceptor", "ballot", "value"]


def test_bmc_traces_show_init_parameters() -> None:
    report = bmc(COMMIT, {}, k=4)
    assert report.trace is not None
    first = report.trace[0]
    assert first.action == "start" and [(n, s) for n, _, s in first.params] == [("p", "phase")]


def test_refinement_traces_show_init_parameters(tmp_path: Path) -> None:
    """An implementation whose @init may start `prepared` does not refine one that starts
    `working`: the failing trace's first step names the @init's parameter."""
    (tmp_path / "abstract_commit.py").write_text(
        "from checker import Function, Sort, Spec, action, init, require\n"
        "class AbstractCommit(Spec):\n"
        "    worker = Sort(2, labels='w')\n"
        "    phase = Sort(4, labels=('working', 'prepared', 'committed', 'aborted'))\n"
        "    state = Function(worker, phase, init=phase['working'])\n"
        "    @action\n"
        "    def move(self, w: worker, p: phase) -> None:\n"
        "        self.state[w] = p\n"
    )
    (tmp_path / "mapping.py").write_text(
        "from checker.lang.mapping import Mapping\n"
        "def commit_to_abstract(c):\n"
        "    return Mapping(sorts={'worker': c.worker, 'phase': c.phase},\n"
        "                   state={'state': lambda w: c.state(w)},\n"
        "                   steps={'prepare': 'move', 'commit': 'move', 'abort': 'move',\n"
        "                          'tick': None, 'finish': None})\n"
    )
    result = run_cli(
        "refine",
        "tests/specs/commit.py",
        str(tmp_path / "abstract_commit.py"),
        "--mapping",
        f"{tmp_path / 'mapping.py'}:commit_to_abstract",
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "start(p=prepared)" in result.stdout, result.stdout

"""Integer sorts in every engine: arithmetic as Python computes it, values outside a sort
reported as errors with their trace (check, both engines; bmc; prove), the failure conditions
that make `(x > 0) & f(x - 1)` safe, properties that cannot be evaluated, ITF."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from checker import Function, IntSort, Param, Sort, Spec, action, invariant, ir, require
from checker.check import check
from checker.explicit import Options
from checker.lang.trace import trace_spec
from checker.symbolic.bmc import bmc
from checker.symbolic.prove import prove
from tests.conftest import ROOT, run_cli

OVERFLOW = str(ROOT / "tests/specs/counter_overflow.py")
COUNTERS = str(ROOT / "tests/specs/counters.py")
TICKET = str(ROOT / "tests/specs/ticket.py")


@pytest.mark.parametrize("engine", ["vector", "reference"])
def test_a_value_outside_its_sort_is_an_error_with_its_trace(engine: str) -> None:
    report = check(OVERFLOW, {}, Options(engine=engine))
    v = report.result.violation
    assert v is not None and v.kind == "error" and v.name == "incr"
    assert v.failure is not None and v.failure.action == "incr"
    assert [s.action for s in v.trace] == [None, "incr", "incr"]  # 0 -> 1 -> 2, then 3
    reasons = report.explanation()
    assert reasons[0].text == "3 is outside `count` (0..2)"
    assert "counter_overflow.py:16" in reasons[0].where


def test_the_command_line_reports_the_failing_step() -> None:
    result = run_cli("check", "tests/specs/counter_overflow.py", "--no-progress")
    assert result.returncode == 1, result.stderr
    assert "VIOLATION: action incr fails after 2 step(s)" in result.stdout
    assert "then incr(n=n1) fails, assigning `c[...]`" in result.stdout
    assert "why: 3 is outside `count` (0..2)" in result.stdout


def test_bmc_finds_the_error_where_check_does() -> None:
    report = bmc(OVERFLOW, {}, k=4)
    assert (report.result, report.kind, report.violated) == ("violation", "error", "incr")
    assert len(report.trace) == 3 and report.failure is not None
    assert report.failure.startswith("incr(n=")
    assert bmc(COUNTERS, {"max_count": 2}, k=5).result == "ok"


def test_the_engines_compute_python_arithmetic() -> None:
    """counters.py divides and takes remainders of negative values (`skew`): the vector and
    reference engines and bmc must agree with the interpreter (the engine-agreement and
    compiled-vs-interpreter tests compare the explicit ones state by state)."""
    vector = check(COUNTERS, {}, Options())
    reference = check(COUNTERS, {}, Options(engine="reference"))
    assert vector.ok and reference.ok
    assert vector.result.distinct_states == reference.result.distinct_states == 1642
    assert bmc(COUNTERS, {}, k=4).result == "ok"


def test_a_guard_protects_the_arguments_after_it() -> None:
    """look_back reads below(c - 1) after `c > 0 &`: evaluation stops at a false conjunct, so
    its Check never holds (the search above finds no error), though c - 1 is -1 at c = 0."""
    spec = trace_spec(_load(COUNTERS))
    body = spec.action("look_back").body
    assert isinstance(body[0], ir.Check)  # there is a check: below(c - 1) could fail ...
    assert isinstance(body[0].cond, ir.Or | ir.And)  # ... only where c > 0 held first


def test_prove_shows_an_action_never_fails_or_gives_a_counterexample() -> None:
    good = prove(_load(TICKET, "TicketProof"))
    assert good.result == "proved"
    assert any(o.title == "take never fails" for o in good.obligations)
    bad = prove(_load(TICKET, "TicketUnboundedProof"))
    assert bad.result == "failed"
    failing = [o.title for o in bad.failed]
    assert failing == ["take never fails"]


def test_a_property_that_cannot_be_evaluated_is_reported() -> None:
    class Ratio(Spec):
        node = Sort(2)
        count = IntSort(0, 2)
        c = Function(node, count, init=0)

        @action
        def incr(self, n: node) -> None:
            self.c[n] = (self.c(n) + 1) % 3

        @invariant
        def ratio(self):
            return self.c(self.node[0]) // self.c(self.node[1]) <= 2

    spec = trace_spec(Ratio)
    assert [p.name for p in spec.properties] == ["defined(ratio)", "ratio"]
    for engine in ("vector", "reference"):
        report = check(Ratio, {}, Options(engine=engine))
        v = report.result.violation
        assert v is not None and (v.kind, v.name) == ("invariant", "defined(ratio)")
        assert len(v.trace) == 1  # the initial state divides by c(node[1]) = 0


def test_integers_round_trip_through_itf(tmp_path: Path) -> None:
    trace = tmp_path / "cex.itf.json"
    result = run_cli(
        "check", "tests/specs/counter_overflow.py", "--no-progress", "--trace-out", str(trace)
    )
    assert result.returncode == 1, result.stderr
    doc = json.loads(trace.read_text())
    assert doc["#meta"]["failure"].startswith("incr(n=n1) fails")
    shown = run_cli("trace", "tests/specs/counter_overflow.py", str(trace))
    assert shown.returncode == 0, shown.stderr
    assert "c[n1]: 1 -> 2" in shown.stdout


def test_parameters_size_integer_sorts() -> None:
    class Sized(Spec):
        top = Param(2)
        count = IntSort(-1, top)
        node = Sort(1)
        c = Function(node, count, init=-1)

        @action
        def incr(self, n: node) -> None:
            self.c[n] = self.c(n) + 1

    for top in (1, 3):
        report = check(Sized, {"top": top}, Options())
        assert report.result.violation is not None  # the increment past `top` fails
        assert len(report.result.violation.trace) == top + 2  # -1, 0, ..., top


def _load(path: str, name: str | None = None) -> type[Spec]:
    from checker.loader import load_spec

    return load_spec(f"{path}:{name}" if name else path)


@pytest.mark.parametrize("mode", ["dfs", "simulate"])
def test_depth_first_search_and_simulation_report_errors_too(mode: str) -> None:
    report = check(OVERFLOW, {}, Options(mode=mode, seed=1))
    v = report.result.violation
    assert v is not None and v.kind == "error" and v.failure is not None
    assert report.explanation()[0].text == "3 is outside `count` (0..2)"


class _Offsets(Spec):
    """Bounds written with a negated parameter, and a parameter expression minus a term."""

    bound = Param(2)
    lease = Param(5)
    offset = IntSort(-bound, bound)
    span = IntSort(0, lease)
    item = Sort(1)
    off = Function(item, offset, init=0)
    left = Function(item, span, init=0)

    @action
    def slow(self, i: item) -> None:
        require(self.off(i) > -self.bound)
        self.off[i] = self.off(i) - 1
        self.left[i] = self.lease - 2 * self.bound + (self.off(i) + self.bound)


def test_negated_parameters_and_parameter_expressions_minus_terms() -> None:
    """`IntSort(-bound, bound)` and `lease - 2 * bound + term` were errors ("bad operand type
    for unary -", "a size must be an integer or a Param, not SymTerm")."""
    result = check(_Offsets, {}, Options()).result
    assert result.violation is None and result.distinct_states == 3  # off 0, -1, -2

"""A pytest plugin: write model checks and proofs as tests.

Installed with paxoscope (entry point `pytest11`), it offers the `paxoscope` fixture:

    def test_paxos_is_safe(paxoscope):
        paxoscope.check("spec/paxos.py", max_ballot=1, expect_states=3921)

    def test_voting_is_proved(paxoscope):
        paxoscope.prove("proofs/voting.py")

    def test_no_bug_within_ten_steps(paxoscope):
        paxoscope.bmc("spec/paxos.py", k=10, max_ballot=1)

The fixture is a thin view over `checker.api` (the same defaults: a breadth-first search with
the vector engine on one worker per core, at most 8): each call returns its report when
everything holds, and otherwise fails the test with the counterexample step by step with the
reason it fails, or the counterexample to induction. Bad input (an unknown spec, parameter or
property) raises the `UsageError` or `SpecError` that `checker.api` raises.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

# Imported where used: pytest loads this plugin at every start, also in runs that never use
# the fixture, so it must not pay for the engines (numpy, z3) up front.
if TYPE_CHECKING:
    from checker.check import CheckReport
    from checker.explicit.contract import Options
    from checker.symbolic.bmc import BmcReport
    from checker.symbolic.prove import ProofReport


class Paxoscope:
    """The `paxoscope` fixture: `checker.api`'s `check`, `prove` and `bmc`, failing the test
    readably. Each returns the engine's report (`outcome.report`) when everything holds."""

    def check(
        self,
        spec: Any,
        *,
        expect_states: int | None = None,
        expect_depth: int | None = None,
        options: Options | None = None,
        **params: int,
    ) -> CheckReport:
        from checker import api

        outcome = api.check(spec, params, options=options)
        report = outcome.report
        v = report.result.violation
        if v is not None:
            pytest.fail(
                f"{report.spec.name}: {report.headline()}:\n{report.trace_text()}",
                pytrace=False,
            )
        drift = report.drift()
        if drift:
            pytest.fail(drift, pytrace=False)
        if expect_states is not None and outcome.distinct_states != expect_states:
            pytest.fail(
                f"{report.spec.name}: expected {expect_states:,} distinct states, found "
                f"{outcome.distinct_states:,} (the spec changed?)",
                pytrace=False,
            )
        if expect_depth is not None and outcome.depth != expect_depth:
            pytest.fail(
                f"{report.spec.name}: expected depth {expect_depth}, found {outcome.depth}",
                pytrace=False,
            )
        return report

    def prove(self, proof: Any, *, spec: Any = None, timeout: float = 60.0) -> ProofReport:
        from checker import api

        outcome = api.prove(proof, spec, timeout=timeout)
        report = outcome.report
        if outcome.ok:
            return report
        lines = [f"{report.proof}: {report.result}"]
        for ob in report.failed + report.unknown:
            reason = f" ({ob.answer.reason})" if ob.answer.reason else ""
            lines.append(f"  {ob.verdict.value}: {ob.title}{reason}")
        if report.cti is not None:
            lines += ["counterexample to induction:", report.cti.text()]
        pytest.fail("\n".join(lines), pytrace=False)

    def bmc(self, spec: Any, *, k: int, **params: int) -> BmcReport:
        from checker import api
        from checker.traces.text import render_trace

        outcome = api.bmc(spec, params, k=k)
        report = outcome.report
        if report.result == "violation":
            text = "\n".join(
                line.text for line in render_trace(report.inst, report.layout, report.trace)
            )
            pytest.fail(
                f"{report.spec.name}: `{report.violated}` is violated after "
                f"{len(report.trace) - 1} step(s):\n{text}",
                pytrace=False,
            )
        if report.result == "unknown":
            pytest.fail(f"{report.spec.name}: bmc gave up ({report.reason})", pytrace=False)
        return report


@pytest.fixture
def paxoscope() -> Paxoscope:
    """Run paxoscope's checks inside a test; a violation fails the test with its trace."""
    return Paxoscope()

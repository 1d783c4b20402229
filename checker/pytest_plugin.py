"""A pytest plugin: write model checks and proofs as tests.

Installed with paxoscope (entry point `pytest11`), it offers the `paxoscope` fixture:

    def test_paxos_is_safe(paxoscope):
        paxoscope.check("spec/paxos.py", max_ballot=1, expect_states=3921)

    def test_voting_is_proved(paxoscope):
        paxoscope.prove("proofs/voting.py")

    def test_no_bug_within_ten_steps(paxoscope):
        paxoscope.bmc("spec/paxos.py", k=10, max_ballot=1)

Each call returns its report when everything holds, and otherwise fails the test with the text
the command line would print: the counterexample step by step with the reason it fails, or the
counterexample to induction.
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
    """The `paxoscope` fixture: `check`, `prove` and `bmc` that fail the test readably."""

    def check(
        self,
        spec: Any,
        *,
        expect_states: int | None = None,
        expect_depth: int | None = None,
        options: Options | None = None,
        **params: int,
    ) -> CheckReport:
        from checker.check import check

        report = check(spec, params, options)
        v = report.result.violation
        if v is not None:
            pytest.fail(
                f"{report.spec.name}: {report.headline()}:\n{report.trace_text()}",
                pytrace=False,
            )
        drift = report.drift()
        if drift:
            pytest.fail(drift, pytrace=False)
        r = report.result
        if expect_states is not None and r.distinct_states != expect_states:
            pytest.fail(
                f"{report.spec.name}: expected {expect_states:,} distinct states, found "
                f"{r.distinct_states:,} (the spec changed?)",
                pytrace=False,
            )
        if expect_depth is not None and r.depth != expect_depth:
            pytest.fail(
                f"{report.spec.name}: expected depth {expect_depth}, found {r.depth}", pytrace=False
            )
        return report

    def prove(self, proof: Any, *, spec: Any = None, timeout: float = 60.0) -> ProofReport:
        from checker.symbolic.prove import prove

        report = prove(proof, spec, timeout=timeout)
        if report.result == "proved":
            return report
        lines = [f"{report.proof}: {report.result}"]
        for ob in report.failed + report.unknown:
            reason = f" ({ob.answer.reason})" if ob.answer.reason else ""
            lines.append(f"  {ob.verdict.value}: {ob.title}{reason}")
        if report.cti is not None:
            lines += ["counterexample to induction:", report.cti.text()]
        pytest.fail("\n".join(lines), pytrace=False)

    def bmc(self, spec: Any, *, k: int, **params: int) -> BmcReport:
        from checker.symbolic.bmc import bmc
        from checker.traces.text import render_trace

        report = bmc(spec, params, k)
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

"""The outcomes of `checker.api`'s functions: one class per command, each around the engine's
own report (`report`), with the members every outcome has — `ok`, `exit_code`, `to_json()` and
`text()` (see `checker.api`). `text()` renders through `checker.render`, as the command line
prints, so the two cannot drift apart."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from checker.check import CheckReport
from checker.errors import ExitCode
from checker.render import (
    print_bmc,
    print_check,
    print_diff,
    print_linearizable,
    print_proof,
    print_refine,
    to_text,
)

if TYPE_CHECKING:
    from checker.conformance import ConformanceReport
    from checker.conformance.validate import ValidationReport
    from checker.diff import DiffReport
    from checker.linearizability.result import CheckResult
    from checker.refine import RefineReport
    from checker.symbolic.bmc import BmcReport
    from checker.symbolic.prove import ProofReport


class Outcome:
    """What every function returns (see the module docstring)."""

    command: str = ""

    @property
    def exit_code(self) -> ExitCode:
        raise NotImplementedError

    @property
    def ok(self) -> bool:
        return self.exit_code == ExitCode.OK

    def to_json(self) -> dict[str, Any]:
        raise NotImplementedError

    def text(self) -> str:
        raise NotImplementedError


class _Passes(Outcome):
    """An outcome whose report says only whether it holds: exit 0 if so, else 1."""

    report: Any

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.OK if self.report.ok else ExitCode.VIOLATED


class _SelfReporting(Outcome):
    """An outcome whose report knows its own exit code (unknown included) and JSON."""

    report: Any

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode(self.report.exit_code)

    def to_json(self) -> dict[str, Any]:
        result: dict[str, Any] = self.report.to_json()
        return result


@dataclass
class CheckOutcome(_Passes):
    report: CheckReport
    command = "check"

    @property
    def distinct_states(self) -> int:
        return self.report.result.distinct_states

    @property
    def depth(self) -> int:
        return self.report.result.depth

    @property
    def transitions(self) -> int:
        return self.report.result.transitions

    @property
    def violated(self) -> str | None:
        """The property violated (for an error, the action that fails); None if none is."""
        v = self.report.result.violation
        return None if v is None else v.name

    def to_json(self) -> dict[str, Any]:
        return self.report.to_json()

    def text(self) -> str:
        return to_text(lambda console: print_check(console, self.report))


@dataclass
class ProofOutcome(_SelfReporting):
    report: ProofReport
    command = "prove"

    @property
    def result(self) -> str:
        """ "proved", "failed" or "unknown"."""
        return self.report.result

    def text(self) -> str:
        return to_text(lambda console: print_proof(console, self.report))


@dataclass
class BmcOutcome(_SelfReporting):
    report: BmcReport
    command = "bmc"

    @property
    def result(self) -> str:
        """ "ok" (no violation within k steps), "violation" or "unknown"."""
        return self.report.result

    def text(self) -> str:
        return to_text(lambda console: print_bmc(console, self.report))


@dataclass
class RefineOutcome(_SelfReporting):
    report: RefineReport
    command = "refine"

    def text(self) -> str:
        return to_text(lambda console: print_refine(console, self.report))


@dataclass
class DiffOutcome(Outcome):
    report: DiffReport
    old: str  # the references as given, which the text shows
    new: str
    command = "diff"

    @property
    def exit_code(self) -> ExitCode:
        return ExitCode.OK if self.report.same else ExitCode.VIOLATED

    def to_json(self) -> dict[str, Any]:
        r = self.report

        def side(check: CheckReport, space: CheckReport) -> dict[str, Any]:
            v = check.result.violation
            return {
                "spec": check.spec.name,
                "distinct_states": space.result.distinct_states,
                "depth": space.result.depth,
                "transitions": space.result.transitions,
                "violated": None if v is None else v.name,
            }

        d = r.distinction
        return {
            "command": self.command,
            "ok": self.ok,
            "result": "same" if r.same else "different",
            "params": dict(r.old.engine.inst.params),
            "old": side(r.old, r.old_space),
            "new": side(r.new, r.new_space),
            "newly_failing": r.newly_failing,
            "compared": not r.comparable,
            "not_compared_because": r.comparable or None,
            "distinction": None
            if d is None
            else {"allowed_by": d.allowed_by, "length": len(d.trace)},
        }

    def text(self) -> str:
        return to_text(lambda console: print_diff(console, self.report, self.old, self.new))


def _plain(text: str) -> str:
    """A report's own text as the command line prints it (through a console, as plain text)."""
    return to_text(lambda console: console.print(text, markup=False))


@dataclass
class ConformOutcome(_Passes):
    report: ConformanceReport
    command = "conform"

    def to_json(self) -> dict[str, Any]:
        r = self.report
        states, edges = r.graph.size
        return {
            "command": self.command,
            "ok": self.ok,
            "result": "ok" if r.ok else "violation",
            "paths": r.paths,
            "steps": r.steps,
            "states": states,
            "transitions": edges,
            "states_covered": r.states_covered,
            "transitions_covered": r.edges_covered,
            "not_followed": r.not_followed,
            "mismatches": [{"kind": m.kind, "path": m.path} for m in r.mismatches],
        }

    def text(self) -> str:
        return _plain(self.report.text())


@dataclass
class ValidateOutcome(_Passes):
    report: ValidationReport
    command = "validate"

    def to_json(self) -> dict[str, Any]:
        r = self.report
        failure = r.failure
        return {
            "command": self.command,
            "ok": self.ok,
            "result": "ok" if r.ok else "violation",
            "spec": r.spec,
            "params": dict(r.params),
            "events": r.events,
            "steps": r.steps,
            "widest": r.widest,
            "failure": None
            if failure is None
            else {"source": failure.source, "event": failure.record, "reason": r.reason},
        }

    def text(self) -> str:
        return _plain(self.report.text())


@dataclass
class LinearizableOutcome(Outcome):
    result: CheckResult
    source: str  # the history as named, which the text shows
    command = "linearizable"

    @property
    def report(self) -> CheckResult:
        return self.result

    @property
    def exit_code(self) -> ExitCode:
        from checker.linearizability.cli import exit_code

        return exit_code(self.result)

    def to_json(self) -> dict[str, Any]:
        from checker.linearizability.cli import to_json

        return to_json(self.result, self.source)

    def text(self) -> str:
        return to_text(lambda console: print_linearizable(console, self.result, self.source))

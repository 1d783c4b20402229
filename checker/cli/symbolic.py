"""The symbolic commands, on z3: `prove` (an inductive invariant, for all sizes) and `bmc`
(bounded model checking), each with `--json PATH|-`. z3 is imported when one runs."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from checker import api, ir
from checker.cli.options import (
    html_option,
    json_option,
    junit_option,
    param_option,
    spec_argument,
    timeout_option,
    trace_out_option,
)
from checker.cli.output import console as human_console
from checker.cli.output import fail, state_graph, write_graph, write_itf, write_junit, write_result
from checker.errors import PaxoscopeError
from checker.explicit.contract import TraceStep
from checker.render import print_bmc, print_proof

if TYPE_CHECKING:
    from checker.symbolic.prove import ProofReport


@click.command("prove")
@spec_argument("proof")
@click.option(
    "--spec",
    "spec",
    metavar="SPEC",
    help="Check the proof's conjuncts against another spec (for example a mutant).",
)
@timeout_option(60.0, "Seconds z3 may spend on one obligation.")
@json_option
@click.option(
    "--cti-out", metavar="FILE.dot|FILE.svg", help="Render the counterexample with graphviz."
)
@click.option("--no-minimise", is_flag=True, help="Show the CTI as z3 found it, not minimised.")
@click.option("--fail-fast", is_flag=True, help="Stop at the first obligation that fails.")
@html_option("Write the CTI as an HTML explorer page.")
@junit_option("obligation")
def prove_command(
    proof: str,
    spec: str | None,
    timeout: float,
    json_target: str | None,
    cti_out: str | None,
    no_minimise: bool,
    fail_fast: bool,
    junit_target: str | None,
    html_target: str | None,
) -> None:
    """Prove with z3 that PROOF's conjuncts are an inductive invariant implying safety.

    PROOF is a file (proofs/voting.py) or module whose class extends a spec with @conjunct
    methods. Exit 0: proved for all sizes; 1: an obligation fails (with a counterexample to
    induction); 2: an error, or z3 answered unknown or ran out of time.
    """
    console = human_console(json_target)
    try:
        outcome = api.prove(
            proof, spec, timeout=timeout, minimise=not no_minimise, fail_fast=fail_fast
        )
        report = outcome.report
        if cti_out and report.cti is not None:
            c = report.cti
            write_graph(state_graph(c.inst, c.layout, c.pre, c.post, c.obligation), cti_out)
    except PaxoscopeError as exc:
        fail(str(exc), json_target)
    print_proof(console, report)
    if cti_out and report.cti is not None:
        console.print(f"counterexample graph written to {cti_out}", highlight=False)
    if junit_target:
        write_junit(junit_target, f"paxoscope prove {proof}", report.junit_cases(), report.seconds)
    if html_target and report.cti is not None:
        _write_cti_html(report, html_target)
        console.print(f"explorer written to {html_target}", highlight=False)
    write_result(outcome, json_target)
    sys.exit(outcome.exit_code)


@click.command("bmc")
@spec_argument()
@click.option("-k", "k", type=click.IntRange(min=0), required=True, help="Number of steps.")
@param_option()
@click.option("--invariant", "invariants", multiple=True, metavar="NAME")
@click.option("--action-property", "action_properties", multiple=True, metavar="NAME")
@timeout_option(600.0, "Seconds z3 may spend on one depth.")
@json_option
@trace_out_option
@junit_option("property")
def bmc_command(
    spec: str,
    k: int,
    params: tuple[str, ...],
    invariants: tuple[str, ...],
    action_properties: tuple[str, ...],
    timeout: float,
    json_target: str | None,
    trace_out: str | None,
    junit_target: str | None,
) -> None:
    """Bounded model checking: look with z3 for a violation within K steps of SPEC."""
    console = human_console(json_target)
    try:
        outcome = api.bmc(
            spec,
            params,
            k=k,
            invariants=list(invariants) or None,
            action_properties=list(action_properties) or None,
            timeout=timeout,
        )
    except PaxoscopeError as exc:
        fail(str(exc), json_target)
    report = outcome.report
    print_bmc(console, report)
    write_result(outcome, json_target)
    if junit_target:
        write_junit(junit_target, f"paxoscope bmc {spec}", report.junit_cases(), report.seconds)
    if trace_out and report.trace:
        write_itf(report.itf(), trace_out, console)
    sys.exit(outcome.exit_code)


def _write_cti_html(report: ProofReport, target: str) -> None:
    from checker.traces.html import Page, explorer_html

    c = report.cti
    assert c is not None
    trace = [TraceStep(None, (), c.layout.pack(c.pre))]
    if c.action is not None and c.post is not None:
        trace.append(TraceStep(c.action, c.params, c.layout.pack(c.post)))
    universe = "; ".join(c.universe())
    page = Page(
        f"{report.proof}: counterexample to induction",
        f"{c.obligation}: {c.claim} is false in the last state (universe: {universe})",
        c.claim,
    )
    claims = [
        p for p in c.inst.spec.properties if p.kind is ir.PropertyKind.CONJUNCT or p.name == c.claim
    ]
    graph = state_graph(c.inst, c.layout, c.pre, c.post, c.obligation)
    with open(target, "w", encoding="utf-8") as f:
        f.write(
            explorer_html(
                c.inst, c.layout, trace, page, claims, graph, "pre-state (the invariant holds)"
            )
        )

"""The commands that relate two specs: `refine` (an implementation spec refines an abstract
one under a mapping) and `diff` (two versions of a spec on one instance), each with
`--json PATH|-`."""

from __future__ import annotations

import sys

import click

from checker import api
from checker.cli.options import (
    json_option,
    param_option,
    spec_argument,
    timeout_option,
    trace_out_option,
)
from checker.cli.output import console as human_console
from checker.cli.output import fail, write_itf, write_result
from checker.errors import PaxoscopeError
from checker.render import print_diff, print_refine


@click.command("refine")
@spec_argument("impl")
@spec_argument("abstract")
@click.option("--mapping", required=True, metavar="MODULE:FUNCTION", help="The refinement mapping.")
@param_option("an IMPL parameter")
@click.option(
    "--prove",
    "proof",
    metavar="PROOF",
    help="Also prove the mapping with z3 for all sizes, assuming PROOF's inductive invariant.",
)
@timeout_option(60.0)
@json_option
@trace_out_option
def refine_command(
    impl: str,
    abstract: str,
    mapping: str,
    params: tuple[str, ...],
    proof: str | None,
    timeout: float,
    json_target: str | None,
    trace_out: str | None,
) -> None:
    """Check that IMPL implements ABSTRACT under a refinement mapping.

    Every reachable step of IMPL (on the instance given by -p) must map to a step of ABSTRACT or
    leave the mapped state unchanged, and every initial state must map to an initial state.
    """
    console = human_console(json_target)
    try:
        outcome = api.refine(
            impl, abstract, mapping=mapping, params=params, proof=proof, timeout=timeout
        )
    except PaxoscopeError as exc:
        fail(str(exc), json_target)
    report = outcome.report
    print_refine(console, report)
    write_result(outcome, json_target)
    if trace_out and report.itf() is not None:
        write_itf(report.itf(), trace_out, console)
    sys.exit(outcome.exit_code)


@click.command("diff")
@spec_argument("old")
@spec_argument("new")
@param_option()
@json_option
def diff_command(old: str, new: str, params: tuple[str, ...], json_target: str | None) -> None:
    """Compare two versions of a spec on the same instance: state counts, properties that newly
    fail, and a shortest trace that one version allows and the other does not.

    Exit 0: no difference found; 1: the versions differ; 2: an error.
    """
    console = human_console(json_target)
    try:
        outcome = api.diff(old, new, params)
    except PaxoscopeError as exc:
        fail(str(exc), json_target)
    print_diff(console, outcome.report, old, new)
    write_result(outcome, json_target)
    sys.exit(outcome.exit_code)

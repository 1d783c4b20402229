"""The commands that hold an implementation to its spec: `conform` (replay the spec's paths
through a driver), `validate` (event logs as behaviours of the spec) and `linearizable` (a
recorded client history), each with `--json PATH|-`."""

from __future__ import annotations

import sys

import click

from checker import api
from checker.cli.options import html_option, json_option, param_option, spec_argument
from checker.cli.output import console as human_console
from checker.cli.output import fail, write_result
from checker.errors import PaxoscopeError
from checker.render import print_linearizable


@click.command("conform")
@spec_argument()
@click.option(
    "--driver", required=True, metavar="MODULE:CLASS", help="The conformance driver (a Driver)."
)
@param_option()
@click.option(
    "--paths",
    type=click.Choice(["edge-cover", "shortest", "random"]),
    default="edge-cover",
    show_default=True,
    help="Which paths of the explored graph to replay.",
)
@click.option("--symmetry", is_flag=True, help="Explore orbits; paths are mapped back.")
@click.option(
    "--lenient",
    is_flag=True,
    help="A spec step the implementation does not take ends the path instead of failing it "
    "(for implementations more deterministic than their spec); coverage says how much ran.",
)
@click.option(
    "--trace",
    "traces",
    multiple=True,
    metavar="ITF",
    help="Replay this ITF trace (a counterexample of `check --trace-out`) instead of paths.",
)
@click.option("--walks", default=100, show_default=True, help="How many random walks.")
@click.option("--walk-length", default=50, show_default=True)
@click.option("--seed", default=0, show_default=True)
@click.option(
    "--option",
    "driver_options",
    multiple=True,
    metavar="NAME=VALUE",
    help="A setting of the driver (for example faults=NAME to switch on a known bug).",
)
@json_option
def conform_command(
    spec: str,
    driver: str,
    params: tuple[str, ...],
    paths: str,
    symmetry: bool,
    lenient: bool,
    traces: tuple[str, ...],
    walks: int,
    walk_length: int,
    seed: int,
    driver_options: tuple[str, ...],
    json_target: str | None,
) -> None:
    """Replay SPEC's explored paths against an implementation through a driver.

    After every step the implementation's abstracted state must equal the spec's; the first
    difference is reported as `not enabled in impl`, `unexpected output` or `state mismatch`,
    with what differs and the path so far. Exit 0 when every path conforms, 1 otherwise.
    """
    options: dict[str, str] = {}
    for item in driver_options:
        name, sep, value = item.partition("=")
        if not sep or not name:
            fail(f"--option `{item}`: expected NAME=VALUE", json_target)
        options[name] = value
    try:
        outcome = api.conform(
            spec,
            driver=driver,
            params=params,
            paths=paths,  # type: ignore[arg-type]  # click.Choice has checked it
            symmetry=symmetry,
            lenient=lenient,
            traces=traces,
            walks=walks,
            walk_length=walk_length,
            seed=seed,
            options=options,
        )
    except PaxoscopeError as exc:  # a driver rejecting its options too
        fail(str(exc), json_target)
    human_console(json_target).print(outcome.report.text(), markup=False)
    write_result(outcome, json_target)
    sys.exit(outcome.exit_code)


@click.command("validate")
@spec_argument()
@click.argument("logs", nargs=-1, required=True)
@click.option(
    "--mapping",
    required=True,
    metavar="MODULE:CLASS",
    help="What each logged event means in the spec (a log mapping).",
)
@json_option
def validate_command(
    spec: str, logs: tuple[str, ...], mapping: str, json_target: str | None
) -> None:
    """Check that event LOGS (NDJSON, merged by time) are a behaviour of SPEC.

    Exit 0 if they are; 1 with the first event no spec step explains, why, and the closest spec
    states; 2 if the input is wrong.
    """
    try:
        outcome = api.validate(spec, logs, mapping=mapping)
    except PaxoscopeError as exc:  # a log mapping that cannot read the log too
        fail(str(exc), json_target)
    human_console(json_target).print(outcome.report.text(), markup=False)
    write_result(outcome, json_target)
    sys.exit(outcome.exit_code)


@click.command("linearizable")
@click.argument("history")
@click.option(
    "--model",
    required=True,
    metavar="znode|kv",
    help="The sequential object: znode (ZooKeeper's data tree) or kv (registers by key).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    metavar="SECONDS",
    default=60.0,
    show_default=True,
    help="Seconds the check may take; past them the verdict is unknown (exit 2).",
)
@html_option("Also write the HTML report.")
@json_option
def linearizable_command(
    history: str, model: str, timeout: float, html_target: str | None, json_target: str | None
) -> None:
    """Check that a recorded client HISTORY (NDJSON, or a JSON array) is linearizable.

    Exit 0: it is; 1: it is not (with the smallest window that is not, as a timeline); 2: the
    check timed out (unknown), or the input is wrong.
    """
    from checker.linearizability.cli import write_html

    console = human_console(json_target)
    try:
        outcome = api.linearizable(history, model=model, timeout=timeout)
        if html_target:
            write_html(outcome.result, history, html_target)
    except PaxoscopeError as exc:
        fail(str(exc), json_target)
    print_linearizable(console, outcome.result, history)
    if html_target:
        console.print(f"report written to {html_target}", markup=False, highlight=False)
    write_result(outcome, json_target)
    sys.exit(outcome.exit_code)

"""The `paxoscope` command line: `main`, the click group of its commands, and `run`, the console
entry point (`paxoscope = checker.cli:run`; `python -m checker.cli` runs it too).

The commands, by module, each a thin layer over `checker.api` (parse the options, call the
function, print the outcome through `checker.render`, exit with its `ExitCode`):

- `explore`: `check` (explore every reachable state), `list` (the bundled specs, mutants and
  proofs), `trace` (an ITF trace as text), `show` (an ITF trace as an HTML explorer);
- `symbolic`: `prove` (an inductive invariant, with z3, for all sizes), `bmc` (bounded model
  checking);
- `relate`: `refine` (a refinement mapping), `diff` (two versions of a spec);
- `conformance`: `conform` (replay paths against an implementation), `validate` (event logs),
  `linearizable` (a client history);
- `server` and `cluster` run the implementation under test; they live in `impl/cli.py` and are
  imported only when named or listed.

`options` holds the options the commands share (-p, --json PATH|-, --junit, --html,
--timeout, ...), `output` how they write (the human report, JSON, errors, reports to files).
Every command that reports a result takes `--json PATH|-`, which writes the outcome's
`to_json()` (schemas: `checker/schemas/<command>-result.schema.json`); with `-` the human
report goes to stderr.

Exit codes (`checker.errors.ExitCode`): 0 every property holds, 1 a property is violated, 2 the
spec or the command is wrong, or the verdict is unknown (z3 gave up, a timeout expired).
Errors are one paragraph on stderr (with the spec file and line where there is one), never a
traceback.
"""

from __future__ import annotations

import os
import sys

import click
from rich.console import Console

from checker.cli.conformance import conform_command, linearizable_command, validate_command
from checker.cli.explore import check_command, list_command, show_command, trace_command
from checker.cli.output import fail
from checker.cli.relate import diff_command, refine_command
from checker.cli.symbolic import bmc_command, prove_command
from checker.errors import ExitCode

__all__ = ["main", "run"]


class _Main(click.Group):
    """The command group; `server` and `cluster` run the implementation under test (`impl/`) and
    live there, so that `impl` stands alone (`python -m impl` offers them too). They are
    imported only when named or listed: `check` does not pay for the implementation's imports."""

    _IMPLEMENTATION = ("cluster", "server")

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self._IMPLEMENTATION})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self._IMPLEMENTATION and cmd_name not in self.commands:
            from impl.cli import cluster, server

            self.add_command(server)
            self.add_command(cluster)
        return super().get_command(ctx, cmd_name)


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="paxoscope")
def main() -> None:
    """paxoscope: model check, prove and test Paxos-based systems from one executable spec."""


for _command in (
    check_command,
    list_command,
    trace_command,
    show_command,
    prove_command,
    bmc_command,
    refine_command,
    diff_command,
    conform_command,
    validate_command,
    linearizable_command,
):
    main.add_command(_command)


def run() -> None:
    """Console entry point: `main`, with internal failures reported in one paragraph."""
    try:
        main(standalone_mode=True)
    except KeyboardInterrupt:
        Console(stderr=True).print("[yellow]interrupted[/]")
        sys.exit(ExitCode.INTERRUPTED)
    except Exception as exc:  # a bug in paxoscope, not in the user's input
        if os.environ.get("PAXOSCOPE_DEBUG"):
            raise
        fail(
            f"internal error (a bug in paxoscope, please report it): {type(exc).__name__}: {exc}. "
            "Run with PAXOSCOPE_DEBUG=1 to see the traceback."
        )

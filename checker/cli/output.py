"""How the commands write: the console for the human report (stderr when `--json -` holds
stdout), the JSON result, the one-paragraph error and its exit code, and the files the
commands write on request (JUnit reports, ITF traces, graphs). The writers import their
modules when asked for, so that `check` does not pay for graphviz or the JUnit writer."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn

from rich.console import Console
from rich.markup import escape

from checker.errors import ExitCode
from checker.explicit.contract import Progress

if TYPE_CHECKING:
    from checker.explicit.layout import Layout, Structured
    from checker.instance import Instance
    from checker.outcome import Outcome
    from checker.traces.junit import Case


def console(json_target: str | None = None) -> Console:
    """The console of the human report: stdout, unless `--json -` writes the JSON there."""
    out = sys.stderr if json_target == "-" else sys.stdout
    return Console(file=out, highlight=False, soft_wrap=True)


def fail(message: str, json_target: str | None = None) -> NoReturn:
    """Report an error in one paragraph on stderr (and as `{"result": "error"}` to the --json
    target) and exit with `ExitCode.ERROR`."""
    if json_target:
        write_json({"result": "error", "error": message}, json_target)
    Console(stderr=True, highlight=False, soft_wrap=True).print(
        f"[bold red]error:[/] {escape(message)}", markup=True
    )
    sys.exit(ExitCode.ERROR)


def write_json(obj: dict[str, Any], target: str) -> None:
    """One JSON object to a file, or to stdout on one line for `-`."""
    text = json.dumps(obj, indent=None if target == "-" else 2)
    if target == "-":
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    else:
        with open(target, "w") as f:
            f.write(text + "\n")


def write_result(outcome: Outcome, json_target: str | None) -> None:
    """The outcome's `to_json()` to the --json target, if one was given."""
    if json_target:
        write_json(outcome.to_json(), json_target)


def write_itf(itf: dict[str, Any] | None, target: str, console: Console) -> None:
    """A counterexample as ITF JSON (--trace-out)."""
    with open(target, "w") as f:
        json.dump(itf, f, indent=2)
        f.write("\n")
    console.print(f"trace written to {target}", highlight=False)


def progress_printer(console: Console) -> Callable[[Progress], None]:
    def report(p: Progress) -> None:
        console.print(
            f"  [dim]{p.seconds:6.0f} s[/]  {p.distinct_states:>12,} distinct states  "
            f"queue {p.queue:>10,}  depth {p.depth:>4}  {p.states_per_second:>10,.0f} states/s",
            highlight=False,
        )

    return report


def write_junit(path: str, suite: str, cases: Sequence[Case], seconds: float) -> None:
    from checker.traces import junit  # imported when asked for, as the other reports are

    junit.write_junit(path, suite, cases, seconds)


def write_graph(dot: str, path: str) -> None:
    from checker.traces import dot as graphs

    graphs.write_graph(dot, path)


def state_graph(
    inst: Instance, layout: Layout, pre: Structured, post: Structured | None, title: str
) -> str:
    from checker.traces.dot import state_graph as graph

    return graph(inst, layout, pre, post, title)

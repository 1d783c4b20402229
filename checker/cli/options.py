"""The options several commands share, as click decorators, and the parameter types they use.

Each command stacks the ones it takes: `spec_argument`, `param_option` (-p NAME=VALUE),
`json_option` (--json PATH|-), `trace_out_option`, `junit_option`, `html_option`,
`timeout_option`; `WorkersType` and `SizeType` parse `--workers N|auto` and `--max-memory`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

from checker import api
from checker.explicit.contract import auto_workers

F = TypeVar("F", bound=Callable[..., Any])
Decorator = Callable[[F], F]

if TYPE_CHECKING:
    _IntParam = click.ParamType[int]
else:  # click's ParamType is generic only from 8.2 on
    _IntParam = click.ParamType


class WorkersType(_IntParam):
    name = "workers"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        if str(value) == "auto":
            return auto_workers()
        try:
            n = int(value)
        except ValueError:
            n = 0
        if n < 1:
            self.fail(f"{value!r} is not a number of workers (1, 2, ... or auto)", param, ctx)
        return n


class SizeType(_IntParam):
    """A size in bytes: 1500000000, 512K, 512M, 2G (powers of 1024)."""

    name = "size"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        size = api.parse_size(str(value))
        if size is None:
            self.fail(f"{value!r} is not a size (such as 1500000000, 512M or 2G)", param, ctx)
        return size


def spec_argument(name: str = "spec") -> Callable[[F], F]:
    """A spec (or proof) as a file (spec/paxos.py) or a module (spec.paxos), optionally with
    :ClassName."""
    return click.argument(name)


def param_option(what: str = "a spec parameter") -> Callable[[F], F]:
    """-p NAME=VALUE, repeatable, into `params`."""
    return click.option(
        "-p", "--param", "params", multiple=True, metavar="NAME=VALUE", help=f"Set {what}."
    )


json_option: Decorator[Any] = click.option(
    "--json", "json_target", metavar="PATH|-", help="Write the result as JSON (- for stdout)."
)
"""--json PATH|- into `json_target`: the outcome's `to_json()`; with `-` the human report goes
to stderr (`output.human_console`)."""

trace_out_option: Decorator[Any] = click.option(
    "--trace-out", metavar="PATH", help="Write the counterexample as ITF JSON."
)


def junit_option(per: str) -> Callable[[F], F]:
    """--junit PATH into `junit_target`: a JUnit XML report, one test case per `per`."""
    return click.option(
        "--junit",
        "junit_target",
        metavar="PATH",
        help=f"Write a JUnit XML report (one test case per {per}).",
    )


def html_option(help: str) -> Callable[[F], F]:
    """--html PATH into `html_target`."""
    return click.option("--html", "html_target", metavar="PATH", help=help)


def timeout_option(default: float, help: str | None = None) -> Callable[[F], F]:
    """--timeout SECONDS (at least 0.1), shown with its default."""
    return click.option(
        "--timeout",
        type=click.FloatRange(min=0.1),
        default=default,
        show_default=True,
        help=help,
    )

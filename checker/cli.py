"""The `paxoscope` command line.

Exit codes: 0 every property holds, 1 a property is violated, 2 the spec or the command is wrong.
Errors are one paragraph on stderr (with the spec file and line where there is one), never a
traceback.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, NoReturn, TextIO, TypeVar

import click
from rich.console import Console

from checker import api, ir
from checker.check import CheckReport
from checker.errors import PaxoscopeError, UsageError
from checker.explicit.contract import EngineName, Mode, Progress, TraceStep, auto_workers
from checker.explicit.layout import Layout
from checker.instance import Instance
from checker.lang.trace import trace_spec
from checker.loader import bundled_specs, load_spec
from checker.render import (
    print_bmc,
    print_check,
    print_diff,
    print_linearizable,
    print_lines,
    print_proof,
    print_refine,
)
from checker.traces.text import render_trace

EXIT_OK, EXIT_VIOLATION, EXIT_ERROR = 0, 1, 2
F = TypeVar("F", bound=Callable[..., Any])


_parse_params = api.parse_params


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


def _fail(message: str, json_target: str | None = None) -> NoReturn:
    if json_target:
        _write_json({"result": "error", "error": message}, json_target)
    Console(stderr=True, highlight=False, soft_wrap=True).print(
        f"[bold red]error:[/] {message}", markup=True
    )
    sys.exit(EXIT_ERROR)


def _write_json(obj: dict[str, Any], target: str) -> None:
    text = json.dumps(obj, indent=None if target == "-" else 2)
    if target == "-":
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
    else:
        with open(target, "w") as f:
            f.write(text + "\n")


def _progress_printer(console: Console) -> Callable[[Progress], None]:
    def report(p: Progress) -> None:
        console.print(
            f"  [dim]{p.seconds:6.0f} s[/]  {p.distinct_states:>12,} distinct states  "
            f"queue {p.queue:>10,}  depth {p.depth:>4}  {p.states_per_second:>10,.0f} states/s",
            highlight=False,
        )

    return report


if TYPE_CHECKING:
    from checker.explicit.layout import Structured
    from checker.symbolic.prove import ProofReport
    from checker.traces.junit import Case

if TYPE_CHECKING:
    _IntParam = click.ParamType[int]
else:  # click's ParamType is generic only from 8.2 on
    _IntParam = click.ParamType


class _WorkersType(_IntParam):
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


class _SizeType(_IntParam):
    """A size in bytes: 1500000000, 512K, 512M, 2G (powers of 1024)."""

    name = "size"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        size = api.parse_size(str(value))
        if size is None:
            self.fail(f"{value!r} is not a size (such as 1500000000, 512M or 2G)", param, ctx)
        return size


def _param_option(what: str = "a spec parameter") -> Callable[[F], F]:
    return click.option(
        "-p", "--param", "params", multiple=True, metavar="NAME=VALUE", help=f"Set {what}."
    )


_json_option = click.option(
    "--json", "json_target", metavar="PATH|-", help="Write the result as JSON (- for stdout)."
)
_trace_out_option = click.option(
    "--trace-out", metavar="PATH", help="Write the counterexample as ITF JSON."
)


def _junit_option(per: str) -> Callable[[F], F]:
    return click.option(
        "--junit",
        "junit_target",
        metavar="PATH",
        help=f"Write a JUnit XML report (one test case per {per}).",
    )


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


@main.command("check")
@click.argument("spec")
@_param_option()
@click.option("--symmetry", is_flag=True, help="Reduce by permutations of the symmetric sorts.")
@click.option(
    "--invariant",
    "invariants",
    multiple=True,
    metavar="NAME",
    help="Check only these invariants (repeatable).",
)
@click.option(
    "--action-property",
    "action_properties",
    multiple=True,
    metavar="NAME",
    help="Check only these action properties.",
)
@click.option(
    "--liveness",
    "liveness",
    multiple=True,
    metavar="NAME",
    help="Check only these @liveness properties (repeatable).",
)
@click.option("--no-liveness", is_flag=True, help="Check safety only: no @liveness property.")
@click.option(
    "--mode", type=click.Choice(["bfs", "dfs", "simulate"]), default="bfs", show_default=True
)
@click.option("--deadlock", is_flag=True, help="Report states where no action is enabled.")
@click.option(
    "--max-depth", type=click.IntRange(min=1), default=None, help="Explore up to this depth only."
)
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed (simulate).")
@click.option(
    "--walks",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    help="Random walks (simulate).",
)
@click.option(
    "--walk-depth",
    type=click.IntRange(min=1),
    default=100,
    show_default=True,
    help="Steps per walk (simulate).",
)
@_json_option
@_trace_out_option
@_junit_option("property")
@click.option(
    "--html", "html_target", metavar="PATH", help="Write the HTML explorer of the result."
)
@click.option(
    "--dump-graph",
    "graph_target",
    metavar="FILE.json|FILE.dot|FILE.svg",
    help="Write the explored state graph (a summary past --graph-limit states).",
)
@click.option(
    "--graph-limit",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    help="Most states to draw one by one.",
)
@click.option("--no-progress", is_flag=True, help="Do not report progress on stderr.")
@click.option(
    "--checkpoint",
    "checkpoint_dir",
    metavar="DIR",
    help="Checkpoint the BFS into DIR at level boundaries (a killed run resumes from there).",
)
@click.option(
    "--checkpoint-every",
    type=click.FloatRange(min=0),
    default=60.0,
    show_default=True,
    metavar="SECONDS",
    help="Least time between checkpoints (0: every level).",
)
@click.option(
    "--resume",
    "resume_dir",
    metavar="DIR",
    help="Go on from the last checkpoint in DIR (same spec, parameters and options).",
)
@click.option(
    "--engine",
    type=click.Choice(["vector", "reference"]),
    default="vector",
    show_default=True,
    help="Breadth-first engine: a frontier at a time with numpy, or one state at a time.",
)
@click.option(
    "--workers",
    type=_WorkersType(),
    default=None,
    metavar="N|auto",
    help="Processes exploring the frontier (vector engine; default auto: one per core, at "
    "most 8). Results do not depend on it.",
)
@click.option(
    "--fingerprints",
    is_flag=True,
    help="Store 64-bit fingerprints instead of comparing whole states (vector engine; the "
    "chance of a collision is reported).",
)
@click.option(
    "--max-memory",
    type=_SizeType(),
    default=None,
    metavar="SIZE",
    help="Keep resident memory under SIZE (e.g. 512M, 2G): states and the visited set go to "
    "files in --spill-dir and old pages leave memory (vector engine).",
)
@click.option(
    "--spill-dir",
    metavar="DIR",
    default=None,
    help="Where --max-memory keeps its files (default: the system's temporary directory).",
)
@click.option(
    "--ray",
    "ray_address",
    metavar="auto|ADDRESS",
    default=None,
    help="Explore on a Ray cluster (vector engine; needs paxoscope[ray]): auto for the one "
    "running on this machine, or its address; --workers N actors (default: one per CPU).",
)
def check_command(
    spec: str,
    params: tuple[str, ...],
    symmetry: bool,
    invariants: tuple[str, ...],
    action_properties: tuple[str, ...],
    liveness: tuple[str, ...],
    no_liveness: bool,
    mode: Mode,
    deadlock: bool,
    max_depth: int | None,
    seed: int,
    walks: int,
    walk_depth: int,
    json_target: str | None,
    trace_out: str | None,
    junit_target: str | None,
    html_target: str | None,
    graph_target: str | None,
    graph_limit: int,
    no_progress: bool,
    checkpoint_dir: str | None,
    checkpoint_every: float,
    resume_dir: str | None,
    engine: EngineName,
    workers: int | None,
    fingerprints: bool,
    max_memory: int | None,
    spill_dir: str | None,
    ray_address: str | None,
) -> None:
    """Explore every reachable state of SPEC and check its properties.

    SPEC is a file (spec/paxos.py) or a module (spec.paxos), optionally with :ClassName.
    """
    human_out: TextIO = sys.stderr if json_target == "-" else sys.stdout
    console = Console(file=human_out, highlight=False, soft_wrap=True)
    progress_console = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        outcome = api.check(
            spec,
            params,
            invariants=list(invariants) or None,
            action_properties=list(action_properties) or None,
            liveness=[] if no_liveness else (list(liveness) or None),
            symmetry=symmetry,
            mode=mode,
            deadlock=deadlock,
            max_depth=max_depth,
            seed=seed,
            walks=walks,
            walk_depth=walk_depth,
            engine=engine,
            workers="auto" if workers is None else workers,
            exact=not fingerprints,
            max_memory=max_memory,
            spill_dir=spill_dir,
            ray=ray_address,
            checkpoint=checkpoint_dir,
            checkpoint_every=checkpoint_every,
            resume=resume_dir,
            progress=None if no_progress else _progress_printer(progress_console),
        )
    except PaxoscopeError as exc:
        _fail(str(exc), json_target)
    report = outcome.report
    print_check(console, report)
    if json_target:
        _write_json(report.to_json(), json_target)
    if junit_target:
        write_junit(
            junit_target, f"paxoscope check {spec}", report.junit_cases(), report.result.seconds
        )
    if html_target:
        _write_check_html(report, html_target)
        console.print(f"explorer written to {html_target}", highlight=False)
    if graph_target:
        _write_state_graph(report, graph_target, graph_limit)
        console.print(f"state graph written to {graph_target}", highlight=False)
    if trace_out and report.result.violation is not None:
        itf = report.itf()
        assert itf is not None
        with open(trace_out, "w") as f:
            json.dump(itf, f, indent=2)
            f.write("\n")
        console.print(f"trace written to {trace_out}", highlight=False)
    sys.exit(outcome.exit_code)


@main.command("list")
def list_command() -> None:
    """List the bundled specs, mutants and proofs with their parameters.

    Each is named by its module (spec.paxos, proofs.voting), as every command takes it."""
    from checker.loader import bundled_proofs

    console = Console(highlight=False, soft_wrap=True)
    try:
        for module, cls in [*bundled_specs(), *bundled_proofs()]:
            spec_ir = trace_spec(cls)
            params = " ".join(f"{p.name}={p.default}" for p in spec_ir.params)
            summary = spec_ir.doc.strip().splitlines()[0] if spec_ir.doc.strip() else ""
            console.print(f"[bold]{module}[/]  {cls.__name__}  [cyan]{params}[/]")
            if summary:
                console.print(f"    {summary}", markup=False)
    except PaxoscopeError as exc:
        _fail(str(exc))


@main.command("trace")
@click.argument("spec")
@click.argument("trace_file", type=click.Path(exists=True, dir_okay=False))
@_param_option()
def trace_command(spec: str, trace_file: str, params: tuple[str, ...]) -> None:
    """Print an ITF trace of SPEC as text (each step: the action and what changed)."""
    console = Console(highlight=False, soft_wrap=True)
    _, _, inst, layout, steps = _read_itf(trace_file, spec, params)
    print_lines(console, render_trace(inst, layout, steps))


def _read_itf(
    trace_file: str, spec: str | None, params: tuple[str, ...]
) -> tuple[dict[str, Any], ir.SpecIR, Instance, Layout, list[TraceStep]]:
    """An ITF trace read back against SPEC (by default the spec its #meta names), or exit 2."""
    from checker.instance import instantiate
    from checker.traces.itf import trace_from_itf

    try:
        with open(trace_file) as f:
            doc = json.load(f)
        meta = doc.get("#meta", {})
        ref = spec or (f"{meta['source']}:{meta['spec']}" if "source" in meta else None)
        if ref is None:
            raise UsageError(f"{trace_file} does not name its spec: give --spec SPEC")
        spec_ir = trace_spec(load_spec(ref))
        inst = instantiate(spec_ir, {**meta.get("params", {}), **_parse_params(params)})
        layout = Layout(inst)
        steps = trace_from_itf(inst, layout, doc)
        if not steps:
            raise UsageError(f"{trace_file} is an ITF trace without states")
        return doc, spec_ir, inst, layout, steps
    except json.JSONDecodeError as exc:
        _fail(f"{trace_file}:{exc.lineno}: not valid JSON: {exc.msg}")
    except (KeyError, TypeError) as exc:
        _fail(f"{trace_file}: not an ITF trace of {spec or 'its spec'}: missing or malformed {exc}")
    except PaxoscopeError as exc:
        _fail(str(exc))


@main.command("prove")
@click.argument("proof")
@click.option(
    "--spec",
    "spec",
    metavar="SPEC",
    help="Check the proof's conjuncts against another spec (for example a mutant).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=60.0,
    show_default=True,
    help="Seconds z3 may spend on one obligation.",
)
@_json_option
@click.option(
    "--cti-out", metavar="FILE.dot|FILE.svg", help="Render the counterexample with graphviz."
)
@click.option("--no-minimise", is_flag=True, help="Show the CTI as z3 found it, not minimised.")
@click.option("--fail-fast", is_flag=True, help="Stop at the first obligation that fails.")
@click.option(
    "--html", "html_target", metavar="PATH", help="Write the CTI as an HTML explorer page."
)
@_junit_option("obligation")
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
    human_out: TextIO = sys.stderr if json_target == "-" else sys.stdout
    console = Console(file=human_out, highlight=False, soft_wrap=True)
    try:
        outcome = api.prove(
            proof, spec, timeout=timeout, minimise=not no_minimise, fail_fast=fail_fast
        )
        report = outcome.report
        if cti_out and report.cti is not None:
            c = report.cti
            write_graph(state_graph(c.inst, c.layout, c.pre, c.post, c.obligation), cti_out)
    except PaxoscopeError as exc:
        _fail(str(exc), json_target)
    print_proof(console, report)
    if cti_out and report.cti is not None:
        console.print(f"counterexample graph written to {cti_out}", highlight=False)
    if junit_target:
        write_junit(junit_target, f"paxoscope prove {proof}", report.junit_cases(), report.seconds)
    if html_target and report.cti is not None:
        _write_cti_html(report, html_target)
        console.print(f"explorer written to {html_target}", highlight=False)
    if json_target:
        _write_json(report.to_json(), json_target)
    sys.exit(report.exit_code)


@main.command("bmc")
@click.argument("spec")
@click.option("-k", "k", type=click.IntRange(min=0), required=True, help="Number of steps.")
@_param_option()
@click.option("--invariant", "invariants", multiple=True, metavar="NAME")
@click.option("--action-property", "action_properties", multiple=True, metavar="NAME")
@click.option(
    "--timeout",
    type=click.FloatRange(min=0.1),
    default=600.0,
    show_default=True,
    help="Seconds z3 may spend on one depth.",
)
@_json_option
@_trace_out_option
@_junit_option("property")
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
    human_out: TextIO = sys.stderr if json_target == "-" else sys.stdout
    console = Console(file=human_out, highlight=False, soft_wrap=True)
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
        _fail(str(exc), json_target)
    report = outcome.report
    print_bmc(console, report)
    if json_target:
        _write_json(report.to_json(), json_target)
    if junit_target:
        write_junit(junit_target, f"paxoscope bmc {spec}", report.junit_cases(), report.seconds)
    if trace_out and report.trace:
        with open(trace_out, "w") as f:
            json.dump(report.itf(), f, indent=2)
            f.write("\n")
        console.print(f"trace written to {trace_out}", highlight=False)
    sys.exit(report.exit_code)


@main.command("refine")
@click.argument("impl")
@click.argument("abstract")
@click.option("--mapping", required=True, metavar="MODULE:FUNCTION", help="The refinement mapping.")
@_param_option("an IMPL parameter")
@click.option(
    "--prove",
    "proof",
    metavar="PROOF",
    help="Also prove the mapping with z3 for all sizes, assuming PROOF's inductive invariant.",
)
@click.option("--timeout", type=click.FloatRange(min=0.1), default=60.0, show_default=True)
@_json_option
@_trace_out_option
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
    human_out: TextIO = sys.stderr if json_target == "-" else sys.stdout
    console = Console(file=human_out, highlight=False, soft_wrap=True)
    try:
        outcome = api.refine(
            impl, abstract, mapping=mapping, params=params, proof=proof, timeout=timeout
        )
    except PaxoscopeError as exc:
        _fail(str(exc), json_target)
    report = outcome.report
    print_refine(console, report)
    if json_target:
        _write_json(report.to_json(), json_target)
    if trace_out and report.itf() is not None:
        with open(trace_out, "w") as fh:
            json.dump(report.itf(), fh, indent=2)
            fh.write("\n")
        console.print(f"trace written to {trace_out}", highlight=False)
    sys.exit(report.exit_code)


@main.command("diff")
@click.argument("old")
@click.argument("new")
@_param_option()
def diff_command(old: str, new: str, params: tuple[str, ...]) -> None:
    """Compare two versions of a spec on the same instance: state counts, properties that newly
    fail, and a shortest trace that one version allows and the other does not.

    Exit 0: no difference found; 1: the versions differ; 2: an error.
    """
    console = Console(highlight=False, soft_wrap=True)
    try:
        outcome = api.diff(old, new, params)
    except PaxoscopeError as exc:
        _fail(str(exc))
    print_diff(console, outcome.report, old, new)
    sys.exit(outcome.exit_code)


def _write_state_graph(report: CheckReport, target: str, limit: int) -> None:
    from checker.explicit.graph import explore_graph
    from checker.traces.stategraph import graph_dot, graph_json

    v = report.result.violation
    trace = v.trace if v is not None and not report.engine.options.symmetry else None
    g = explore_graph(report.engine, limit)
    if target.endswith(".json"):
        _write_json(graph_json(g, trace, limit), target)
    else:
        try:
            write_graph(graph_dot(g, trace), target)
        except UsageError as exc:
            _fail(str(exc))


def _write_check_html(report: CheckReport, target: str) -> None:
    from checker.traces.html import Page, explorer_html

    engine, v = report.engine, report.result.violation
    if v is not None:
        trace = v.trace
        summary = report.headline()
        reasons = report.explanation()
        if reasons:
            summary += " — " + "; ".join(r.text for r in reasons)
    else:
        trace = [engine.initial_step(engine.inits[0][2])]
        summary = f"every property holds in all {report.result.distinct_states:,} reachable states"
    page = Page(f"{report.spec.name}: paxoscope check", summary, v.name if v else None)
    if v is not None and v.kind == "liveness":
        from checker.traces.text import step_title

        closing = step_title(engine.inst, v.closing) if v.closing is not None else None
        page = dataclasses.replace(page, loop=v.loop, closing=closing)
    text = explorer_html(engine.inst, engine.layout, trace, page, report.spec.state_invariants())
    with open(target, "w", encoding="utf-8") as f:
        f.write(text)


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


@main.command("show")
@click.argument("trace_file", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", required=True, metavar="FILE.html", help="The page to write.")
@click.option("--spec", "spec", metavar="SPEC", help="The spec (default: the one the trace names).")
@click.option(
    "--msc",
    "msc_target",
    metavar="FILE.svg|FILE.dot",
    help="Also write the message-sequence chart.",
)
@_param_option()
def show_command(
    trace_file: str, output: str, spec: str | None, msc_target: str | None, params: tuple[str, ...]
) -> None:
    """Write a self-contained HTML explorer for an ITF trace (from check, bmc or refine)."""
    from checker.traces.html import Page, explorer_html
    from checker.traces.msc import msc_dot

    console = Console(highlight=False, soft_wrap=True)
    doc, spec_ir, inst, layout, steps = _read_itf(trace_file, spec, params)
    meta = doc.get("#meta", {})
    violated = meta.get("property")
    summary = (
        f"{meta.get('violation', 'property')} {violated} is violated after {len(steps) - 1} step(s)"
        if violated
        else f"a trace of {len(steps)} state(s)"
    )
    page = Page(f"{spec_ir.name}: {os.path.basename(trace_file)}", summary, violated)
    try:
        with open(output, "w", encoding="utf-8") as out:
            out.write(explorer_html(inst, layout, steps, page, spec_ir.state_invariants()))
        if msc_target:
            write_graph(msc_dot(inst, layout, steps), msc_target)
    except PaxoscopeError as exc:
        _fail(str(exc))
    console.print(f"explorer written to {output}", highlight=False)


@main.command("conform")
@click.argument("spec")
@click.option(
    "--driver", required=True, metavar="MODULE:CLASS", help="The conformance driver (a Driver)."
)
@_param_option()
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
            _fail(f"--option `{item}`: expected NAME=VALUE")
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
        _fail(str(exc))
    Console(highlight=False, soft_wrap=True).print(outcome.report.text(), markup=False)
    sys.exit(outcome.exit_code)


@main.command("validate")
@click.argument("spec")
@click.argument("logs", nargs=-1, required=True)
@click.option(
    "--mapping",
    required=True,
    metavar="MODULE:CLASS",
    help="What each logged event means in the spec (a log mapping).",
)
def validate_command(spec: str, logs: tuple[str, ...], mapping: str) -> None:
    """Check that event LOGS (NDJSON, merged by time) are a behaviour of SPEC.

    Exit 0 if they are; 1 with the first event no spec step explains, why, and the closest spec
    states; 2 if the input is wrong.
    """
    try:
        outcome = api.validate(spec, logs, mapping=mapping)
    except PaxoscopeError as exc:  # a log mapping that cannot read the log too
        _fail(str(exc))
    Console(highlight=False, soft_wrap=True).print(outcome.report.text(), markup=False)
    sys.exit(outcome.exit_code)


@main.command("linearizable")
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
@click.option("--html", "html_target", metavar="PATH", help="Also write the HTML report.")
@click.option(
    "--json", "as_json", is_flag=True, help="Print one JSON object instead (the report: stderr)."
)
def linearizable_command(
    history: str, model: str, timeout: float, html_target: str | None, as_json: bool
) -> None:
    """Check that a recorded client HISTORY (NDJSON, or a JSON array) is linearizable.

    Exit 0: it is; 1: it is not (with the smallest window that is not, as a timeline); 2: the
    check timed out (unknown), or the input is wrong.
    """
    from checker.linearizability.cli import write_html

    json_target = "-" if as_json else None
    console = Console(file=sys.stderr if as_json else sys.stdout, highlight=False, soft_wrap=True)
    try:
        outcome = api.linearizable(history, model=model, timeout=timeout)
        if html_target:
            write_html(outcome.result, history, html_target)
    except PaxoscopeError as exc:
        _fail(str(exc), json_target)
    print_linearizable(console, outcome.result, history)
    if html_target:
        console.print(f"report written to {html_target}", markup=False, highlight=False)
    if json_target:
        _write_json(outcome.to_json(), json_target)
    sys.exit(outcome.exit_code)


def run() -> None:
    """Console entry point: `main`, with internal failures reported in one paragraph."""
    try:
        main(standalone_mode=True)
    except KeyboardInterrupt:
        Console(stderr=True).print("[yellow]interrupted[/]")
        sys.exit(130)
    except Exception as exc:  # a bug in paxoscope, not in the user's input
        if os.environ.get("PAXOSCOPE_DEBUG"):
            raise
        _fail(
            f"internal error (a bug in paxoscope, please report it): {type(exc).__name__}: {exc}. "
            "Run with PAXOSCOPE_DEBUG=1 to see the traceback."
        )


if __name__ == "__main__":  # pragma: no cover
    run()

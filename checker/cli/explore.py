"""The explicit-state commands: `check` (explore every reachable state of a spec), `list` (the
bundled specs, mutants and proofs), `trace` (an ITF trace as text) and `show` (an ITF trace as
an HTML explorer). `check` has `--json PATH|-`; `list`, `trace` and `show` print or write what
they are given and have no result to report."""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from typing import Any

import click
from rich.console import Console

from checker import api, ir
from checker.check import CheckReport
from checker.cli.options import (
    SizeType,
    WorkersType,
    html_option,
    json_option,
    junit_option,
    param_option,
    spec_argument,
    trace_out_option,
)
from checker.cli.output import console as human_console
from checker.cli.output import (
    fail,
    progress_printer,
    write_graph,
    write_itf,
    write_json,
    write_junit,
    write_result,
)
from checker.errors import PaxoscopeError, UsageError
from checker.explicit.contract import EngineName, Mode, TraceStep
from checker.explicit.layout import Layout
from checker.instance import Instance
from checker.lang.trace import trace_spec
from checker.loader import bundled_specs, load_spec
from checker.render import print_check, print_lines
from checker.traces.text import lasso_shape, loop_text, render_trace, step_title


@click.command("check")
@spec_argument()
@param_option()
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
@json_option
@trace_out_option
@junit_option("property")
@html_option("Write the HTML explorer of the result.")
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
    type=WorkersType(),
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
    type=SizeType(),
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
    console = human_console(json_target)
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
            progress=None if no_progress else progress_printer(progress_console),
        )
    except PaxoscopeError as exc:
        fail(str(exc), json_target)
    report = outcome.report
    print_check(console, report)
    write_result(outcome, json_target)
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
        write_itf(itf, trace_out, console)
    sys.exit(outcome.exit_code)


@click.command("list")
def list_command() -> None:
    """List the bundled specs, mutants and proofs with their parameters.

    Each is named by its module (spec.paxos, proofs.voting), as every command takes it."""
    from checker.loader import bundled_proofs

    console = human_console()
    try:
        for module, cls in [*bundled_specs(), *bundled_proofs()]:
            spec_ir = trace_spec(cls)
            params = " ".join(f"{p.name}={p.default}" for p in spec_ir.params)
            summary = spec_ir.doc.strip().splitlines()[0] if spec_ir.doc.strip() else ""
            console.print(f"[bold]{module}[/]  {cls.__name__}  [cyan]{params}[/]")
            if summary:
                console.print(f"    {summary}", markup=False)
    except PaxoscopeError as exc:
        fail(str(exc))


@click.command("trace")
@spec_argument()
@click.argument("trace_file", type=click.Path(exists=True, dir_okay=False))
@param_option()
def trace_command(spec: str, trace_file: str, params: tuple[str, ...]) -> None:
    """Print an ITF trace of SPEC as text (each step: the action and what changed)."""
    console = human_console()
    read = _read_itf(trace_file, spec, params)
    print_lines(console, render_trace(read.inst, read.layout, read.steps))
    if read.loop is not None:  # a lasso: how it goes on for ever, as `check` printed it
        text = loop_text(read.inst, len(read.steps), read.loop, read.closing)
        console.print(text, style="bold red", highlight=False, markup=False)


@dataclasses.dataclass(frozen=True)
class _Itf:
    """An ITF trace read back: the document, its spec, and its steps; a liveness lasso's last
    state goes back to `steps[loop]` by `closing` (or repeats for ever when that is None)."""

    doc: dict[str, Any]
    spec: ir.SpecIR
    inst: Instance
    layout: Layout
    steps: list[TraceStep]
    loop: int | None
    closing: TraceStep | None


def _read_itf(trace_file: str, spec: str | None, params: tuple[str, ...]) -> _Itf:
    """An ITF trace read back against SPEC (by default the spec its #meta names), or exit 2."""
    from checker.instance import instantiate
    from checker.traces.itf import lasso_from_itf, trace_from_itf

    try:
        with open(trace_file) as f:
            doc = json.load(f)
        meta = doc.get("#meta", {})
        ref = spec or (f"{meta['source']}:{meta['spec']}" if "source" in meta else None)
        if ref is None:
            raise UsageError(f"{trace_file} does not name its spec: give --spec SPEC")
        spec_ir = trace_spec(load_spec(ref))
        inst = instantiate(spec_ir, {**meta.get("params", {}), **api.parse_params(params)})
        layout = Layout(inst)
        steps = trace_from_itf(inst, layout, doc)
        if not steps:
            raise UsageError(f"{trace_file} is an ITF trace without states")
        loop, closing = lasso_from_itf(inst, doc, steps)
        return _Itf(doc, spec_ir, inst, layout, steps, loop, closing)
    except json.JSONDecodeError as exc:
        fail(f"{trace_file}:{exc.lineno}: not valid JSON: {exc.msg}")
    except (KeyError, TypeError) as exc:
        fail(f"{trace_file}: not an ITF trace of {spec or 'its spec'}: missing or malformed {exc}")
    except PaxoscopeError as exc:
        fail(str(exc))


def _write_state_graph(report: CheckReport, target: str, limit: int) -> None:
    from checker.explicit.graph import explore_graph
    from checker.traces.stategraph import graph_dot, graph_json

    v = report.result.violation
    trace = v.trace if v is not None and not report.engine.options.symmetry else None
    g = explore_graph(report.engine, limit)
    if target.endswith(".json"):
        write_json(graph_json(g, trace, limit), target)
    else:
        try:
            write_graph(graph_dot(g, trace), target)
        except UsageError as exc:
            fail(str(exc))


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
        closing = step_title(engine.inst, v.closing) if v.closing is not None else None
        page = dataclasses.replace(page, loop=v.loop, closing=closing)
    text = explorer_html(engine.inst, engine.layout, trace, page, report.spec.state_invariants())
    with open(target, "w", encoding="utf-8") as f:
        f.write(text)


@click.command("show")
@click.argument("trace_file", type=click.Path(exists=True, dir_okay=False))
@click.option("-o", "--output", required=True, metavar="FILE.html", help="The page to write.")
@click.option("--spec", "spec", metavar="SPEC", help="The spec (default: the one the trace names).")
@click.option(
    "--msc",
    "msc_target",
    metavar="FILE.svg|FILE.dot",
    help="Also write the message-sequence chart.",
)
@param_option()
def show_command(
    trace_file: str, output: str, spec: str | None, msc_target: str | None, params: tuple[str, ...]
) -> None:
    """Write a self-contained HTML explorer for an ITF trace (from check, bmc or refine)."""
    from checker.traces.html import Page, explorer_html
    from checker.traces.msc import msc_dot

    console = human_console()
    read = _read_itf(trace_file, spec, params)
    spec_ir, inst, layout, steps = read.spec, read.inst, read.layout, read.steps
    meta = read.doc.get("#meta", {})
    violated = meta.get("property")
    how = f"after {len(steps) - 1} step(s)"
    if read.loop is not None:
        how = f"by a {lasso_shape(len(steps), read.loop, read.closing)}"
    summary = (
        f"{meta.get('violation', 'property')} {violated} is violated {how}"
        if violated
        else f"a trace of {len(steps)} state(s)"
    )
    closing = None if read.closing is None else step_title(inst, read.closing)
    page = Page(
        f"{spec_ir.name}: {os.path.basename(trace_file)}", summary, violated, read.loop, closing
    )
    try:
        with open(output, "w", encoding="utf-8") as out:
            out.write(explorer_html(inst, layout, steps, page, spec_ir.state_invariants()))
        if msc_target:
            write_graph(msc_dot(inst, layout, steps), msc_target)
    except PaxoscopeError as exc:
        fail(str(exc))
    console.print(f"explorer written to {output}", highlight=False)

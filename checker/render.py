"""What the command line prints for each report, as rich console output: `paxoscope check`,
`prove`, `bmc`, `refine`, `diff` and `linearizable` print through these functions, and the
reports of `checker.api` render their `text()` with them into a string (`to_text`), so that the
two cannot drift apart.

Each `print_*` writes to the console it is given; `to_text` runs one on a console that writes
plain text (no colours, no terminal) and returns what it wrote, without the last newline.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from checker.check import CheckReport, failure_text, ray_summary
from checker.explicit.explain import Reason
from checker.traces.text import Line, describe_change, describe_state, render_trace

if TYPE_CHECKING:  # the symbolic engine (z3) is imported only by the runs that use it
    from checker.diff import DiffReport
    from checker.linearizability.result import CheckResult
    from checker.refine import RefineReport
    from checker.symbolic.bmc import BmcReport
    from checker.symbolic.prove import ProofReport

STYLES = {"header": "bold", "add": "green", "remove": "red", "change": "yellow", "": ""}


def to_text(write: Callable[[Console], None]) -> str:
    """What `write` prints, as plain text (no trailing newline): the command line's output."""
    buffer = io.StringIO()
    write(Console(file=buffer, highlight=False, soft_wrap=True, color_system=None))
    return buffer.getvalue().removesuffix("\n")


def print_lines(console: Console, lines: Sequence[Line]) -> None:
    for line in lines:
        style = STYLES[line.style]
        console.print(line.text, style=style or None, markup=False, highlight=False)


def print_reasons(console: Console, reasons: Sequence[Reason]) -> None:
    for depth, reason in enumerate(reasons):
        console.print(
            f"{'  ' * depth}why: {reason.text}", style="red", highlight=False, markup=False
        )
        if reason.where:
            console.print(
                f"{'  ' * depth}     {reason.where}", style="dim", highlight=False, markup=False
            )


def print_check(console: Console, report: CheckReport) -> None:
    r = report.result
    inst = report.engine.inst
    params = " ".join(f"{k}={v}" for k, v in inst.params.items())
    sym = (
        f"symmetry on ({r.group_size} permutations)"
        if report.engine.options.symmetry
        else "symmetry off"
    )
    mode: str = report.engine.options.mode
    if r.engine == "vector":
        workers = f", {r.workers} workers" if r.workers > 1 else ""
        mode += f" (vector engine{workers})"
    console.print(f"[bold]{report.spec.name}[/] ({params}), {mode}, {sym}", highlight=False)
    checked = ", ".join(r.invariants + r.action_properties + r.liveness) or "none"
    console.print(f"properties checked: {checked}", highlight=False, markup=False)
    rate = r.distinct_states / max(r.seconds, 1e-9)
    console.print(
        f"{r.distinct_states:,} distinct states, depth {r.depth}, {r.transitions:,} transitions, "
        f"{r.seconds:.2f} s ({rate:,.0f} states/s)",
        highlight=False,
    )
    if r.ray_levels:
        ray = ray_summary(r)
        waits = ray["barrier_seconds"]
        console.print(
            f"on Ray: {ray['nodes']} nodes, {ray['actors']} actors, "
            f"{ray['shipped_bytes'] / 2**20:,.1f} MiB shipped, barrier waits: expand "
            f"{waits['expand']:.2f} s, settle {waits['settle']:.2f} s, store {waits['store']:.2f} s",
            highlight=False,
        )
    if r.collision_probability is not None:
        console.print(
            f"states stored as 64-bit fingerprints: the chance that two of them collided (and "
            f"states were missed) is about {r.collision_probability:.1e}",
            highlight=False,
        )
    table = Table(title=None, box=None, pad_edge=False, show_header=True, header_style="bold")
    table.add_column("action")
    table.add_column("fired", justify="right")
    table.add_column("distinct", justify="right")
    for name, cov in r.coverage.items():
        table.add_row(
            name, f"{cov.fired:,}", f"{cov.distinct:,}", style="yellow" if cov.fired == 0 else None
        )
    console.print(table)
    if report.never_fired:
        console.print(
            f"[yellow]warning:[/] never fired: {', '.join(report.never_fired)} "
            "(an action that can never happen is usually a bug in the spec)",
            highlight=False,
        )
    v = r.violation
    drift = report.drift()
    if drift:
        console.print(f"[bold red]SPEC DRIFT[/]: {drift}", highlight=False)
    if v is None and drift:
        return
    if v is None:
        if r.complete:
            console.print("[bold green]OK[/]: every property holds in every reachable state.")
        else:
            console.print(
                "[bold yellow]OK, but incomplete[/]: no violation found in the part of the state "
                "space that was explored (depth bound or simulation).",
            )
        return
    what = {
        "invariant": "invariant",
        "action_property": "action property",
        "deadlock": "deadlock",
        "error": "action",
        "liveness": "liveness property",
    }[v.kind]
    name = escape(v.name)  # `no_starvation[p1]` is not markup
    title = "deadlock reached" if v.kind == "deadlock" else f"{what} [bold]{name}[/] is violated"
    if v.kind == "error":
        title = f"action [bold]{v.name}[/] fails"
    steps = f"after {len(v.trace) - 1} step(s)"
    if v.kind == "liveness":
        steps = f"by a {report._lasso_shape()}"
    console.print(f"[bold red]VIOLATION[/]: {title} {steps}:", highlight=False)
    print_lines(console, render_trace(inst, report.engine.layout, v.trace))
    if v.kind == "liveness":
        console.print(report.loop_text(), style="bold red", highlight=False, markup=False)
    elif v.kind == "invariant":
        console.print(f"[bold red]invariant {v.name} does not hold in the last state.[/]")
    elif v.kind == "action_property":
        console.print(f"[bold red]action property {v.name} does not hold for the last step.[/]")
    elif v.failure is not None:
        console.print(
            f"then {failure_text(inst, v.failure)}", style="bold red", highlight=False, markup=False
        )
    else:
        console.print("[bold red]no action is enabled in the last state.[/]")
    print_reasons(console, report.explanation())


def print_report_trace(console: Console, report: CheckReport) -> None:
    v = report.result.violation
    assert v is not None
    print_lines(console, render_trace(report.engine.inst, report.engine.layout, v.trace))
    print_reasons(console, report.explanation())


def print_proof(console: Console, report: ProofReport) -> None:
    console.print(
        f"[bold]{report.proof}[/] proves {', '.join(report.safety) or 'nothing'} of "
        f"[bold]{report.spec_name}[/] from {len(report.conjuncts)} conjuncts: {', '.join(report.conjuncts)}",
        highlight=False,
    )
    style = "green" if report.epr.in_fragment else "yellow"
    console.print(f"[{style}]{report.epr.summary()}[/]", highlight=False)
    for note in report.notes:
        console.print(f"[yellow]note:[/] {note}", highlight=False)
    colours = {"holds": "green", "fails": "bold red", "unknown": "bold yellow"}
    for ob in report.obligations:
        verdict = ob.verdict.value
        extra = f"  ({ob.answer.reason})" if ob.answer.reason else ""
        if ob.assumed is not None:
            extra = f"  (from {len(ob.assumed)} of {len(report.conjuncts)} conjuncts)"
        console.print(
            f"  [{colours[verdict]}]{verdict:<7}[/] {ob.answer.seconds:7.2f} s  {ob.title}[dim]{extra}[/]",
            highlight=False,
        )
    if report.cti is not None:
        console.print(
            f"[bold red]counterexample to induction[/] for [bold]{report.cti.obligation}[/]:",
            highlight=False,
        )
        print_lines(console, report.cti.lines())
    n = len(report.obligations)
    if report.result == "proved":
        console.print(
            f"[bold green]PROVED[/]: all {n} obligations hold ({report.seconds:.2f} s), for every "
            "size of every sort.",
            highlight=False,
        )
    elif report.result == "failed":
        console.print(
            f"[bold red]NOT PROVED[/]: {len(report.failed)} of {n} obligations fail "
            f"({report.seconds:.2f} s).",
            highlight=False,
        )
    else:
        console.print(
            f"[bold yellow]UNKNOWN[/]: z3 could not settle {len(report.unknown)} of {n} "
            f"obligations ({report.seconds:.2f} s); this is not a proof.",
            highlight=False,
        )


def print_bmc(console: Console, report: BmcReport) -> None:
    k = report.k
    inst = report.inst
    shown = " ".join(f"{n}={v}" for n, v in inst.params.items())
    console.print(f"[bold]{report.spec.name}[/] ({shown}), bounded model checking to depth {k}")
    console.print(
        f"properties checked: {', '.join(report.invariants + report.action_properties) or 'none'}"
    )
    if report.result == "violation":
        what = (
            f"action [bold]{report.violated}[/] fails"
            if report.kind == "error"
            else f"{(report.kind or '').replace('_', ' ')} [bold]{report.violated}[/] is violated"
        )
        console.print(
            f"[bold red]VIOLATION[/]: {what} after {len(report.trace) - 1} step(s) "
            f"({report.seconds:.2f} s):"
        )
        print_lines(console, render_trace(inst, report.layout, report.trace))
        if report.failure is not None:
            console.print(f"then {report.failure}", style="bold red", highlight=False, markup=False)
    elif report.result == "ok":
        console.print(
            f"[bold green]OK[/]: no violation within {k} steps ({report.seconds:.2f} s). "
            "This bounds the search; it is not a proof."
        )
    else:
        console.print(
            f"[bold yellow]UNKNOWN[/]: z3 stopped at depth {len(report.depths) - 1} "
            f"({report.reason}); nothing is known beyond it."
        )


def print_refine(console: Console, report: RefineReport) -> None:
    r = report.explicit
    shown = " ".join(f"{n}={v}" for n, v in r.impl.params.items())
    console.print(
        f"[bold]{report.impl.name}[/] ({shown}) refines [bold]{report.abstract.name}[/]? "
        f"mapping {report.mapping.name}",
        highlight=False,
    )
    console.print(
        f"{r.states:,} states, {r.transitions:,} steps explored ({r.seconds:.2f} s): "
        f"{r.stutters:,} stutter",
        highlight=False,
    )
    for (i, a), n in sorted(r.matched.items()):
        console.print(f"  {i} -> {a}: {n:,} steps", highlight=False)
    if r.failure is not None:
        f = r.failure
        console.print(
            "[bold red]NOT A REFINEMENT[/]: "
            + (
                "an initial state maps to a state that is not initial:"
                if f.kind == "init"
                else f"the last step maps to no step of {report.abstract.name}:"
            ),
            highlight=False,
        )
        print_lines(console, render_trace(r.impl, r.impl_layout, f.trace))
        al = r.abstract_layout
        console.print(f"[bold]{report.abstract.name}[/] state before the last step:")
        if f.abstract_before is None:
            print_lines(console, describe_state(r.abstract, al, al.unpack(f.abstract_after)))
        else:
            print_lines(console, describe_state(r.abstract, al, al.unpack(f.abstract_before)))
            console.print("and what the last step changes in it:")
            print_lines(
                console,
                describe_change(
                    r.abstract, al, al.unpack(f.abstract_before), al.unpack(f.abstract_after)
                ),
            )
    else:
        console.print(
            f"[bold green]OK[/]: every step maps to a step of {report.abstract.name} or stutters.",
            highlight=False,
        )
    if report.proof is not None:
        console.print("[bold]proof with z3, for all sizes:[/]")
        print_proof(console, report.proof)


def print_diff(console: Console, report: DiffReport, old: str, new: str) -> None:
    o, n = report.old_space.result, report.new_space.result
    inst = report.old.engine.inst
    shown = " ".join(f"{k}={v}" for k, v in inst.params.items())
    console.print(
        f"old: [bold]{report.old.spec.name}[/] ({old})   new: [bold]{report.new.spec.name}[/] ({new})   {shown}"
    )
    console.print(
        f"distinct states: old {o.distinct_states:,}, new {n.distinct_states:,} "
        f"({n.distinct_states - o.distinct_states:+,}); depth: old {o.depth}, new {n.depth}; "
        f"transitions: old {o.transitions:,}, new {n.transitions:,}"
    )
    for label, r in (("old", report.old), ("new", report.new)):
        v = r.result.violation
        status = (
            "every property holds"
            if v is None
            else f"violates {v.name} after {len(v.trace) - 1} step(s)"
        )
        console.print(f"{label}: {status}")
    for name in report.newly_failing:
        console.print(f"[bold red]newly failing[/]: {name}, in new:", highlight=False)
        print_report_trace(console, report.new)
    if report.comparable:
        console.print(f"[yellow]behaviours not compared[/]: {report.comparable}")
    elif report.distinction is None:
        console.print(
            "[green]same behaviours[/]: every step of one version is a step of the other."
        )
    else:
        d = report.distinction
        other = "old" if d.allowed_by == "new" else "new"
        engine = (report.new_space if d.allowed_by == "new" else report.old_space).engine
        console.print(
            f"[bold]distinguishing trace[/]: {d.allowed_by.upper()} allows this behaviour and "
            f"{other.upper()} does not (its last step):"
        )
        print_lines(console, render_trace(engine.inst, engine.layout, d.trace))


def print_linearizable(console: Console, result: CheckResult, source: str) -> None:
    from checker.linearizability.cli import details, verdict

    word, rest = verdict(result, source)
    style = {"ok": "bold green", "illegal": "bold red", "unknown": "bold yellow"}[result.verdict]
    console.print(f"[{style}]{word}[/]: {escape(rest)}", highlight=False)
    text = details(result)
    if text:
        console.print(text, markup=False, highlight=False, end="")

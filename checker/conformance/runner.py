"""Replay spec paths against an implementation through a driver, comparing after every step.

A path fails at its first step where
- the driver raises `NotEnabled`: **not enabled in impl**;
- the abstracted state differs from the spec's only in relations that are messages (declared
  with `Message`): **unexpected output** — the implementation sent something else;
- the abstracted state differs otherwise: **state mismatch**.
The report gives the kind, the field-level difference (spec → implementation), and the path so
far rendered as `check` renders a counterexample. Coverage is the share of the explored graph's
states and transitions that the replayed paths took.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from checker.conformance.driver import AbstractPacker, Driver, NotEnabled, UnexpectedOutput
from checker.conformance.paths import Graph, TestPath, concrete_trace, covered_by
from checker.conformance.paths import path_to as _bfs_path
from checker.errors import UsageError
from checker.explicit.contract import TraceStep
from checker.explicit.search import Engine
from checker.instance import Instance, Label
from checker.traces.itf import state_to_itf
from checker.traces.text import Line, describe_change, render_trace, step_title

NOT_ENABLED = "not enabled in impl"
UNEXPECTED_OUTPUT = "unexpected output"
STATE_MISMATCH = "state mismatch"

DriverFactory = Callable[[Mapping[str, int]], Driver]  # a Driver class, or options bound to one


@dataclass
class Mismatch:
    kind: str
    path: int  # which path (index into the replayed paths)
    trace: list[TraceStep]  # the spec's path up to and including the failing step
    detail: list[Line]

    def render(self, graph: Graph) -> str:
        engine = graph.engine
        failing = self.trace[-1]
        lines = [
            f"{self.kind} at step {len(self.trace) - 1} of path {self.path}: "
            f"{step_title(engine.inst, failing)}",
            *(line.text for line in self.detail),
            "",
            "the spec's path so far:",
            *(line.text for line in render_trace(engine.inst, engine.layout, self.trace)),
        ]
        return "\n".join(lines)


@dataclass
class ConformanceReport:
    graph: Graph
    paths: int = 0
    steps: int = 0
    states_covered: int = 0
    edges_covered: int = 0
    mismatches: list[Mismatch] = field(default_factory=list)
    # Lenient replays only: spec steps the implementation cannot take (it is allowed to be
    # more deterministic than its spec); the path ends there, without failing.
    not_followed: int = 0

    @property
    def ok(self) -> bool:
        return not self.mismatches

    def coverage(self) -> str:
        states, edges = self.graph.size
        text = (
            f"{self.paths} paths, {self.steps} steps: covered {self.states_covered} of {states} "
            f"spec states ({100 * self.states_covered / max(states, 1):.1f}%) and "
            f"{self.edges_covered} of {edges} transitions "
            f"({100 * self.edges_covered / max(edges, 1):.1f}%)"
        )
        if self.not_followed:
            text += (
                f"; {self.not_followed} paths stopped at a spec step the implementation does not "
                "take (it is more deterministic than the spec)"
            )
        return text

    def text(self) -> str:
        if self.ok:
            return f"conforms: {self.coverage()}"
        first = self.mismatches[0].render(self.graph)
        return f"DOES NOT CONFORM ({len(self.mismatches)} failing path(s)): {first}"


def labels(inst: Instance, step: TraceStep) -> dict[str, Label]:
    """A step's parameters by name, as the spec's labels (what driver methods take)."""
    return {name: inst.label(sort, code) for name, code, sort in step.params}


def _call(driver: Driver, step: TraceStep, inst: Instance) -> None:
    assert step.action is not None
    method = getattr(driver, step.action, None)
    if method is None:
        raise UsageError(
            f"{type(driver).__name__} has no method `{step.action}` for the spec action of that "
            "name; a driver needs one method per spec action"
        )
    method(**labels(inst, step))


def _difference(engine: Engine, expected: int, actual: int) -> tuple[str, list[Line]]:
    layout = engine.layout
    spec_state, impl_state = layout.unpack(expected), layout.unpack(actual)
    lines = [Line("  what differs (spec -> implementation):")]
    lines += describe_change(engine.inst, layout, spec_state, impl_state)
    differing = {
        lay.decl.name
        for lay, a, b in zip(layout.symbols, spec_state, impl_state, strict=True)
        if a != b
    }
    messages = {lay.decl.name for lay in layout.symbols if lay.decl.message is not None}
    kind = UNEXPECTED_OUTPUT if differing <= messages else STATE_MISMATCH
    return kind, lines


def _run_path(
    graph: Graph, path: TestPath, number: int, make_driver: DriverFactory, packer: AbstractPacker
) -> tuple[int, Mismatch | None]:
    """Replay one path; the number of steps taken and the first mismatch, if any."""
    return _run_trace(graph, concrete_trace(graph, path), number, make_driver, packer)


def _run_trace(
    graph: Graph,
    trace: list[TraceStep],
    number: int,
    make_driver: DriverFactory,
    packer: AbstractPacker,
) -> tuple[int, Mismatch | None]:
    engine = graph.engine
    driver = make_driver(dict(engine.inst.params))
    if trace:
        driver.start(state_to_itf(engine.inst, engine.layout, trace[0].state))
    for i, step in enumerate(trace):
        failure = check_step(graph.engine, driver, packer, step, act=i > 0)
        if failure is not None:
            kind, lines = failure
            return i, Mismatch(kind, number, trace[: i + 1], lines)
    return len(trace) - 1, None


def check_step(
    engine: Engine, driver: Driver, packer: AbstractPacker, step: TraceStep, *, act: bool
) -> tuple[str, list[Line]] | None:
    """Take `step` through the driver (not for an initial state: `act` False) and compare the
    abstracted state with the spec's; the kind of failure and its detail, or None."""
    if act:
        try:
            _call(driver, step, engine.inst)
        except NotEnabled as refusal:
            return NOT_ENABLED, [Line(f"  {refusal}")]
        except UnexpectedOutput as output:
            return UNEXPECTED_OUTPUT, [Line(f"  {output}")]
    actual = packer.pack(driver.abstract())
    if actual != step.state:
        return _difference(engine, step.state, actual)
    return None


def _shortest_failing(
    graph: Graph,
    path: TestPath,
    failure: Mismatch,
    make_driver: DriverFactory,
    packer: AbstractPacker,
) -> Mismatch:
    """The same failure on the shortest path to the failing transition, when it shows there
    too: a report should be as short as the bug allows."""
    steps = len(failure.trace) - 1
    if steps == 0:
        return failure
    edge = path.edges[steps - 1]
    start, prefix = _bfs_path(graph, graph.edges[edge].source)
    shorter = TestPath(start, (*prefix, edge))
    if len(shorter.edges) >= steps:
        return failure
    _, again = _run_path(graph, shorter, failure.path, make_driver, packer)
    return again if again is not None and again.kind == failure.kind else failure


def replay_traces(
    graph: Graph, traces: Sequence[list[TraceStep]], make_driver: DriverFactory
) -> ConformanceReport:
    """Replay given traces (say, counterexamples `check` wrote as ITF) through the driver."""
    report = ConformanceReport(graph)
    packer = AbstractPacker(graph.engine.inst, graph.engine.layout)
    for number, trace in enumerate(traces):
        taken, failure = _run_trace(graph, trace, number, make_driver, packer)
        report.paths += 1
        report.steps += taken
        if failure is not None:
            report.mismatches.append(failure)
    return report


def replay(
    graph: Graph,
    paths: Sequence[TestPath],
    make_driver: DriverFactory,
    *,
    stop_at_first: bool = True,
    strict: bool = True,
) -> ConformanceReport:
    """Replay `paths` through fresh drivers, one per path. `strict`: a spec step that the
    implementation cannot take is a failure (`not enabled in impl`); otherwise it only ends
    the path (for implementations more deterministic than their spec)."""
    report = ConformanceReport(graph)
    engine = graph.engine
    packer = AbstractPacker(engine.inst, engine.layout)
    replayed: list[TestPath] = []
    for number, path in enumerate(paths):
        taken, failure = _run_path(graph, path, number, make_driver, packer)
        report.paths += 1
        report.steps += taken
        if failure is not None and not strict and failure.kind == NOT_ENABLED:
            report.not_followed += 1
            replayed.append(TestPath(path.start, path.edges[: taken - 1]))
            continue
        if failure is not None:
            report.mismatches.append(_shortest_failing(graph, path, failure, make_driver, packer))
            if stop_at_first:
                break
        else:
            replayed.append(path)
    states, edges = covered_by(graph, replayed)
    report.states_covered, report.edges_covered = len(states), len(edges)
    return report

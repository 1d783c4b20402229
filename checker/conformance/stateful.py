"""Conformance under random schedules, with hypothesis: the same driver, driven by a
`RuleBasedStateMachine` whose one rule takes any step the spec allows from the current state.
Hypothesis shrinks a failing schedule to a minimal one, and the failure message carries a
pytest regression test that replays exactly that schedule (`replay_steps`).

    TestPaxos = conformance_machine("spec/paxos.py", PaxosDriver, {"max_ballot": 1}).TestCase
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule

from checker.conformance.driver import AbstractPacker, Driver
from checker.conformance.runner import check_step, labels
from checker.explicit.contract import Options, TraceStep
from checker.explicit.search import Engine
from checker.instance import instantiate
from checker.lang.trace import trace_spec
from checker.loader import load_spec
from checker.traces.text import render_trace, step_title

Step = tuple[str, dict[str, Any]]  # (action, parameters by name, as labels)


class ConformanceFailure(AssertionError):
    pass


class _Replayer:
    """A spec instance and a driver stepped together, one spec step at a time."""

    def __init__(
        self, spec: str, driver: type[Driver], params: Mapping[str, int], engine: Engine
    ) -> None:
        self.engine = engine
        self.spec, self.driver_class, self.params = spec, driver, dict(params)
        self.packer = AbstractPacker(self.engine.inst, self.engine.layout)
        _, _, first = self.engine.inits[0]
        self.trace = [self.engine.initial_step(first)]
        self.driver = driver(self.engine.inst.params)
        self.take()

    @property
    def state(self) -> int:
        return self.trace[-1].state

    def successors(self) -> list[TraceStep]:
        out = []
        for k, fn in enumerate(self.engine.compiled.labelled):
            for t, index in fn(self.state):
                out.append(
                    TraceStep(
                        self.engine.spec.actions[k].name, self.engine.step_params(k, index), t
                    )
                )
        return out

    def take(self, step: TraceStep | None = None) -> None:
        """Take `step` in the driver and compare (None: compare the initial state)."""
        if step is not None:
            self.trace.append(step)
        failure = check_step(
            self.engine, self.driver, self.packer, self.trace[-1], act=step is not None
        )
        if failure is not None:
            kind, lines = failure
            self._fail(kind, [line.text for line in lines])

    def labelled_steps(self) -> list[Step]:
        inst = self.engine.inst
        return [(s.action, labels(inst, s)) for s in self.trace[1:] if s.action is not None]

    def _fail(self, kind: str, detail: list[str]) -> None:
        inst, layout = self.engine.inst, self.engine.layout
        steps = self.labelled_steps()
        regression = "\n".join(
            [
                "def test_conformance_regression() -> None:",
                f"    replay_steps({self.spec!r}, {self.driver_class.__name__}, {self.params!r}, [",
                *(f"        ({a!r}, {p!r})," for a, p in steps),
                "    ])",
            ]
        )
        lines = [
            f"{kind} at step {len(self.trace) - 1}: {step_title(inst, self.trace[-1])}",
            *detail,
            "",
            "the spec's path so far:",
            *(line.text for line in render_trace(inst, layout, self.trace)),
            "",
            "a regression test that replays this schedule "
            "(from checker.conformance.stateful import replay_steps):",
            regression,
        ]
        raise ConformanceFailure("\n".join(lines))


def _engine(spec: str, params: Mapping[str, int]) -> Engine:
    return Engine(instantiate(trace_spec(load_spec(spec)), params), Options())


def replay_steps(
    spec: str, driver: type[Driver], params: Mapping[str, int], steps: Sequence[Step]
) -> None:
    """Replay a schedule of spec steps (action, labelled parameters) through the driver;
    raises `ConformanceFailure` at the first difference."""
    replayer = _Replayer(spec, driver, params, _engine(spec, params))
    for action, wanted in steps:
        match = [
            s
            for s in replayer.successors()
            if s.action == action and labels(replayer.engine.inst, s) == wanted
        ]
        if not match:
            raise ConformanceFailure(f"the spec cannot take {action}{wanted} here")
        replayer.take(match[0])


def conformance_machine(
    spec: str, driver: type[Driver], params: Mapping[str, int] | None = None
) -> type[RuleBasedStateMachine]:
    """A hypothesis state machine that walks the spec at random and the driver along."""

    engine = _engine(spec, params or {})  # compiled once, shared by every example

    class Conformance(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.replayer = _Replayer(spec, driver, params or {}, engine)

        def _enabled(self) -> bool:
            return bool(self.replayer.successors())

        @precondition(lambda self: self._enabled())
        @rule(data=st.data())
        def spec_step(self, data: st.DataObject) -> None:
            options = self.replayer.successors()
            step = data.draw(st.sampled_from(options), label="step")
            self.replayer.take(step)

    Conformance.__name__ = f"{driver.__name__}Conformance"
    return Conformance

"""Bounded model checking: unroll the transition relation k steps with z3 on one instance.

States s0..sk are ground variables (`checker.symbolic.ground`); s0 is initial, and each step
picks one action instance (a selector variable records which). Depth by depth, z3 is asked for
a state that breaks a property, so the first violation found is a shortest one, with the same
length as the explicit engine's breadth-first counterexample. The trace z3 returns is replayed
by the explicit engine's reference interpreter before it is reported: a trace that does not
replay is an internal error, never a result.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import z3

from checker import ir
from checker.errors import ExitCode, PaxoscopeError
from checker.explicit.contract import TraceStep
from checker.explicit.interp import Interpreter
from checker.explicit.layout import Layout, Structured
from checker.instance import Instance, instantiate
from checker.lang.spec import Spec
from checker.lang.trace import trace_spec
from checker.loader import load_spec
from checker.symbolic.ground import GroundState, GroundTranslator
from checker.symbolic.logic import Bool, as_z3, mk_and, mk_not, mk_or
from checker.symbolic.solver import fresh_context, new_solver
from checker.symbolic.translate import Reader
from checker.traces.itf import trace_to_itf
from checker.traces.junit import Case
from checker.traces.text import render_trace


@dataclass
class BmcReport:
    spec: ir.SpecIR
    inst: Instance
    layout: Layout
    k: int
    invariants: list[str]
    action_properties: list[str]
    result: str = "ok"  # "ok" (no violation within k steps) | "violation" | "unknown"
    violated: str | None = None
    kind: str | None = None  # "invariant" | "action_property" | "error"
    failure: str | None = None  # an error: the action instance that fails from the last state
    trace: list[TraceStep] = field(default_factory=list)
    depths: list[float] = field(default_factory=list)  # seconds per depth
    seconds: float = 0.0
    reason: str = ""

    @property
    def exit_code(self) -> ExitCode:
        return {"ok": ExitCode.OK, "violation": ExitCode.VIOLATED, "unknown": ExitCode.UNKNOWN}[
            self.result
        ]

    def junit_cases(self) -> list[Case]:
        cases = []
        for name in [*self.invariants, *self.action_properties]:
            if self.result == "violation" and self.violated == name:
                lines = render_trace(self.inst, self.layout, self.trace)
                details = "\n".join(line.text for line in lines)
                message = f"{name} is violated after {len(self.trace) - 1} step(s)"
                cases.append(Case(name, self.spec.name, self.seconds, message, details=details))
            elif self.result == "unknown":
                cases.append(
                    Case(name, self.spec.name, self.seconds, error=f"z3: unknown ({self.reason})")
                )
            else:
                cases.append(Case(name, self.spec.name, self.seconds))
        return cases

    def itf(self) -> dict[str, Any] | None:
        if not self.trace:
            return None
        meta = {"violation": self.kind, "property": self.violated, "engine": "bmc"}
        if self.failure is not None:
            meta["failure"] = self.failure
        return trace_to_itf(self.inst, self.layout, self.trace, meta)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "spec": self.spec.name,
            "params": dict(self.inst.params),
            "engine": "bmc",
            "k": self.k,
            "result": self.result,
            "invariants": self.invariants,
            "action_properties": self.action_properties,
            "seconds": round(self.seconds, 4),
            "seconds_per_depth": [round(s, 4) for s in self.depths],
        }
        if self.reason:
            out["reason"] = self.reason
        if self.result == "violation":
            out["violation"] = {
                "kind": self.kind,
                "property": self.violated,
                "length": len(self.trace),
            }
            out["trace"] = self.itf()
        return out


class _Unrolling:
    def __init__(self, inst: Instance, timeout: float) -> None:
        self.inst = inst
        self.spec = inst.spec
        self.tr = GroundTranslator(inst)
        self.solver = new_solver(timeout)
        self.states: list[GroundState] = []
        self.selectors: list[z3.ArithRef] = []
        self.choices: list[list[tuple[str | None, ir.Action | None, tuple[int, ...]]]] = []
        self.constraints = self.spec.properties_of(ir.PropertyKind.CONSTRAINT)

    def _new_state(self) -> GroundState:
        state = self.tr.state(str(len(self.states)))
        self.states.append(state)
        self.solver.add(*self.tr.ranges(state))
        for c in self.constraints:
            self.solver.add(as_z3(self.tr.formula(c.formula, {}, state.view)))
        return state

    def _choose(
        self,
        options: list[
            tuple[str | None, ir.Action | None, tuple[int, ...], Bool, dict[str, Reader]]
        ],
        state: GroundState,
    ) -> None:
        sel = z3.Int(f"step!{len(self.selectors)}")
        self.selectors.append(sel)
        self.choices.append([(name, act, params) for name, act, params, _, _ in options])
        cases = [
            mk_and([sel == i, guard, *self.tr.equal(state, view)])
            for i, (_, _, _, guard, view) in enumerate(options)
        ]
        self.solver.add(as_z3(mk_or(cases)))

    def initial(self) -> None:
        base = self._new_state()
        for a in self.spec.properties_of(ir.PropertyKind.AXIOM):  # rigid: true in every state
            self.solver.add(as_z3(self.tr.formula(a.formula, {}, base.view)))
        zero = self.tr.zero_view(base.view)
        options: list[
            tuple[str | None, ir.Action | None, tuple[int, ...], Bool, dict[str, Reader]]
        ] = []
        if not self.spec.inits:
            options.append((None, None, (), True, zero))
        for act in self.spec.inits:
            for params in self.tr.instances(act):
                t = self.tr.run(act, params, zero)
                if t.guard is not False:
                    options.append((act.name, act, params, t.guard, t.post))
        self._choose(options, base)

    def failing(self, view: dict[str, Reader]) -> list[tuple[ir.Action, tuple[int, ...], Bool]]:
        """The action instances that can fail from the state `view`, with where they do."""
        out = []
        for act in self.spec.actions:
            for params in self.tr.instances(act):
                t = self.tr.run(act, params, view)
                if t.fails is not False:
                    out.append((act, params, t.fails))
        return out

    def step(self) -> None:
        pre = self.states[-1]
        post = self._new_state()
        options: list[
            tuple[str | None, ir.Action | None, tuple[int, ...], Bool, dict[str, Reader]]
        ] = []
        for act in self.spec.actions:
            for params in self.tr.instances(act):
                t = self.tr.run(act, params, pre.view)
                if t.guard is not False:
                    options.append((act.name, act, params, t.guard, t.post))
        self._choose(options, post)

    def trace(self, model: z3.ModelRef, layout: Layout) -> tuple[list[TraceStep], list[Structured]]:
        steps, states = [], []
        for d, (state, sel) in enumerate(zip(self.states, self.selectors, strict=True)):
            structured = self.tr.read_state(model, state)
            name, act, params = self.choices[d][model.eval(sel, model_completion=True).as_long()]
            named = tuple(
                (v.name, code, v.type.sort)
                for v, code in zip(act.params if act else (), params, strict=True)
            )
            steps.append(TraceStep(name, named, layout.pack(structured)))
            states.append(structured)
        return steps, states


def _replay(
    inst: Instance, layout: Layout, steps: list[TraceStep], states: list[Structured]
) -> None:
    """The reference interpreter must produce the same trace: else the translation is wrong."""
    interp = Interpreter(inst, layout)
    if states[0] not in {st for _, _, st in interp.initial_states()}:
        raise PaxoscopeError("internal error: the bmc trace starts in a state that is not initial")
    for d in range(1, len(steps)):
        act = inst.spec.action(steps[d].action or "")
        params = tuple(code for _, code, _ in steps[d].params)
        if interp.execute(act, params, states[d - 1]) != states[d]:
            raise PaxoscopeError(
                f"internal error: step {d} of the bmc trace ({act.name}) does not replay in the "
                "explicit engine"
            )


def bmc(
    spec: type[Spec] | str,
    params: Mapping[str, int] | None = None,
    k: int = 10,
    invariants: Sequence[str] | None = None,
    action_properties: Sequence[str] | None = None,
    timeout: float = 600.0,
) -> BmcReport:
    """Look for a violation within k steps of `spec` on the instance given by `params`."""
    cls = load_spec(spec) if isinstance(spec, str) else spec
    spec_ir = trace_spec(cls)
    inst = instantiate(spec_ir, params or {})
    layout = Layout(inst)
    invs = spec_ir.select(spec_ir.state_invariants(), invariants, "invariant")
    aps = spec_ir.select(
        spec_ir.properties_of(ir.PropertyKind.ACTION_PROPERTY), action_properties, "action property"
    )
    report = BmcReport(spec_ir, inst, layout, k, [p.name for p in invs], [p.name for p in aps])
    Interpreter(inst, layout).checked_initial_states()  # an empty model is an error, not "ok"
    start = time.perf_counter()
    fresh_context()
    u = _Unrolling(inst, timeout)
    u.initial()
    can_fail = any(isinstance(s, ir.Check) for a in spec_ir.actions for s in a.body)
    for d in range(k + 1):
        depth_start = time.perf_counter()
        now = u.states[-1].view
        bad: list[Bool] = [mk_not(u.tr.formula(p.formula, {}, now)) for p in invs]
        if d > 0:
            before = u.states[-2].view
            bad += [mk_not(u.tr.formula(p.formula, {}, before, now)) for p in aps]
        failing = u.failing(now) if can_fail else []
        bad += [fails for _, _, fails in failing]
        u.solver.push()
        u.solver.add(as_z3(mk_or(bad)))
        result = u.solver.check()
        report.depths.append(time.perf_counter() - depth_start)
        if result == z3.sat:
            model = u.solver.model()
            steps, states = u.trace(model, layout)
            _replay(inst, layout, steps, states)
            report.result, report.trace = "violation", steps
            failed = [
                (act, params)
                for act, params, fails in failing
                if z3.is_true(model.eval(as_z3(fails), model_completion=True))
            ]
            broken = _broken(inst, layout, invs, aps, states, bool(failed))
            if broken is not None:
                report.kind, report.violated = broken
            else:
                report.kind, report.violated = "error", failed[0][0].name
                report.failure = _failure(inst, layout, states[-1], *failed[0])
            break
        if result != z3.unsat:
            report.result, report.reason = "unknown", u.solver.reason_unknown() or "unknown"
            break
        u.solver.pop()
        if d < k:
            u.step()
    report.seconds = time.perf_counter() - start
    return report


def _broken(
    inst: Instance,
    layout: Layout,
    invs: Sequence[ir.Property],
    aps: Sequence[ir.Property],
    states: list[Structured],
    failed: bool = False,
) -> tuple[str, str] | None:
    interp = Interpreter(inst, layout)
    for p in invs:
        if not interp.holds(p, states[-1]):
            return "invariant", p.name
    for p in aps:
        if len(states) > 1 and not interp.holds(p, states[-2], states[-1]):
            return "action_property", p.name
    if failed:
        return None
    raise PaxoscopeError(
        "internal error: the bmc trace violates no property in the explicit engine"
    )


def _failure(
    inst: Instance, layout: Layout, state: Structured, act: ir.Action, params: tuple[int, ...]
) -> str:
    """The failing instance as `check` reports one, after the explicit engine agrees."""
    interp = Interpreter(inst, layout)
    found = [f for f in interp.failures(state) if f.act is act and f.params == params]
    if not found:
        raise PaxoscopeError(
            f"internal error: {act.name}{params} fails in the bmc trace, not in the explicit engine"
        )
    shown = ", ".join(
        f"{v.name}={inst.label(v.type.sort, c)}" for v, c in zip(act.params, params, strict=True)
    )
    check = found[0].check
    return f"{act.name}({shown}) fails, {check.what} ({os.path.relpath(check.loc.file)}:{check.loc.line})"

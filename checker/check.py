"""`check`: trace a spec, bind its parameters, explore it, and report — the explicit engine's
entry point, beneath `checker.api.check` (which `paxoscope check` and the pytest plugin call)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from checker import cache, ir
from checker.errors import Loc, SpecError, UsageError
from checker.explicit.contract import Failure, Options, SearchResult
from checker.explicit.explain import Reason, explain, explain_failure
from checker.explicit.search import Engine
from checker.instance import Instance, instantiate, resolve_params
from checker.lang.spec import Spec
from checker.lang.trace import trace_spec
from checker.loader import load_spec
from checker.traces.text import format_params, lasso_shape, loop_text, render_trace, step_title

if TYPE_CHECKING:  # imported where used: a run without a counterexample does not need them
    from checker.traces.junit import Case


@dataclass
class CheckReport:
    spec: ir.SpecIR
    engine: Engine
    result: SearchResult
    declared: list[tuple[dict[str, int], int]] = field(default_factory=list)  # golden counts

    def drift(self) -> str | None:
        """A message when the spec declares a distinct-state count for these parameters
        (`expected_states`) and the complete, unreduced search found another."""
        r, options = self.result, self.engine.options
        if not r.complete or options.symmetry or options.mode != "bfs" or options.max_depth:
            return None
        params = dict(self.engine.inst.params)
        for overrides, expected in self.declared:
            if resolve_params(self.spec, overrides) == params and r.distinct_states != expected:
                shown = " ".join(f"{k}={v}" for k, v in overrides.items()) or "the defaults"
                return (
                    f"{self.spec.name} declares {expected:,} distinct states for "
                    f"{shown} (expected_states), but {r.distinct_states:,} were found"
                )
        return None

    @property
    def ok(self) -> bool:
        return self.result.violation is None and self.drift() is None

    @property
    def never_fired(self) -> list[str]:
        return [name for name, cov in self.result.coverage.items() if cov.fired == 0]

    def explanation(self) -> list[Reason]:
        """Why the violated property is false: the failing conjunct and its witnesses."""
        v = self.result.violation
        if v is None or v.kind in ("deadlock", "liveness"):
            return []
        layout = self.engine.layout
        last = layout.unpack(v.trace[-1].state)
        if v.failure is not None:
            f = v.failure
            act = self.spec.action(f.action)
            codes = tuple(code for _, code, _ in f.params)
            return explain_failure(self.engine.interp, act, codes, f.check, last)
        prop = next(p for p in self.spec.properties if p.name == v.name)
        if v.kind == "invariant":
            return explain(self.engine.interp, prop, last)
        return explain(self.engine.interp, prop, layout.unpack(v.trace[-2].state), last)

    def headline(self) -> str:
        """ "invariant `agreement` is violated after 3 step(s)", "action `incr` fails ..."."""
        v = self.result.violation
        if v is None:
            return "no violation"
        steps = f"after {len(v.trace) - 1} step(s)"
        if v.kind == "error":
            return f"action `{v.name}` fails {steps}"
        if v.kind == "deadlock":
            return f"deadlock reached {steps}"
        if v.kind == "liveness":
            return f"liveness property `{v.name}` is violated by a {self._lasso_shape()}"
        return f"{v.kind.replace('_', ' ')} `{v.name}` is violated {steps}"

    def _lasso_shape(self) -> str:
        v = self.result.violation
        assert v is not None
        return lasso_shape(len(v.trace), v.loop, v.closing)

    def loop_text(self) -> str:
        """How a liveness counterexample goes on for ever from its last state."""
        v = self.result.violation
        assert v is not None and v.kind == "liveness"
        return loop_text(self.engine.inst, len(v.trace), v.loop, v.closing)

    def trace_text(self) -> str:
        """The counterexample as the command line prints it, with the reasons it fails."""
        v = self.result.violation
        if v is None:
            return ""
        lines = [line.text for line in render_trace(self.engine.inst, self.engine.layout, v.trace)]
        if v.failure is not None:
            lines.append(f"then {failure_text(self.engine.inst, v.failure)}")
        if v.kind == "liveness":
            lines.append(self.loop_text())
        lines += [f"why: {r.text}  ({r.where})" for r in self.explanation()]
        return "\n".join(lines)

    def junit_cases(self) -> list[Case]:
        """One test case per property checked; the violated one fails with the trace."""
        from checker.traces.junit import Case

        r, v = self.result, self.result.violation
        names = [*r.invariants, *r.action_properties, *r.liveness] + (
            ["deadlock"] if self.engine.options.deadlock else []
        )
        if v is not None and v.kind == "error":  # the action that failed is a case of its own
            names.append(v.name)
        cases = []
        for name in names:
            if v is not None and v.name == name:
                message = f"{name} is violated after {len(v.trace) - 1} step(s)"
                if v.kind == "liveness":  # as the text report says it
                    message = f"{name} is violated by a {self._lasso_shape()}"
                cases.append(
                    Case(name, self.spec.name, r.seconds, message, details=self.trace_text())
                )
            else:
                cases.append(Case(name, self.spec.name, r.seconds))
        return cases

    def itf(self) -> dict[str, Any] | None:
        v = self.result.violation
        if v is None:
            return None
        meta: dict[str, Any] = {"violation": v.kind, "property": v.name}
        if v.failure is not None:
            meta["failure"] = failure_text(self.engine.inst, v.failure)
        if v.kind == "liveness" and v.loop is not None:
            meta["loop"] = v.loop  # ITF's own field: the cycle goes back to state `loop`
            if v.closing is not None:
                meta["closing"] = step_title(self.engine.inst, v.closing)
        from checker.traces.itf import trace_to_itf

        out = trace_to_itf(self.engine.inst, self.engine.layout, v.trace, meta)
        if v.kind == "liveness" and v.loop is not None:
            out["loop"] = v.loop  # ITF: the trace goes on from its last state to states[loop]
        return out

    def to_json(self) -> dict[str, Any]:
        r = self.result
        seconds = max(r.seconds, 1e-9)
        out: dict[str, Any] = {
            "spec": self.spec.name,
            "spec_file": os.path.relpath(self.spec.file)
            if self.spec.file.startswith(os.getcwd())
            else self.spec.file,
            "params": dict(self.engine.inst.params),
            "mode": self.engine.options.mode,
            "engine": r.engine,
            "workers": r.workers,
            "exact": r.collision_probability is None,
            "symmetry": self.engine.options.symmetry,
            "symmetry_group_size": r.group_size,
            "result": "ok" if self.ok else "violation",
            "complete": r.complete,
            "distinct_states": r.distinct_states,
            "depth": r.depth,
            "transitions": r.transitions,
            "seconds": round(r.seconds, 4),
            "states_per_second": round(r.distinct_states / seconds, 1),
            "invariants": r.invariants,
            "action_properties": r.action_properties,
            "liveness": r.liveness,
            "coverage": {
                name: {"fired": c.fired, "distinct": c.distinct} for name, c in r.coverage.items()
            },
            "never_fired": self.never_fired,
        }
        if r.collision_probability is not None:
            out["collision_probability"] = r.collision_probability
        if r.ray_levels:
            out["ray"] = ray_summary(r)
        drift = self.drift()
        if drift:
            out["drift"] = drift
        if r.violation is not None:
            out["violation"] = {
                "kind": r.violation.kind,
                "property": r.violation.name,
                "length": len(r.violation.trace),
            }
            if r.violation.kind == "liveness":
                out["violation"]["loop"] = r.violation.loop
            out["property"] = r.violation.name
            out["explanation"] = [{"text": x.text, "where": x.where} for x in self.explanation()]
            out["trace"] = self.itf()
        return out


def ray_summary(r: SearchResult) -> dict[str, Any]:
    """What a search on a Ray cluster cost: nodes, actors, bytes shipped, and the seconds the
    driver waited at each phase's barrier, in total and per level."""
    levels = r.ray_levels
    return {
        "nodes": r.ray_nodes,
        "actors": r.workers,
        "shipped_bytes": int(sum(level["shipped"] for level in levels)),
        "barrier_seconds": {
            phase: round(sum(level[phase] for level in levels), 4)
            for phase in ("expand", "settle", "store")
        },
        "levels": [{k: round(v, 4) for k, v in level.items()} for level in levels],
    }


def failure_text(inst: Instance, f: Failure) -> str:
    """ "incr(n=n1) fails, assigning `c[...]` (spec.py:14)": the step that cannot be taken."""
    params = format_params(inst, f.action, f.params)
    where = f" ({os.path.relpath(f.check.loc.file)}:{f.check.loc.line})" if f.check.loc.line else ""
    return f"{f.action}({params}) fails, {f.check.what}{where}"


def check(
    spec: type[Spec] | str,
    params: Mapping[str, int] | None = None,
    options: Options | None = None,
) -> CheckReport:
    """Explore `spec` (a class or a reference such as `spec/paxos.py`) with the given parameters."""
    cls = load_spec(spec) if isinstance(spec, str) else spec
    # a class given as an object may have been made or changed at run time, which its source
    # does not show: only a spec named by reference is traced through the cache
    spec_ir = traced(cls) if isinstance(spec, str) else trace_spec(cls)
    declared = declared_counts(cls, spec_ir)
    inst = instantiate(spec_ir, params or {})
    engine = Engine(inst, options or Options())
    return CheckReport(spec_ir, engine, engine.run(), declared)


def traced(cls: type[Spec]) -> ir.SpecIR:
    """`trace_spec(cls)`, from the start-up cache when it holds the IR of these sources (a
    class defined at the top level of its module, as are its bases: the source says it all)."""
    entry = cache.spec_key(cls) if cache.cache_dir() is not None else None
    if entry is not None:
        hit = cache.load("ir", entry)
        if isinstance(hit, ir.SpecIR):
            return hit
    spec_ir = trace_spec(cls)
    if entry is not None and cache.store("ir", entry, spec_ir):
        # go on with the IR as a later run reads it back, so that this run's compiled code
        # is cached under the key those runs compute (a pickle shares strings differently)
        hit = cache.load("ir", entry)
        if isinstance(hit, ir.SpecIR):
            return hit
    return spec_ir


def declared_counts(cls: type[Spec], spec: ir.SpecIR) -> list[tuple[dict[str, int], int]]:
    """The spec's `expected_states = {"max_ballot=1": 3921, ...}` (key "" for the defaults)."""
    raw = getattr(cls, "expected_states", None) or {}
    loc = Loc(spec.file, 0)
    if not isinstance(raw, dict):
        raise SpecError(f"{spec.name}.expected_states must be a dict of counts", loc)
    out = []
    for key, count in raw.items():
        overrides: dict[str, int] = {}
        for item in str(key).split():
            name, sep, value = item.partition("=")
            if not sep or not value.lstrip("-").isdigit():
                raise SpecError(
                    f'{spec.name}.expected_states: `{key}` must read like "max_ballot=1 values=2"',
                    loc,
                )
            overrides[name] = int(value)
        try:
            resolve_params(spec, overrides)
        except UsageError as exc:
            raise SpecError(f"{spec.name}.expected_states: {exc}", loc) from None
        if not isinstance(count, int) or isinstance(count, bool):
            raise SpecError(f"{spec.name}.expected_states[{key!r}] must be an integer", loc)
        out.append((overrides, count))
    return out

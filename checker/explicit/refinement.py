"""Checking a refinement mapping on one finite instance with the explicit engine.

Every reachable state s of the implementation is mapped to an abstract state α(s) by evaluating
the mapping's definitions; then α(init) must be an initial abstract state, and every explored
implementation step s -> t must map to an abstract step α(s) -> α(t) or to a stutter
(α(s) = α(t)). The first step that maps to neither is reported with the implementation trace
that reaches it (breadth-first, so a shortest one) and the abstract states on both sides.
"""

from __future__ import annotations

import itertools
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from checker import ir
from checker.errors import UsageError
from checker.explicit.codegen import compile_instance
from checker.explicit.contract import TraceStep
from checker.explicit.interp import Interpreter
from checker.explicit.layout import Layout, Structured, Value
from checker.instance import Instance, instantiate
from checker.lang.mapping import MappingIR


@dataclass
class RefinementFailure:
    kind: str  # "init" | "step"
    trace: list[TraceStep]  # implementation trace; the last step is the one that fails
    abstract_before: int | None  # packed abstract states
    abstract_after: int


@dataclass
class RefinementResult:
    impl: Instance
    impl_layout: Layout
    abstract: Instance
    abstract_layout: Layout
    states: int = 0
    transitions: int = 0
    stutters: int = 0
    matched: Counter[tuple[str, str]] = field(default_factory=Counter)  # (impl, abstract action)
    failure: RefinementFailure | None = None
    seconds: float = 0.0


def abstract_params(
    impl: Instance, abstract: ir.SpecIR, sorts: Mapping[str, str]
) -> dict[str, int]:
    """The abstract parameters under which every abstract sort has the size of its image."""
    names = [p.name for p in abstract.params]
    wanted = {d.name: impl.sorts[sorts[d.name]].size for d in abstract.sorts}
    sized = [d for d in abstract.sorts if d.size is not None]
    for values in itertools.product(range(0, 65), repeat=len(names)):
        params = dict(zip(names, values, strict=True))
        if all(d.size is not None and d.size.evaluate(params) == wanted[d.name] for d in sized):
            return params
    raise UsageError(
        f"no parameters of {abstract.name} give its sorts the sizes of their images "
        f"({', '.join(f'{k}={v}' for k, v in wanted.items())})"
    )


class _Abstraction:
    """α: evaluates the mapping's definitions on implementation states."""

    def __init__(self, mapping: MappingIR, impl: Instance, abstract: Instance) -> None:
        self.mapping = mapping
        self.impl, self.abstract = impl, abstract
        self.interp = Interpreter(impl)
        self.layout = Layout(abstract)
        self.to_impl = {a: self._code_map(a, c) for a, c in mapping.sorts.items()}
        self.to_abstract = {
            a: {v: k for k, v in table.items()} for a, table in self.to_impl.items()
        }
        for a, c in mapping.sorts.items():
            aq, cq = abstract.sorts[a].quorums, impl.sorts[c].quorums
            if aq is not None and cq is not None:
                base = abstract.sorts[a].decl.base
                assert base is not None
                mapped = [frozenset(self.to_impl[base][m] for m in q) for q in aq]
                if mapped != list(cq):
                    raise UsageError(f"the quorums of `{a}` and `{c}` differ on this instance")

    def _code_map(self, a: str, c: str) -> dict[int, int]:
        sa, sc = self.abstract.sorts[a], self.impl.sorts[c]
        if sa.size != sc.size:
            raise UsageError(f"sort `{a}` has {sa.size} elements but `{c}` has {sc.size}")
        table = {sa.offset + i: sc.offset + i for i in range(sa.size)}
        if sa.decl.has_bottom:
            table[0] = 0
        return table

    def __call__(self, state: Structured) -> int:
        out: list[Value] = []
        for lay in self.layout.symbols:
            d = self.mapping.definitions[lay.decl.name]
            names = [v.name for v in d.vars]
            sorts = [t.sort for t in lay.decl.args]
            rows: list[tuple[tuple[int, ...], int]] = []
            for codes in self.abstract.product(lay.decl.args):
                env = {n: self.to_impl[s][c] for n, s, c in zip(names, sorts, codes, strict=True)}
                if isinstance(d.body, ir.Formula):
                    rows.append((codes, int(self.interp.formula(d.body, env, state, None))))
                else:
                    assert lay.decl.result is not None
                    value = self.interp.term(d.body, env, state, None)
                    rows.append((codes, self.to_abstract[lay.decl.result.sort][value]))
            if lay.is_relation:
                out.append(frozenset(codes for codes, holds in rows if holds))
            else:
                out.append(tuple(v for _, v in rows))
        return self.layout.pack(tuple(out))


def check_refinement(
    impl: Instance, abstract_spec: ir.SpecIR, mapping: MappingIR, limit: int = 2_000_000
) -> RefinementResult:
    start = time.perf_counter()
    abstract = instantiate(abstract_spec, abstract_params(impl, abstract_spec, mapping.sorts))
    alpha = _Abstraction(mapping, impl, abstract)
    impl_layout = Layout(impl)
    result = RefinementResult(impl, impl_layout, abstract, alpha.layout)
    compiled = compile_instance(impl, impl_layout)
    abstract_compiled = compile_instance(abstract, alpha.layout)
    abstract_interp = Interpreter(abstract, alpha.layout)
    abstract_inits = {alpha.layout.pack(st) for _, _, st in abstract_interp.initial_states()}
    cache: dict[int, int] = {}

    def image(s: int) -> int:
        a = cache.get(s)
        if a is None:
            a = cache[s] = alpha(impl_layout.unpack(s))
        return a

    abstract_steps: dict[int, dict[int, list[str]]] = {}

    def abstract_successors(a: int) -> dict[int, list[str]]:
        found = abstract_steps.get(a)
        if found is None:
            found = {}
            for k, fn in enumerate(abstract_compiled.actions):
                for t in fn(a):
                    found.setdefault(t, []).append(abstract_spec.actions[k].name)
            abstract_steps[a] = found
        return found

    parents: dict[int, tuple[int, str | None, tuple[tuple[str, int, str], ...]]] = {}
    frontier = []
    interp = Interpreter(impl, impl_layout)
    for k, codes, st in interp.initial_states():
        s = impl_layout.pack(st)
        if s in parents:
            continue
        if k >= 0:  # made by an @init: named after it, with its parameters
            init = impl.spec.inits[k]
            named = tuple((v.name, c, v.type.sort) for v, c in zip(init.params, codes, strict=True))
            parents[s] = (-1, init.name, named)
        else:
            parents[s] = (-1, None, ())
        frontier.append(s)
        if image(s) not in abstract_inits:
            result.failure = RefinementFailure("init", _trace(parents, s), None, image(s))
            break
    while frontier and result.failure is None:
        nxt = []
        for s in frontier:
            a = image(s)
            for k, fn in enumerate(compiled.labelled):
                act = impl.spec.actions[k]
                for t, index in fn(s):
                    result.transitions += 1
                    params: tuple[tuple[str, int, str], ...] = tuple(
                        (v.name, code, v.type.sort)
                        for v, code in zip(act.params, compiled.params[k][index], strict=True)
                    )
                    b = image(t)
                    if a == b:
                        result.stutters += 1
                    else:
                        names = abstract_successors(a).get(b)
                        if names is None:
                            trace = _trace(parents, s)
                            trace.append(TraceStep(act.name, params, t))
                            result.failure = RefinementFailure("step", trace, a, b)
                            break
                        result.matched[(act.name, names[0])] += 1
                    if t not in parents:
                        parents[t] = (s, act.name, params)
                        nxt.append(t)
                        if len(parents) > limit:
                            raise UsageError(
                                f"more than {limit:,} implementation states: use a smaller instance"
                            )
                if result.failure:
                    break
            if result.failure:
                break
        frontier = nxt
    result.states = len(parents)
    result.seconds = time.perf_counter() - start
    return result


def _trace(
    parents: dict[int, tuple[int, str | None, tuple[tuple[str, int, str], ...]]], s: int
) -> list[TraceStep]:
    steps = []
    while s != -1:
        parent, name, params = parents[s]
        steps.append(TraceStep(name, params, s))
        s = parent
    steps.reverse()
    return steps

"""Refinement mappings: the abstract spec's state, defined over the implementation's state.

A mapping is a Python function that takes the implementation spec (as the same tracing proxy
that actions see) and returns a `Mapping`: which implementation sort each abstract sort is, and
for each abstract state symbol a function of its arguments that computes it. For Paxos.tla's
`V == INSTANCE Voting`:

    def paxos_to_voting(p: Paxos) -> Mapping:
        return Mapping(
            sorts={"acceptor": p.acceptor, "value": p.value, "ballot": p.ballot, "quorum": p.quorum},
            state={"votes": lambda a, b, v: p.msg_2b(a, b, v), "max_bal": lambda a: p.max_bal(a)},
            steps={"phase1a": None, "phase1b": "increase_max_bal", "phase2a": None,
                   "phase2b": "vote_for"},
        )

`steps` is optional: which abstract action each implementation action refines (None: it only
stutters); the proof with z3 then matches parameters by name instead of searching for them.
`trace_mapping` turns the function into a `MappingIR` of definitions in the implementation's IR.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping as MappingT
from dataclasses import dataclass, field
from typing import Any

from checker import ir
from checker.errors import Loc, SpecError
from checker.lang import context
from checker.lang.sorts import SortBase
from checker.lang.spec import Spec
from checker.lang.terms import SymTerm, as_formula, as_term
from checker.lang.trace import Tracer, call_traced, fn_loc


@dataclass
class Mapping:
    sorts: MappingT[str, SortBase]
    state: MappingT[str, Callable[..., Any]]
    steps: MappingT[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Definition:
    """abstract_symbol(vars) := body, with vars and body over the implementation's sorts."""

    symbol: str
    vars: tuple[ir.Var, ...]
    body: ir.Formula | ir.Term


@dataclass(frozen=True)
class MappingIR:
    name: str
    sorts: dict[str, str]  # abstract sort -> implementation sort
    definitions: dict[str, Definition]
    steps: dict[str, str | None]
    loc: Loc


def trace_mapping(impl: type[Spec], abstract: ir.SpecIR, fn: Callable[[Any], Mapping]) -> MappingIR:
    """Trace `fn` over the implementation and check it against the abstract spec."""
    tracer = Tracer(impl)
    impl_ir = tracer.run()
    loc = fn_loc(fn)
    what = f"the refinement mapping `{fn.__name__}`"
    ctx = context.TraceContext(what, None, tracer.sort_kinds, tracer.int_bounds)
    with context.tracing(ctx):
        result = call_traced(fn, [tracer._proxy(False)], what)
        if not isinstance(result, Mapping):
            raise SpecError(f"{what} must return a Mapping, not {type(result).__name__}", loc)
        sorts = _sort_map(result, impl_ir, abstract, loc, what)
        definitions = {}
        for decl in abstract.symbols:
            if decl.name not in result.state:
                raise SpecError(f"{what} does not define the abstract state `{decl.name}`", loc)
            definitions[decl.name] = _define(decl, result.state[decl.name], sorts, ctx, what, loc)
        extra = set(result.state) - {d.name for d in abstract.symbols}
        if extra:
            raise SpecError(
                f"{what} defines {', '.join(sorted(extra))}, which {abstract.name} does not declare",
                loc,
            )
    steps = dict(result.steps)
    impl_actions = {a.name for a in impl_ir.actions}
    abstract_actions = {a.name for a in abstract.actions}
    for name, target in steps.items():
        if name not in impl_actions:
            raise SpecError(f"{what}: `steps` names `{name}`, not an action of {impl_ir.name}", loc)
        if target is not None and target not in abstract_actions:
            raise SpecError(
                f"{what}: `steps` maps `{name}` to `{target}`, not an action of {abstract.name}",
                loc,
            )
    return MappingIR(fn.__name__, sorts, definitions, steps, loc)


def _sort_map(
    m: Mapping, impl: ir.SpecIR, abstract: ir.SpecIR, loc: Loc, what: str
) -> dict[str, str]:
    out: dict[str, str] = {}
    impl_sorts = {s.name: s for s in impl.sorts}
    for decl in abstract.sorts:
        target = m.sorts.get(decl.name)
        if not isinstance(target, SortBase) or target.name not in impl_sorts:
            raise SpecError(
                f"{what} must map the abstract sort `{decl.name}` to a sort of {impl.name}", loc
            )
        concrete = impl_sorts[target.name]
        if concrete.kind is not decl.kind:
            raise SpecError(
                f"{what} maps the {decl.kind.value} sort `{decl.name}` to the "
                f"{concrete.kind.value} sort `{concrete.name}`",
                loc,
            )
        if decl.has_bottom and not concrete.has_bottom:
            raise SpecError(
                f"{what}: `{decl.name}` has a bottom element but `{concrete.name}` does not", loc
            )
        out[decl.name] = concrete.name
    return out


def _define(
    decl: ir.SymbolDecl,
    fn: Callable[..., Any],
    sorts: dict[str, str],
    ctx: context.TraceContext,
    what: str,
    ctx_loc: Loc,
) -> Definition:
    if not callable(fn):
        raise SpecError(f"{what}: the definition of `{decl.name}` must be a function", ctx_loc)
    loc = fn_loc(fn) if hasattr(fn, "__code__") else ctx_loc
    variables = tuple(
        ir.Var(ctx.fresh_name(f"x{i}"), ir.Type(sorts[t.sort], t.bottom), loc=loc)
        for i, t in enumerate(decl.args)
    )
    part = f"{what}, for `{decl.name}`"
    value = call_traced(fn, [SymTerm(v) for v in variables], part)
    if decl.kind is ir.SymbolKind.RELATION:
        return Definition(decl.name, variables, as_formula(value, part, loc))
    term = as_term(value, part, loc)
    assert decl.result is not None
    expected = ir.Type(sorts[decl.result.sort], decl.result.bottom)
    if term.type.sort != expected.sort or (term.type.bottom and not expected.bottom):
        raise SpecError(f"{part} gives a {term.type}, but {decl.name} holds a {expected}", loc)
    return Definition(decl.name, variables, term)

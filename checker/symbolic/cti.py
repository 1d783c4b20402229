"""Counterexamples to induction: a z3 model read back as a small finite structure.

The model of a failed obligation is minimised first (fewest elements per sort, then fewest true
tuples per relation of the pre-state, each step a z3 query with a short time limit), then read
into an explicit-engine `Instance` with exactly those elements — quorums keep the member sets the
model gave them — so the CTI prints like any trace, renders as a graph, and can be executed by
the explicit engine (the tests check that the action, run there, yields the CTI's post-state).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import z3

from checker import ir
from checker.explicit.layout import Layout, Structured, Value
from checker.instance import Instance, SortInstance
from checker.symbolic.translate import Val, View
from checker.symbolic.unbounded import UnboundedTranslator
from checker.traces.text import Line, describe_change, describe_state, format_params

MINIMISE_TIMEOUT_MS = 2000


@dataclass
class Cti:
    """A pre-state where the invariant holds, an action step, and the broken claim."""

    obligation: str
    claim: str  # the conjunct or safety property that is false in the last state
    inst: Instance  # the CTI's universe
    layout: Layout
    pre: Structured
    action: str | None = None  # None: `pre` itself breaks the claim (initial state or safety)
    params: tuple[tuple[str, int, str], ...] = ()
    post: Structured | None = None

    @property
    def last(self) -> Structured:
        return self.post if self.post is not None else self.pre

    def universe(self) -> list[str]:
        out = []
        for name, s in self.inst.sorts.items():
            labels = [str(self.inst.label(name, c)) for c in s.codes(False)]
            sep = " < " if s.decl.kind is ir.SortKind.ORDERED else ", "
            extra = f" (bottom {s.decl.bottom})" if s.decl.has_bottom else ""
            out.append(f"{name} = {{{sep.join(labels)}}}{extra}")
        return out

    def lines(self) -> list[Line]:
        out = [Line("universe:", "header")]
        out.extend(Line(f"  {u}") for u in self.universe())
        first = "pre-state (the invariant holds)" if self.action else "state"
        out.append(Line(f"{first}:", "header"))
        out.extend(describe_state(self.inst, self.layout, self.pre))
        if self.action is not None and self.post is not None:
            params = format_params(self.inst, self.action, self.params)
            out.append(Line(f"step: {self.action}({params}), changing:", "header"))
            out.extend(describe_change(self.inst, self.layout, self.pre, self.post))
        where = "the post-state" if self.post is not None else "this state"
        out.append(Line(f"`{self.claim}` is false in {where}.", "header"))
        return out

    def text(self) -> str:
        return "\n".join(line.text for line in self.lines())


# -- minimisation ------------------------------------------------------------------------------


def size_bound(
    tr: UnboundedTranslator, sort: str, k: int, tag: str, exact: bool = True
) -> tuple[z3.BoolRef, list[z3.ExprRef]]:
    """`sort` has exactly (or at most) k proper elements, named by fresh constants."""
    s = tr.z3sorts[sort]
    t = ir.Type(sort)
    consts = [z3.Const(f"{tag}!{sort}!{i}", s) for i in range(k)]
    x = z3.Const(f"{tag}!{sort}!x", s)
    proper = tr.proper(t, x)
    cover = z3.Or(*[x == c for c in consts])
    parts = [z3.ForAll([x], cover if proper is True else z3.Implies(proper, cover))]
    parts += [c != tr.bottoms[sort] for c in consts if sort in tr.bottoms]
    if exact and k > 1:
        parts.append(z3.Distinct(*consts))
    return z3.And(*parts), consts


def _int_range(model: z3.ModelRef, tr: UnboundedTranslator, sort: str) -> range:
    """The values of an integer sort in a model (its bounds, evaluated with the parameters)."""
    lo, hi = (model.eval(b, model_completion=True).as_long() for b in tr.int_bounds[sort])
    return range(lo, hi + 1)


def proper_elements(model: z3.ModelRef, tr: UnboundedTranslator, sort: str) -> list[z3.ExprRef]:
    if sort in tr.int_bounds:
        return [z3.IntVal(v) for v in _int_range(model, tr, sort)]
    universe = model.get_universe(tr.z3sorts[sort]) or []
    if not universe:  # z3 left the sort out of the model: it has one element (every sort does),
        # which model completion names as it evaluates anything of the sort
        universe = [model.eval(z3.Const(f"{sort}!any", tr.z3sorts[sort]), model_completion=True)]
    if sort in tr.bottoms:
        bottom = model.eval(tr.bottoms[sort], model_completion=True)
        universe = [e for e in universe if not e.eq(bottom)]
    return list(universe)


def minimise(solver: z3.Solver, tr: UnboundedTranslator, pre: View) -> z3.ModelRef:
    """The smallest model this solver still has (leaves extra scopes pushed: the caller pops)."""
    model = solver.model()
    solver.set("timeout", MINIMISE_TIMEOUT_MS)
    order = sorted(tr.spec.sorts, key=lambda d: d.kind is ir.SortKind.QUORUM)
    named: dict[str, list[z3.ExprRef]] = {}
    for decl in order:
        current = len(proper_elements(model, tr, decl.name))
        for k in range(1, current + 1):
            if decl.name in tr.int_bounds:  # the fewest values lo..hi, named lo + i
                lo, hi = tr.int_bounds[decl.name]
                constraint, consts = hi - lo + 1 == k, [lo + i for i in range(k)]
            else:  # (and a smaller model must stay a genuine one)
                bounded, consts = size_bound(tr, decl.name, k, "min")
                constraint = z3.And(bounded, *tr.exact({**named, decl.name: consts}))
            solver.push()
            solver.add(constraint)
            if k == current or solver.check() == z3.sat:
                if k < current:
                    model = solver.model()
                named[decl.name] = consts
                break
            solver.pop()
    if model is None:  # pragma: no cover - z3 always has a model after sat
        return solver.model()
    for sym in tr.spec.symbols:
        if sym.kind is not ir.SymbolKind.RELATION or not sym.args:
            continue
        domains = [
            ([tr.bottoms[t.sort]] if t.bottom else []) + named.get(t.sort, []) for t in sym.args
        ]
        atoms = [_z3_bool(pre[sym.name](list(xs))) for xs in _product(domains)]
        count = sum(1 for a in atoms if z3.is_true(model.eval(a, model_completion=True)))
        while count > 0:
            solver.push()
            solver.add(z3.AtMost(*atoms, count - 1) if atoms else z3.BoolVal(True))
            if solver.check() != z3.sat:
                solver.pop()
                break
            model = solver.model()
            count = sum(1 for a in atoms if z3.is_true(model.eval(a, model_completion=True)))
    return model


def _product(domains: Sequence[Sequence[z3.ExprRef]]) -> list[tuple[z3.ExprRef, ...]]:
    out: list[tuple[z3.ExprRef, ...]] = [()]
    for d in domains:
        out = [(*t, x) for t in out for x in d]
    return out


def _z3_bool(b: object) -> z3.BoolRef:
    return z3.BoolVal(b) if isinstance(b, bool) else b


# -- reading a model ---------------------------------------------------------------------------


class ModelReader:
    """Maps a model's elements to codes of a finite `Instance` and reads states out of it."""

    def __init__(self, model: z3.ModelRef, tr: UnboundedTranslator) -> None:
        self.model, self.tr = model, tr
        self.codes: dict[str, dict[str, int]] = {}
        self.elements: dict[str, list[z3.ExprRef]] = {}
        sorts: dict[str, SortInstance] = {}
        for decl in tr.spec.sorts:
            elems = self._ordered(decl, proper_elements(model, tr, decl.name))
            offset = 1 if decl.has_bottom else 0
            codes = {e.sexpr(): offset + i for i, e in enumerate(elems)}
            all_elems = list(elems)
            if decl.has_bottom:
                bottom = self.eval(tr.bottoms[decl.name])
                codes[bottom.sexpr()] = 0
                all_elems.insert(0, bottom)
            self.codes[decl.name], self.elements[decl.name] = codes, all_elems
            quorums = None
            if decl.kind is ir.SortKind.QUORUM:
                assert decl.base is not None
                member = tr.member_rel[decl.name]
                base = self.elements[decl.base]
                quorums = tuple(
                    frozenset(
                        self.codes[decl.base][n.sexpr()]
                        for n in base
                        if z3.is_true(self.eval(member(n, q)))
                    )
                    for q in elems
                )
            bias = _int_range(model, tr, decl.name).start if decl.name in tr.int_bounds else 0
            sorts[decl.name] = SortInstance(decl, len(elems), quorums, bias)
        params = {
            name: model.eval(var, model_completion=True).as_long()
            for name, var in tr.param_vars.items()
        }
        self.inst = Instance(tr.spec, params, sorts)
        self.layout = Layout(self.inst)

    def eval(self, e: z3.ExprRef) -> z3.ExprRef:
        return self.model.eval(e, model_completion=True)

    def _ordered(self, decl: ir.SortDecl, elems: list[z3.ExprRef]) -> list[z3.ExprRef]:
        if decl.kind is ir.SortKind.INT:
            return elems  # already in order
        if decl.kind is ir.SortKind.ORDERED:
            le = self.tr.le_rel[decl.name]
            return sorted(elems, key=lambda e: sum(z3.is_true(self.eval(le(o, e))) for o in elems))
        if decl.kind is ir.SortKind.QUORUM:
            return elems
        named = [
            self.eval(self.tr.consts[(decl.name, i)])
            for i in range(len(elems))
            if (decl.name, i) in self.tr.consts
        ]
        keys = {n.sexpr() for n in named}
        return named + [e for e in elems if e.sexpr() not in keys]

    def code(self, sort: str, value: Val) -> int:
        assert isinstance(value, z3.ExprRef)
        return self.codes[sort][self.eval(value).sexpr()]

    def state(self, view: View) -> Structured:
        out: list[Value] = []
        for lay in self.layout.symbols:
            decl = lay.decl
            reader = view[decl.name]
            tuples = list(self.inst.product(decl.args))
            args = [
                [self.elements[t.sort][c] for t, c in zip(decl.args, codes, strict=True)]
                for codes in tuples
            ]
            if lay.is_relation:
                out.append(
                    frozenset(
                        codes
                        for codes, xs in zip(tuples, args, strict=True)
                        if z3.is_true(self.eval(_z3_bool(reader(xs))))
                    )
                )
            else:
                assert decl.result is not None
                result = decl.result.sort
                out.append(tuple(self.code(result, reader(xs)) for xs in args))
        return tuple(out)

    def params(self, act: ir.Action, values: Sequence[Val]) -> tuple[tuple[str, int, str], ...]:
        return tuple(
            (v.name, self.code(v.type.sort, x), v.type.sort)
            for v, x in zip(act.params, values, strict=True)
        )

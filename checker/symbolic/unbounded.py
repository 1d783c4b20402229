"""The unbounded translation: every sort is an uninterpreted z3 sort, of any size.

* A sort with a bottom element has a constant for it; a variable of a type without bottom is
  guarded to differ from it.
* An ordered sort has a relation `le` with the axioms of a total order, bottom below everything.
* A quorum sort has the membership relation; when its quorums must intersect for every size
  (majorities, or a size that z3 shows to exceed half of the base sort for every parameter
  value) it gets the intersection axiom `∀q1 q2. ∃n. member(n, q1) ∧ member(n, q2)`.
* Of the sizes of sets of a quorum sort (`quorums.size(q)`), the comparison that makes
  majorities, `size(q) * 2 > size(c)`, is a relation `half(q, c)`, with the majority lemma:
  two subsets of one set, each more than half of it, share a member
  (so a proof about majorities of configurations stays in EPR). Any other size is `card(q)`, a
  function of the set with no other property; other counts are any integer at all.
* Of an ordered sort, "nothing lies between p and s", `~exists(m: p < m < s)` (what says that p
  is just before s), is a relation `adjacent(p, s)` with the universal axiom
  `adjacent(p, s) ∧ p < m → ¬(m < s)`: the existential inside would make z3 build a function
  from pairs of elements to elements, which is where its search for a model of slots loses its
  way. The converse (if p and s are not adjacent, some m lies between) is `exact(elements)`,
  ground over the elements of a finite universe: searches for counterexamples assume it and
  a model is checked against it before it is reported (a counterexample must be genuine);
  proofs rarely need it, and assume it (`converse()`) only as a last resort.
* An element named by index (`sort[i]`) is a constant: distinct from the others and, in an
  ordered sort, the i-th smallest proper element.
* Every non-quorum sort has at least one proper element (a spec's sizes are at least 1).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import z3

from checker import ir
from checker.errors import SpecError
from checker.explicit.simplify import free_vars
from checker.symbolic.logic import Bool, mk_and, mk_implies
from checker.symbolic.shapes import (
    indexed_elements,
    more_than_half,
    nothing_between,
    set_size,
    spec_shapes,
)
from checker.symbolic.translate import Env, Reader, Translator, Val, View, constant_reader


@dataclass(frozen=True)
class Axiom:
    name: str
    formula: z3.BoolRef


def _size_expr(size: ir.Size, params: dict[str, z3.ArithRef]) -> z3.ArithRef:
    if size.op == "const":
        return z3.IntVal(size.value)
    if size.op == "param":
        return params[size.name]
    assert size.left is not None and size.right is not None
    a, b = _size_expr(size.left, params), _size_expr(size.right, params)
    return {"+": a + b, "-": a - b, "*": a * b, "//": a / b}[size.op]


def quorums_intersect(spec: ir.SpecIR, decl: ir.SortDecl) -> bool:
    """Whether any two quorums of `decl` share a member for every parameter value."""
    if decl.all_subsets:
        return False  # the empty set, for one
    if decl.quorum_size is None:
        return True  # majorities
    assert decl.base is not None
    params = {p.name: z3.Int(p.name) for p in spec.params}
    base_size = spec.sort(decl.base).size
    assert base_size is not None
    n, k = _size_expr(base_size, params), _size_expr(decl.quorum_size, params)
    solver = z3.Solver()
    solver.set("timeout", 5000)
    solver.add(*(p >= 1 for p in params.values()), k >= 1, k <= n, 2 * k <= n)
    return bool(solver.check() == z3.unsat)  # no sizes with two disjoint quorums


class UnboundedTranslator(Translator):
    def __init__(self, spec: ir.SpecIR) -> None:
        super().__init__(spec)
        # Integer sorts are z3's integers between their bounds, which are expressions over the
        # parameters (themselves integers of any value); the other sorts are uninterpreted.
        self.param_vars = {p.name: z3.Int(p.name) for p in spec.params}
        self.int_bounds = {
            s.name: (
                z3.simplify(_size_expr(s.lo, self.param_vars)),
                z3.simplify(
                    _size_expr(s.lo, self.param_vars) + _size_expr(s.size, self.param_vars) - 1
                ),
            )
            for s in spec.sorts
            if s.kind is ir.SortKind.INT and s.lo is not None and s.size is not None
        }
        self.z3sorts: dict[str, z3.SortRef] = {
            s.name: z3.IntSort() if s.name in self.int_bounds else z3.DeclareSort(s.name)
            for s in spec.sorts
        }
        self.bottoms: dict[str, z3.ExprRef] = {
            s.name: z3.Const(f"{s.name}!{s.bottom}", self.z3sorts[s.name])
            for s in spec.sorts
            if s.has_bottom
        }
        self.le_rel = {
            s.name: z3.Function(
                f"le!{s.name}", self.z3sorts[s.name], self.z3sorts[s.name], z3.BoolSort()
            )
            for s in spec.sorts
            if s.kind is ir.SortKind.ORDERED
        }
        self.member_rel: dict[str, z3.FuncDeclRef] = {}
        for s in spec.sorts:
            if s.kind is ir.SortKind.QUORUM:
                assert s.base is not None
                self.member_rel[s.name] = z3.Function(
                    f"member!{s.name}", self.z3sorts[s.base], self.z3sorts[s.name], z3.BoolSort()
                )
        shapes = spec_shapes(spec)
        self.quorum_bases = {  # of the quorum sorts whose sets' sizes the spec takes
            s.name: s.base for s in spec.sorts if s.base is not None and s.name in shapes.counted
        }
        self.card_fn = {
            name: z3.Function(f"card!{name}", self.z3sorts[name], z3.IntSort())
            for name in self.member_rel
        }
        self.half_rel = {
            name: z3.Function(f"half!{name}", self.z3sorts[name], self.z3sorts[name], z3.BoolSort())
            for name in self.member_rel
        }
        self.sized = shapes.halved  # the sorts whose sizes get the majority lemma
        self.adjacent_rel = {
            name: z3.Function(
                f"adjacent!{name}", self.z3sorts[name], self.z3sorts[name], z3.BoolSort()
            )
            for name in shapes.adjacent
            if name in self.le_rel
        }
        self.intersecting = {
            s.name: quorums_intersect(spec, s) for s in spec.sorts if s.kind is ir.SortKind.QUORUM
        }
        self.consts: dict[tuple[str, int], z3.ExprRef] = {}
        self._fresh = itertools.count()
        for e in indexed_elements(spec):
            self.elem(e)  # create every named element up front, so the axioms know them

    # -- leaves ------------------------------------------------------------------------------

    def sort(self, name: str) -> z3.SortRef:
        return self.z3sorts[name]

    def elem(self, e: ir.Elem) -> Val:
        if e.index is None:
            return self.bottoms[e.sort]
        if e.sort in self.int_bounds:  # the value lo + index
            index = e.index
            offset = (
                z3.IntVal(index) if isinstance(index, int) else _size_expr(index, self.param_vars)
            )
            return self.int_bounds[e.sort][0] + offset
        decl = self.sort_decls[e.sort]
        if decl.kind is ir.SortKind.QUORUM:
            raise SpecError(
                f"`{e.sort}[{e.index}]` names one quorum; the symbolic engine treats quorums "
                "abstractly and cannot name them",
                e.loc,
            )
        index = e.index
        if isinstance(index, ir.Size):
            if index.op != "const":
                raise SpecError(
                    f"`{e.sort}[{index}]` names an element by the spec's parameters; the "
                    "symbolic engine proves for every size and cannot name it (check and bmc, "
                    "which fix the parameters, can)",
                    e.loc,
                )
            index = index.value
        for i in range(index + 1):
            key = (e.sort, i)
            if key not in self.consts:
                self.consts[key] = z3.Const(f"{e.sort}!{i}", self.z3sorts[e.sort])
        return self.consts[(e.sort, index)]

    def eq(self, a: Val, b: Val, sort: str) -> Bool:
        assert isinstance(a, z3.ExprRef) and isinstance(b, z3.ExprRef)
        if a.eq(b):
            return True
        return a == b

    def le(self, a: Val, b: Val, sort: str) -> Bool:
        if isinstance(a, z3.ExprRef) and isinstance(b, z3.ExprRef) and a.eq(b):
            return True
        if sort in self.int_bounds:
            return a <= b
        if sort not in self.le_rel:  # a plain sort has no order: only choose(...) compares
            return True  # its elements (the least that satisfies...): any, which adds behaviours
        return self.le_rel[sort](a, b)

    def term(self, t: ir.Term, env: Env, pre: View, post: View | None = None) -> Val:
        sized = set_size(t)
        if sized is not None:
            sort, of = sized
            return self.card_fn[sort](self.term(of, env, pre, post))
        return super().term(t, env, pre, post)

    def formula(self, f: ir.Formula, env: Env, pre: View, post: View | None = None) -> Bool:
        adjacent = nothing_between(f)
        if adjacent is not None and adjacent[0] in self.adjacent_rel:
            sort, p, s = adjacent
            return self.adjacent_rel[sort](
                self.term(p, env, pre, post), self.term(s, env, pre, post)
            )
        half = more_than_half(f)
        if half is not None:
            sort, q, c = half
            return self.half_rel[sort](self.term(q, env, pre, post), self.term(c, env, pre, post))
        return super().formula(f, env, pre, post)

    def count(self, types: list[ir.Type], body: Callable[[Sequence[Val]], Bool]) -> Val:
        """Any count at all (a fresh integer, at least 0): the sorts have no size here, so a
        proof sees every value a count could take — more behaviours, so it stays sound."""
        fresh = z3.Int(f"count!{next(self._fresh)}")
        return z3.If(fresh >= 0, fresh, 0)

    def choose(self, t: ir.Choose, env: Env, pre: View, post: View | None) -> Val:
        """A fresh function of the variables the body reads (bound outside it), defined by
        `(∃y. P(y)) ⇒ P(c) ∧ ∀y. P(y) ⇒ c ≤ y` for every value of them. The sorts have no size,
        so an if-then-else chain over their elements cannot be written; a function, unlike a
        constant, gives each binding of the variables around it its own value. The definition
        is exact where the sort is ordered (integers, ordered sorts); over a plain sort, which
        has no order here, it is *some* element with P, the same in the same state — the real
        CHOOSE is one of the functions z3 considers, so a proof stays sound."""
        (var,) = t.vars
        names = free_vars(t)
        free = sorted(
            {
                e.name: e for e in ir.walk(t.body) if isinstance(e, ir.Var) and e.name in names
            }.values(),
            key=lambda v: v.name,
        )
        xs = [self.fresh(v.type) for v in free]
        result = self.z3sorts[var.type.sort]
        fn = z3.Function(
            f"choose!{next(self._fresh)}", *(self.z3sorts[v.type.sort] for v in free), result
        )
        inner = {**env, **{v.name: x for v, x in zip(free, xs, strict=True)}}

        def holds(y: Val) -> Bool:
            return self.formula(t.body, {**inner, var.name: y}, pre, post)

        c = fn(*xs)
        sort = var.type.sort
        defined = mk_implies(
            self.quantify(False, [var.type], lambda ys: holds(ys[0])),
            mk_and(
                [
                    self.proper(var.type, c),
                    holds(c),
                    self.quantify(
                        True,
                        [var.type],
                        lambda ys: mk_implies(holds(ys[0]), self.le(c, ys[0], sort)),
                    ),
                ]
            ),
        )
        if xs:
            guard = mk_and(self.proper(v.type, x) for v, x in zip(free, xs, strict=True))
            defined = z3.ForAll(xs, mk_implies(guard, defined))
        self.definitions.append(_z3(defined))
        value: Val = fn(*(env[v.name] for v in free))
        return value

    def int_lit(self, t: ir.IntLit) -> Val:
        if isinstance(t.value, int):
            return z3.IntVal(t.value)
        return _size_expr(t.value, self.param_vars)

    def to_int(self, code: Val, sort: str) -> Val:
        return code  # an integer sort's elements are their values

    def cast(self, value: Val, sort: str) -> Val:
        return value

    def member(self, quorum_sort: str, e: Val, q: Val) -> Bool:
        return self.member_rel[quorum_sort](e, q)

    def proper(self, t: ir.Type, x: Val) -> Bool:
        if t.sort in self.int_bounds:
            lo, hi = self.int_bounds[t.sort]
            return z3.And(lo <= x, x <= hi)
        if t.bottom or t.sort not in self.bottoms:
            return True
        assert isinstance(x, z3.ExprRef)
        return x != self.bottoms[t.sort]

    def fresh(self, t: ir.Type, hint: str = "x") -> z3.ExprRef:
        return z3.Const(f"{hint}!{next(self._fresh)}", self.z3sorts[t.sort])

    def quantify(
        self, universal: bool, types: Sequence[ir.Type], body: Callable[[Sequence[Val]], Bool]
    ) -> Bool:
        xs = [self.fresh(t) for t in types]
        inner = body(xs)
        if isinstance(inner, bool):
            return inner  # every type is non-empty
        guard = mk_and(self.proper(t, x) for t, x in zip(types, xs, strict=True))
        if universal:
            return z3.ForAll(xs, mk_implies(guard, inner))
        return z3.Exists(xs, mk_and([guard, inner]))

    def ite_val(self, c: Bool, a: Val, b: Val, sort: str) -> Val:
        if isinstance(c, bool):
            return a if c else b
        return z3.If(c, a, b)

    # -- states ------------------------------------------------------------------------------

    def state(self, suffix: str) -> dict[str, Reader]:
        """A state made of fresh z3 symbols, one per state symbol, named `symbol{suffix}`."""
        view: dict[str, Reader] = {}
        for decl in self.spec.symbols:
            args = [self.z3sorts[t.sort] for t in decl.args]
            if decl.kind is ir.SymbolKind.RELATION:
                result: z3.SortRef = z3.BoolSort()
            else:
                assert decl.result is not None
                result = self.z3sorts[decl.result.sort]
            name = decl.name if decl.rigid else decl.name + suffix  # rigid: one in all states
            if args:
                view[decl.name] = _applying(z3.Function(name, *args, result))
            else:
                view[decl.name] = constant_reader(z3.Const(name, result))
        return view

    def params(self, act: ir.Action, hint: str) -> tuple[z3.ExprRef, ...]:
        return tuple(z3.Const(f"{hint}{v.name}", self.z3sorts[v.type.sort]) for v in act.params)

    def param_guard(self, act: ir.Action, values: Sequence[Val]) -> Bool:
        return mk_and(self.proper(v.type, x) for v, x in zip(act.params, values, strict=True))

    # -- axioms ------------------------------------------------------------------------------

    def axioms(self) -> list[Axiom]:
        """The sorts' axioms, then the spec's @axiom methods (over its rigid symbols, which are
        one z3 symbol in every state)."""
        out = self._sort_axioms()
        rigid = self.state("")
        for a in self.spec.properties_of(ir.PropertyKind.AXIOM):
            out.append(Axiom(f"axiom {a.name}", _z3(self.formula(a.formula, {}, rigid))))
        return out

    def _majority_lemma(self, name: str, base: str) -> list[Axiom]:
        """Two subsets of one set, each more than half of it, share a member (with one subset
        twice: a majority is not empty). One set, not two with the same members: equal sets
        are one element in every standard model, and the lemma stays cheap to instantiate."""
        member, half = self.member_rel[name], self.half_rel[name]
        s = self.z3sorts[name]
        n = z3.Const("n", self.z3sorts[base])
        q1, q2, c = (z3.Const(x, s) for x in ("q1", "q2", "c"))
        within = [z3.ForAll([n], z3.Implies(member(n, q), member(n, c))) for q in (q1, q2)]
        meet = z3.Exists([n], z3.And(member(n, q1), member(n, q2)))
        premise = z3.And(*within, half(q1, c), half(q2, c))
        return [
            Axiom(
                f"two majorities of one `{name}` share a member",
                z3.ForAll([q1, q2, c], z3.Implies(premise, meet)),
            )
        ]

    def _adjacency(self, name: str) -> list[Axiom]:
        """What `adjacent(p, s)` (nothing lies between p and s) implies: no m with p < m < s.
        The converse is in `exact`."""
        adjacent = self.adjacent_rel[name]
        p, s, m = (z3.Const(x, self.z3sorts[name]) for x in ("p", "s", "m"))
        between = self._between(name, p, m, s)
        return [
            Axiom(
                f"nothing lies between adjacent `{name}` elements",
                z3.ForAll([p, s, m], z3.Implies(adjacent(p, s), z3.Not(between))),
            )
        ]

    def _between(self, name: str, p: z3.ExprRef, m: z3.ExprRef, s: z3.ExprRef) -> z3.BoolRef:
        """p < m < s in ordered sort `name`."""
        le = self.le_rel[name]
        return z3.And(z3.Not(le(m, p)), z3.Not(le(s, m)))

    def converse(self) -> list[z3.BoolRef]:
        """`exact` for every universe: p and s are adjacent unless some element lies between
        them (an existential under universals, which z3 finds hard: the last resort)."""
        out: list[z3.BoolRef] = []
        for name, adjacent in self.adjacent_rel.items():
            p, s, m = (z3.Const(x, self.z3sorts[name]) for x in ("p", "s", "m"))
            between = z3.Exists([m], self._between(name, p, m, s))
            out.append(z3.ForAll([p, s], z3.Or(adjacent(p, s), between)))
        return out

    def exact(self, elements: Mapping[str, Sequence[z3.ExprRef]]) -> list[z3.BoolRef]:
        """What the abstractions leave out, in a universe whose sorts have the given proper
        elements (and their bottoms): a set's size is the number of its members, and p and s
        are adjacent if no element lies between them. Ground, so cheap for z3, in a search for
        a counterexample with bounded sorts, and decidable in a model's finite universe."""
        out: list[z3.BoolRef] = []
        for name, base in self.quorum_bases.items():
            if name not in elements or base not in elements:
                continue
            member = self.member_rel[name]

            def size(q: z3.ExprRef) -> z3.ArithRef:
                return z3.Sum(*(z3.If(member(n, q), 1, 0) for n in elements[base]))  # noqa: B023

            for q in elements[name]:
                out.append(self.card_fn[name](q) == size(q))
                for c in elements[name]:
                    out.append(self.half_rel[name](q, c) == (2 * size(q) > size(c)))
        for name, adjacent in self.adjacent_rel.items():
            if name not in elements:
                continue
            proper = list(elements[name])
            ends = proper + ([self.bottoms[name]] if name in self.bottoms else [])
            for p in ends:
                for s in ends:
                    between = [self._between(name, p, m, s) for m in proper]
                    out.append(z3.Or(adjacent(p, s), *between))
        return out

    def _sort_axioms(self) -> list[Axiom]:
        out: list[Axiom] = []
        for name in self.adjacent_rel:
            out += self._adjacency(name)
        for decl in self.spec.sorts:
            s, name = self.z3sorts[decl.name], decl.name
            t = ir.Type(name)
            if decl.kind is ir.SortKind.QUORUM:
                member = self.member_rel[name]
                assert decl.base is not None
                n, q1, q2 = (
                    z3.Const("n", self.z3sorts[decl.base]),
                    z3.Const("q1", s),
                    z3.Const("q2", s),
                )
                base_t = ir.Type(decl.base)
                out.append(
                    Axiom(
                        f"members of `{name}` are proper `{decl.base}` elements",
                        z3.ForAll([n, q1], z3.Implies(member(n, q1), _z3(self.proper(base_t, n)))),
                    )
                )
                if name in self.sized:
                    out += self._majority_lemma(name, decl.base)
                if self.intersecting[name]:
                    out.append(
                        Axiom(
                            f"any two `{name}` intersect",
                            z3.ForAll(
                                [q1, q2],
                                z3.Exists(
                                    [n],
                                    z3.And(
                                        member(n, q1), member(n, q2), _z3(self.proper(base_t, n))
                                    ),
                                ),
                            ),
                        )
                    )
                continue
            if name in self.int_bounds:
                lo, hi = self.int_bounds[name]
                out.append(Axiom(f"`{name}` has an element", lo <= hi))
                continue
            named = [
                self.consts[(name, i)] for i in range(len([k for k in self.consts if k[0] == name]))
            ]
            x, y, z = z3.Const("x", s), z3.Const("y", s), z3.Const("y2", s)
            if named:
                out.append(
                    Axiom(
                        f"the named `{name}` elements are proper and distinct",
                        z3.And(
                            *[_z3(self.proper(t, c)) for c in named],
                            z3.Distinct(*named) if len(named) > 1 else z3.BoolVal(True),
                        ),
                    )
                )
            else:
                out.append(
                    Axiom(f"`{name}` has an element", z3.Exists([x], _z3(self.proper(t, x))))
                )
            if decl.kind is not ir.SortKind.ORDERED:
                continue
            le = self.le_rel[name]
            out.append(
                Axiom(
                    f"`{name}` is totally ordered",
                    z3.And(
                        z3.ForAll([x, y, z], z3.Implies(z3.And(le(x, y), le(y, z)), le(x, z))),
                        z3.ForAll([x, y], z3.Implies(z3.And(le(x, y), le(y, x)), x == y)),
                        z3.ForAll([x, y], z3.Or(le(x, y), le(y, x))),
                    ),
                )
            )
            if name in self.bottoms:
                out.append(
                    Axiom(
                        f"bottom is the least `{name}`", z3.ForAll([x], le(self.bottoms[name], x))
                    )
                )
            for i, c in enumerate(named):
                if i == 0:
                    body = z3.ForAll([x], z3.Implies(_z3(self.proper(t, x)), le(c, x)))
                else:
                    prev = named[i - 1]
                    body = z3.And(
                        z3.Not(le(c, prev)),
                        z3.ForAll([x], z3.Implies(z3.Not(le(x, prev)), le(c, x))),
                    )
                out.append(Axiom(f"`{name}[{i}]` is the {_ordinal(i)} smallest `{name}`", body))
        return out


def _applying(fn: z3.FuncDeclRef) -> Reader:
    return lambda xs: fn(*xs)


def _z3(b: Bool) -> z3.BoolRef:
    return z3.BoolVal(b) if isinstance(b, bool) else b


def _ordinal(i: int) -> str:
    return {0: "first", 1: "second", 2: "third"}.get(i, f"{i + 1}th")


class AliasTranslator(UnboundedTranslator):
    """Translates another spec (an abstract one) over the sorts of `base`, renamed by
    `sort_map`: refinement obligations speak of both specs in one vocabulary."""

    def __init__(
        self, spec: ir.SpecIR, base: UnboundedTranslator, sort_map: dict[str, str]
    ) -> None:
        Translator.__init__(self, spec)
        self.base = base
        self.sort_map = sort_map
        self.z3sorts = {a: base.z3sorts[c] for a, c in sort_map.items()}
        self.bottoms = {a: base.bottoms[c] for a, c in sort_map.items() if c in base.bottoms}
        self.le_rel = {a: base.le_rel[c] for a, c in sort_map.items() if c in base.le_rel}
        self.member_rel = {
            a: base.member_rel[c] for a, c in sort_map.items() if c in base.member_rel
        }
        self.card_fn = {a: base.card_fn[c] for a, c in sort_map.items() if c in base.card_fn}
        self.half_rel = {a: base.half_rel[c] for a, c in sort_map.items() if c in base.half_rel}
        self.sized = {a for a, c in sort_map.items() if c in base.sized}
        self.quorum_bases = {}  # refinement queries only prove: no `exact` here
        self.adjacent_rel = {
            a: base.adjacent_rel[c] for a, c in sort_map.items() if c in base.adjacent_rel
        }
        self.intersecting = {
            a: base.intersecting[c] for a, c in sort_map.items() if c in base.intersecting
        }
        self.consts = {}
        self._fresh = base._fresh
        self.definitions = base.definitions  # one vocabulary: the queries assume both specs'
        self.param_vars = base.param_vars
        self.int_bounds = {
            a: base.int_bounds[c] for a, c in sort_map.items() if c in base.int_bounds
        }

    def elem(self, e: ir.Elem) -> Val:
        return self.base.elem(ir.Elem(self.sort_map[e.sort], e.index, loc=e.loc))

"""From IR to z3: formulas, terms, and actions as transitions over *state views*.

A state view maps each state symbol to a *reader*: a function from argument values to the
symbol's value there (a formula for a relation, an element for a function). The readers of a
state made of z3 symbols just apply them; an action is translated by running its statements
over a view, each update wrapping the reader it replaces, so the result is the post-state as a
view over the pre-state and the action's parameters. Sequential semantics come for free (a
statement reads the view left by the statements before it), and a proof obligation
`Inv ∧ Action ⇒ C'` substitutes the post-view into `C` instead of introducing new symbols.

`Translator` holds what every mode shares; subclasses say how sorts, elements, quantifiers and
order are represented: `checker.symbolic.unbounded` (uninterpreted sorts, for proofs) and
`checker.symbolic.ground` (one finite instance, for bounded model checking).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeAlias, assert_never

import z3

from checker import ir
from checker.errors import SpecError
from checker.symbolic.logic import Bool, mk_and, mk_iff, mk_implies, mk_ite, mk_not, mk_or

Val: TypeAlias = "z3.ExprRef | int"  # an element: a z3 term, or a code (ground mode)
Reader: TypeAlias = Callable[[Sequence[Val]], "Val | Bool"]
View: TypeAlias = Mapping[str, Reader]
Env: TypeAlias = Mapping[str, Val]


@dataclass(frozen=True)
class Transition:
    """An action instance as a formula: its parameters, its guards, and the post-state view."""

    action: ir.Action
    params: tuple[Val, ...]
    guard: Bool
    post: dict[str, Reader]
    # where it fails (a Check holds, the guards before it having held): an error, not a step
    fails: Bool = False


def constant_reader(value: Val | Bool) -> Reader:
    """The reader of a symbol that has the same value at every argument tuple."""
    return lambda xs: value


class Translator(ABC):
    def __init__(self, spec: ir.SpecIR) -> None:
        self.spec = spec
        self.decls = {s.name: s for s in spec.symbols}
        self.sort_decls = {s.name: s for s in spec.sorts}
        # what the symbols a translation introduced mean (a CHOOSE as a function): every
        # query that holds a translated formula assumes them
        self.definitions: list[Bool] = []

    # -- what each mode provides -------------------------------------------------------------

    @abstractmethod
    def elem(self, e: ir.Elem) -> Val: ...

    @abstractmethod
    def eq(self, a: Val, b: Val, sort: str) -> Bool: ...

    @abstractmethod
    def le(self, a: Val, b: Val, sort: str) -> Bool: ...

    @abstractmethod
    def member(self, quorum_sort: str, e: Val, q: Val) -> Bool: ...

    @abstractmethod
    def proper(self, t: ir.Type, x: Val) -> Bool:
        """`x` lies in type `t`: true unless `t` excludes a bottom element that x may be."""

    @abstractmethod
    def quantify(
        self, universal: bool, types: Sequence[ir.Type], body: Callable[[Sequence[Val]], Bool]
    ) -> Bool: ...

    @abstractmethod
    def ite_val(self, c: Bool, a: Val, b: Val, sort: str) -> Val: ...

    # Integer values (of no sort): Python ints when known, z3 Ints otherwise.

    @abstractmethod
    def int_lit(self, t: ir.IntLit) -> Val: ...

    @abstractmethod
    def to_int(self, code: Val, sort: str) -> Val:
        """The value of an element of integer sort `sort`."""

    @abstractmethod
    def cast(self, value: Val, sort: str) -> Val:
        """The element of integer sort `sort` with this value (in range: a Check says so)."""

    def compare_ints(self, kind: type[ir.Eq] | type[ir.Lt] | type[ir.Le], a: Val, b: Val) -> Bool:
        """a == b, a < b or a <= b on integer values (z3 Ints here; Python ints fold)."""
        return _compare_ints(kind, a, b)

    @abstractmethod
    def count(self, types: list[ir.Type], body: Callable[[Sequence[Val]], Bool]) -> Val:
        """How many bindings of `types` satisfy `body` (an integer value)."""

    @abstractmethod
    def choose(self, t: ir.Choose, env: Env, pre: View, post: View | None) -> Val:
        """CHOOSE: the first value of `t`'s variable where its body holds (any value where
        none does: a Check or `defined(...)` reports that)."""

    def int_ite(self, c: Bool, a: Val, b: Val) -> Val:
        """If-then-else on integer values (z3 integers here; bit-vectors in ground mode)."""
        return z3.If(c, a, b)

    def arith(self, op: str, a: Val, b: Val) -> Val:
        return _arith(op, a, b)

    # -- formulas and terms ------------------------------------------------------------------

    def lt(self, a: Val, b: Val, sort: str) -> Bool:
        return mk_not(self.le(b, a, sort))  # the order is total

    def formula(self, f: ir.Formula, env: Env, pre: View, post: View | None = None) -> Bool:
        def holds(g: ir.Formula) -> Bool:
            return self.formula(g, env, pre, post)

        def term(t: ir.Term) -> Val:
            return self.term(t, env, pre, post)

        match f:
            case ir.BoolLit():
                return f.value
            case ir.Atom():
                return self.atom(f, env, pre, post)
            case ir.Member():
                return self.member(f.sort, term(f.elem), term(f.quorum))
            case ir.Eq() | ir.Lt() | ir.Le() if f.left.type.sort == ir.INT_ANY:
                return self.compare_ints(type(f), term(f.left), term(f.right))
            case ir.Eq():
                return self.eq(term(f.left), term(f.right), f.left.type.sort)
            case ir.Lt():
                return self.lt(term(f.left), term(f.right), f.left.type.sort)
            case ir.Le():
                return self.le(term(f.left), term(f.right), f.left.type.sort)
            case ir.Not():
                return mk_not(holds(f.arg))
            case ir.And():
                return mk_and(holds(a) for a in f.args)
            case ir.Or():
                return mk_or(holds(a) for a in f.args)
            case ir.Implies():
                return mk_implies(holds(f.left), holds(f.right))
            case ir.Iff():
                return mk_iff(holds(f.left), holds(f.right))
            case ir.FormulaIte():
                return mk_ite(holds(f.cond), holds(f.then), holds(f.else_))
            case ir.Forall() | ir.Exists():
                names = [v.name for v in f.vars]
                inner = f.body

                def body(values: Sequence[Val]) -> Bool:
                    bound = {**env, **dict(zip(names, values, strict=True))}
                    return self.formula(inner, bound, pre, post)

                return self.quantify(isinstance(f, ir.Forall), [v.type for v in f.vars], body)
            case ir.WellTyped():
                src = post if f.primed else pre
                assert src is not None
                return self.typed(src)
            case ir.Enabled():
                ir.only_in_liveness(f)
            case _:
                assert_never(f)

    def atom(self, f: ir.Atom, env: Env, pre: View, post: View | None) -> Bool:
        args = [self.term(a, env, pre, post) for a in f.args]
        decl = self.decls[f.symbol]
        # A bottom argument in a column without bottom makes the atom false.
        guards = [
            self.proper(col, x)
            for a, col, x in zip(f.args, decl.args, args, strict=True)
            if a.type.bottom and not col.bottom
        ]
        src = post if f.primed else pre
        assert src is not None
        value = src[f.symbol](args)
        assert not isinstance(value, z3.ExprRef) or z3.is_bool(value)
        return mk_and([*guards, value])

    def term(self, t: ir.Term, env: Env, pre: View, post: View | None = None) -> Val:
        match t:
            case ir.Var():
                return env[t.name]
            case ir.Elem():
                return self.elem(t)
            case ir.App():
                src = post if t.primed else pre
                assert src is not None
                value = src[t.symbol]([self.term(a, env, pre, post) for a in t.args])
                assert not isinstance(value, bool)
                return value
            case ir.TermIte():
                c = self.formula(t.cond, env, pre, post)
                a, b = self.term(t.then, env, pre, post), self.term(t.else_, env, pre, post)
                if t.type.sort == ir.INT_ANY:
                    return (a if c else b) if isinstance(c, bool) else self.int_ite(c, a, b)
                return self.ite_val(c, a, b, t.type.sort)
            case ir.IntLit():
                return self.int_lit(t)
            case ir.Arith():
                a, b = self.term(t.left, env, pre, post), self.term(t.right, env, pre, post)
                return self.arith(t.op, a, b)
            case ir.Count():
                names = [v.name for v in t.vars]
                inner = t.body

                def holds_at(values: Sequence[Val]) -> Bool:
                    bound = {**env, **dict(zip(names, values, strict=True))}
                    return self.formula(inner, bound, pre, post)

                return self.count([v.type for v in t.vars], holds_at)
            case ir.ToInt():
                return self.to_int(self.term(t.arg, env, pre, post), t.arg.type.sort)
            case ir.Cast():
                return self.cast(self.term(t.arg, env, pre, post), t.sort)
            case ir.Choose():
                return self.choose(t, env, pre, post)
            case _:
                assert_never(t)

    def typed(self, view: View) -> Bool:
        """Every function holds a value of its declared type (the type invariant)."""
        parts: list[Bool] = []
        for decl in self.spec.symbols:
            if decl.kind is ir.SymbolKind.RELATION:
                continue
            assert decl.result is not None
            result = decl.result
            integers = self.sort_decls[result.sort].kind is ir.SortKind.INT
            if not integers and (result.bottom or not self.sort_decls[result.sort].has_bottom):
                continue
            reader = view[decl.name]

            def body(xs: Sequence[Val], reader: Reader = reader, result: ir.Type = result) -> Bool:
                value = reader(xs)
                assert not isinstance(value, bool)
                return self.proper(result, value)

            parts.append(self.quantify(True, decl.args, body) if decl.args else body(()))
        return mk_and(parts)

    # -- actions -----------------------------------------------------------------------------

    def run(self, act: ir.Action, params: Sequence[Val], pre: View) -> Transition:
        """The action instance with these parameter values, from the state `pre`."""
        env: dict[str, Val] = dict(zip((v.name for v in act.params), params, strict=True))
        view: dict[str, Reader] = dict(pre)
        guards: list[Bool] = []
        fails: list[Bool] = []
        for stmt in act.body:
            if isinstance(stmt, ir.Require):
                guards.append(self.formula(stmt.cond, env, view))
                continue
            if isinstance(stmt, ir.Check):  # an error where it holds; past it, it does not
                cond = self.formula(stmt.cond, env, view)
                fails.append(mk_and([*guards, cond]))
                guards.append(mk_not(cond))
                continue
            view[stmt.symbol] = self._updated(stmt, env, view, self.decls[stmt.symbol])
        return Transition(act, tuple(params), mk_and(guards), view, mk_or(fails))

    def _updated(self, stmt: ir.Stmt, env: Env, view: View, decl: ir.SymbolDecl) -> Reader:
        old = view[decl.name]
        sorts = [t.sort for t in decl.args]
        snapshot = dict(view)

        def at(xs: Sequence[Val], args: Sequence[Val]) -> Bool:
            return mk_and(self.eq(x, a, s) for x, a, s in zip(xs, args, sorts, strict=True))

        match stmt:
            case ir.Require() | ir.Check():
                raise AssertionError("guards and checks are translated by run")
            case ir.Insert():
                args = [self.term(a, env, view) for a in stmt.args]
                return lambda xs: mk_or([old(xs), at(xs, args)])
            case ir.Remove():
                args = [self.term(a, env, view) for a in stmt.args]
                return lambda xs: mk_and([old(xs), mk_not(at(xs, args))])
            case ir.SetFn():
                args = [self.term(a, env, view) for a in stmt.args]
                value = self.term(stmt.value, env, view)
                assert decl.result is not None
                rsort = decl.result.sort
                return lambda xs: self.ite_val(at(xs, args), value, old(xs), rsort)
            case ir.UpdateRel() | ir.UpdateFn():
                names = [v.name for v in stmt.vars]
                body = stmt.body

                def reader(xs: Sequence[Val]) -> Val | Bool:
                    inner = {**env, **dict(zip(names, xs, strict=True))}
                    if isinstance(body, ir.Formula):
                        return self.formula(body, inner, snapshot)
                    return self.term(body, inner, snapshot)

                return reader
            case _:
                assert_never(stmt)

    def zero_view(self, base: View) -> dict[str, Reader]:
        """The declared initial values (relations empty or full, functions their `init=`); a
        function without `init=` keeps `base`'s reader, since every @init assigns it fully."""
        view: dict[str, Reader] = dict(base)
        for decl in self.spec.symbols:
            init = decl.init
            if decl.arbitrary:
                continue  # any initial value: `base`'s own, which @init guards may constrain
            if decl.kind is ir.SymbolKind.RELATION:
                view[decl.name] = constant_reader(bool(init))
            elif isinstance(init, ir.Term):
                view[decl.name] = constant_reader(self.term(init, {}, base))
            elif init is not None:
                raise SpecError(f"the initial value of `{decl.name}` is not an element", decl.loc)
        return view

    # -- comparing states --------------------------------------------------------------------

    def same_symbol(self, decl: ir.SymbolDecl, a: Reader, b: Reader) -> Bool:
        """The two readers agree on every argument tuple of the declared column types."""

        def body(xs: Sequence[Val]) -> Bool:
            x, y = a(xs), b(xs)
            if decl.kind is ir.SymbolKind.RELATION:
                return mk_iff(x, y)
            assert decl.result is not None
            return self.eq(x, y, decl.result.sort)

        return self.quantify(True, decl.args, body) if decl.args else body(())

    def same_state(self, a: View, b: View) -> Bool:
        return mk_and(self.same_symbol(d, a[d.name], b[d.name]) for d in self.spec.symbols)


def _compare_ints(kind: type[ir.Eq] | type[ir.Lt] | type[ir.Le], a: Val, b: Val) -> Bool:
    """a == b, a < b or a <= b on integer values (Python ints fold)."""
    if isinstance(a, int) and isinstance(b, int):
        return a == b if kind is ir.Eq else a < b if kind is ir.Lt else a <= b
    x, y = _as_int(a), _as_int(b)
    return x == y if kind is ir.Eq else x < y if kind is ir.Lt else x <= y


def _as_int(v: Val) -> z3.ArithRef:
    return z3.IntVal(v) if isinstance(v, int) else v


def _arith(op: str, a: Val, b: Val) -> Val:
    """`ir.arith` on integer values: Python's floor division and modulo (z3's differ for
    negative divisors), a zero divisor giving 0 for `//` and `a` for `%`."""
    if isinstance(a, int) and isinstance(b, int):
        return ir.arith(op, a, b)
    x, y = _as_int(a), _as_int(b)
    if op == "+":
        return x + y
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    if op == "min":
        return z3.If(x <= y, x, y)
    if op == "max":
        return z3.If(x >= y, x, y)
    quotient = z3.If(y > 0, x / y, z3.If(y < 0, (-x) / (-y), 0))
    if op == "//":
        return quotient
    assert op == "%"
    return z3.If(y == 0, x, x - y * quotient)

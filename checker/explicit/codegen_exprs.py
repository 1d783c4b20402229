"""The scalar compiler's terms and formulas (`ExprCompiler`): IR expressions to compiled values
(`codegen_values`), quantifiers over small domains unrolled, larger ones as Python loops or as
loops over the set bits of a relation slice. `codegen.Compiler` adds the statements, the actions
and the module.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import assert_never

from checker import ir
from checker.explicit.codegen_values import (
    FALSE,
    TRUE,
    Bits,
    Code,
    Const,
    Env,
    G,
    StateNames,
    _bind,
    conjoin,
    disjoin,
    negate,
    src,
)
from checker.explicit.layout import Layout, SymbolLayout
from checker.explicit.limits import Limits
from checker.explicit.simplify import bound_name, flatten, free_vars, simplify
from checker.instance import Instance


class ExprCompiler:
    """Compiles the terms and formulas of one instance to `G` values."""

    def __init__(self, inst: Instance, layout: Layout, limits: Limits | None = None) -> None:
        self.inst = inst
        self.layout = layout
        self.limits = limits or Limits()
        self.tables: dict[str, str] = {}  # module-level constants: name -> source
        self._simplified: dict[int, ir.Formula] = {}
        self._free: dict[int, tuple[str, ...]] = {}  # a quantifier's free variables
        self._compiled: dict[tuple[int, StateNames, tuple[G, ...]], tuple[ir.Formula, G]] = {}

    def top(self, f: ir.Formula, env: Env, st: StateNames) -> G:
        """Compile a whole formula (a guard, a property, an update body) after simplifying it."""
        simple = self._simplified.get(id(f))
        if simple is None:
            simple = self._simplified[id(f)] = simplify(f)
        return self.formula(simple, env, st)

    def _range(self, t: ir.Type) -> str:
        """Python source of the range of codes of type `t`, for a generated loop."""
        codes = self.inst.codes(t)
        return f"range({codes.start}, {codes.stop})"

    # -- terms -------------------------------------------------------------------------------

    def term(self, t: ir.Term, env: Env, st: StateNames) -> G:
        match t:
            case ir.Var():
                return env[t.name]
            case ir.Elem():
                return Const(self.inst.elem_code(t))
            case ir.App():
                lay = self.layout.by_name[t.symbol]
                var = self._state_var(st, t.primed)
                pos = self._position(lay, [self.term(a, env, st) for a in t.args])
                if pos is None:  # cannot happen for functions: arguments are never out of domain
                    raise AssertionError(t)
                const, code, _ = pos
                if code is None:
                    return Code(f"(({var} >> {const}) & {lay.field_mask})")
                return Code(f"(({var} >> ({code})) & {lay.field_mask})")
            case ir.TermIte():
                c = self.formula(t.cond, env, st)
                if isinstance(c, Const):
                    return self.term(t.then if c.value else t.else_, env, st)
                a, b = self.term(t.then, env, st), self.term(t.else_, env, st)
                return Code(f"({src(a)} if {src(c)} else {src(b)})")
            case ir.IntLit():
                return Const(self.inst.int_value(t))
            case ir.Arith():
                return _arith(t.op, self.term(t.left, env, st), self.term(t.right, env, st))
            case ir.ToInt():
                return _shift(self.term(t.arg, env, st), self.inst.sorts[t.arg.type.sort].bias)
            case ir.Cast():
                return _shift(self.term(t.arg, env, st), -self.inst.sorts[t.sort].bias)
            case ir.Count():  # unrolled: a sum of one test per binding
                total, parts = 0, []
                for codes in self.inst.product([v.type for v in t.vars]):
                    g = self.formula(t.body, _bind(env, t.vars, codes), st)
                    if isinstance(g, Const):
                        total += int(bool(g.value))
                    else:
                        parts.append(f"(1 if {src(g)} else 0)")
                if not parts:
                    return Const(total)
                return Code(f"({' + '.join([str(total), *parts])})")
            case ir.Choose():  # unrolled: the first code whose test holds, from the last back
                candidates = self.inst.codes(t.vars[0].type)
                chosen: G = Const(candidates.start)  # none: a Check or defined(...) says so
                for k in reversed(candidates):
                    g = self.formula(t.body, _bind(env, t.vars, (k,)), st)
                    if isinstance(g, Const):
                        chosen = Const(k) if g.value else chosen
                    else:
                        chosen = Code(f"({k} if {src(g)} else {src(chosen)})")
                return chosen
            case _:
                assert_never(t)

    @staticmethod
    def _state_var(st: StateNames, primed: bool) -> str:
        if primed:
            assert st.post is not None, "primed state outside an action property"
            return st.post
        return st.cur

    def _position(
        self, lay: SymbolLayout, args: list[G], arg_types: tuple[ir.Type, ...] | None = None
    ) -> tuple[int, str | None, list[str]] | None:
        """Bit position of an argument tuple: (constant part, runtime part or None, guards).

        Returns None when a constant argument lies outside its column (bottom in a column
        without bottom). Guards are runtime conditions for arguments that may be bottom.
        """
        const = lay.offset
        terms: list[str] = []
        guards: list[str] = []
        cols = lay.decl.args
        for i, (g, lo, stride) in enumerate(zip(args, lay.arg_lo, lay.strides, strict=True)):
            step = stride * lay.width
            if isinstance(g, Const):
                if g.value < lo:
                    return None
                const += (g.value - lo) * step
                continue
            s = src(g)
            if arg_types is not None and arg_types[i].bottom and not cols[i].bottom:
                guards.append(s)
            const -= lo * step
            terms.append(s if step == 1 else f"{s} * {step}")
        if not terms:
            return const, None, guards
        code = " + ".join([*terms, str(const)] if const else terms)
        return const, code, guards

    # -- formulas ----------------------------------------------------------------------------

    def formula(self, f: ir.Formula, env: Env, st: StateNames) -> G:
        match f:
            case ir.BoolLit():
                return TRUE if f.value else FALSE
            case ir.Atom():
                lay = self.layout.by_name[f.symbol]
                var = self._state_var(st, f.primed)
                args = [self.term(a, env, st) for a in f.args]
                pos = self._position(lay, args, tuple(a.type for a in f.args))
                if pos is None:
                    return FALSE
                const, code, guards = pos
                if code is None:
                    return Bits(var, 1 << const, "any")
                test = f"(({var} >> ({code})) & 1)"
                return Code(f"({' and '.join([*guards, test])})") if guards else Code(test)
            case ir.Member():
                return self._member(f, env, st)
            case ir.Eq() | ir.Lt() | ir.Le():
                return self._compare(f, env, st)
            case ir.Not():
                return negate(self.formula(f.arg, env, st))
            case ir.And():
                return self._connective(flatten(f, ir.And), env, st, conjoin, stop=0)
            case ir.Or() | ir.Implies():
                return self._connective(flatten(f, ir.Or), env, st, disjoin, stop=1)
            case ir.Iff():
                a, b = self.formula(f.left, env, st), self.formula(f.right, env, st)
                if isinstance(a, Const) and isinstance(b, Const):
                    return Const(int(bool(a.value) == bool(b.value)))
                if isinstance(a, Const):
                    return b if a.value else negate(b)
                if isinstance(b, Const):
                    return a if b.value else negate(a)
                return Code(f"(bool({src(a)}) == bool({src(b)}))")
            case ir.FormulaIte():
                c = self.formula(f.cond, env, st)
                if isinstance(c, Const):
                    return self.formula(f.then if c.value else f.else_, env, st)
                a, b = self.formula(f.then, env, st), self.formula(f.else_, env, st)
                return Code(f"({src(a)} if {src(c)} else {src(b)})")
            case ir.Forall() | ir.Exists():
                return self._quantifier(f, env, st)
            case ir.WellTyped():
                return self._well_typed(self._state_var(st, f.primed))
            case ir.Enabled():
                ir.only_in_liveness(f)
            case _:
                assert_never(f)

    def _compare(self, f: ir.Eq | ir.Lt | ir.Le, env: Env, st: StateNames) -> G:
        a, b = self.term(f.left, env, st), self.term(f.right, env, st)
        if isinstance(a, Const) and isinstance(b, Const):
            if isinstance(f, ir.Eq):
                return Const(int(a.value == b.value))
            if isinstance(f, ir.Lt):
                return Const(int(a.value < b.value))
            return Const(int(a.value <= b.value))
        op = {ir.Eq: "==", ir.Lt: "<", ir.Le: "<="}[type(f)]
        return Code(f"({src(a)} {op} {src(b)})")

    def _connective(
        self,
        args: list[ir.Formula],
        env: Env,
        st: StateNames,
        combine: Callable[[Iterable[G]], G],
        stop: int,
    ) -> G:
        parts = []
        for a in args:
            g = self.formula(a, env, st)
            if isinstance(g, Const) and g.value == stop:
                return g  # short-circuit at compile time
            parts.append(g)
        return combine(parts)

    def _member(self, f: ir.Member, env: Env, st: StateNames) -> G:
        quorums = self.inst.sorts[f.sort].quorums
        assert quorums is not None
        e, q = self.term(f.elem, env, st), self.term(f.quorum, env, st)
        masks = [sum(1 << m for m in members) for members in quorums]
        if isinstance(q, Const):
            if isinstance(e, Const):
                return Const(int(e.value in quorums[q.value]))
            return Code(f"(({hex(masks[q.value])} >> {src(e)}) & 1)")
        table = f"QUORUM_{f.sort}"
        self.tables[table] = repr(tuple(masks))
        return Code(f"(({table}[{src(q)}] >> {src(e)}) & 1)")

    def _quantifier(self, f: ir.Forall | ir.Exists, env: Env, st: StateNames) -> G:
        """A quantifier, compiled once per binding of its free variables: the same
        sub-formula recurs in every tuple of an update and every instance of an action."""
        names = self._free.get(id(f))
        if names is None:
            names = self._free[id(f)] = tuple(sorted(free_vars(f)))
        key = (id(f), st, tuple(env[n] for n in names))
        done = self._compiled.get(key)
        if done is None or done[0] is not f:  # (an id is only unique while f lives)
            done = self._compiled[key] = (f, self._quantifier_uncached(f, env, st))
        return done[1]

    def _quantifier_uncached(self, f: ir.Forall | ir.Exists, env: Env, st: StateNames) -> G:
        is_forall = isinstance(f, ir.Forall)
        types = [v.type for v in f.vars]
        domain = math.prod(self.inst.domain_size(t) for t in types)
        if domain <= self.limits.quantifier_domain:
            parts: list[G] = []
            decided: G | None = None
            for codes in self.inst.product(types):
                env2 = _bind(env, f.vars, codes)
                g = self.formula(f.body, env2, st)
                if isinstance(g, Const) and bool(g.value) != is_forall:
                    decided = g  # a false conjunct / true disjunct decides the quantifier
                    break
                parts.append(g)
            if decided is not None:
                return decided
            result = conjoin(parts) if is_forall else disjoin(parts)
            if len(src(result)) <= self.limits.unrolled_source:
                return result
        loop_env = {**env, **{v.name: Code(bound_name(v.name)) for v in f.vars}}
        sparse = self._over_set_bits(f, loop_env, st)
        if sparse is not None:
            return sparse
        body = self.formula(f.body, loop_env, st)
        if isinstance(body, Const):
            return body  # the same for every element; domains are never empty
        loops = " ".join(f"for {bound_name(v.name)} in {self._range(v.type)}" for v in f.vars)
        return Code(f"{'all' if is_forall else 'any'}({src(body)} {loops})")

    def _over_set_bits(self, f: ir.Forall | ir.Exists, env: Env, st: StateNames) -> G | None:
        """`forall xs. ~R(c, xs) | rest` (or `exists xs. R(c, xs) & rest`) as a loop over the set
        bits of R's slice at c: a loop over the messages actually sent, not over all messages."""
        is_forall = isinstance(f, ir.Forall)
        parts = flatten(f.body, ir.Or if is_forall else ir.And)
        names = [v.name for v in f.vars]
        for i, part in enumerate(parts):
            atom = part.arg if is_forall and isinstance(part, ir.Not) else part
            if not isinstance(atom, ir.Atom) or (is_forall and not isinstance(part, ir.Not)):
                continue
            n = len(names)
            suffix, prefix = atom.args[len(atom.args) - n :], atom.args[: len(atom.args) - n]
            if n > len(atom.args) or [getattr(a, "name", None) for a in suffix] != names:
                continue
            lay = self.layout.by_name[atom.symbol]
            if any(free_vars(a) & set(names) for a in prefix) or any(
                a.type.bottom and not col.bottom
                for a, col in zip(prefix, lay.decl.args, strict=False)
            ):
                continue
            suffix_types = lay.decl.args[len(prefix) :]
            if any(v.type != t for v, t in zip(f.vars, suffix_types, strict=True)):
                continue
            # Position of the slice: the prefix columns fixed, suffix columns at their first code.
            first = [self.term(a, env, st) for a in prefix] + [
                Const(self.inst.lo(t)) for t in suffix_types
            ]
            pos = self._position(lay, first)
            assert pos is not None
            const, code, _ = pos
            size = math.prod(lay.arg_sizes[len(prefix) :])
            var = self._state_var(st, atom.primed)
            table = f"DECODE_{atom.symbol}_{len(prefix)}"
            self.tables[table] = repr(
                tuple(tuple(lay.tuple_at(j)[len(prefix) :]) for j in range(size))
            )
            shift = str(const) if code is None else f"({code})"
            rest_parts = parts[:i] + parts[i + 1 :]
            rest_f: ir.Formula
            if is_forall:
                rest_f = ir.Or(tuple(rest_parts)) if rest_parts else ir.BoolLit(False)
            else:
                rest_f = ir.And(tuple(rest_parts)) if rest_parts else ir.BoolLit(True)
            rest = self.formula(rest_f, env, st)
            slice_src = f"(({var} >> {shift}) & {hex((1 << size) - 1)})"
            if isinstance(rest, Const):
                if is_forall:  # forall xs. ~R(xs) | const
                    return TRUE if rest.value else Code(f"(not {slice_src})")
                return Code(slice_src) if rest.value else FALSE
            unpack = ", ".join(bound_name(n_) for n_ in names)
            loop = f"for _i in _bits({slice_src}) for ({unpack},) in ({table}[_i],)"
            return Code(f"{'all' if is_forall else 'any'}({src(rest)} {loop})")
        return None

    def _well_typed(self, var: str) -> G:
        checks: list[G] = []
        for lay in self.layout.symbols:
            if lay.is_relation or (lay.result_lo == 0 and lay.result_hi == 1 << lay.width):
                continue
            for i in range(lay.count):
                pos = lay.offset + i * lay.width
                checks.append(
                    Code(
                        f"({lay.result_lo} <= (({var} >> {pos}) & {lay.field_mask}) < {lay.result_hi})"
                    )
                )
        return conjoin(checks)


def _shift(g: G, by: int) -> G:
    """`g + by` (an element's code to its value, or back)."""
    if by == 0:
        return g
    if isinstance(g, Const):
        return Const(g.value + by)
    return Code(f"({src(g)} + {by})" if by > 0 else f"({src(g)} - {-by})")


def _arith(op: str, a: G, b: G) -> G:
    """Arithmetic on values; a zero divisor gives 0 for `//` and `a` for `%` (a Check before
    the statement, or `defined(...)` before the property, reports it first)."""
    if isinstance(a, Const) and isinstance(b, Const):
        return Const(ir.arith(op, a.value, b.value))
    x, y = src(a), src(b)
    if op in ("min", "max"):
        return Code(f"{op}({x}, {y})")
    if op == "//":
        return Code(f"({x} // {y} if {y} else 0)")
    if op == "%":
        return Code(f"({x} % {y} if {y} else {x})")
    return Code(f"({x} {op} {y})")

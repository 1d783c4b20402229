"""The vector compiler's terms and formulas (`VectorExprCompiler`): IR expressions lowered to
`vexpr` values over a batch of states, read from its uint64 words. Small quantifiers are
unrolled; larger ones become a visit of the set bits of a relation slice (`SetBits`) or a Python
loop over run-time scalars (`Loop`), whichever costs less. `compiler.VectorCompiler` adds the
statements, the actions and the module.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, assert_never

from checker import ir
from checker.explicit.layout import Layout, SymbolLayout
from checker.explicit.simplify import bound_name, flatten, free_vars, simplify
from checker.explicit.vector import vexpr as vx
from checker.explicit.vector.compiled import WORD_BITS, VectorLimits
from checker.explicit.vector.vexpr import (
    ARR,
    BOOL,
    SBOOL,
    SINT,
    Emitter,
    Env,
    Input,
    Lit,
    Node,
    Op,
    Test,
    Value,
)
from checker.instance import Instance

Env_ = dict[str, Value]  # bound variables: compile-time codes, run-time scalars, or arrays


def words_of(layout: Layout) -> int:
    return max(1, -(-layout.total_bits // WORD_BITS))


@dataclass(frozen=True, eq=False)
class Loop(Node):
    """forall / exists over a domain too large to unroll: a Python loop over the codes, the body
    compiled once with the variables as run-time scalars."""

    op: str  # "and" (forall) | "or" (exists)
    loops: tuple[tuple[str, int, int], ...]  # (variable, first code, one past the last)
    body: Value
    kind: str = BOOL

    @property
    def inputs(self) -> frozenset[str]:  # type: ignore[override]
        return self.body.inputs if isinstance(self.body, Node) else frozenset()

    @property
    def cost(self) -> int:  # type: ignore[override]
        body = self.body.cost if isinstance(self.body, Node) else 0
        return (body + 1) * math.prod(stop - start for _, start, stop in self.loops)

    def emit(self, em: Emitter, env: Env) -> str:
        acc = em.fresh("q")
        em.line(f"{acc} = np.full({env.n}, {self.op == 'and'})")
        depth = em.depth
        for name, start, stop in self.loops:
            em.line(f"for {name} in range({start}, {stop}):")
            em.depth += 1
        body = vx.emit(self.body, em, env)
        em.line(f"{acc} {'&' if self.op == 'and' else '|'}= {body}")
        em.depth = depth
        return acc


@dataclass(frozen=True, eq=False)
class SetBits(Node):
    """forall / exists over the tuples of a relation slice that are in the relation: the rest
    of the body is evaluated once per set bit, on (row, tuple) pairs of the whole batch."""

    op: str  # "and": forall xs. ~R(c, xs) | rest; "or": exists xs. R(c, xs) & rest
    words: tuple[str | None, ...]  # the state words the slice can touch (None: past the end)
    offset: Value  # first bit of the slice, counted from the first of `words`
    size: int
    variables: tuple[tuple[str, str], ...]  # (input name bound per pair, decode table)
    rest: Value
    kind: str = BOOL

    @property
    def inputs(self) -> frozenset[str]:  # type: ignore[override]
        own = {w for w in self.words if w is not None}
        rest = self.rest.inputs if isinstance(self.rest, Node) else frozenset()
        offset = self.offset.inputs if isinstance(self.offset, Node) else frozenset()
        bound = {name for name, _ in self.variables}
        return frozenset(own | offset | (rest - bound))

    @property
    def cost(self) -> int:  # type: ignore[override]
        rest = self.rest.cost if isinstance(self.rest, Node) else 0
        return 3 * len(self.words) + 2 + rest // 4

    def emit(self, em: Emitter, env: Env) -> str:
        rows, ids, out = em.fresh("pr"), em.fresh("pi"), em.fresh("q")
        words = ", ".join("0" if w is None else env.names[w] for w in self.words)
        offset = vx.emit(self.offset, em, env)
        em.line(f"{rows}, {ids} = _set_bits(({words},), {offset}, {self.size})")
        bound = {name for name, _ in self.variables}
        rest_inputs = self.rest.inputs if isinstance(self.rest, Node) else frozenset()
        sub = em.gather(env, rest_inputs - bound, rows)
        for name, table in self.variables:
            local = em.fresh("v")
            em.line(f"{local} = {table}[{ids}]")
            sub.names[name] = local
        rest = vx.emit(self.rest, em, sub)
        if self.op == "and":
            em.line(f"{out} = np.ones({env.n}, dtype=bool)")
            em.line(f"{out}[{rows}[~_full({rows}.size, {rest})]] = False")
        else:
            em.line(f"{out} = np.zeros({env.n}, dtype=bool)")
            em.line(f"{out}[{rows}[_full({rows}.size, {rest})]] = True")
        return out


def _key(v: Value) -> object:
    """A binding as a dictionary key: constants by value, run-time values by identity (nodes
    compare by identity, and the key keeps them alive, so no other node can take their id)."""
    return v if isinstance(v, Node) else (type(v).__name__, int(v))


def _cost(v: Value) -> int:
    return v.cost if isinstance(v, Node) else 0


class VectorExprCompiler:
    """Lowers the terms and formulas of one instance to `vexpr` values."""

    def __init__(self, inst: Instance, layout: Layout, limits: VectorLimits | None = None) -> None:
        self.inst = inst
        self.layout = layout
        self.limits = limits or VectorLimits()
        self.words = words_of(layout)
        self.tables: dict[str, str] = {}  # module-level numpy arrays: name -> source
        self._simplified: dict[int, ir.Formula] = {}
        self._free: dict[int, tuple[str, ...]] = {}  # a quantifier's free variables
        self._compiled: dict[tuple[Any, ...], tuple[ir.Formula, Value]] = {}

    def top(self, f: ir.Formula, env: Env_, st: tuple[str, str | None]) -> Value:
        """Compile a whole formula (a guard, a property, an update body) after simplifying it."""
        simple = self._simplified.get(id(f))
        if simple is None:
            simple = self._simplified[id(f)] = simplify(f)
        return self.formula(simple, env, st)

    # -- state access ------------------------------------------------------------------------

    @staticmethod
    def _state(st: tuple[str, str | None], primed: bool) -> str:
        if primed:
            assert st[1] is not None, "primed state outside an action property"
            return st[1]
        return st[0]

    def _word_inputs(self, state: str, k0: int, k1: int) -> tuple[str | None, ...]:
        return tuple(f"{state}{k}" if 0 <= k < self.words else None for k in range(k0, k1 + 1))

    def _words_src(self, state: str, k0: int, k1: int) -> tuple[str, list[Value]]:
        """A tuple source `({0}, {1}, 0)` of the words k0..k1 and the Inputs it formats."""
        parts: list[str] = []
        args: list[Value] = []
        for w in self._word_inputs(state, k0, k1):
            if w is None:
                parts.append("0")
            else:
                parts.append(f"{{{len(args) + 1}}}")  # {0} is the position
                args.append(Input(w))
        return "(" + ", ".join(parts) + ",)", args

    def _position(
        self, lay: SymbolLayout, args: list[Value], arg_types: tuple[ir.Type, ...] | None = None
    ) -> tuple[Value, list[Value]] | None:
        """First bit of an argument tuple (a constant, a scalar or an array) and the guards for
        arguments that may be bottom in a column without bottom; None when a constant argument
        lies outside its column."""
        pos: Value = lay.offset
        guards: list[Value] = []
        cols = lay.decl.args
        for i, (a, lo, stride) in enumerate(zip(args, lay.arg_lo, lay.strides, strict=True)):
            step = stride * lay.width
            if not isinstance(a, Node):
                if int(a) < lo:
                    return None
                pos = vx.add(pos, (int(a) - lo) * step)
                continue
            if arg_types is not None and arg_types[i].bottom and not cols[i].bottom:
                guards.append(vx.compare(a, "!=", 0))
            pos = vx.plus(vx.add(vx.mul(a, step), -lo * step), pos)
        return pos, guards

    def _read_field(self, lay: SymbolLayout, pos: Value, state: str) -> Value:
        mask = lay.field_mask
        if not isinstance(pos, Node):
            w, off = divmod(int(pos), WORD_BITS)
            if off + lay.width <= WORD_BITS:
                src = f"(({{0}} >> {off}) & {mask})" if off else f"({{0}} & {mask})"
                return Op(src, (Input(f"{state}{w}"),), ARR, 0, mask)
            high: Value = Input(f"{state}{w + 1}") if w + 1 < self.words else 0
            return Op(
                f"((({{0}} >> {off}) | ({{1}} << {WORD_BITS - off})) & {mask})",
                (Input(f"{state}{w}"), high),
                ARR,
                0,
                mask,
            )
        lo, hi = vx.int_range(pos)
        k0, k1 = lo // WORD_BITS, (hi + lay.width - 1) // WORD_BITS
        words, inputs = self._words_src(state, k0, k1)
        if k0 == k1:  # every position lies in one word: no selection, no straddling
            if not inputs:
                return 0
            return Op(f"(({{1}} >> ({{0}} & 63)) & {mask})", (pos, *inputs), ARR, 0, mask)
        return Op(f"_field({{0}}, {mask}, {k0}, {words})", (pos, *inputs), ARR, 0, mask)

    def _test_bit(self, pos: Value, state: str) -> Value:
        if not isinstance(pos, Node):
            w, off = divmod(int(pos), WORD_BITS)
            return Test(f"{state}{w}", 1 << off, "any")
        lo, hi = vx.int_range(pos)
        k0, k1 = lo // WORD_BITS, hi // WORD_BITS
        words, inputs = self._words_src(state, k0, k1)
        if k0 == k1:  # every position lies in one word
            if not inputs:
                return False
            return Op(
                "((({1} >> ({0} & 63)) & 1) != 0)",
                (pos, *inputs),
                vx.kind_of((pos, *inputs), BOOL, SBOOL),
            )
        return Op(f"_bit({{0}}, {k0}, {words})", (pos, *inputs), BOOL)

    # -- terms -------------------------------------------------------------------------------

    def term(self, t: ir.Term, env: Env_, st: tuple[str, str | None]) -> Value:
        match t:
            case ir.Var():
                return env[t.name]
            case ir.Elem():
                return self.inst.elem_code(t)
            case ir.App():
                lay = self.layout.by_name[t.symbol]
                pos = self._position(lay, [self.term(a, env, st) for a in t.args])
                assert pos is not None  # function arguments are never outside their domain
                return self._read_field(lay, pos[0], self._state(st, t.primed))
            case ir.TermIte():
                c = self.formula(t.cond, env, st)
                if not isinstance(c, Node):
                    return self.term(t.then if c else t.else_, env, st)
                a, b = self.term(t.then, env, st), self.term(t.else_, env, st)
                return vx.where(c, a, b, ARR, SINT)
            case ir.IntLit():
                return self.inst.int_value(t)
            case ir.Arith():
                return vx.arith(t.op, self.term(t.left, env, st), self.term(t.right, env, st))
            case ir.ToInt():
                bias = self.inst.sorts[t.arg.type.sort].bias
                return vx.signed(self.term(t.arg, env, st), bias)
            case ir.Cast():
                sort = self.inst.sorts[t.sort]
                return vx.unsigned(self.term(t.arg, env, st), -sort.bias, sort.size)
            case ir.Count():  # unrolled: a sum of one test per binding
                total: Value = 0
                for codes in self.inst.product([v.type for v in t.vars]):
                    env2 = {**env, **{v.name: c for v, c in zip(t.vars, codes, strict=True)}}
                    c = self.formula(t.body, env2, st)
                    one = vx.where(c, 1, 0, ARR, SINT) if isinstance(c, Node) else int(bool(c))
                    total = vx.arith("+", total, one)
                return total
            case ir.Choose():  # unrolled: the first code whose test holds, from the last back
                candidates = self.inst.codes(t.vars[0].type)
                chosen: Value = candidates.start  # none: a Check or defined(...) says so
                for k in reversed(candidates):
                    c = self.formula(t.body, {**env, t.vars[0].name: k}, st)
                    chosen = vx.where(c, k, chosen, ARR, SINT)
                if isinstance(chosen, Node) and chosen.kind == ARR:  # codes, as state fields are
                    lo, hi = vx.int_range(chosen)
                    return Op("{0}.astype(np.uint64)", (chosen,), ARR, lo, hi)
                return chosen
            case _:
                assert_never(t)

    # -- formulas ----------------------------------------------------------------------------

    def formula(self, f: ir.Formula, env: Env_, st: tuple[str, str | None]) -> Value:
        match f:
            case ir.BoolLit():
                return f.value
            case ir.Atom():
                lay = self.layout.by_name[f.symbol]
                args = [self.term(a, env, st) for a in f.args]
                pos = self._position(lay, args, tuple(a.type for a in f.args))
                if pos is None:
                    return False
                test = self._test_bit(pos[0], self._state(st, f.primed))
                return vx.bool_and([*pos[1], test])
            case ir.Member():
                return self._member(f, env, st)
            case ir.Eq() | ir.Lt() | ir.Le():
                a, b = self.term(f.left, env, st), self.term(f.right, env, st)
                return vx.compare(a, {ir.Eq: "==", ir.Lt: "<", ir.Le: "<="}[type(f)], b)
            case ir.Not():
                return vx.bool_not(self.formula(f.arg, env, st))
            case ir.And():
                return self._connective(flatten(f, ir.And), env, st, vx.bool_and, stop=False)
            case ir.Or() | ir.Implies():
                return self._connective(flatten(f, ir.Or), env, st, vx.bool_or, stop=True)
            case ir.Iff():
                a, b = self.formula(f.left, env, st), self.formula(f.right, env, st)
                if not isinstance(a, Node) and not isinstance(b, Node):
                    return bool(a) == bool(b)
                if not isinstance(a, Node):
                    return b if a else vx.bool_not(b)
                if not isinstance(b, Node):
                    return a if b else vx.bool_not(a)
                return Op("({0} == {1})", (a, b), vx.kind_of((a, b), BOOL, SBOOL))
            case ir.FormulaIte():
                c = self.formula(f.cond, env, st)
                if not isinstance(c, Node):
                    return self.formula(f.then if c else f.else_, env, st)
                a, b = self.formula(f.then, env, st), self.formula(f.else_, env, st)
                return vx.where(c, a, b, BOOL, SBOOL)
            case ir.Forall() | ir.Exists():
                return self._quantifier(f, env, st)
            case ir.WellTyped():
                return self._well_typed(self._state(st, f.primed))
            case ir.Enabled():
                ir.only_in_liveness(f)
            case _:
                assert_never(f)

    def _connective(
        self,
        args: list[ir.Formula],
        env: Env_,
        st: tuple[str, str | None],
        combine: Callable[[Iterable[Value]], Value],
        stop: bool,
    ) -> Value:
        parts: list[Value] = []
        for a in args:
            g = self.formula(a, env, st)
            if not isinstance(g, Node) and bool(g) == stop:
                return stop  # short-circuit at compile time
            parts.append(g)
        return combine(parts)

    def _member(self, f: ir.Member, env: Env_, st: tuple[str, str | None]) -> Value:
        quorums = self.inst.sorts[f.sort].quorums
        assert quorums is not None
        e, q = self.term(f.elem, env, st), self.term(f.quorum, env, st)
        masks = [sum(1 << m for m in members) for members in quorums]
        if not isinstance(q, Node):
            if not isinstance(e, Node):
                return int(e) in quorums[int(q)]
            return Op(
                f"((({masks[int(q)]} >> {{0}}) & 1) != 0)", (e,), vx.kind_of((e,), BOOL, SBOOL)
            )
        table = f"QUORUM_{f.sort}"
        self.tables[table] = f"np.array({masks!r}, dtype=np.uint64)"
        if q.kind == SINT:
            return Op(
                f"((({table}[{{0}}] >> {{1}}) & 1) != 0)", (q, e), vx.kind_of((e,), BOOL, BOOL)
            )
        return Op(f"((({table}[{{0}}] >> {{1}}) & 1) != 0)", (q, e), BOOL)

    def _quantifier(self, f: ir.Forall | ir.Exists, env: Env_, st: tuple[str, str | None]) -> Value:
        """A quantifier, compiled once per binding of its free variables: the same
        sub-formula recurs in every tuple of an update and every instance of an action.
        (Values are immutable and emitted afresh wherever they are used.)"""
        names = self._free.get(id(f))
        if names is None:
            names = self._free[id(f)] = tuple(sorted(free_vars(f)))
        key = (id(f), st, tuple(_key(env[n]) for n in names))
        done = self._compiled.get(key)
        if done is None or done[0] is not f:  # (an id is only unique while f lives)
            done = self._compiled[key] = (f, self._quantifier_uncached(f, env, st))
        return done[1]

    def _quantifier_uncached(
        self, f: ir.Forall | ir.Exists, env: Env_, st: tuple[str, str | None]
    ) -> Value:
        is_forall = isinstance(f, ir.Forall)
        op = "and" if is_forall else "or"
        types = [v.type for v in f.vars]
        size = math.prod(self.inst.domain_size(t) for t in types)
        unrolled: Value | None = None
        if size <= self.limits.quantifier_domain:
            parts: list[Value] = []
            for codes in self.inst.product(types):
                env2 = {**env, **{v.name: c for v, c in zip(f.vars, codes, strict=True)}}
                g = self.formula(f.body, env2, st)
                if not isinstance(g, Node) and bool(g) != is_forall:
                    return g  # a false conjunct / true disjunct decides the quantifier
                parts.append(g)
            unrolled = vx.bool_and(parts) if is_forall else vx.bool_or(parts)
            if _cost(unrolled) <= self.limits.sparse_cost:
                return unrolled
        sparse = self._over_set_bits(f, env, st)
        if sparse is not None and (unrolled is None or _cost(sparse) < _cost(unrolled)):
            return sparse
        if unrolled is not None and _cost(unrolled) <= self.limits.unrolled_cost:
            return unrolled
        loop_env = dict(env)
        loops = []
        for v in f.vars:
            domain = self.inst.codes(v.type)
            loop_env[v.name] = Lit(bound_name(v.name), SINT, domain.start, domain.stop - 1)
            loops.append((bound_name(v.name), domain.start, domain.stop))
        body = self.formula(f.body, loop_env, st)
        if not isinstance(body, Node):
            return body  # the same for every element; domains are never empty
        return Loop(op, tuple(loops), body)

    def _over_set_bits(
        self, f: ir.Forall | ir.Exists, env: Env_, st: tuple[str, str | None]
    ) -> Value | None:
        """`forall xs. ~R(c, xs) | rest` (or `exists xs. R(c, xs) & rest`) as a visit of the set
        bits of R's slice at c, for a constant or run-time scalar c."""
        is_forall = isinstance(f, ir.Forall)
        parts = flatten(f.body, ir.Or if is_forall else ir.And)
        names = [v.name for v in f.vars]
        for i, part in enumerate(parts):
            atom = part.arg if is_forall and isinstance(part, ir.Not) else part
            if not isinstance(atom, ir.Atom) or (is_forall and not isinstance(part, ir.Not)):
                continue
            n = len(names)
            if n > len(atom.args):
                continue
            prefix, suffix = atom.args[: len(atom.args) - n], atom.args[len(atom.args) - n :]
            if [getattr(a, "name", None) for a in suffix] != names:
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
            prefix_values = [self.term(a, env, st) for a in prefix]
            if any(isinstance(p, Node) and p.is_array for p in prefix_values):
                continue  # the slice would start at a different bit in every row
            first = prefix_values + [self.inst.lo(t) for t in suffix_types]
            pos = self._position(lay, first)
            assert pos is not None
            start = pos[0]
            size = math.prod(lay.arg_sizes[len(prefix) :])
            lo, hi = vx.int_range(start)
            k0, k1 = lo // WORD_BITS, (hi + size - 1) // WORD_BITS
            state = self._state(st, atom.primed)
            bound: dict[str, Value] = {}
            variables = []
            for j, v in enumerate(f.vars):
                table = f"DECODE_{atom.symbol}_{len(prefix)}_{j}"
                codes = [lay.tuple_at(x)[len(prefix) + j] for x in range(size)]
                self.tables[table] = f"np.array({codes!r}, dtype=np.uint64)"
                name = f"v_{v.name}"
                bound[v.name] = Input(name, min(codes), max(codes))
                variables.append((name, table))
            rest_parts = parts[:i] + parts[i + 1 :]
            rest_f: ir.Formula
            if is_forall:
                rest_f = ir.Or(tuple(rest_parts)) if rest_parts else ir.BoolLit(False)
            else:
                rest_f = ir.And(tuple(rest_parts)) if rest_parts else ir.BoolLit(True)
            rest = self.formula(rest_f, {**env, **bound}, st)
            offset = vx.add(start, -k0 * WORD_BITS)
            words = self._word_inputs(state, k0, k1)
            if not isinstance(rest, Node):
                # forall xs. ~R(xs) | const, or exists xs. R(xs) & const: is the slice empty?
                if rest == is_forall:
                    return is_forall
                nonempty = SetBits("or", words, offset, size, (), True)
                return vx.bool_not(nonempty) if is_forall else nonempty
            return SetBits(
                "and" if is_forall else "or", words, offset, size, tuple(variables), rest
            )
        return None

    def _well_typed(self, state: str) -> Value:
        checks: list[Value] = []
        for lay in self.layout.symbols:
            if lay.is_relation or (lay.result_lo == 0 and lay.result_hi == 1 << lay.width):
                continue
            for i in range(lay.count):
                v = self._read_field(lay, lay.offset + i * lay.width, state)
                checks.append(vx.compare(lay.result_lo, "<=", v))
                checks.append(vx.compare(v, "<", lay.result_hi))
        return vx.bool_and(checks)

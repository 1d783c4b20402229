"""Compile the IR of one finite instance into straight-line Python over packed states.

For each action the compiler writes a function `s -> [successor, ...]` (and a labelled twin that
also returns the parameter index), and for each property a function `s -> bool` (or
`(s, t) -> bool` for action properties). Action parameters and quantifiers over small domains
are unrolled at compile time, so element codes become constants and bit positions are folded;
tests of several bits of one state then merge into one mask operation:

    exists(value, lambda w: self.msg_2a(b, w))     # b = 1, two values
    ->  (s & 0x30000)                              # one AND instead of a loop

Larger domains fall back to Python loops (`any(... for x in range(...))`), so every spec compiles;
the limits are parameters, and tests force the loop paths to check them too.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import CodeType
from typing import Any, assert_never

from checker import ir
from checker.explicit.frame import Frame, frame
from checker.explicit.layout import Layout, SymbolLayout
from checker.explicit.limits import Limits
from checker.explicit.simplify import bound_name, flatten, free_vars, simplify
from checker.instance import Instance

# ---------------------------------------------------------------------------------------------
# Generated values.


@dataclass(frozen=True)
class G:
    """A compiled expression: a constant, Python source, or a mask test on a state variable."""


@dataclass(frozen=True)
class Const(G):
    value: int  # a code, or 0/1 for formulas


@dataclass(frozen=True)
class Code(G):
    src: str


@dataclass(frozen=True)
class Bits(G):
    """A test of the bits `mask` of state variable `var`: any / all / none / notall set."""

    var: str
    mask: int
    mode: str


TRUE, FALSE = Const(1), Const(0)


def _single(mask: int) -> bool:
    return mask & (mask - 1) == 0


def src(g: G) -> str:
    if isinstance(g, Const):
        return str(g.value)
    if isinstance(g, Code):
        return g.src
    assert isinstance(g, Bits)
    m = hex(g.mask)
    if g.mode == "any" or (g.mode == "all" and _single(g.mask)):
        return f"({g.var} & {m})"
    if g.mode == "none" or (g.mode == "notall" and _single(g.mask)):
        return f"(not {g.var} & {m})"
    if g.mode == "all":
        return f"({g.var} & {m} == {m})"
    return f"({g.var} & {m} != {m})"


def paren(s: str) -> str:
    return s if s.startswith("(") and _balanced_outer(s) else f"({s})"


def _balanced_outer(s: str) -> bool:
    """True if the first '(' of s closes at its last character."""
    depth = 0
    for i, ch in enumerate(s):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i == len(s) - 1
    return False


def negate(g: G) -> G:
    if isinstance(g, Const):
        return FALSE if g.value else TRUE
    if isinstance(g, Bits):
        flip = {"any": "none", "none": "any", "all": "notall", "notall": "all"}
        return Bits(g.var, g.mask, flip[g.mode])
    assert isinstance(g, Code)
    return Code(f"(not {paren(g.src)})")


@dataclass(frozen=True)
class _Junction:
    """What AND (or, dually, OR) needs to know to fold constants and merge mask tests.

    For AND, tests that bits are all set merge into one `all` test and tests that bits are all
    clear into one `none` test; for OR, `any` and `notall` tests merge. A one-bit test is both
    `any` and `all` (and both `none` and `notall`), so it merges on either side.
    """

    unit: Const  # the neutral constant, dropped
    absorbing: Const  # the constant that decides the whole junction
    set_mode: str  # the merged test on bits that must be set
    clear_mode: str  # the merged test on bits that must be clear
    op: str


_AND = _Junction(TRUE, FALSE, "all", "none", " and ")
_OR = _Junction(FALSE, TRUE, "any", "notall", " or ")
_ONE_BIT_ALIAS = {"all": "any", "any": "all", "none": "notall", "notall": "none"}


def _junction(parts: Iterable[G], j: _Junction) -> G:
    set_masks: dict[str, int] = {}
    clear_masks: dict[str, int] = {}
    others: list[G] = []
    for g in parts:
        if isinstance(g, Const):
            if bool(g.value) == bool(j.absorbing.value):
                return j.absorbing
            continue
        if isinstance(g, Bits):
            one_bit = _single(g.mask)
            if g.mode == j.set_mode or (one_bit and g.mode == _ONE_BIT_ALIAS[j.set_mode]):
                set_masks[g.var] = set_masks.get(g.var, 0) | g.mask
                continue
            if g.mode == j.clear_mode or (one_bit and g.mode == _ONE_BIT_ALIAS[j.clear_mode]):
                clear_masks[g.var] = clear_masks.get(g.var, 0) | g.mask
                continue
        others.append(g)
    for var, mask in set_masks.items():
        if clear_masks.get(var, 0) & mask:
            # AND: a bit must be both set and clear; OR: a bit is either set or clear.
            return j.absorbing
    items: list[G] = [Bits(v, m, j.set_mode) for v, m in set_masks.items()]
    items += [Bits(v, m, j.clear_mode) for v, m in clear_masks.items()]
    items += others
    if not items:
        return j.unit
    if len(items) == 1:
        return items[0]
    return Code("(" + j.op.join(paren(src(g)) for g in items) + ")")


def conjoin(parts: Iterable[G]) -> G:
    """AND of compiled formulas: constants folded, mask tests on one variable merged."""
    return _junction(parts, _AND)


def disjoin(parts: Iterable[G]) -> G:
    """OR of compiled formulas, the dual of `conjoin`."""
    return _junction(parts, _OR)


# ---------------------------------------------------------------------------------------------
# The compiler.


@dataclass(frozen=True)
class StateNames:
    cur: str  # Python variable holding the current (pre-) state
    post: str | None = None  # ... and the post-state, in action properties


Env = dict[str, G]


def _bind(env: Env, variables: Iterable[ir.Var], codes: Iterable[int]) -> Env:
    """`env` with each variable bound to a constant code (an unrolled instance)."""
    return {**env, **{v.name: Const(c) for v, c in zip(variables, codes, strict=True)}}


@dataclass
class CompiledSpec:
    """The compiled functions of one instance, and the source they came from."""

    source: str
    actions: list[Callable[[int], list[int]]]
    labelled: list[Callable[[int], list[tuple[int, int]]]]
    params: list[list[tuple[int, ...]]]  # per action: parameter tuple of each index
    properties: dict[str, Callable[..., bool]] = field(default_factory=dict)
    # (instance, check) for every instance whose Check held, appended by the action
    # functions; the caller reads and clears it after each call
    failed: list[tuple[int, int]] = field(default_factory=list)
    checks: list[ir.Check] = field(default_factory=list)
    # per @init: its labelled function (from a start state) and the parameter tuple of each index
    inits: list[Callable[[int], list[tuple[int, int]]]] = field(default_factory=list)
    init_params: list[list[tuple[int, ...]]] = field(default_factory=list)
    code: CodeType | None = None  # the source compiled (what the start-up cache keeps)


class Compiler:
    def __init__(self, inst: Instance, layout: Layout, limits: Limits | None = None) -> None:
        self.inst = inst
        self.layout = layout
        self.limits = limits or Limits()
        self.tables: dict[str, str] = {}  # module-level constants: name -> source
        self.checks: list[ir.Check] = []  # the Checks of every action, numbered
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

    # -- statements --------------------------------------------------------------------------

    def _update(self, stmt: ir.Stmt, env: Env, cur: str, lines: list[str], ind: str) -> str:
        """Source of the state after `stmt`, from state variable `cur` (may emit helper lines)."""
        st = StateNames(cur)
        match stmt:
            case ir.Require() | ir.Check():
                raise AssertionError("guards and checks are compiled by _body")
            case ir.Insert() | ir.Remove():
                lay = self.layout.by_name[stmt.symbol]
                pos = self._position(lay, [self.term(a, env, st) for a in stmt.args])
                assert pos is not None
                const, code, _ = pos
                if isinstance(stmt, ir.Insert):
                    if code is None:
                        return f"{cur} | {hex(1 << const)}"
                    return f"{cur} | (1 << ({code}))"
                return f"{cur} & {~(1 << const)}" if code is None else f"{cur} & ~(1 << ({code}))"
            case ir.SetFn():
                lay = self.layout.by_name[stmt.symbol]
                pos = self._position(lay, [self.term(a, env, st) for a in stmt.args])
                assert pos is not None
                const, code, _ = pos
                value = self.term(stmt.value, env, st)
                if code is None:
                    clear = ~(lay.field_mask << const)
                    if isinstance(value, Const):
                        return f"({cur} & {clear}) | {hex(value.value << const)}"
                    return f"({cur} & {clear}) | ({src(value)} << {const})"
                lines.append(f"{ind}_p = {code}")
                return f"({cur} & ~({lay.field_mask} << _p)) | ({src(value)} << _p)"
            case ir.UpdateRel() | ir.UpdateFn():
                lay = self.layout.by_name[stmt.symbol]
                return self._update_all(stmt, lay, env, cur, lines, ind)
            case _:
                assert_never(stmt)

    def _update_all(
        self,
        stmt: ir.UpdateRel | ir.UpdateFn,
        lay: SymbolLayout,
        env: Env,
        cur: str,
        lines: list[str],
        ind: str,
    ) -> str:
        st = StateNames(cur)
        where = frame(stmt)
        if where.nowhere:
            return cur
        if where.pins:
            sliced = self._update_slice(stmt, lay, where, env, cur, lines, ind)
            if sliced is not None:
                return sliced
        region = ((1 << lay.bits) - 1) << lay.offset
        if lay.count > self.limits.update_tuples:
            return self._update_all_loop(stmt, lay, env, cur, lines, ind, region)
        keep = const_bits = 0
        dynamic: list[str] = []
        for i, codes in enumerate(self.inst.product([v.type for v in stmt.vars])):
            env2 = _bind(env, stmt.vars, codes)
            pos = lay.offset + i * lay.width
            if isinstance(stmt, ir.UpdateRel):
                g = self.top(stmt.body, env2, st)
                bit = 1 << pos
                if isinstance(g, Const):
                    const_bits |= bit if g.value else 0
                elif g == Bits(cur, bit, "any"):
                    keep |= bit  # R(x) := R(x) | ...false here: unchanged
                else:
                    dynamic.append(f"({hex(bit)} if {src(g)} else 0)")
            else:
                t = self.term(stmt.body, env2, st)
                if isinstance(t, Const):
                    const_bits |= t.value << pos
                elif t == Code(f"(({cur} >> {pos}) & {lay.field_mask})"):
                    keep |= lay.field_mask << pos
                else:
                    dynamic.append(f"({src(t)} << {pos})")
        parts = [f"({cur} & {~region})"]
        if keep:
            parts.append(f"({cur} & {hex(keep)})")
        if const_bits:
            parts.append(hex(const_bits))
        parts += dynamic
        return " | ".join(parts)

    def _update_slice(
        self,
        stmt: ir.UpdateRel | ir.UpdateFn,
        lay: SymbolLayout,
        where: Frame,
        env: Env,
        cur: str,
        lines: list[str],
        ind: str,
    ) -> str | None:
        """The update written only on the slice its frame pins (see `frame`): one body per
        tuple of the free columns, at positions `base + constant` where `base` is the slice's
        first bit (a constant, or computed at run time from the pinned values). None when the
        slice is too large to unroll (the caller writes the whole symbol)."""
        st = StateNames(cur)
        free = where.free(stmt)
        if math.prod(self.inst.domain_size(v.type) for v in free) > self.limits.update_tuples:
            return None
        pinned = {name: self.term(t, env, st) for name, t in where.pins.items()}
        mask = value_bits = 0
        dynamic: list[str] = []
        base: tuple[int, str | None, list[str]] | None = None
        for codes in self.inst.product([v.type for v in free]):
            env2 = {**env, **pinned, **_bind({}, free, codes)}
            args = [env2[v.name] for v in stmt.vars]
            pos = self._position(
                lay,
                args,
                tuple(
                    where.pins[v.name].type if v.name in where.pins else v.type for v in stmt.vars
                ),
            )
            if pos is None:
                return cur  # a pinned constant outside its column (bottom): no tuple changes
            if base is None:
                base = pos  # the free columns at their first codes: the slice's lowest bit
            rel = pos[0] - base[0]
            if isinstance(stmt, ir.UpdateRel):
                g = self.top(stmt.body, env2, st)
                if isinstance(g, Const):
                    value_bits |= (1 if g.value else 0) << rel
                else:
                    dynamic.append(f"({hex(1 << rel)} if {src(g)} else 0)")
            else:
                t = self.term(stmt.body, env2, st)
                if isinstance(t, Const):
                    value_bits |= t.value << rel
                else:
                    dynamic.append(f"({src(t)} << {rel})")
            mask |= lay.field_mask << rel
        assert base is not None  # sorts are never empty
        const, code, guards = base
        value = " | ".join([hex(value_bits), *dynamic]) if dynamic else hex(value_bits)
        if code is None:
            return f"({cur} & {~(mask << const)}) | (({value}) << {const})"
        lines.append(f"{ind}_b = {code}")
        update = f"(({cur} & ~({hex(mask)} << _b)) | (({value}) << _b))"
        if guards:  # a pinned value may be bottom in a column without bottom: no tuple then
            return f"({update} if {' and '.join(guards)} else {cur})"
        return update

    def _update_all_loop(
        self,
        stmt: ir.UpdateRel | ir.UpdateFn,
        lay: SymbolLayout,
        env: Env,
        cur: str,
        lines: list[str],
        ind: str,
        region: int,
    ) -> str:
        loop_env = {**env, **{v.name: Code(bound_name(v.name)) for v in stmt.vars}}
        st = StateNames(cur)
        names = ", ".join(bound_name(v.name) for v in stmt.vars)
        ranges = ", ".join(self._range(v.type) for v in stmt.vars)
        lines.append(f"{ind}_acc = 0")
        lines.append(f"{ind}for _i, ({names},) in enumerate(_product({ranges})):")
        if isinstance(stmt, ir.UpdateRel):
            g = self.top(stmt.body, loop_env, st)
            lines.append(f"{ind}    if {src(g)}: _acc |= 1 << _i")
        else:
            t = self.term(stmt.body, loop_env, st)
            lines.append(f"{ind}    _acc |= {src(t)} << (_i * {lay.width})")
        return f"({cur} & {~region}) | (_acc << {lay.offset})"

    def _constant_update(self, stmt: ir.Stmt, env: Env, cur: str) -> tuple[int, int] | None:
        """(and_mask, or_mask) if `stmt` sets constant bits at a constant position, whatever the
        state: then `state & and_mask | or_mask` is the state after it. None otherwise."""
        if not isinstance(stmt, ir.Insert | ir.Remove | ir.SetFn):
            return None
        st = StateNames(cur)
        lay = self.layout.by_name[stmt.symbol]
        pos = self._position(lay, [self.term(a, env, st) for a in stmt.args])
        if pos is None or pos[1] is not None:
            return None
        const = pos[0]
        if isinstance(stmt, ir.Insert):
            return -1, 1 << const
        if isinstance(stmt, ir.Remove):
            return ~(1 << const), 0
        value = self.term(stmt.value, env, st)
        if not isinstance(value, Const):
            return None
        return ~(lay.field_mask << const), value.value << const

    def _check_id(self, check: ir.Check) -> int:
        """The number of a Check, recorded with the instance where it fails."""
        for i, known in enumerate(self.checks):
            if known is check:
                return i
        self.checks.append(check)
        return len(self.checks) - 1

    def _body(
        self,
        act: ir.Action,
        env: Env,
        lines: list[str],
        depth: int,
        in_loop: bool,
        emit: str,
        index: str,
    ) -> None:
        """Statements of one action instance; `emit` formats the successor append; `index` is
        the instance's number (recorded, with the Check's, where a Check fails).

        Runs of updates that set constant bits at constant positions are folded into one
        `(s & and_mask) | or_mask` (big-int operations dominate the cost of a successor); the
        state is written out before anything that reads it."""
        cur, k = "s", 0
        start = len(lines)
        keep, put = -1, 0  # the updates folded so far: cur & keep | put

        def flush(ind: str) -> None:
            nonlocal cur, k, keep, put
            if (keep, put) == (-1, 0):
                return
            if keep == -1:
                expr = f"{cur} | {hex(put)}"
            elif put == 0:
                expr = f"{cur} & {keep}"
            else:
                expr = f"({cur} & {keep}) | {hex(put)}"
            k += 1
            lines.append(f"{ind}s{k} = {expr}")
            cur, keep, put = f"s{k}", -1, 0

        for stmt in act.body:
            ind = "    " * depth
            folded = self._constant_update(stmt, env, cur)
            if folded is not None:
                and_mask, or_mask = folded
                keep, put = keep & and_mask, (put & and_mask) | or_mask
                continue
            flush(ind)
            if isinstance(stmt, ir.Check):
                g = self.top(stmt.cond, env, StateNames(cur))
                if isinstance(g, Const) and not g.value:
                    continue  # never fails here
                fail = f"_FAILED.append(({index}, {self._check_id(stmt)}))"
                if isinstance(g, Const):  # fails whenever it is reached
                    lines.append(f"{ind}{fail}")
                    if in_loop:
                        lines.append(f"{ind}continue")
                    return
                lines.append(f"{ind}if {src(g)}:")
                lines.append(f"{ind}    {fail}")
                if in_loop:
                    lines.append(f"{ind}    continue")
                else:
                    lines.append(f"{ind}else:")
                    depth += 1
                continue
            if isinstance(stmt, ir.Require):
                g = self.top(stmt.cond, env, StateNames(cur))
                if isinstance(g, Const):
                    if g.value:
                        continue
                    if in_loop:
                        lines.append(f"{ind}continue")
                    else:
                        del lines[start:]  # this instance is never enabled: emit nothing for it
                    return
                if in_loop:
                    lines.append(f"{ind}if {negate_src(g)}: continue")
                else:
                    lines.append(f"{ind}if {src(g)}:")
                    depth += 1
                continue
            k += 1
            expr = self._update(stmt, env, cur, lines, ind)
            lines.append(f"{ind}s{k} = {expr}")
            cur = f"s{k}"
        flush("    " * depth)
        lines.append("    " * depth + emit.format(state=cur))

    def action_function(self, act: ir.Action, name: str, labelled: bool) -> str:
        lines = [f"def {name}(s):", "    out = []"]
        types = [v.type for v in act.params]
        count = math.prod(self.inst.domain_size(t) for t in types)
        if count <= self.limits.action_instances or not act.params:  # no loop to run
            for index, codes in enumerate(self.inst.product(types)):
                env = _bind({}, act.params, codes)
                emit = f"out.append(({{state}}, {index}))" if labelled else "out.append({state})"
                self._body(act, env, lines, 1, False, emit, str(index))
        else:
            depth = 1
            index_terms = []
            stride = 1
            for v in reversed(act.params):
                lo = self.inst.codes(v.type).start
                index_terms.append(f"({bound_name(v.name)} - {lo}) * {stride}")
                stride *= self.inst.domain_size(v.type)
            for v in act.params:
                lines.append("    " * depth + f"for {bound_name(v.name)} in {self._range(v.type)}:")
                depth += 1
            env = {v.name: Code(bound_name(v.name)) for v in act.params}
            index_src = " + ".join(index_terms) or "0"
            emit = f"out.append(({{state}}, {index_src}))" if labelled else "out.append({state})"
            self._body(act, env, lines, depth, True, emit, index_src)
        lines.append("    return out")
        return "\n".join(lines)

    def property_function(self, prop: ir.Property, name: str) -> str:
        if prop.kind in (ir.PropertyKind.ACTION_PROPERTY, ir.PropertyKind.STEP_PREDICATE):
            g = self.top(prop.formula, {}, StateNames("s", "t"))
            return f"def {name}(s, t):\n    return bool({src(g)})"
        g = self.top(prop.formula, {}, StateNames("s"))
        return f"def {name}(s):\n    return bool({src(g)})"

    # -- module ------------------------------------------------------------------------------

    def compile(self) -> CompiledSpec:
        spec = self.inst.spec
        funcs: list[str] = []
        for k, act in enumerate(spec.actions):
            funcs.append(f"# action {act.name}")
            funcs.append(self.action_function(act, f"act_{k}", labelled=False))
            funcs.append(self.action_function(act, f"act_{k}_labelled", labelled=True))
        for k, act in enumerate(spec.inits):
            funcs.append(f"# @init {act.name}")
            funcs.append(self.action_function(act, f"init_{k}_labelled", labelled=True))
        for k, prop in enumerate(spec.properties):
            funcs.append(f"# {prop.kind.value} {prop.name}")
            funcs.append(self.property_function(prop, f"prop_{k}"))
        header = [f"# generated by paxoscope for {spec.name} with {dict(self.inst.params)}"]
        header += ["from itertools import product as _product", "", _BITS_HELPER]
        header += [f"{name} = {value}" for name, value in self.tables.items()]
        source = "\n".join(header) + "\n\n" + "\n\n".join(funcs) + "\n"
        code = compile(source, f"<paxoscope {spec.name}>", "exec")
        return from_code(self.inst, source, code, self.checks)


def from_code(inst: Instance, source: str, code: CodeType, checks: list[ir.Check]) -> CompiledSpec:
    """The CompiledSpec of `inst` whose functions the module `code` (compiled from `source`)
    defines: the compiler's, or the start-up cache's (`codecache`)."""
    spec = inst.spec
    failed: list[tuple[int, int]] = []
    namespace: dict[str, Any] = {"_FAILED": failed}
    exec(code, namespace)
    return CompiledSpec(
        source=source,
        actions=[namespace[f"act_{k}"] for k in range(len(spec.actions))],
        labelled=[namespace[f"act_{k}_labelled"] for k in range(len(spec.actions))],
        params=[list(inst.product([v.type for v in a.params])) for a in spec.actions],
        properties={p.name: namespace[f"prop_{k}"] for k, p in enumerate(spec.properties)},
        failed=failed,
        checks=checks,
        inits=[namespace[f"init_{k}_labelled"] for k in range(len(spec.inits))],
        init_params=[list(inst.product([v.type for v in a.params])) for a in spec.inits],
        code=code,
    )


_BITS_HELPER = """def _bits(x):
    while x:
        low = x & -x
        yield low.bit_length() - 1
        x ^= low
"""


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


def negate_src(g: G) -> str:
    return src(negate(g))


def compile_instance(
    inst: Instance, layout: Layout | None = None, limits: Limits | None = None
) -> CompiledSpec:
    return Compiler(inst, layout or Layout(inst), limits).compile()

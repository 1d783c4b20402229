"""The ground translation: one finite instance, every quantifier and parameter expanded.

Elements are the explicit engine's codes (see `checker.instance`): Python ints while they are
known, z3 bit-vectors when they come from the state. A relation is one Boolean variable per
tuple, a function one bit-vector per argument tuple, so a state of the instance is exactly a
valuation of the variables, and formulas over known elements fold to constants before z3 sees
them. Bounded model checking (`checker.symbolic.bmc`) unrolls transitions over these states.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import z3

from checker import ir
from checker.explicit.layout import Structured, Value
from checker.instance import Instance
from checker.symbolic.logic import Bool, mk_and, mk_eq, mk_not, mk_or
from checker.symbolic.translate import Env, Reader, Translator, Val, View


@dataclass
class GroundState:
    """The variables of one state: per symbol, a variable per argument tuple."""

    view: dict[str, Reader]
    variables: dict[str, dict[tuple[int, ...], z3.ExprRef]]


class GroundTranslator(Translator):
    def __init__(self, inst: Instance) -> None:
        super().__init__(inst.spec)
        self.inst = inst
        self.width = {name: max(1, (s.hi() - 1).bit_length()) for name, s in inst.sorts.items()}
        self.int_width = _int_width(inst)
        self._constants: dict[tuple[int, str], z3.BitVecRef] = {}  # bv's, made once

    def bv(self, x: Val, sort: str) -> z3.BitVecRef:
        if not isinstance(x, int):
            return x
        found = self._constants.get((x, sort))
        if found is None:
            found = self._constants[x, sort] = z3.BitVecVal(x, self.width[sort])
        return found

    # -- integer values: the codes of an integer sort are its values less its `bias` ----------

    def int_lit(self, t: ir.IntLit) -> Val:
        return self.inst.int_value(t)

    # Integer values that are not known are signed bit-vectors of `int_width` bits, which
    # z3 solves far faster than its integers converted from and to the codes' bit-vectors.

    def to_int(self, code: Val, sort: str) -> Val:
        bias = self.inst.sorts[sort].bias
        if isinstance(code, int):
            return code + bias
        assert isinstance(code, z3.BitVecRef)
        wide = z3.ZeroExt(self.int_width - code.size(), code)
        return wide + bias if bias else wide

    def cast(self, value: Val, sort: str) -> Val:
        bias = self.inst.sorts[sort].bias
        if isinstance(value, int):
            return value - bias
        assert isinstance(value, z3.BitVecRef)
        return z3.Extract(self.width[sort] - 1, 0, value - bias if bias else value)

    def _bits(self, v: Val) -> z3.BitVecRef:
        if isinstance(v, int):
            return z3.BitVecVal(v, self.int_width)
        assert isinstance(v, z3.BitVecRef)
        return v

    def count(self, types: list[ir.Type], body: Callable[[Sequence[Val]], Bool]) -> Val:
        total: Val = 0
        for codes in self.inst.product(types):
            holds = body(codes)
            one = (1 if holds else 0) if isinstance(holds, bool) else self.int_ite(holds, 1, 0)
            total = self.arith("+", total, one)
        return total

    def choose(self, t: ir.Choose, env: Env, pre: View, post: View | None) -> Val:
        """An if-then-else chain over the codes, the first on the outside: exact, as the
        explicit engines compute it, with no symbol or assumption of its own."""
        (var,) = t.vars
        codes = self.inst.codes(var.type)
        value: Val = codes.start
        for code in reversed(codes):
            holds = self.formula(t.body, {**env, var.name: code}, pre, post)
            value = self.ite_val(holds, code, value, var.type.sort)
        return value

    def int_ite(self, c: Bool, a: Val, b: Val) -> Val:
        if isinstance(a, int) and isinstance(b, int) and a == b:
            return a
        return z3.If(c, self._bits(a), self._bits(b))

    def compare_ints(self, kind: type[ir.Eq] | type[ir.Lt] | type[ir.Le], a: Val, b: Val) -> Bool:
        if isinstance(a, int) and isinstance(b, int):
            return a == b if kind is ir.Eq else a < b if kind is ir.Lt else a <= b
        x, y = self._bits(a), self._bits(b)
        return x == y if kind is ir.Eq else x < y if kind is ir.Lt else x <= y  # signed

    def arith(self, op: str, a: Val, b: Val) -> Val:
        """`ir.arith` on signed bit-vectors: `%` is bvsmod (the sign of the divisor, as
        Python's), `//` the exact division of what is left."""
        if isinstance(a, int) and isinstance(b, int):
            return ir.arith(op, a, b)
        x, y = self._bits(a), self._bits(b)
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
        zero = z3.BitVecVal(0, self.int_width)
        safe = z3.If(y == zero, z3.BitVecVal(1, self.int_width), y)
        mod = x % safe  # bvsmod: the sign of the divisor
        if op == "%":
            return z3.If(y == zero, x, mod)
        assert op == "//"
        return z3.If(y == zero, zero, (x - mod) / safe)

    # -- leaves ------------------------------------------------------------------------------

    def elem(self, e: ir.Elem) -> Val:
        return self.inst.elem_code(e)

    def eq(self, a: Val, b: Val, sort: str) -> Bool:
        if isinstance(a, int) and isinstance(b, int):
            return a == b
        return mk_eq(self.bv(a, sort), self.bv(b, sort))

    def le(self, a: Val, b: Val, sort: str) -> Bool:
        if isinstance(a, int) and isinstance(b, int):
            return a <= b
        return z3.ULE(self.bv(a, sort), self.bv(b, sort))

    def member(self, quorum_sort: str, e: Val, q: Val) -> Bool:
        sinst = self.inst.sorts[quorum_sort]
        assert sinst.quorums is not None and sinst.decl.base is not None
        base = sinst.decl.base
        if isinstance(q, int):
            members = sinst.quorums[q - sinst.offset]
            if isinstance(e, int):
                return e in members
            return mk_or(self.eq(e, m, base) for m in sorted(members))
        return mk_or(
            mk_and([self.eq(q, code, quorum_sort), self.member(quorum_sort, e, code)])
            for code in sinst.codes(False)
        )

    def proper(self, t: ir.Type, x: Val) -> Bool:
        if t.bottom or not self.inst.sorts[t.sort].decl.has_bottom:
            return True
        return self.le(1, x, t.sort)

    def quantify(
        self, universal: bool, types: Sequence[ir.Type], body: Callable[[Sequence[Val]], Bool]
    ) -> Bool:
        instances = (body(codes) for codes in self.inst.product(types))
        return mk_and(instances) if universal else mk_or(instances)

    def ite_val(self, c: Bool, a: Val, b: Val, sort: str) -> Val:
        if isinstance(c, bool):
            return a if c else b
        if isinstance(a, int) and isinstance(b, int) and a == b:
            return a
        return z3.If(c, self.bv(a, sort), self.bv(b, sort))

    # -- states ------------------------------------------------------------------------------

    def state(self, tag: str) -> GroundState:
        variables: dict[str, dict[tuple[int, ...], z3.ExprRef]] = {}
        view: dict[str, Reader] = {}
        for decl in self.spec.symbols:
            table: dict[tuple[int, ...], z3.ExprRef] = {}
            for codes in self.inst.product(decl.args):
                # A rigid symbol is one set of variables in every state.
                name = f"{decl.name}{list(codes)}" + ("" if decl.rigid else f"@{tag}")
                if decl.kind is ir.SymbolKind.RELATION:
                    table[codes] = z3.Bool(name)
                else:
                    assert decl.result is not None
                    table[codes] = z3.BitVec(name, self.width[decl.result.sort])
            variables[decl.name] = table
            view[decl.name] = self._reader(decl, table)
        return GroundState(view, variables)

    def _reader(self, decl: ir.SymbolDecl, table: dict[tuple[int, ...], z3.ExprRef]) -> Reader:
        sorts = [t.sort for t in decl.args]
        is_relation = decl.kind is ir.SymbolKind.RELATION
        result_sort = decl.result.sort if decl.result is not None else ""

        def read(xs: Sequence[Val]) -> Val | Bool:
            if all(isinstance(x, int) for x in xs):
                key = tuple(xs)
                if key not in table:  # bottom in a column without bottom: never true
                    return False if is_relation else 0
                return table[key]
            matches = [
                (codes, mk_and(self.eq(x, c, s) for x, c, s in zip(xs, codes, sorts, strict=True)))
                for codes in table
            ]
            matches = [(codes, cond) for codes, cond in matches if cond is not False]
            if is_relation:
                return mk_or(mk_and([cond, table[codes]]) for codes, cond in matches)
            value: Val = table[matches[-1][0]]
            for codes, cond in reversed(matches[:-1]):
                value = self.ite_val(cond, table[codes], value, result_sort)
            return value

        return read

    def ranges(self, state: GroundState) -> list[z3.BoolRef]:
        """Each function variable holds a code of its result type."""
        out = []
        for decl in self.spec.symbols:
            if decl.kind is ir.SymbolKind.RELATION:
                continue
            assert decl.result is not None
            sort, lo, hi = (
                decl.result.sort,
                self.inst.lo(decl.result),
                self.inst.sorts[decl.result.sort].hi(),
            )
            for var in state.variables[decl.name].values():
                parts = [z3.ULT(var, self.bv(hi, sort))] if hi < 2 ** self.width[sort] else []
                if lo > 0:
                    parts.append(z3.ULE(self.bv(lo, sort), var))
                out.extend(parts)
        return out

    def equal(self, state: GroundState, view: dict[str, Reader]) -> list[Bool]:
        """The state's variables take the values the view gives them."""
        out: list[Bool] = []
        for decl in self.spec.symbols:
            table = state.variables[decl.name]
            reader = view[decl.name]
            if reader is state.view[decl.name]:
                continue
            for codes, var in table.items():
                value = reader(list(codes))
                if decl.kind is ir.SymbolKind.RELATION:
                    out.append(
                        mk_eq(var, value)
                        if not isinstance(value, bool)
                        else (var if value else mk_not(var))
                    )
                else:
                    assert decl.result is not None
                    out.append(mk_eq(var, self.bv(value, decl.result.sort)))
        return out

    def read_state(self, model: z3.ModelRef, state: GroundState) -> Structured:
        out: list[Value] = []
        for decl in self.spec.symbols:
            table = state.variables[decl.name]
            if decl.kind is ir.SymbolKind.RELATION:
                out.append(
                    frozenset(
                        codes
                        for codes, var in table.items()
                        if z3.is_true(model.eval(var, model_completion=True))
                    )
                )
            else:
                out.append(
                    tuple(
                        model.eval(var, model_completion=True).as_long() for var in table.values()
                    )
                )
        return tuple(out)

    def instances(self, act: ir.Action) -> list[tuple[int, ...]]:
        return list(itertools.product(*(self.inst.codes(v.type) for v in act.params)))


def _int_width(inst: Instance) -> int:
    """Bits for integer values: twice those of the largest bound or literal (so that the
    product of two of them fits), and some more for sums; at least 8, at most 64."""
    largest = 1
    for sort in inst.sorts.values():
        if sort.decl.kind is ir.SortKind.INT:
            largest = max(largest, abs(sort.bias), abs(sort.bias + sort.size - 1))
    for root in _expressions(inst.spec):
        for node in ir.walk(root):
            if isinstance(node, ir.IntLit):
                largest = max(largest, abs(inst.int_value(node)))
    return min(64, max(8, 2 * largest.bit_length() + 4))


def _expressions(spec: ir.SpecIR) -> list[ir.Expr]:
    out: list[ir.Expr] = [p.formula for p in spec.properties]
    for act in (*spec.inits, *spec.actions):
        for stmt in act.body:
            out.extend(ir.stmt_exprs(stmt))
    return out

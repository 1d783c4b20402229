"""Compile the IR of one finite instance into numpy code over batches of states.

The scalar compiler (`explicit.codegen`) writes a function of one packed state; this one writes
functions of a whole batch: a state is a list `X` of uint64 word arrays over the rows, and

- `act_k(X, n)` returns, for each instance of action k enabled somewhere, the triple
  `(instance index, rows where it is enabled, successor words)`;
- `prop_k(X, n)` (`prop_k(X, Y, n)` for an action property, Y the post-states) returns a bool
  array: the property's value in every row.

As in the scalar compiler, action parameters and small quantifiers are unrolled at compile time
so that positions are constants and tests of several bits of one word merge into one mask test;
updates that set constant bits fold into one `(word & keep) | put` per word. Where a quantifier
ranges over the tuples of a relation slice (`forall m: ~sent(m) | ...`), the vector form visits
only the set bits: the (row, tuple) pairs of the whole batch at once. Larger domains become
Python loops over run-time scalars, so every spec compiles. Short-circuit evaluation over rows
is the emitter's (`vexpr.Junction`).

The compiler is two modules: `compiler_exprs` (terms and formulas) and this one (statements,
actions, properties, the module).
"""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import assert_never

from checker import ir
from checker.explicit.frame import Frame, frame
from checker.explicit.layout import Layout, SymbolLayout
from checker.explicit.simplify import bound_name, flatten, free_vars
from checker.explicit.vector import vexpr as vx
from checker.explicit.vector.compiled import (
    ALL_ONES,
    WORD_BITS,
    VectorLimits,
    VectorSpec,
    from_code,
)
from checker.explicit.vector.compiler_exprs import (
    Env_,
    Loop,
    SetBits,
    VectorExprCompiler,
    words_of,
)
from checker.explicit.vector.vexpr import SINT, Emitter, Env, Lit, Node, Value
from checker.explicit.vector.writes import WordWrites, _split
from checker.instance import Instance

__all__ = [
    "Env_",
    "Loop",
    "SetBits",
    "VectorCompiler",
    "VectorExprCompiler",
    "VectorLimits",
    "VectorSpec",
    "compile_vector",
    "words_of",
]


def _addressing_vars(act: ir.Action) -> set[str]:
    """Variables that occur as arguments of a state symbol somewhere in the action: bound to
    constants, they make positions constants."""
    out: set[str] = set()
    for stmt in act.body:
        if isinstance(stmt, ir.Insert | ir.Remove | ir.SetFn):
            out |= {a.name for a in stmt.args if isinstance(a, ir.Var)}
        for e in ir.stmt_exprs(stmt):
            for node in ir.walk(e):
                if isinstance(node, ir.Atom | ir.App):
                    out |= {a.name for a in node.args if isinstance(a, ir.Var)}
    return out


class VectorCompiler(VectorExprCompiler):
    """Compiles one instance over batches: its expressions (`VectorExprCompiler`), statements,
    actions, properties, and the module that defines them."""

    def __init__(self, inst: Instance, layout: Layout, limits: VectorLimits | None = None) -> None:
        super().__init__(inst, layout, limits)
        self.checks: list[ir.Check] = []  # the Checks of every action, numbered

    # -- statements --------------------------------------------------------------------------

    def _constant_update(self, stmt: ir.Stmt, env: Env_) -> tuple[int, int, int] | None:
        """(position, field mask, value) when `stmt` writes a constant at a constant position."""
        if not isinstance(stmt, ir.Insert | ir.Remove | ir.SetFn):
            return None
        lay = self.layout.by_name[stmt.symbol]
        pos = self._position(lay, [self.term(a, env, ("Y", None)) for a in stmt.args])
        if pos is None or isinstance(pos[0], Node):
            return None
        if isinstance(stmt, ir.Insert):
            return int(pos[0]), 1, 1
        if isinstance(stmt, ir.Remove):
            return int(pos[0]), 1, 0
        value = self.term(stmt.value, env, ("Y", None))
        if isinstance(value, Node):
            return None
        return int(pos[0]), lay.field_mask, int(value)

    def _instance(
        self,
        act: ir.Action,
        env: Env_,
        em: Emitter,
        index: str,
        base: Env,
        parents: tuple[str, str | None] = ("X", None),
    ) -> None:
        """The statements of one action instance: guards on the parents X, then the successor
        Y of every row still enabled, built statement by statement. `parents` names the list
        of parent words and, when those are a selection of X's rows, the array of their row
        numbers in X (successors are reported by row of X)."""
        xs, row_map = parents
        body = list(act.body)
        guards: list[Value] = []
        while body and isinstance(body[0], ir.Require):
            first = body.pop(0)
            assert isinstance(first, ir.Require)
            guards.append(self.top(first.cond, env, ("X", None)))
        guard = vx.bool_and(guards)
        if guard is False:
            return
        depth = em.depth
        rows = em.fresh("e")
        if guard is True:
            em.line(f"{rows} = np.arange({base.n})")
        else:
            g = vx.emit(guard, em, base)
            em.line(f"{rows} = np.flatnonzero(_full({base.n}, {g}))")
        em.line(f"if {rows}.size:")
        em.depth += 1
        em.line(f"Y = [x[{rows}] for x in {xs}]")
        y_env = Env({f"Y{w}": f"Y[{w}]" for w in range(self.words)}, f"{rows}.size")
        keep: dict[int, int] = {}
        put: dict[int, int] = {}

        def flush() -> None:
            for w in sorted(keep):
                em.line(f"Y[{w}] = (Y[{w}] & {hex(keep[w])}) | {hex(put[w])}")
            keep.clear()
            put.clear()

        for stmt in body:
            folded = self._constant_update(stmt, env)
            if folded is not None:
                pos, mask, value = folded
                for w, m, v in _split(pos, mask, value):
                    keep[w] = keep.get(w, ALL_ONES) & ~m & ALL_ONES
                    put[w] = (put.get(w, 0) & ~m) | v
                continue
            flush()
            if isinstance(stmt, ir.Check):
                c = self.top(stmt.cond, env, ("Y", None))
                if c is False:
                    continue
                cid = self._check_id(stmt)
                failing = rows if row_map is None else f"{row_map}[{rows}]"
                if c is True:  # every row still here fails
                    em.line(f"_FAILS.append(({index}, {failing}, {cid}))")
                    em.depth = depth
                    return
                bad = em.fresh("f")
                em.line(f"{bad} = _full({rows}.size, {vx.emit(c, em, y_env)})")
                em.line(f"if {bad}.any():")
                with em.indented():
                    em.line(f"_FAILS.append(({index}, {failing}[{bad}], {cid}))")
                    keep_rows = em.fresh("k")
                    em.line(f"{keep_rows} = np.flatnonzero(~{bad})")
                    em.line(f"{rows} = {rows}[{keep_rows}]")
                    em.line(f"Y = [y[{keep_rows}] for y in Y]")
                em.line(f"if {rows}.size:")
                em.depth += 1
                continue
            if isinstance(stmt, ir.Require):
                c = self.top(stmt.cond, env, ("Y", None))
                if c is True:
                    continue
                if c is False:  # no row goes on (the block opened last must not stay empty)
                    if em.depth > depth:
                        em.line("pass")
                    em.depth = depth
                    return
                keep_rows = em.fresh("k")
                em.line(
                    f"{keep_rows} = np.flatnonzero(_full({rows}.size, {vx.emit(c, em, y_env)}))"
                )
                em.line(f"{rows} = {rows}[{keep_rows}]")
                em.line(f"Y = [y[{keep_rows}] for y in Y]")
                em.line(f"if {rows}.size:")
                em.depth += 1
                continue
            self._update(stmt, env, em, y_env)
        flush()
        em.line(f"out.append(({index}, {rows if row_map is None else f'{row_map}[{rows}]'}, Y))")
        em.depth = depth

    def _update(self, stmt: ir.Stmt, env: Env_, em: Emitter, y_env: Env) -> None:
        st = ("Y", None)
        match stmt:
            case ir.Require() | ir.Check():
                raise AssertionError("guards and checks are compiled by _instance")
            case ir.Insert() | ir.Remove() | ir.SetFn():
                lay = self.layout.by_name[stmt.symbol]
                pos = self._position(lay, [self.term(a, env, st) for a in stmt.args])
                assert pos is not None
                p = pos[0]
                if isinstance(stmt, ir.SetFn):
                    value: Value = self.term(stmt.value, env, st)
                else:
                    value = 1 if isinstance(stmt, ir.Insert) else 0
                v = vx.emit(value, em, y_env)
                if not isinstance(p, Node):
                    em.line(f"_put_field(Y, {p}, {lay.field_mask}, {v})")
                    return
                lo, hi = vx.int_range(p)
                k0, k1 = lo // WORD_BITS, (hi + lay.width - 1) // WORD_BITS
                em.line(f"_put_bits(Y, {vx.emit(p, em, y_env)}, {k0}, {k1}, {lay.width}, {v})")
            case ir.UpdateRel() | ir.UpdateFn():
                self._update_all(stmt, self.layout.by_name[stmt.symbol], env, em, y_env)
            case _:
                assert_never(stmt)

    def _update_all(
        self,
        stmt: ir.UpdateRel | ir.UpdateFn,
        lay: SymbolLayout,
        env: Env_,
        em: Emitter,
        y_env: Env,
    ) -> None:
        """R(xs) := body for every tuple: every body is evaluated on the state before the update
        (sequential semantics), then the symbol's bits are written."""
        st = ("Y", None)
        where = frame(stmt)
        if where.nowhere:
            return
        pre = em.fresh("pre")
        em.line(f"{pre} = list(Y)")  # the words before the update; writes replace Y's items
        pre_env = Env({f"Y{w}": f"{pre}[{w}]" for w in range(self.words)}, y_env.n)
        if where.pins and self._update_slice(stmt, lay, where, env, em, pre_env):
            return
        if lay.count > self.limits.update_tuples:
            loop_env = dict(env)
            names = []
            for v in stmt.vars:
                domain = self.inst.codes(v.type)
                loop_env[v.name] = Lit(bound_name(v.name), SINT, domain.start, domain.stop - 1)
                names.append((bound_name(v.name), domain.start, domain.stop))
            depth = em.depth
            for name, start, stop in names:
                em.line(f"for {name} in range({start}, {stop}):")
                em.depth += 1
            index: Value = 0
            for v, stride in zip(stmt.vars, lay.strides, strict=True):
                index = vx.plus(
                    index, vx.mul(vx.add(loop_env[v.name], -self.inst.lo(v.type)), stride)
                )
            p = vx.plus(vx.mul(index, lay.width), lay.offset)
            value = self._update_value(stmt, loop_env, st)
            v_src = vx.emit(value, em, pre_env)
            em.line(f"_put_field(Y, {vx.emit(p, em, pre_env)}, {lay.field_mask}, {v_src})")
            em.depth = depth
            return
        writes = WordWrites(pre_env)
        for i, codes in enumerate(self.inst.product([v.type for v in stmt.vars])):
            env2 = {**env, **{v.name: c for v, c in zip(stmt.vars, codes, strict=True)}}
            value = self._update_value(stmt, env2, st)
            writes.add(em, lay.offset + i * lay.width, lay.width, value)
        writes.emit(em)

    def _update_slice(
        self,
        stmt: ir.UpdateRel | ir.UpdateFn,
        lay: SymbolLayout,
        where: Frame,
        env: Env_,
        em: Emitter,
        pre_env: Env,
    ) -> bool:
        """The update written only on the slice its frame pins (see `frame`): one write per
        tuple of the free columns, at constant positions or at run-time scalar ones. False
        (nothing emitted) when a pinned value differs between rows or the slice is too large
        to unroll: the caller then writes the whole symbol."""
        st = ("Y", None)
        free = where.free(stmt)
        if math.prod(self.inst.domain_size(v.type) for v in free) > self.limits.update_tuples:
            return False
        pinned = {name: self.term(t, env, st) for name, t in where.pins.items()}
        if any(isinstance(v, Node) and v.is_array for v in pinned.values()):
            return False
        types = tuple(
            where.pins[v.name].type if v.name in where.pins else v.type for v in stmt.vars
        )
        writes: list[tuple[Value, str]] = []
        merged = WordWrites(pre_env)  # used while every position is a constant
        guard: list[Value] = []
        for codes in self.inst.product([v.type for v in free]):
            env2 = {**env, **pinned, **{v.name: c for v, c in zip(free, codes, strict=True)}}
            pos = self._position(lay, [env2[v.name] for v in stmt.vars], types)
            if pos is None:
                return True  # a pinned constant outside its column (bottom): no tuple changes
            guard = pos[1]  # the same for every tuple: it tests the pinned values only
            value = self._update_value(stmt, env2, st)
            if not isinstance(pos[0], Node):
                merged.add(em, int(pos[0]), lay.width, value)
            elif isinstance(value, Node):
                tmp = em.fresh("u")
                em.line(f"{tmp} = {vx.emit(value, em, pre_env)}")
                writes.append((pos[0], tmp))
            else:
                writes.append((pos[0], str(int(value))))
        merged.emit(em)
        depth = em.depth
        if guard:  # a pinned value may be bottom in a column without bottom: no tuple then
            em.line(f"if {vx.emit(vx.bool_and(guard), em, pre_env)}:")
            em.depth += 1
        for at, src in writes:
            em.line(f"_put_field(Y, {vx.emit(at, em, pre_env)}, {lay.field_mask}, {src})")
        em.depth = depth
        return True

    def _update_value(
        self, stmt: ir.UpdateRel | ir.UpdateFn, env: Env_, st: tuple[str, str | None]
    ) -> Value:
        if isinstance(stmt, ir.UpdateRel):
            return self.top(stmt.body, env, st)
        return self.term(stmt.body, env, st)

    def action_function(self, act: ir.Action, name: str) -> str:
        """All instances of an action over a batch. Up to `action_instances` instances are
        unrolled (parameters become constants); beyond, the parameters that address state
        (arguments of relations and functions) are unrolled first, as many as fit, and the
        others become loops over run-time scalars, so that positions stay constants."""
        em = Emitter()
        base = Env({f"X{w}": f"X[{w}]" for w in range(self.words)}, "n")
        em.line("out = []")
        unrolled, looped = self._split_params(act)
        strides: dict[str, int] = {}
        stride = 1
        for v in reversed(act.params):
            strides[v.name] = stride
            stride *= self.inst.domain_size(v.type)
        loop_env: Env_ = {}
        offset: Value = 0  # the looped parameters' part of the instance index
        for v in looped:
            domain = self.inst.codes(v.type)
            loop_env[v.name] = Lit(bound_name(v.name), SINT, domain.start, domain.stop - 1)
            part = vx.mul(vx.add(loop_env[v.name], -domain.start), strides[v.name])
            offset = vx.plus(offset, part)
        for codes in self.inst.product([v.type for v in unrolled]):
            env: Env_ = {**loop_env, **{v.name: c for v, c in zip(unrolled, codes, strict=True)}}
            index = vx.add(
                offset,
                sum(
                    (c - self.inst.lo(v.type)) * strides[v.name]
                    for v, c in zip(unrolled, codes, strict=True)
                ),
            )
            depth, start = em.depth, len(em.lines)
            rows: Env = base
            parents: tuple[str, str | None] = ("X", None)
            if looped:
                hoisted = self._hoisted_guard(act, env, {v.name for v in looped})
                if hoisted is False:
                    continue
                if hoisted is not True:
                    # Guards that do not depend on the looped parameters select the rows once.
                    h, xh = em.fresh("h"), em.fresh("xh")
                    em.line(f"{h} = np.flatnonzero(_full(n, {vx.emit(hoisted, em, base)}))")
                    em.line(f"if {h}.size:")
                    em.depth += 1
                    em.line(f"{xh} = [x[{h}] for x in X]")
                    names = {f"X{w}": f"{xh}[{w}]" for w in range(self.words)}
                    rows, parents = Env(names, f"{h}.size"), (xh, h)
            loops_at = len(em.lines)
            for v in looped:
                domain = self.inst.codes(v.type)
                em.line(f"for {bound_name(v.name)} in range({domain.start}, {domain.stop}):")
                em.depth += 1
            self._instance(act, env, em, vx.emit(index, em, rows), rows, parents)
            if len(em.lines) == loops_at + len(looped):
                del em.lines[start:]  # never enabled: no empty loops
            em.depth = depth
        em.line("return out")
        return f"def {name}(X, n):\n" + "\n".join(em.lines)

    def _check_id(self, check: ir.Check) -> int:
        """The number of a Check, reported with the rows where it holds."""
        for i, known in enumerate(self.checks):
            if known is check:
                return i
        self.checks.append(check)
        return len(self.checks) - 1

    def _hoisted_guard(self, act: ir.Action, env: Env_, looped: set[str]) -> Value:
        """The conjuncts of the action's leading guards that mention no looped parameter."""
        parts: list[ir.Formula] = []
        for stmt in act.body:
            if not isinstance(stmt, ir.Require):
                break
            parts += [c for c in flatten(stmt.cond, ir.And) if not free_vars(c) & looped]
        return vx.bool_and([self.top(c, env, ("X", None)) for c in parts])

    def _split_params(self, act: ir.Action) -> tuple[list[ir.Var], list[ir.Var]]:
        """(unrolled, looped) parameters, each in declaration order: all unrolled when the
        instances are few; else those that address state first, while the product fits."""
        sizes = {v.name: self.inst.domain_size(v.type) for v in act.params}
        if math.prod(sizes.values()) <= self.limits.action_instances:
            return list(act.params), []
        addressing = _addressing_vars(act)
        order = sorted(act.params, key=lambda v: v.name not in addressing)  # stable
        chosen: set[str] = set()
        count = 1
        for v in order:
            if count * sizes[v.name] <= self.limits.action_instances:
                chosen.add(v.name)
                count *= sizes[v.name]
        unrolled = [v for v in act.params if v.name in chosen]
        return unrolled, [v for v in act.params if v.name not in chosen]

    def property_function(self, prop: ir.Property, name: str) -> str:
        em = Emitter()
        if prop.kind in (ir.PropertyKind.ACTION_PROPERTY, ir.PropertyKind.STEP_PREDICATE):
            names = {f"X{w}": f"X[{w}]" for w in range(self.words)}
            names |= {f"Y{w}": f"Y[{w}]" for w in range(self.words)}
            g = self.top(prop.formula, {}, ("X", "Y"))
            em.line(f"return _full(n, {vx.emit(g, em, Env(names, 'n'))})")
            return f"def {name}(X, Y, n):\n" + "\n".join(em.lines)
        g = self.top(prop.formula, {}, ("X", None))
        env = Env({f"X{w}": f"X[{w}]" for w in range(self.words)}, "n")
        em.line(f"return _full(n, {vx.emit(g, em, env)})")
        return f"def {name}(X, n):\n" + "\n".join(em.lines)

    # -- module ------------------------------------------------------------------------------

    def compile(self, properties: Collection[str] | None = None) -> VectorSpec:
        """Every action, and the properties named (all of them when None)."""
        spec = self.inst.spec
        funcs: list[str] = []
        for k, act in enumerate(spec.actions):
            funcs.append(f"# action {act.name}")
            funcs.append(self.action_function(act, f"act_{k}"))
        chosen = [
            (k, p)
            for k, p in enumerate(spec.properties)
            if properties is None or p.name in properties
        ]
        for k, prop in chosen:
            funcs.append(f"# {prop.kind.value} {prop.name}")
            funcs.append(self.property_function(prop, f"prop_{k}"))
        header = [
            f"# generated by paxoscope (vector) for {spec.name} with {dict(self.inst.params)}",
            "import numpy as np",
            "from checker.explicit.vector.runtime import "
            "_and_then, _bit, _field, _floordiv, _full, _mod, _or_else, _put_bits, _put_field, "
            "_set_bits",
            "",
        ]
        header += [f"{name} = {value}" for name, value in self.tables.items()]
        source = "\n".join(header) + "\n\n" + "\n\n".join(funcs) + "\n"
        code = compile(source, f"<paxoscope vector {spec.name}>", "exec")
        instances = [
            math.prod(self.inst.domain_size(v.type) for v in a.params) for a in spec.actions
        ]
        functions = {p.name: f"prop_{k}" for k, p in chosen}
        return from_code(source, code, self.words, instances, functions, self.checks)


def compile_vector(
    inst: Instance,
    layout: Layout | None = None,
    limits: VectorLimits | None = None,
    properties: Collection[str] | None = None,
) -> VectorSpec:
    return VectorCompiler(inst, layout or Layout(inst), limits).compile(properties)

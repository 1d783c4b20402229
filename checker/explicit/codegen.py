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

The compiler is three modules: `codegen_values` (compiled values, and how they fold and merge),
`codegen_exprs` (terms and formulas) and this one (statements, actions, properties, the module).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from types import CodeType
from typing import Any, assert_never

from checker import ir
from checker.explicit.codegen_exprs import ExprCompiler
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
    negate_src,
    paren,
    src,
)
from checker.explicit.frame import Frame, frame
from checker.explicit.layout import Layout, SymbolLayout
from checker.explicit.limits import Limits
from checker.explicit.simplify import bound_name
from checker.instance import Instance

__all__ = [
    "FALSE",
    "TRUE",
    "Bits",
    "Code",
    "CompiledSpec",
    "Compiler",
    "Const",
    "Env",
    "ExprCompiler",
    "G",
    "Limits",
    "StateNames",
    "compile_instance",
    "conjoin",
    "disjoin",
    "from_code",
    "negate",
    "negate_src",
    "paren",
    "src",
]


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


class Compiler(ExprCompiler):
    """Compiles one instance: its expressions (`ExprCompiler`), statements, actions, properties,
    and the module that defines them."""

    def __init__(self, inst: Instance, layout: Layout, limits: Limits | None = None) -> None:
        super().__init__(inst, layout, limits)
        self.checks: list[ir.Check] = []  # the Checks of every action, numbered

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


def compile_instance(
    inst: Instance, layout: Layout | None = None, limits: Limits | None = None
) -> CompiledSpec:
    return Compiler(inst, layout or Layout(inst), limits).compile()

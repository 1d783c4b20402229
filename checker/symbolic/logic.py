"""Smart constructors over partially evaluated formulas.

A translated formula is either a Python `bool` (already decided, for example because the ground
translator substituted concrete elements) or a z3 `BoolRef`. These constructors fold constants
away, so formulas over concrete values stay small, and never hand z3 a Python bool.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeAlias

import z3

Bool: TypeAlias = "z3.BoolRef | bool"


def _nary(make: Callable[..., Any], parts: list[z3.BoolRef]) -> z3.BoolRef:
    """`z3.And(*parts)` / `z3.Or(*parts)` by the C API: z3's Python wrappers coerce every
    argument to a common sort one pair at a time, which costs more than building the term."""
    ctx = parts[0].ctx
    args = (z3.Ast * len(parts))(*[p.as_ast() for p in parts])
    return z3.BoolRef(make(ctx.ref(), len(parts), args), ctx)


def as_z3(b: Bool) -> z3.BoolRef:
    return z3.BoolVal(b) if isinstance(b, bool) else b


def mk_not(a: Bool) -> Bool:
    if isinstance(a, bool):
        return not a
    return z3.BoolRef(z3.Z3_mk_not(a.ctx.ref(), a.as_ast()), a.ctx)


def mk_eq(a: z3.ExprRef, b: z3.ExprRef) -> z3.BoolRef:
    """`a == b` on two terms of one sort, by the C API (as `_nary`)."""
    return z3.BoolRef(z3.Z3_mk_eq(a.ctx.ref(), a.as_ast(), b.as_ast()), a.ctx)


def mk_and(args: Iterable[Bool]) -> Bool:
    parts: list[z3.BoolRef] = []
    for a in args:
        if a is False:
            return False
        if a is not True:
            parts.append(a)
    if not parts:
        return True
    return parts[0] if len(parts) == 1 else _nary(z3.Z3_mk_and, parts)


def mk_or(args: Iterable[Bool]) -> Bool:
    parts: list[z3.BoolRef] = []
    for a in args:
        if a is True:
            return True
        if a is not False:
            parts.append(a)
    if not parts:
        return False
    return parts[0] if len(parts) == 1 else _nary(z3.Z3_mk_or, parts)


def mk_implies(a: Bool, b: Bool) -> Bool:
    return mk_or((mk_not(a), b))


def mk_iff(a: Bool, b: Bool) -> Bool:
    if isinstance(a, bool):
        return b if a else mk_not(b)
    if isinstance(b, bool):
        return a if b else mk_not(a)
    return a == b


def mk_ite(c: Bool, a: Bool, b: Bool) -> Bool:
    if isinstance(c, bool):
        return a if c else b
    if isinstance(a, bool) and isinstance(b, bool):
        if a == b:
            return a
        return c if a else z3.Not(c)
    return z3.If(c, as_z3(a), as_z3(b))

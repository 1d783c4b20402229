"""The values of the scalar compiler (`codegen`): a compiled expression is a constant, Python
source, or a mask test on a state variable (`Bits`); `conjoin` / `disjoin` fold constants and
merge the mask tests on one variable:

    (s & 0x10000) and (s & 0x20000)  ->  (s & 0x30000 == 0x30000)

Also the names of the states a compiled formula reads (`StateNames`) and the environments that
bind variables to compiled values (`Env`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from checker import ir

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
# Environments and states.


@dataclass(frozen=True)
class StateNames:
    cur: str  # Python variable holding the current (pre-) state
    post: str | None = None  # ... and the post-state, in action properties


Env = dict[str, G]


def _bind(env: Env, variables: Iterable[ir.Var], codes: Iterable[int]) -> Env:
    """`env` with each variable bound to a constant code (an unrolled instance)."""
    return {**env, **{v.name: Const(c) for v, c in zip(variables, codes, strict=True)}}


def negate_src(g: G) -> str:
    return src(negate(g))

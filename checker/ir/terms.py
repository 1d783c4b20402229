"""The IR's expressions, and of them the terms: a term denotes a sort element (or an integer
value). `Term` is the closed union of the term classes; a term may hold formulas (`TermIte`,
`Count`, `Choose`), which `checker.ir.formulas` defines over these terms."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from checker.errors import UNKNOWN_LOC, Loc
from checker.ir.sorts import INT_ANY, Size, Type

if TYPE_CHECKING:
    from checker.ir.formulas import Formula

# ---------------------------------------------------------------------------------------------
# Expressions. Terms denote sort elements; formulas denote truth values.


@dataclass(frozen=True, eq=False)
class Expr:
    loc: Loc = field(default=UNKNOWN_LOC, kw_only=True, compare=False, repr=False)

    def children(self) -> tuple[Expr, ...]:
        return ()


class TermNode(Expr):
    """Base of the term classes; `Term`, their closed union, is what fields and walkers use."""

    @property
    def type(self) -> Type:  # pragma: no cover - overridden
        raise NotImplementedError


@dataclass(frozen=True, eq=False)
class Var(TermNode):
    """A bound variable: an action parameter or a quantified variable."""

    name: str
    vtype: Type

    @property
    def type(self) -> Type:
        return self.vtype


@dataclass(frozen=True, eq=False)
class Elem(TermNode):
    """A constant element of a sort: its index among the proper elements (a number, or a size
    expression over the parameters such as `max_nat - 1`), or None for bottom."""

    sort: str
    index: int | Size | None

    @property
    def type(self) -> Type:
        return Type(self.sort, self.index is None)


@dataclass(frozen=True, eq=False)
class App(TermNode):
    """Application of a state function (or an individual, with no arguments)."""

    symbol: str
    args: tuple[Term, ...]
    result: Type
    primed: bool = False

    @property
    def type(self) -> Type:
        return self.result

    def children(self) -> tuple[Expr, ...]:
        return self.args


@dataclass(frozen=True, eq=False)
class TermIte(TermNode):
    cond: Formula
    then: Term
    else_: Term

    @property
    def type(self) -> Type:
        t, e = self.then.type, self.else_.type
        return Type(t.sort, t.bottom or e.bottom)

    def children(self) -> tuple[Expr, ...]:
        return (self.cond, self.then, self.else_)


@dataclass(frozen=True, eq=False)
class Count(TermNode):
    """How many tuples of values of `vars` satisfy `body`, an integer value (TLA+'s
    `Cardinality({x \\in S : P(x)})`)."""

    vars: tuple[Var, ...]
    body: Formula

    @property
    def type(self) -> Type:
        return Type(INT_ANY, False)

    def children(self) -> tuple[Expr, ...]:
        return (self.body,)


@dataclass(frozen=True, eq=False)
class Choose(TermNode):
    """TLA+'s `CHOOSE x \\in S : P(x)` in a formula: the first value of `vars[0]`'s type (in
    code order: the sort's order) where `body` holds, the same in the same state. Where none
    does, evaluating it fails (`lang/failures.py` says where: a `Check` before a statement, a
    `defined(...)` before a property), so the engines never observe the value they give there.
    `total` says a value always exists (a set built from others, in a sort of every subset):
    nothing to check."""

    vars: tuple[Var]
    body: Formula
    total: bool = False
    why: str = ""  # what no value means, for messages

    @property
    def type(self) -> Type:
        return self.vars[0].type

    def children(self) -> tuple[Expr, ...]:
        return (self.body,)


@dataclass(frozen=True, eq=False)
class IntLit(TermNode):
    """An integer value: a number, or an expression over the parameters."""

    value: int | Size

    @property
    def type(self) -> Type:
        return Type(INT_ANY, False)


ARITH_OPS = ("+", "-", "*", "//", "%", "min", "max")


def arith(op: str, a: int, b: int) -> int:
    """What `Arith(op, ...)` computes, on values. A zero divisor gives 0 for `//` and `a` for
    `%`: a value the engines never observe, since a `Check` (or `defined(...)`) before the
    expression reports the division first."""
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if op == "//":
        return a // b if b else 0
    if op == "%":
        return a % b if b else a
    if op == "min":
        return min(a, b)
    if op == "max":
        return max(a, b)
    raise AssertionError(op)


@dataclass(frozen=True, eq=False)
class Arith(TermNode):
    """Arithmetic on integer values (`//` and `%` round toward minus infinity, as Python's; a
    zero divisor is an error that a `Check` reports)."""

    op: str  # one of ARITH_OPS
    left: Term
    right: Term

    @property
    def type(self) -> Type:
        return Type(INT_ANY, False)

    def children(self) -> tuple[Expr, ...]:
        return (self.left, self.right)


@dataclass(frozen=True, eq=False)
class ToInt(TermNode):
    """The integer value of an element of an integer sort."""

    arg: Term

    @property
    def type(self) -> Type:
        return Type(INT_ANY, False)

    def children(self) -> tuple[Expr, ...]:
        return (self.arg,)


@dataclass(frozen=True, eq=False)
class Cast(TermNode):
    """The element of integer sort `sort` whose value is `arg`. A `Check` before the statement
    that holds it reports a value outside the sort; past it, the value is in range."""

    sort: str
    arg: Term
    guarded: bool = False  # its context ensures the range (a relation read): nothing to check
    why: str = ""  # what a value outside the sort means, for messages ("a slice out of range")

    @property
    def type(self) -> Type:
        return Type(self.sort, False)

    def children(self) -> tuple[Expr, ...]:
        return (self.arg,)


# The closed union of the terms. Walkers `match` on it and end in `assert_never`, so that mypy
# rejects a walker that misses a kind (isinstance also accepts it: `isinstance(e, ir.Term)`).
Term = Var | Elem | App | TermIte | IntLit | Arith | ToInt | Cast | Count | Choose


def walk(expr: Expr) -> Iterator[Expr]:
    """All subexpressions of `expr`, itself first."""
    stack = [expr]
    while stack:
        e = stack.pop()
        yield e
        stack.extend(reversed(e.children()))

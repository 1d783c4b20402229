"""The IR's formulas: they denote truth values, over terms (`checker.ir.terms`). `Formula` is
the closed union of the formula classes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NoReturn

from checker.ir.terms import Expr, Term, Var, walk


class FormulaNode(Expr):
    """Base of the formula classes; `Formula` is their closed union."""


@dataclass(frozen=True, eq=False)
class BoolLit(FormulaNode):
    value: bool


@dataclass(frozen=True, eq=False)
class Atom(FormulaNode):
    """A state relation applied to arguments."""

    symbol: str
    args: tuple[Term, ...]
    primed: bool = False

    def children(self) -> tuple[Expr, ...]:
        return self.args


@dataclass(frozen=True, eq=False)
class Member(FormulaNode):
    """`elem` is a member of quorum `quorum` (of quorum sort `sort`)."""

    sort: str
    elem: Term
    quorum: Term

    def children(self) -> tuple[Expr, ...]:
        return (self.elem, self.quorum)


@dataclass(frozen=True, eq=False)
class Eq(FormulaNode):
    left: Term
    right: Term

    def children(self) -> tuple[Expr, ...]:
        return (self.left, self.right)


@dataclass(frozen=True, eq=False)
class Lt(FormulaNode):
    """Strict order on an ordered sort (bottom is below every element)."""

    left: Term
    right: Term

    def children(self) -> tuple[Expr, ...]:
        return (self.left, self.right)


@dataclass(frozen=True, eq=False)
class Le(FormulaNode):
    left: Term
    right: Term

    def children(self) -> tuple[Expr, ...]:
        return (self.left, self.right)


@dataclass(frozen=True, eq=False)
class Not(FormulaNode):
    arg: Formula

    def children(self) -> tuple[Expr, ...]:
        return (self.arg,)


@dataclass(frozen=True, eq=False)
class And(FormulaNode):
    args: tuple[Formula, ...]

    def children(self) -> tuple[Expr, ...]:
        return self.args


@dataclass(frozen=True, eq=False)
class Or(FormulaNode):
    args: tuple[Formula, ...]

    def children(self) -> tuple[Expr, ...]:
        return self.args


@dataclass(frozen=True, eq=False)
class Implies(FormulaNode):
    left: Formula
    right: Formula

    def children(self) -> tuple[Expr, ...]:
        return (self.left, self.right)


@dataclass(frozen=True, eq=False)
class Iff(FormulaNode):
    left: Formula
    right: Formula

    def children(self) -> tuple[Expr, ...]:
        return (self.left, self.right)


@dataclass(frozen=True, eq=False)
class FormulaIte(FormulaNode):
    cond: Formula
    then: Formula
    else_: Formula

    def children(self) -> tuple[Expr, ...]:
        return (self.cond, self.then, self.else_)


@dataclass(frozen=True, eq=False)
class Forall(FormulaNode):
    vars: tuple[Var, ...]
    body: Formula

    def children(self) -> tuple[Expr, ...]:
        return (self.body,)


@dataclass(frozen=True, eq=False)
class Exists(FormulaNode):
    vars: tuple[Var, ...]
    body: Formula

    def children(self) -> tuple[Expr, ...]:
        return (self.body,)


@dataclass(frozen=True, eq=False)
class WellTyped(FormulaNode):
    """Every function and individual holds a value of its declared type.

    The symbolic engine reads this as true (its sorts are typed); the explicit engine checks that
    every packed field decodes to an element of its type, which catches encoding faults.
    """

    primed: bool = False


@dataclass(frozen=True, eq=False)
class Enabled(FormulaNode):
    """TLA+'s `ENABLED <<A(args)>>_vars`: some instance of action `action` whose parameters
    named in `args` have those values can take a step that changes the state (within the
    model). Only `@liveness` properties hold it; the liveness checker reads it off the state
    graph's transitions."""

    action: str
    args: tuple[tuple[str, Term], ...] = ()

    def children(self) -> tuple[Expr, ...]:
        return tuple(t for _, t in self.args)


# The closed union of the formulas, which walkers `match` on as on `Term`.
Formula = (
    BoolLit
    | Atom
    | Member
    | Eq
    | Lt
    | Le
    | Not
    | And
    | Or
    | Implies
    | Iff
    | FormulaIte
    | Forall
    | Exists
    | WellTyped
    | Enabled
)


def only_in_liveness(f: Enabled) -> NoReturn:
    """What a formula evaluator does with `enabled(...)`: the tracer lets it appear only in
    `@liveness` properties, which the liveness checker evaluates on the state graph."""
    raise AssertionError(f"enabled({f.action}) outside a @liveness property: {f.loc}")


def is_step(f: Expr) -> bool:
    """Whether `f` reads the state after a step (a primed symbol): a step formula."""
    return any(getattr(e, "primed", False) for e in walk(f))

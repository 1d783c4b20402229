"""The IR's statements and actions: an action body is a sequence of statements with sequential
semantics. `Stmt` is the closed union of the statement classes."""

from __future__ import annotations

from dataclasses import dataclass, field

from checker.errors import UNKNOWN_LOC, Loc
from checker.ir.decls import RecordColumns, SequenceColumns
from checker.ir.formulas import Formula
from checker.ir.terms import Expr, Term, Var


@dataclass(frozen=True, eq=False)
class StmtNode:
    """Base of the statement classes; `Stmt` is their closed union."""

    loc: Loc = field(default=UNKNOWN_LOC, kw_only=True, compare=False, repr=False)


@dataclass(frozen=True, eq=False)
class Require(StmtNode):
    cond: Formula


@dataclass(frozen=True, eq=False)
class Check(StmtNode):
    """If `cond` holds here, the action instance fails with an error (a value outside its
    integer sort, a division by zero: `what` says which), reported with the trace that reached
    it, as TLC reports an evaluation error. The tracer puts one before each statement that can
    fail, with the condition under which it does."""

    cond: Formula
    what: str


@dataclass(frozen=True, eq=False)
class Insert(StmtNode):
    symbol: str
    args: tuple[Term, ...]


@dataclass(frozen=True, eq=False)
class Remove(StmtNode):
    symbol: str
    args: tuple[Term, ...]


@dataclass(frozen=True, eq=False)
class SetFn(StmtNode):
    """f(args) := value (one point of a function or an individual)."""

    symbol: str
    args: tuple[Term, ...]
    value: Term


@dataclass(frozen=True, eq=False)
class UpdateRel(StmtNode):
    """R(vars) := body for every tuple (a pointwise update of a whole relation)."""

    symbol: str
    vars: tuple[Var, ...]
    body: Formula


@dataclass(frozen=True, eq=False)
class UpdateFn(StmtNode):
    """f(vars) := body for every argument tuple."""

    symbol: str
    vars: tuple[Var, ...]
    body: Term


# The closed union of the statements, which walkers `match` on as on `Term`.
Stmt = Require | Check | Insert | Remove | SetFn | UpdateRel | UpdateFn


@dataclass(frozen=True)
class Action:
    name: str
    params: tuple[Var, ...]
    body: tuple[Stmt, ...]
    doc: str = ""
    loc: Loc = UNKNOWN_LOC
    record_params: tuple[RecordColumns, ...] = ()  # the parameters that hold one record each
    sequence_params: tuple[SequenceColumns, ...] = ()  # those that hold one sequence each


def stmt_exprs(stmt: Stmt) -> tuple[Expr, ...]:
    """The expressions a statement contains."""
    if isinstance(stmt, Require | Check):
        return (stmt.cond,)
    if isinstance(stmt, Insert | Remove):
        return stmt.args
    if isinstance(stmt, SetFn):
        return (*stmt.args, stmt.value)
    if isinstance(stmt, UpdateRel | UpdateFn):
        return (stmt.body,)
    raise AssertionError(stmt)


def updated_symbol(stmt: Stmt) -> str | None:
    """The state symbol a statement writes, or None for a guard."""
    if isinstance(stmt, Insert | Remove | SetFn | UpdateRel | UpdateFn):
        return stmt.symbol
    return None

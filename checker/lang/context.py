"""The trace context: what the tracer is recording right now.

Spec code runs once, symbolically, inside a context. Statements (`require`, updates) are appended
to the context of the action being traced; in an invariant there is no statement list, so an
update there is an error. Quantified variables get names unique within one trace, after the
parameters of the lambda that binds them (`lambda_names`).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from checker import ir
from checker.errors import Loc, SpecError
from checker.lang.failures import failure


@dataclass
class TraceContext:
    what: str  # "action `phase1b`", "invariant `agreement`", ...
    stmts: list[ir.Stmt] | None  # None where statements are not allowed
    sort_kinds: dict[str, ir.SortKind]
    # integer sorts: (smallest, largest) value, for range checks
    int_bounds: dict[str, tuple[ir.Size, ir.Size]] = field(default_factory=dict)
    used_names: set[str] = field(default_factory=set)
    # values chosen inside an action (`pick`, `maybe`): they become parameters of the action
    choices: list[ir.Var] = field(default_factory=list)
    binders: list[str] = field(default_factory=list)  # the lambdas being traced (`forall(...)`)

    def point(self) -> Point | None:
        """This place of the action being traced (where a choice made later may be put, as if
        it had been made here), or None outside an action's own body: in a property, or in the
        lambda of a quantifier or an update (which is traced once for all its elements)."""
        if self.stmts is None or self.binders:
            return None
        return Point(
            self,
            self.stmts[-1] if self.stmts else None,
            self.choices[-1] if self.choices else None,
            self.writes(),
        )

    def fresh_name(self, hint: str) -> str:
        base = hint if hint.isidentifier() else "x"
        name, i = base, 1
        while name in self.used_names:
            i += 1
            name = f"{base}_{i}"
        self.used_names.add(name)
        return name

    def _statements(self, what: str, loc: Loc) -> list[ir.Stmt]:
        if self.stmts is None:
            raise SpecError(
                f"{what} is a statement, allowed only in actions and @init, not in {self.what}", loc
            )
        return self.stmts

    def add_stmt(self, stmt: ir.Stmt, what: str, loc: Loc, *, at: int | None = None) -> None:
        """Append `stmt` (or insert it at index `at`), with the check of what it can fail."""
        stmts = self._statements(what, loc)
        fails = failure(stmt, self.int_bounds)
        added = [stmt] if fails is None else [ir.Check(fails, what, loc=loc), stmt]
        # it can fail (a value out of range, a zero divisor): the check comes first
        stmts[len(stmts) if at is None else at : at] = added

    def writes(self) -> int:
        """How many statements so far write state (a point of the action where the state may
        differ from the one before it)."""
        return sum(1 for s in self.stmts or () if ir.updated_symbol(s) is not None)

    def add_check(self, fails: ir.Formula, why: str, what: str, loc: Loc) -> None:
        """An error where `fails` holds, reported as `why` (a full sequence, an empty one, a
        CHOOSE that nothing satisfies): the check of the operation `what`, ahead of its
        statements. Where evaluating `fails` can itself fail (a slice out of range inside a
        length), that is checked first."""
        stmts = self._statements(what, loc)
        inner = failure(fails, self.int_bounds)
        if inner is not None:
            stmts.append(ir.Check(inner, what, loc=loc))
        stmts.append(ir.Check(fails, why, loc=loc))


@dataclass(frozen=True, eq=False)
class Point:
    """A place in the body of an action being traced: after the statement `stmt` (None: at the
    start), after the choice `choice` (None: before any), where `writes` statements before it
    write state. Statements added later before it keep it where it is (it follows `stmt`)."""

    ctx: TraceContext
    stmt: ir.Stmt | None
    choice: ir.Var | None
    writes: int

    def stmt_index(self) -> int:
        """Where a statement made here goes in the action's statements now."""
        if self.stmt is None:
            return 0
        assert self.ctx.stmts is not None
        return next(i for i, s in enumerate(self.ctx.stmts) if s is self.stmt) + 1

    def choice_index(self) -> int:
        """Where a choice made here goes among the action's choices now."""
        if self.choice is None:
            return 0
        return next(i for i, v in enumerate(self.ctx.choices) if v is self.choice) + 1


_STACK: list[TraceContext] = []


def current() -> TraceContext | None:
    return _STACK[-1] if _STACK else None


def require_current(what: str, loc: Loc) -> TraceContext:
    ctx = current()
    if ctx is None:
        raise SpecError(f"{what} can only be used inside spec methods while they are traced", loc)
    return ctx


@contextmanager
def tracing(ctx: TraceContext) -> Iterator[TraceContext]:
    _STACK.append(ctx)
    try:
        yield ctx
    finally:
        _STACK.pop()


def lambda_names(fn: Callable[..., Any], count: int, what: str, loc: Loc) -> list[str]:
    """The names of the `count` parameters of `fn`, the lambda of `what` (x0, x1, ... when
    they cannot be read); a lambda of another arity is an error at `loc`."""
    if not callable(fn):
        raise SpecError(f"{what} needs a function (a lambda) as its last argument", loc)
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return [f"x{i}" for i in range(count)]
    if len(params) != count or any(
        p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params
    ):
        raise SpecError(
            f"{what} binds {count} variable(s) but its lambda takes {len(params)} parameter(s)", loc
        )
    return [p.name for p in params]

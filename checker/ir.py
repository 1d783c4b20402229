"""The intermediate representation (IR) that every engine consumes.

A spec class is traced once (see `checker.lang.trace`) into a `SpecIR`: sorts, state symbols,
initial actions, actions, and properties. The IR is independent of instance sizes: sort sizes are
`Size` expressions over the spec's named parameters, and element constants are indices, so the
explicit engine can compile it for one finite instance and the symbolic engine can translate it
for all instances.

Semantics, in brief:

* A sort has `size` proper elements. A sort may declare a *bottom* element (ballot -1, value None)
  that lies outside the proper elements; the type `Type(sort, bottom=True)` ranges over the proper
  elements and bottom. For ordered sorts bottom is below every element.
* Quorum sorts are derived from a base sort: their elements are subsets of it (by default the
  majorities); `Member(elem, q)` is the fixed membership relation.
* An action body is a sequence of statements with sequential semantics: a statement sees the state
  as left by the statements before it. `Require` guards; the others update one state symbol.
  `Atom`/`App` read the *current* state of the action (or, in an action property, the pre-state,
  or the post-state when `primed`).
* A relation atom whose argument is bottom in a column that excludes bottom is false.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from checker.errors import UNKNOWN_LOC, Loc, UsageError

# ---------------------------------------------------------------------------------------------
# Sizes: integer expressions over spec parameters.


@dataclass(frozen=True)
class Size:
    """An integer expression over named spec parameters: a constant, a parameter, or `op(a, b)`."""

    op: str  # "const" | "param" | "+" | "-" | "*" | "//"
    value: int = 0
    name: str = ""
    left: Size | None = None
    right: Size | None = None

    def evaluate(self, params: Mapping[str, int]) -> int:
        if self.op == "const":
            return self.value
        if self.op == "param":
            return params[self.name]
        assert self.left is not None and self.right is not None
        a, b = self.left.evaluate(params), self.right.evaluate(params)
        if self.op == "+":
            return a + b
        if self.op == "-":
            return a - b
        if self.op == "*":
            return a * b
        if self.op == "//":
            if b == 0:
                raise UsageError(f"division by zero in the size expression {self}")
            return a // b
        raise AssertionError(self.op)

    def __str__(self) -> str:
        if self.op == "const":
            return str(self.value)
        if self.op == "param":
            return self.name
        return f"({self.left} {self.op} {self.right})"


def const_size(n: int) -> Size:
    return Size("const", value=n)


# ---------------------------------------------------------------------------------------------
# Sorts and types.


class SortKind(enum.Enum):
    PLAIN = "plain"
    ORDERED = "ordered"
    QUORUM = "quorum"


@dataclass(frozen=True)
class SortDecl:
    name: str
    kind: SortKind
    size: Size | None  # number of proper elements; None for quorum sorts (derived)
    symmetric: bool = False
    bottom: str | int | None = None  # label of the bottom element, if the sort has one
    # element label prefix (str), first integer label (int), or one name per element (tuple)
    labels: str | int | tuple[str, ...] = ""
    base: str | None = None  # quorum sorts: the sort whose subsets they are
    quorum_size: Size | None = None  # quorum sorts: member count; None = majority
    loc: Loc = UNKNOWN_LOC

    @property
    def has_bottom(self) -> bool:
        return self.bottom is not None


@dataclass(frozen=True)
class Type:
    """The type of a term: a sort, with or without its bottom element."""

    sort: str
    bottom: bool = False

    def __str__(self) -> str:
        return f"{self.sort}.or_bottom" if self.bottom else self.sort


# ---------------------------------------------------------------------------------------------
# Expressions. Terms denote sort elements; formulas denote truth values.


@dataclass(frozen=True, eq=False)
class Expr:
    loc: Loc = field(default=UNKNOWN_LOC, kw_only=True, compare=False, repr=False)

    def children(self) -> tuple[Expr, ...]:
        return ()


class Term(Expr):
    @property
    def type(self) -> Type:  # pragma: no cover - overridden
        raise NotImplementedError


class Formula(Expr):
    pass


@dataclass(frozen=True, eq=False)
class Var(Term):
    """A bound variable: an action parameter or a quantified variable."""

    name: str
    vtype: Type

    @property
    def type(self) -> Type:
        return self.vtype


@dataclass(frozen=True, eq=False)
class Elem(Term):
    """A constant element of a sort: its index among the proper elements (a number, or a size
    expression over the parameters such as `max_nat - 1`), or None for bottom."""

    sort: str
    index: int | Size | None

    @property
    def type(self) -> Type:
        return Type(self.sort, self.index is None)


@dataclass(frozen=True, eq=False)
class App(Term):
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
class TermIte(Term):
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
class BoolLit(Formula):
    value: bool


@dataclass(frozen=True, eq=False)
class Atom(Formula):
    """A state relation applied to arguments."""

    symbol: str
    args: tuple[Term, ...]
    primed: bool = False

    def children(self) -> tuple[Expr, ...]:
        return self.args


@dataclass(frozen=True, eq=False)
class Member(Formula):
    """`elem` is a member of quorum `quorum` (of quorum sort `sort`)."""

    sort: str
    elem: Term
    quorum: Term

    def children(self) -> tuple[Expr, ...]:
        return (self.elem, self.quorum)


@dataclass(frozen=True, eq=False)
class Eq(Formula):
    left: Term
    right: Term

    def children(self) -> tuple[Expr, ...]:
        return (self.left, self.right)


@dataclass(frozen=True, eq=False)
class Lt(Formula):
    """Strict order on an ordered sort (bottom is below every element)."""

    left: Term
    right: Term

    def children(self) -> tuple[Expr, ...]:
        return (self.left, self.right)


@dataclass(frozen=True, eq=False)
class Le(Formula):
    left: Term
    right: Term

    def children(self) -> tuple[Expr, ...]:
        return (self.left, self.right)


@dataclass(frozen=True, eq=False)
class Not(Formula):
    arg: Formula

    def children(self) -> tuple[Expr, ...]:
        return (self.arg,)


@dataclass(frozen=True, eq=False)
class And(Formula):
    args: tuple[Formula, ...]

    def children(self) -> tuple[Expr, ...]:
        return self.args


@dataclass(frozen=True, eq=False)
class Or(Formula):
    args: tuple[Formula, ...]

    def children(self) -> tuple[Expr, ...]:
        return self.args


@dataclass(frozen=True, eq=False)
class Implies(Formula):
    left: Formula
    right: Formula

    def children(self) -> tuple[Expr, ...]:
        return (self.left, self.right)


@dataclass(frozen=True, eq=False)
class Iff(Formula):
    left: Formula
    right: Formula

    def children(self) -> tuple[Expr, ...]:
        return (self.left, self.right)


@dataclass(frozen=True, eq=False)
class FormulaIte(Formula):
    cond: Formula
    then: Formula
    else_: Formula

    def children(self) -> tuple[Expr, ...]:
        return (self.cond, self.then, self.else_)


@dataclass(frozen=True, eq=False)
class Forall(Formula):
    vars: tuple[Var, ...]
    body: Formula

    def children(self) -> tuple[Expr, ...]:
        return (self.body,)


@dataclass(frozen=True, eq=False)
class Exists(Formula):
    vars: tuple[Var, ...]
    body: Formula

    def children(self) -> tuple[Expr, ...]:
        return (self.body,)


@dataclass(frozen=True, eq=False)
class WellTyped(Formula):
    """Every function and individual holds a value of its declared type.

    The symbolic engine reads this as true (its sorts are typed); the explicit engine checks that
    every packed field decodes to an element of its type, which catches encoding faults.
    """

    primed: bool = False


# ---------------------------------------------------------------------------------------------
# State symbols and statements.


class SymbolKind(enum.Enum):
    RELATION = "relation"
    FUNCTION = "function"  # individuals are functions with no arguments


@dataclass(frozen=True)
class MessageDecl:
    """A relation whose tuples are messages (for message-sequence charts): a tuple is sent by
    the node in column `sender` to the node in column `to`, or to every element of sort `to`."""

    sender: int
    to: int | str


@dataclass(frozen=True)
class SymbolDecl:
    name: str
    kind: SymbolKind
    args: tuple[Type, ...]
    result: Type | None  # None for relations
    init: Term | bool | None  # declared initial value: an element term for functions
    individual: bool = False
    loc: Loc = UNKNOWN_LOC
    message: MessageDecl | None = None


@dataclass(frozen=True, eq=False)
class Stmt:
    loc: Loc = field(default=UNKNOWN_LOC, kw_only=True, compare=False, repr=False)


@dataclass(frozen=True, eq=False)
class Require(Stmt):
    cond: Formula


@dataclass(frozen=True, eq=False)
class Insert(Stmt):
    symbol: str
    args: tuple[Term, ...]


@dataclass(frozen=True, eq=False)
class Remove(Stmt):
    symbol: str
    args: tuple[Term, ...]


@dataclass(frozen=True, eq=False)
class SetFn(Stmt):
    """f(args) := value (one point of a function or an individual)."""

    symbol: str
    args: tuple[Term, ...]
    value: Term


@dataclass(frozen=True, eq=False)
class UpdateRel(Stmt):
    """R(vars) := body for every tuple (a pointwise update of a whole relation)."""

    symbol: str
    vars: tuple[Var, ...]
    body: Formula


@dataclass(frozen=True, eq=False)
class UpdateFn(Stmt):
    """f(vars) := body for every argument tuple."""

    symbol: str
    vars: tuple[Var, ...]
    body: Term


@dataclass(frozen=True)
class Action:
    name: str
    params: tuple[Var, ...]
    body: tuple[Stmt, ...]
    doc: str = ""
    loc: Loc = UNKNOWN_LOC


class PropertyKind(enum.Enum):
    INVARIANT = "invariant"
    ACTION_PROPERTY = "action_property"  # over a transition: unprimed = pre, primed = post
    CONSTRAINT = "constraint"  # states that fail it are not explored
    CONJUNCT = "conjunct"  # a conjunct of an inductive invariant (a proof's `@conjunct`)


@dataclass(frozen=True)
class Property:
    name: str
    kind: PropertyKind
    formula: Formula
    doc: str = ""
    loc: Loc = UNKNOWN_LOC


@dataclass(frozen=True)
class ParamDecl:
    name: str
    default: int
    doc: str = ""


@dataclass(frozen=True)
class SpecIR:
    name: str
    file: str
    doc: str
    params: tuple[ParamDecl, ...]
    sorts: tuple[SortDecl, ...]
    symbols: tuple[SymbolDecl, ...]
    inits: tuple[Action, ...]
    actions: tuple[Action, ...]
    properties: tuple[Property, ...]

    def sort(self, name: str) -> SortDecl:
        for s in self.sorts:
            if s.name == name:
                return s
        raise KeyError(name)

    def symbol(self, name: str) -> SymbolDecl:
        for s in self.symbols:
            if s.name == name:
                return s
        raise KeyError(name)

    def properties_of(self, kind: PropertyKind) -> tuple[Property, ...]:
        return tuple(p for p in self.properties if p.kind is kind)

    def state_invariants(self) -> tuple[Property, ...]:
        """Invariants and inductive-invariant conjuncts: every property of a single state that
        must hold in every reachable state."""
        kinds = (PropertyKind.INVARIANT, PropertyKind.CONJUNCT)
        return tuple(p for p in self.properties if p.kind in kinds)

    def select(
        self, available: tuple[Property, ...], names: Sequence[str] | None, what: str
    ) -> list[Property]:
        """The properties named (all of `available` when `names` is None), or a UsageError
        that lists what there is."""
        if names is None:
            return list(available)
        by_name = {p.name: p for p in available}
        for n in names:
            if n not in by_name:
                listed = ", ".join(by_name) or "none"
                raise UsageError(f"spec {self.name} has no {what} `{n}` (it has: {listed})")
        return [by_name[n] for n in names]

    def action(self, name: str) -> Action:
        for a in self.actions:
            if a.name == name:
                return a
        raise KeyError(name)


def walk(expr: Expr) -> Iterator[Expr]:
    """All subexpressions of `expr`, itself first."""
    stack = [expr]
    while stack:
        e = stack.pop()
        yield e
        stack.extend(reversed(e.children()))


def stmt_exprs(stmt: Stmt) -> tuple[Expr, ...]:
    """The expressions a statement contains."""
    if isinstance(stmt, Require):
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

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
from typing import NoReturn, TypeVar

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


# The sort of `maybe()`'s choices, added to a spec that uses it: element 1 is TRUE.
BOOLEAN = "BOOLEAN"


# ---------------------------------------------------------------------------------------------
# Sorts and types.


class SortKind(enum.Enum):
    PLAIN = "plain"
    ORDERED = "ordered"
    QUORUM = "quorum"
    INT = "int"  # the integers lo..hi: ordered, with arithmetic on their values


# The type of integer values that belong to no sort: literals and the results of arithmetic.
# They become an element of an integer sort only where one is needed (stored, or an argument),
# through `Cast`, which a `Check` before it guards against values outside the sort.
INT_ANY = "int"


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
    all_subsets: bool = False  # a quorum sort of every subset of its base (`Subsets`)
    lo: Size | None = None  # integer sorts: the smallest value (the size counts from it)
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


class TermNode(Expr):
    """Base of the term classes; `Term`, their closed union, is what fields and walkers use."""

    @property
    def type(self) -> Type:  # pragma: no cover - overridden
        raise NotImplementedError


class FormulaNode(Expr):
    """Base of the formula classes; `Formula` is their closed union."""


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
class SequenceOf:
    """Marks the functions that store a sequence-valued symbol `name` (lang/sequences.py): its
    length `length` (over the symbol's arguments) and its slots (over the arguments and a
    position): one function `slots[0]` for elements of a sort, or, for a sequence of records,
    one per field, `slots[i]` holding field `fields[i]` (`fields` is empty for a sort). Traces
    print them as one sequence (of records)."""

    name: str
    length: str
    slots: tuple[str, ...]
    fields: tuple[str, ...] = ()


@dataclass(frozen=True)
class RecordColumns:
    """Consecutive columns that hold one record (lang/records.py flattens a record into one
    column per field): `len(fields)` columns from `start` of a symbol's arguments or of an
    action's parameters, one per field, in the record's order. Engines read the columns; ITF
    traces show them as one record. `name` is a record parameter's own name (`m`, whose columns
    are the parameters `m_type`, `m_bal`, ...); "" for a symbol's columns."""

    start: int
    fields: tuple[str, ...]
    name: str = ""


@dataclass(frozen=True)
class SequenceColumns:
    """Consecutive parameters (or bound variables) that hold one sequence value of a sequence
    sort (lang/seqsorts.py flattens it): the length at `start`, then `capacity` slots, each one
    column — or, for a sequence of records, one column per field in `fields` (empty for a
    sort's elements). A slot at or past the length holds the element type's lowest value, so
    each sequence is one tuple of columns. `name` is the parameter's own name (`s`, whose
    columns are `s_len`, `s_0`, ...); ITF and text traces show it as one sequence."""

    start: int
    capacity: int
    fields: tuple[str, ...]
    name: str

    @property
    def width(self) -> int:
        """The columns of one slot."""
        return max(1, len(self.fields))

    @property
    def stop(self) -> int:
        """One past the last column."""
        return self.start + 1 + self.capacity * self.width


@dataclass(frozen=True)
class RecordOf:
    """Marks the functions (or individuals) that store a record-valued symbol `name`, one per
    field (lang/spec.py): `symbols[i]` holds field `fields[i]` (`last` is `last_type`,
    `last_bal`, ...); ITF traces show them as one variable holding records."""

    name: str
    fields: tuple[str, ...]
    symbols: tuple[str, ...]


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
    # Any initial value: the initial states are every value (of every such symbol) that the
    # @init guards and the axioms allow. A rigid symbol never changes afterwards.
    arbitrary: bool = False
    rigid: bool = False
    sequence: SequenceOf | None = None  # one of the functions that store a sequence
    record: RecordOf | None = None  # one of the per-field functions of a record-valued symbol
    record_args: tuple[RecordColumns, ...] = ()  # the argument columns that hold records


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


# The closed unions. Walkers `match` on them and end in `assert_never`, so that mypy rejects a
# walker that misses a kind (isinstance also accepts them: `isinstance(e, ir.Term)`).
Term = Var | Elem | App | TermIte | IntLit | Arith | ToInt | Cast | Count | Choose
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


class PropertyKind(enum.Enum):
    INVARIANT = "invariant"
    ACTION_PROPERTY = "action_property"  # over a transition: unprimed = pre, primed = post
    CONSTRAINT = "constraint"  # states that fail it are not explored
    CONJUNCT = "conjunct"  # a conjunct of an inductive invariant (a proof's `@conjunct`)
    AXIOM = "axiom"  # over the rigid symbols: which of their interpretations are explored
    PREDICATE = "predicate"  # a state formula a @liveness property reads: evaluated, not checked
    STEP_PREDICATE = "step_predicate"  # a step formula (pre, primed = post) a @liveness reads


@dataclass(frozen=True)
class Property:
    name: str
    kind: PropertyKind
    formula: Formula
    doc: str = ""
    loc: Loc = UNKNOWN_LOC


class TemporalKind(enum.Enum):
    """The temporal properties the explicit engines check on the state graph (`p`, `q` state
    formulas): `[]p`, `<>p`, `p ~> q`, `[]<>p`, `<>[]p`."""

    ALWAYS = "always"
    EVENTUALLY = "eventually"
    LEADS_TO = "leads_to"
    ALWAYS_EVENTUALLY = "always_eventually"
    EVENTUALLY_ALWAYS = "eventually_always"


@dataclass(frozen=True)
class Liveness:
    """A `@liveness` property: `kind` over the state formulas `p` (and `q` for leads-to), for
    every binding of `vars` (TLC's `\\A n \\in Node : Trying(n) ~> InCS(n)`: one property per
    node), under the spec's fairness."""

    name: str
    kind: TemporalKind
    p: Formula
    q: Formula | None = None
    vars: tuple[Var, ...] = ()
    doc: str = ""
    loc: Loc = UNKNOWN_LOC


@dataclass(frozen=True)
class Fairness:
    """Weak (`WF`) or strong (`SF`) fairness of `actions` (one, or several taken as one:
    TLA+'s `WF_vars(A \\/ B)`): as one whole (`per` empty: `WF_vars(\\E p : A(p))`), or for
    each value of the parameters `per` of a single action (`\\A p : WF_vars(A(p))`)."""

    strong: bool
    actions: tuple[str, ...]
    per: tuple[str, ...] = ()
    loc: Loc = UNKNOWN_LOC


@dataclass(frozen=True)
class ParamDecl:
    name: str
    default: int
    doc: str = ""


Named = TypeVar("Named", Property, Liveness)


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
    liveness: tuple[Liveness, ...] = ()
    fairness: tuple[Fairness, ...] = ()

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
        self, available: tuple[Named, ...], names: Sequence[str] | None, what: str
    ) -> list[Named]:
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


def only_in_liveness(f: Enabled) -> NoReturn:
    """What a formula evaluator does with `enabled(...)`: the tracer lets it appear only in
    `@liveness` properties, which the liveness checker evaluates on the state graph."""
    raise AssertionError(f"enabled({f.action}) outside a @liveness property: {f.loc}")


def is_step(f: Expr) -> bool:
    """Whether `f` reads the state after a step (a primed symbol): a step formula."""
    return any(getattr(e, "primed", False) for e in walk(f))


def walk(expr: Expr) -> Iterator[Expr]:
    """All subexpressions of `expr`, itself first."""
    stack = [expr]
    while stack:
        e = stack.pop()
        yield e
        stack.extend(reversed(e.children()))


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

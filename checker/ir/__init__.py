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

The IR is a package, by layer (each imports only those before it): `sorts` (sizes, sorts, types),
`terms` (expressions and the `Term` union), `formulas` (the `Formula` union), `decls` (state
symbols), `stmts` (statements, the `Stmt` union, actions) and `spec` (properties, liveness,
fairness, `SpecIR`). Every name is re-exported here: use `from checker import ir; ir.And(...)`.
"""

from __future__ import annotations

from checker.ir.decls import (
    MessageDecl,
    RecordColumns,
    RecordOf,
    SequenceColumns,
    SequenceOf,
    SymbolDecl,
    SymbolKind,
)
from checker.ir.formulas import (
    And,
    Atom,
    BoolLit,
    Enabled,
    Eq,
    Exists,
    Forall,
    Formula,
    FormulaIte,
    FormulaNode,
    Iff,
    Implies,
    Le,
    Lt,
    Member,
    Not,
    Or,
    WellTyped,
    is_step,
    only_in_liveness,
)
from checker.ir.sorts import (
    BOOLEAN,
    INT_ANY,
    Size,
    SortDecl,
    SortKind,
    Type,
    const_size,
)
from checker.ir.spec import (
    Fairness,
    Liveness,
    Named,
    ParamDecl,
    Property,
    PropertyKind,
    SpecIR,
    TemporalKind,
)
from checker.ir.stmts import (
    Action,
    Check,
    Insert,
    Remove,
    Require,
    SetFn,
    Stmt,
    StmtNode,
    UpdateFn,
    UpdateRel,
    stmt_exprs,
    updated_symbol,
)
from checker.ir.terms import (
    ARITH_OPS,
    App,
    Arith,
    Cast,
    Choose,
    Count,
    Elem,
    Expr,
    IntLit,
    Term,
    TermIte,
    TermNode,
    ToInt,
    Var,
    arith,
    walk,
)

__all__ = [
    "ARITH_OPS",
    "BOOLEAN",
    "INT_ANY",
    "Action",
    "And",
    "App",
    "Arith",
    "Atom",
    "BoolLit",
    "Cast",
    "Check",
    "Choose",
    "Count",
    "Elem",
    "Enabled",
    "Eq",
    "Exists",
    "Expr",
    "Fairness",
    "Forall",
    "Formula",
    "FormulaIte",
    "FormulaNode",
    "Iff",
    "Implies",
    "Insert",
    "IntLit",
    "Le",
    "Liveness",
    "Lt",
    "Member",
    "MessageDecl",
    "Named",
    "Not",
    "Or",
    "ParamDecl",
    "Property",
    "PropertyKind",
    "RecordColumns",
    "RecordOf",
    "Remove",
    "Require",
    "SequenceColumns",
    "SequenceOf",
    "SetFn",
    "Size",
    "SortDecl",
    "SortKind",
    "SpecIR",
    "Stmt",
    "StmtNode",
    "SymbolDecl",
    "SymbolKind",
    "TemporalKind",
    "Term",
    "TermIte",
    "TermNode",
    "ToInt",
    "Type",
    "UpdateFn",
    "UpdateRel",
    "Var",
    "WellTyped",
    "arith",
    "const_size",
    "is_step",
    "only_in_liveness",
    "stmt_exprs",
    "updated_symbol",
    "walk",
]

"""paxoscope's checker: the spec language, the engines, traces, and the command line.

Spec authors import the language from here:

    from checker import Spec, Sort, OrderedSort, MajorityQuorums, Relation, Function, Param
    from checker import action, invariant, require, forall, exists, implies, ite

Rooms: `lang` (the language, the tracer, refinement mappings), `ir` (the IR every engine reads),
`instance` (a spec bound to sizes), `explicit` (the explicit-state engine), `symbolic` (z3:
proofs, bmc), `traces` (ITF, text, graphs), `conformance` (spec <-> implementation: replay and
trace validation), `linearizability` (checking recorded client histories against sequential
models), `check` / `refine` / `conform` (library entry points), `cli`.
"""

from checker.lang import (
    Bag,
    Function,
    Individual,
    IntSort,
    MajorityQuorums,
    Message,
    OrderedSort,
    Param,
    Quorums,
    Record,
    Relation,
    Sequence,
    Sort,
    Spec,
    Subsets,
    action,
    action_property,
    arbitrary,
    axiom,
    choose,
    conjunct,
    constraint,
    exists,
    forall,
    iff,
    implies,
    init,
    invariant,
    ite,
    maximum,
    maybe,
    minimum,
    narrow,
    pick,
    require,
    trace_spec,
    well_typed,
)

__all__ = [
    "Bag",
    "Function",
    "Individual",
    "IntSort",
    "MajorityQuorums",
    "Message",
    "OrderedSort",
    "Param",
    "Quorums",
    "Record",
    "Relation",
    "Sequence",
    "Sort",
    "Spec",
    "Subsets",
    "action",
    "action_property",
    "arbitrary",
    "axiom",
    "choose",
    "conjunct",
    "constraint",
    "exists",
    "forall",
    "iff",
    "implies",
    "init",
    "invariant",
    "ite",
    "maximum",
    "maybe",
    "minimum",
    "narrow",
    "pick",
    "require",
    "trace_spec",
    "well_typed",
]

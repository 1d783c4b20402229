"""The spec language: what a spec author writes, and the tracer that turns it into IR.

Offers `Spec`, `Param`, the sorts (`Sort`, `OrderedSort`, `IntSort`, `MajorityQuorums`, `Quorums`), the
state declarations (`Relation`, `Function`, `Individual`), the decorators (`action`, `init`,
`invariant`, `action_property`, `constraint`, `axiom`), `arbitrary`, the logic helpers (`forall`, `exists`,
`implies`, `iff`, `ite`, `require`, `well_typed`, `minimum`, `maximum`), choices inside an action
(`pick`, `maybe`, `narrow`, `choose`), and `trace_spec`.
"""

from checker import ir
from checker.errors import user_loc
from checker.lang.choice import choose, maybe, narrow, pick
from checker.lang.logic import count, exists, forall, iff, implies, ite, maximum, minimum, require
from checker.lang.records import Record
from checker.lang.seqsorts import SeqSort
from checker.lang.sequences import Bag, Sequence
from checker.lang.sorts import (
    IntSort,
    MajorityQuorums,
    OrderedSort,
    Param,
    Quorums,
    Sort,
    Subsets,
)
from checker.lang.spec import (
    Function,
    Individual,
    Message,
    Relation,
    Spec,
    action,
    action_property,
    arbitrary,
    axiom,
    conjunct,
    constraint,
    init,
    invariant,
    liveness,
)
from checker.lang.temporal import SF, WF, always, enabled, eventually, leads_to
from checker.lang.terms import SymFormula, SymTerm
from checker.lang.trace import trace_spec


def well_typed() -> SymFormula:
    """Every function and individual holds a value of its declared sort (the type invariant)."""
    return SymFormula(ir.WellTyped(loc=user_loc()))


__all__ = [
    "SF",
    "WF",
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
    "SeqSort",
    "Sequence",
    "Sort",
    "Spec",
    "Subsets",
    "SymFormula",
    "SymTerm",
    "action",
    "action_property",
    "always",
    "arbitrary",
    "axiom",
    "choose",
    "conjunct",
    "constraint",
    "count",
    "enabled",
    "eventually",
    "exists",
    "forall",
    "iff",
    "implies",
    "init",
    "invariant",
    "ite",
    "leads_to",
    "liveness",
    "maximum",
    "maybe",
    "minimum",
    "narrow",
    "pick",
    "require",
    "trace_spec",
    "well_typed",
]

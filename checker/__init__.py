"""paxoscope's checker: the spec language, the engines, traces, and the command line.

Spec authors import the language from here:

    from checker import Spec, Sort, OrderedSort, MajorityQuorums, Relation, Function, Param
    from checker import action, invariant, require, forall, exists, implies, ite

Rooms: `lang` (the language, the tracer, refinement mappings), `ir` (the IR every engine reads),
`instance` (a spec bound to sizes), `explicit` (the explicit-state engine), `symbolic` (z3:
proofs, bmc), `traces` (ITF, text, graphs), `conformance` (spec <-> implementation: replay and
trace validation), `linearizability` (checking recorded client histories against sequential
models), `check` / `refine` / `conform` (the engines' entry points), `api` (the library facade:
every command as a function), `cli`.
"""

from typing import TYPE_CHECKING, Any

# The language is imported when a name is first asked for (`from checker import Spec`), so that
# importing a submodule alone (the pytest plugin, at every pytest start) stays cheap.
if TYPE_CHECKING:
    from checker.lang import (
        SF,
        WF,
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
        SeqSort,
        Sequence,
        Sort,
        Spec,
        Subsets,
        action,
        action_property,
        always,
        arbitrary,
        axiom,
        choose,
        conjunct,
        constraint,
        count,
        enabled,
        eventually,
        exists,
        forall,
        iff,
        implies,
        init,
        invariant,
        ite,
        leads_to,
        liveness,
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


def __getattr__(name: str) -> Any:
    if name in __all__:
        import checker.lang

        value = getattr(checker.lang, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'checker' has no attribute {name!r}")

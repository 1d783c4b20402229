"""The explicit-state engines: every reachable state of one instance, packed into an int.

What callers use is the contract, re-exported here from `contract`: `Options` (what to search
and how, checked when built), `Progress`, and the results — `SearchResult`, `Violation`,
`Failure`, `ActionCoverage`, traces of `TraceStep`. `search.Engine(instance, options).run()`
(or `search.explore`) compiles an instance and runs the search the options ask for: the vector
engine (`vector`, breadth-first, the default) or the reference engine (`search`: breadth-first,
depth-first, random simulation in `simulate`). Around them: `layout` (packing), `interp` (the
reference interpreter), `codegen` (scalar code), `symmetry`, `checkpoint`, `liveprops` /
`liveness` / `livegraph` (liveness), `explain` (why a property is false), `graph` (the explored
state graph), `refinement`. Nothing here imports the renderers of `checker.traces` or the
command line.
"""

from checker.explicit.contract import (
    ActionCoverage,
    EngineName,
    Failure,
    Mode,
    Options,
    Perm,
    Progress,
    SearchEngine,
    SearchResult,
    TraceStep,
    Violation,
    ViolationKind,
)

__all__ = [
    "ActionCoverage",
    "EngineName",
    "Failure",
    "Mode",
    "Options",
    "Perm",
    "Progress",
    "SearchEngine",
    "SearchResult",
    "TraceStep",
    "Violation",
    "ViolationKind",
]

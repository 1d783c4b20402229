"""The engines' side of liveness: the state graph, the state formulas' truth, the lasso as a
trace.

The reference engine explores the graph again one state at a time, in its own breadth-first
order, numbering states as it finds them and keeping every transition; the vector engine reads
its store, which holds the states in that same order (`checker.explicit.vector.livegraph`).
Either way `check_liveness` then runs the engine-neutral checker of `checker.explicit.liveness`
and turns its lasso into a trace with the loop marked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from checker.explicit.contract import SearchEngine, TraceStep, Violation
from checker.explicit.liveness import Checker, Graph, Lasso
from checker.explicit.liveprops import LiveCheck, fairness_groups, predicate_names
from checker.explicit.liveprops import instance_offsets as offsets_of


def reference_graph(engine: SearchEngine) -> tuple[Graph, list[int]]:
    """The reachable graph, numbered in breadth-first order, and each id's packed state."""
    offsets = offsets_of(engine.inst)
    index: dict[int, int] = {}
    states: list[int] = []
    inits: list[int] = []
    for _, _, s in engine.inits:
        if engine.constraints and not engine.in_model(s):
            continue
        if s not in index:
            index[s] = len(states)
            states.append(s)
        inits.append(index[s])
    src: list[int] = []
    dst: list[int] = []
    inst: list[int] = []
    failed = engine.compiled.failed
    i = 0
    while i < len(states):
        s = states[i]
        for k, fn in enumerate(engine.compiled.labelled):
            for t, j in fn(s):
                if engine.constraints and not engine.in_model(t):
                    continue
                tid = index.get(t)
                if tid is None:
                    tid = index[t] = len(states)
                    states.append(t)
                src.append(i)
                dst.append(tid)
                inst.append(offsets[k] + j)
            failed.clear()
        i += 1
    return Graph.of(len(states), inits, src, dst, inst), states


def reference_predicates(
    engine: SearchEngine, graph: Graph, states: Sequence[int]
) -> dict[str, Any]:
    """The truth of the liveness checks' state formulas per state, and of their step
    formulas per edge of `graph`."""
    props = engine.compiled.properties
    names, steps = predicate_names(engine.live)
    out = {n: np.fromiter((bool(props[n](s)) for s in states), bool, len(states)) for n in names}
    pairs = list(zip(graph.src.tolist(), graph.dst.tolist(), strict=True))
    for n in steps:
        fn = props[n]
        out[n] = np.fromiter((bool(fn(states[a], states[b])) for a, b in pairs), bool, len(pairs))
    return out


def check_liveness(
    engine: SearchEngine, graph: Graph, preds: Mapping[str, Any], packed: Callable[[int], int]
) -> Violation | None:
    """The first `@liveness` property (in declaration order) that fails, with its lasso."""
    checker = Checker(graph, fairness_groups(engine.inst))
    for c in engine.live:
        lasso = checker.check(c, preds)
        if lasso is not None:
            return _violation(engine, graph, c, lasso, packed)
    return None


def _violation(
    engine: SearchEngine, g: Graph, c: LiveCheck, lasso: Lasso, packed: Callable[[int], int]
) -> Violation:
    offsets = np.asarray(offsets_of(engine.inst), dtype=np.int64)
    steps = [engine.initial_step(packed(lasso.states[0]))]

    def step(e: int) -> TraceStep:
        instance = int(g.inst[e])
        k = int(np.searchsorted(offsets, instance, side="right")) - 1
        return engine.concrete_step(k, instance - int(offsets[k]), packed(int(g.dst[e])), None)

    steps += [step(e) for e in lasso.edges]
    closing = None if lasso.closing < 0 else step(lasso.closing)
    return Violation("liveness", c.name, steps, loop=lasso.loop, closing=closing)

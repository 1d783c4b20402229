"""The explored state graph, for `check --dump-graph`: the states and the steps between them,
breadth-first (`checker.traces.stategraph` draws it, as JSON or DOT).

Past `limit` states a drawing is useless, so only a summary is kept instead: states grouped by
breadth-first depth, steps grouped by depth and action, with their counts.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from checker.explicit.contract import SearchEngine, TraceStep

DEFAULT_LIMIT = 1000


@dataclass
class StateGraph:
    engine: SearchEngine
    states: list[int] = field(default_factory=list)  # packed, in discovery order
    depth: list[int] = field(default_factory=list)
    edges: list[tuple[int, int, TraceStep]] = field(default_factory=list)  # (from, to, step)
    levels: Counter[int] = field(default_factory=Counter)  # depth -> states
    steps: Counter[tuple[int, str]] = field(default_factory=Counter)  # (depth, action) -> count
    complete: bool = True  # False: more than `limit` states, only the summary is kept


def explore_graph(engine: SearchEngine, limit: int = DEFAULT_LIMIT) -> StateGraph:
    g = StateGraph(engine)
    index: dict[int, int] = {}
    frontier = []
    for _, _, s in engine.inits:
        if s not in index and (not engine.constraints or engine.in_model(s)):
            index[s] = len(g.states)
            g.states.append(s)
            g.depth.append(1)
            frontier.append(s)
    g.levels[1] = len(frontier)
    depth = 1
    while frontier:
        nxt = []
        for s in frontier:
            for k, fn in enumerate(engine.compiled.labelled):
                name = engine.spec.actions[k].name
                for t, i in fn(s):
                    if engine.constraints and not engine.in_model(t):
                        continue
                    g.steps[(depth, name)] += 1
                    if t not in index:
                        index[t] = len(g.states)
                        g.states.append(t)
                        g.depth.append(depth + 1)
                        g.levels[depth + 1] += 1
                        nxt.append(t)
                    if g.complete:
                        g.edges.append(
                            (index[s], index[t], TraceStep(name, engine.step_params(k, i), t))
                        )
        if len(g.states) > limit and g.complete:
            g.complete = False
            g.edges = []
        frontier = nxt
        depth += 1
    if not g.complete:
        g.states, g.depth = [], []
    return g

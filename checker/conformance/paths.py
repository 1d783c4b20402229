"""Test paths through the explored state graph, for replay against an implementation.

The graph is explored breadth-first (over canonical states under symmetry). A path is a list of
edges from an initial state; `concrete_trace` turns it into `TraceStep`s of the *concrete*
spec, mapping symmetry-reduced steps back with the stored permutation, so a driver never sees a
canonical representative it did not reach.

- `shortest_paths`: a shortest path to every state (one per leaf of the BFS tree, since a path
  covers every state on it).
- `edge_cover`: every explored transition on at least one path, greedily: walk from the start
  of an uncovered edge's shortest path and keep taking uncovered edges while there are any.
- `random_walks`: seeded random walks of bounded length.
"""

from __future__ import annotations

import random
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from checker.explicit.contract import TraceStep
from checker.explicit.search import Engine


@dataclass(frozen=True)
class Edge:
    source: int  # state ids
    target: int
    action: int  # index into the spec's actions
    index: int  # the action's parameter tuple (engine.compiled.params[action][index])
    raw: int  # the successor as generated from the stored source (before canonicalising)


@dataclass
class Graph:
    engine: Engine
    states: list[int] = field(default_factory=list)  # stored (canonical) states
    initial: list[int] = field(default_factory=list)  # ids of initial states
    out: list[list[int]] = field(default_factory=list)  # state id -> edge ids
    edges: list[Edge] = field(default_factory=list)
    parent_edge: list[int] = field(default_factory=list)  # BFS tree: -1 at initial states

    @property
    def size(self) -> tuple[int, int]:
        return len(self.states), len(self.edges)


Path = list[int]  # edge ids; the empty path is an initial state alone (`start`)


@dataclass(frozen=True)
class TestPath:
    start: int  # initial state id
    edges: tuple[int, ...]


def explore(engine: Engine, limit: int = 2_000_000) -> Graph:
    """The reachable graph of the engine's instance (canonical states under symmetry)."""
    canon = engine.symmetry.canonical if engine.symmetry else None
    graph = Graph(engine)
    ids: dict[int, int] = {}

    def add(state: int, parent: int) -> int:
        sid = ids.get(state)
        if sid is None:
            sid = ids[state] = len(graph.states)
            graph.states.append(state)
            graph.out.append([])
            graph.parent_edge.append(parent)
            queue.append(sid)
        return sid

    queue: deque[int] = deque()
    for _, _, s in engine.inits:
        stored = canon(s) if canon else s
        if stored not in ids:
            graph.initial.append(add(stored, -1))
    while queue:
        sid = queue.popleft()
        state = graph.states[sid]
        for k, fn in enumerate(engine.compiled.labelled):
            for raw, index in fn(state):
                stored = canon(raw) if canon else raw
                eid = len(graph.edges)
                target = add(stored, eid)
                graph.edges.append(Edge(sid, target, k, index, raw))
                graph.out[sid].append(eid)
        if len(graph.states) > limit:
            raise ValueError(f"more than {limit} states: too many to cover with test paths")
    return graph


def path_to(graph: Graph, sid: int) -> tuple[int, list[int]]:
    """A shortest path to state `sid`: its initial state and its edges."""
    edges: list[int] = []
    while graph.parent_edge[sid] >= 0:
        eid = graph.parent_edge[sid]
        edges.append(eid)
        sid = graph.edges[eid].source
    return sid, edges[::-1]


def shortest_paths(graph: Graph) -> list[TestPath]:
    """A shortest path to every state: one per leaf of the BFS tree."""
    has_child = [False] * len(graph.states)
    for eid in graph.parent_edge:
        if eid >= 0:
            has_child[graph.edges[eid].source] = True
    paths = []
    for sid in range(len(graph.states)):
        if not has_child[sid]:
            start, edges = path_to(graph, sid)
            paths.append(TestPath(start, tuple(edges)))
    return paths


def edge_cover(graph: Graph) -> list[TestPath]:
    """Paths that together take every edge at least once."""
    covered = [False] * len(graph.edges)
    next_uncovered = [0] * len(graph.states)  # position in out[sid] to resume the scan
    paths = []

    def uncovered_from(sid: int) -> int | None:
        out = graph.out[sid]
        i = next_uncovered[sid]
        while i < len(out) and covered[out[i]]:
            i += 1
        next_uncovered[sid] = i
        return out[i] if i < len(out) else None

    for eid in range(len(graph.edges)):
        if covered[eid]:
            continue
        start, edges = path_to(graph, graph.edges[eid].source)
        edges.append(eid)
        for e in edges:
            covered[e] = True
        sid = graph.edges[eid].target
        while (more := uncovered_from(sid)) is not None:
            covered[more] = True
            edges.append(more)
            sid = graph.edges[more].target
        paths.append(TestPath(start, tuple(edges)))
    return paths


def random_walks(graph: Graph, count: int, length: int, seed: int = 0) -> list[TestPath]:
    rng = random.Random(seed)
    paths = []
    for _ in range(count):
        start = rng.choice(graph.initial)
        sid, edges = start, []
        for _ in range(length):
            if not graph.out[sid]:
                break
            eid = rng.choice(graph.out[sid])
            edges.append(eid)
            sid = graph.edges[eid].target
        paths.append(TestPath(start, tuple(edges)))
    return paths


def concrete_trace(graph: Graph, path: TestPath) -> list[TraceStep]:
    """The path as a trace of the concrete spec (symmetry mapped back step by step)."""
    engine = graph.engine
    start = graph.states[path.start]
    x0, witness = start, None
    if engine.symmetry is not None:
        for _, _, s in engine.inits:
            canon, perm = engine.symmetry.canonical_with_witness(s)
            if canon == start:
                x0, witness = s, perm
                break
    first = engine.initial_step(x0)
    steps = [TraceStep(first.action, first.params, x0, witness)]
    for eid in path.edges:
        edge = graph.edges[eid]
        step = engine.concrete_step(edge.action, edge.index, edge.raw, witness)
        steps.append(step)
        witness = step.witness
    return steps


def covered_by(graph: Graph, paths: Sequence[TestPath]) -> tuple[set[int], set[int]]:
    """The state ids and edge ids that `paths` visit."""
    states: set[int] = set()
    edges: set[int] = set()
    for path in paths:
        states.add(path.start)
        for eid in path.edges:
            edges.add(eid)
            states.add(graph.edges[eid].target)
    return states, edges

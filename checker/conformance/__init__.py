"""Conformance between a spec and an implementation.

- `paths`: test paths from the explored state graph (shortest path to every state, an edge
  cover, random walks), mapped back from symmetry-reduced states to concrete traces.
- `driver`: the driver API (`Driver`, `NotEnabled`, `UnexpectedOutput`): one method per spec
  action, and an abstraction function from implementation state to spec state.
- `runner`: `replay` paths through a driver, comparing after every step; a
  `ConformanceReport` with coverage and, on failure, the kind, the field-level difference and
  the path so far.
"""

from checker.conformance.driver import Driver, NotEnabled, UnexpectedOutput
from checker.conformance.paths import (
    Graph,
    TestPath,
    concrete_trace,
    edge_cover,
    explore,
    random_walks,
    shortest_paths,
)
from checker.conformance.runner import ConformanceReport, Mismatch, replay

__all__ = [
    "ConformanceReport",
    "Driver",
    "Graph",
    "Mismatch",
    "NotEnabled",
    "TestPath",
    "UnexpectedOutput",
    "concrete_trace",
    "edge_cover",
    "explore",
    "random_walks",
    "replay",
    "shortest_paths",
]

"""The vector engine's state graph for liveness, read from its store after a complete search.

The store holds every reachable state in the reference engine's breadth-first order, so a
state's store index is its id in both engines. Each batch of stored states is expanded again
(all action instances at once); each successor is found among the stored states by its
fingerprint — every stored state's fingerprint, sorted once — and, in exact mode, its words
compared with the stored state's. A successor outside the stored states lies outside the model
(a constraint dropped it), and so does its transition, as in the search.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from checker.errors import PaxoscopeError
from checker.explicit.livegraph import check_liveness
from checker.explicit.liveness import Graph
from checker.explicit.liveprops import predicate_names
from checker.explicit.vector.expand import _sliced
from checker.explicit.vector.table import fingerprint

if TYPE_CHECKING:
    from checker.explicit.contract import Violation
    from checker.explicit.vector.bfs import VectorSearch

BATCH = 1 << 16  # states expanded at a time


def vector_liveness(vs: VectorSearch) -> Violation | None:
    store, expander = vs.store, vs.expander
    n = len(store)
    fps = np.empty(n, dtype=np.uint64)
    names, steps = predicate_names(vs.engine.live)
    preds = {name: np.empty(n, dtype=bool) for name in names}
    props = expander.vspec.properties
    for a in range(0, n, BATCH):
        b = min(n, a + BATCH)
        cols = store.columns(a, b)
        fps[a:b] = fingerprint(cols)
        for name in names:
            preds[name][a:b] = np.broadcast_to(_sliced(props[name], cols, b - a), (b - a,))
    order = np.argsort(fps, kind="stable")
    sorted_fps = fps[order]
    src, dst, inst = [], [], []
    for a in range(0, n, BATCH):
        b = min(n, a + BATCH)
        t = expander.transitions(store.columns(a, b), b - a)
        expander.vspec.failed.clear()
        if not t.inst.size:
            continue
        h = fingerprint(t.raw)
        at = np.minimum(np.searchsorted(sorted_fps, h), n - 1)
        ids = order[at]
        found = sorted_fps[at] == h
        same = found.copy()
        if found.any():
            rows = store.gather(ids[found])
            equal = np.all([rows[:, w] == t.raw[w][found] for w in range(vs.words)], axis=0)
            same[np.flatnonzero(found)] = equal
            if vs.options.exact and not equal.all():
                raise PaxoscopeError(
                    "two different states share a 64-bit fingerprint: the liveness graph "
                    "cannot be built by fingerprint; please report this spec"
                )
        src.append(a + t.parent[same])
        dst.append(ids[same])
        inst.append(t.inst[same])
    inits = np.flatnonzero(store.parents_range(0, n) < 0) if n else np.zeros(0, np.int64)
    graph = Graph.of(n, inits.tolist(), _cat(src), _cat(dst), _cat(inst))
    for name in steps:  # step formulas: on each edge's source and target
        preds[name] = np.empty(graph.src.size, dtype=bool)
    for a in range(0, graph.src.size, BATCH):
        b = min(graph.src.size, a + BATCH)
        pre, post = (
            list(np.ascontiguousarray(store.gather(ends[a:b]).T)) for ends in (graph.src, graph.dst)
        )
        for name in steps:
            preds[name][a:b] = np.broadcast_to(props[name](pre, post, b - a), (b - a,))
    return check_liveness(vs.engine, graph, preds, store.state)


def _cat(parts: list[Any]) -> Any:
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)

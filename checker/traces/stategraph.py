"""The explored state graph (`checker.explicit.graph`) drawn for `check --dump-graph`: states
with their values and the steps between them, as JSON or DOT, with the counterexample path and
the violating state marked; past the limit of states, the summary by depth and action.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from typing import Any

from checker.explicit.contract import TraceStep
from checker.explicit.graph import StateGraph
from checker.traces.itf import state_to_itf
from checker.traces.text import step_title


def _marks(trace: Sequence[TraceStep] | None) -> tuple[set[int], set[tuple[int, int]], int | None]:
    if not trace:
        return set(), set(), None
    states = [s.state for s in trace]
    return set(states), set(itertools.pairwise(states)), states[-1]


def graph_json(g: StateGraph, trace: Sequence[TraceStep] | None, limit: int) -> dict[str, Any]:
    on_path, path_edges, bad = _marks(trace)
    inst, layout = g.engine.inst, g.engine.layout
    out: dict[str, Any] = {
        "spec": inst.spec.name,
        "params": dict(inst.params),
        "limit": limit,
        "complete": g.complete,
        "total_states": sum(g.levels.values()),
        "summary": {
            "levels": [{"depth": d, "states": n} for d, n in sorted(g.levels.items())],
            "steps": [
                {"depth": d, "action": a, "count": n} for (d, a), n in sorted(g.steps.items())
            ],
        },
    }
    if g.complete:
        out["states"] = [
            {
                "id": i,
                "depth": g.depth[i],
                "values": state_to_itf(inst, layout, s),
                "on_trace": s in on_path,
                "violating": s == bad,
            }
            for i, s in enumerate(g.states)
        ]
        out["edges"] = [
            {
                "from": a,
                "to": b,
                "action": step.action,
                "params": {n: inst.label(sort, c) for n, c, sort in step.params},
                "on_trace": (g.states[a], g.states[b]) in path_edges,
            }
            for a, b, step in g.edges
        ]
    return out


def graph_dot(g: StateGraph, trace: Sequence[TraceStep] | None) -> str:
    on_path, path_edges, bad = _marks(trace)
    inst, layout = g.engine.inst, g.engine.layout
    lines = ["digraph states {", '  node [fontname="Helvetica", fontsize=9]; edge [fontsize=8];']
    if not g.complete:
        lines.append(
            '  label="summary: states grouped by depth, steps by depth and action"; rankdir=LR;'
        )
        for d, n in sorted(g.levels.items()):
            lines.append(f'  d{d} [label="depth {d}\\n{n:,} states", shape=box];')
        for (d, action), n in sorted(g.steps.items()):
            lines.append(f'  d{d} -> d{d + 1} [label="{action} ×{n:,}"];')
        lines.append("}")
        return "\n".join(lines) + "\n"
    for i, s in enumerate(g.states):
        values = json.dumps(state_to_itf(inst, layout, s)).replace('"', "'")
        style = (
            ', style=filled, fillcolor="#ffebe9", color="#cf222e"'
            if s == bad
            else (', color="#0969da", penwidth=2' if s in on_path else "")
        )
        lines.append(f'  s{i} [label="s{i}", tooltip="{values}"{style}];')
    for a, b, step in g.edges:
        title = step_title(inst, step).replace('"', "'")
        bold = ', color="#0969da", penwidth=2' if (g.states[a], g.states[b]) in path_edges else ""
        lines.append(f'  s{a} -> s{b} [label="{title}"{bold}];')
    lines.append("}")
    return "\n".join(lines) + "\n"

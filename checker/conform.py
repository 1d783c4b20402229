"""`conform`: replay a spec's explored paths against an implementation through a driver (the
library entry point behind `paxoscope conform`)."""

from __future__ import annotations

import functools
import inspect
import json
from collections.abc import Mapping, Sequence
from typing import Any

from checker.conformance import (
    ConformanceReport,
    Driver,
    edge_cover,
    explore,
    random_walks,
    replay,
    shortest_paths,
)
from checker.conformance.runner import replay_traces
from checker.errors import UsageError
from checker.explicit.contract import Options
from checker.explicit.search import Engine
from checker.instance import instantiate
from checker.lang.trace import trace_spec
from checker.loader import load_function, load_spec
from checker.traces.itf import trace_from_itf

PATH_KINDS = ("edge-cover", "shortest", "random")


def load_driver(ref: str) -> type[Driver]:
    cls = load_function(ref)
    if not (inspect.isclass(cls) and issubclass(cls, Driver)):
        raise UsageError(
            f"`{ref}` is not a conformance driver (a subclass of checker.conformance.Driver)"
        )
    return cls


def conform(
    spec: str,
    driver: str | type[Driver],
    params: Mapping[str, int] | None = None,
    *,
    paths: str = "edge-cover",
    symmetry: bool = False,
    walks: int = 100,
    walk_length: int = 50,
    seed: int = 0,
    options: Mapping[str, str] | None = None,
    strict: bool = True,
    traces: Sequence[str] = (),
) -> ConformanceReport:
    """Replay `paths` of the explored graph, or the ITF `traces` (counterexamples written by
    `check --trace-out`, say) when given, through the driver."""
    if paths not in PATH_KINDS:
        raise UsageError(
            f"unknown kind of paths `{paths}`; expected one of {', '.join(PATH_KINDS)}"
        )
    driver_class = load_driver(driver) if isinstance(driver, str) else driver
    inst = instantiate(trace_spec(load_spec(spec)), params or {})
    graph = explore(Engine(inst, Options(symmetry=symmetry)))
    if paths == "edge-cover":
        chosen = edge_cover(graph)
    elif paths == "shortest":
        chosen = shortest_paths(graph)
    else:
        chosen = random_walks(graph, walks, walk_length, seed)
    factory = functools.partial(driver_class, options=dict(options or {}))
    if traces:
        loaded = [trace_from_itf(inst, graph.engine.layout, _read_json(t)) for t in traces]
        return replay_traces(graph, loaded, factory)
    return replay(graph, chosen, factory, strict=strict)


def _read_json(path: str) -> Any:
    try:
        with open(path) as handle:
            return json.load(handle)
    except OSError as error:
        raise UsageError(f"cannot read the trace {path}: {error.strerror}") from None
    except json.JSONDecodeError as error:
        raise UsageError(f"{path}:{error.lineno}: not JSON ({error.msg})") from None

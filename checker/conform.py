"""`conform`: replay a spec's explored paths against an implementation through a driver (the
library entry point behind `paxoscope conform`)."""

from __future__ import annotations

import functools
import inspect
from collections.abc import Mapping

from checker.conformance import (
    ConformanceReport,
    Driver,
    edge_cover,
    explore,
    random_walks,
    replay,
    shortest_paths,
)
from checker.errors import UsageError
from checker.explicit.search import Engine, Options
from checker.instance import instantiate
from checker.lang.trace import trace_spec
from checker.loader import load_function, load_spec

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
) -> ConformanceReport:
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
    return replay(graph, chosen, factory, strict=strict)

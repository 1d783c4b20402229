"""`compile_vector`, through the start-up cache (`checker.cache`).

An entry is the generated source, its compiled code (marshalled), and what `VectorSpec` holds
besides the functions; the Checks are kept as their places in the actions' bodies, so that the
functions report the very `ir.Check` objects of the instance they run on. The key is the
pickled instance (its IR and parameters), the limits and the properties compiled: any change
to the spec, its parameters or paxoscope is a miss.
"""

from __future__ import annotations

import marshal
from collections.abc import Collection
from dataclasses import astuple, dataclass

from checker.explicit.codecache import checks_at, checks_places, instance_key, through_cache
from checker.explicit.layout import Layout
from checker.explicit.vector.compiled import VectorLimits, VectorSpec, revive
from checker.instance import Instance


@dataclass(frozen=True)
class _Entry:
    source: str
    code: bytes  # marshal of the module's code object
    words: int
    instances: list[int]
    properties: list[tuple[str, str]]  # (property name, function name in the module)
    checks: list[tuple[int, int]]  # (action index, statement index) of each numbered Check


def _key(inst: Instance, limits: VectorLimits | None, properties: Collection[str] | None) -> str:
    chosen = None if properties is None else sorted(set(properties))
    return instance_key(inst, "vector", repr(astuple(limits or VectorLimits())), repr(chosen))


def compile_vector(
    inst: Instance,
    layout: Layout,
    limits: VectorLimits | None,
    properties: Collection[str] | None,
) -> VectorSpec:
    from checker.explicit.vector import compiler  # imported only when there is compiling to do

    return compiler.compile_vector(inst, layout, limits, properties)


def compile_vector_cached(
    inst: Instance,
    layout: Layout,
    limits: VectorLimits | None = None,
    properties: Collection[str] | None = None,
) -> VectorSpec:
    """`compile_vector(inst, layout, limits, properties)`, from the cache when it holds it
    (`layout` must be `Layout(inst)`, as the engines' is)."""

    def save(vspec: VectorSpec) -> _Entry | None:
        places = checks_places(inst, vspec.checks)
        if places is None or vspec.code is None:
            return None
        functions = [(name, f.__name__) for name, f in vspec.properties.items()]
        code = marshal.dumps(vspec.code)
        return _Entry(vspec.source, code, vspec.words, list(vspec.instances), functions, places)

    def load(entry: _Entry) -> VectorSpec:
        checks = checks_at(inst, entry.checks)
        functions = dict(entry.properties)
        return revive(entry.source, entry.code, entry.words, entry.instances, functions, checks)

    return through_cache(
        "vector",
        _Entry,
        lambda: _key(inst, limits, properties),
        lambda: compile_vector(inst, layout, limits, properties),
        save,
        load,
    )

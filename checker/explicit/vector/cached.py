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

from checker import cache
from checker.explicit.codecache import UNPICKLABLE, checks_at, checks_places, instance_key
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


def _rebuild(inst: Instance, entry: _Entry) -> VectorSpec:
    checks = checks_at(inst, entry.checks)
    properties = dict(entry.properties)
    return revive(entry.source, entry.code, entry.words, entry.instances, properties, checks)


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
    if cache.cache_dir() is None:
        return compile_vector(inst, layout, limits, properties)
    try:
        entry_key = _key(inst, limits, properties)
    except UNPICKLABLE:
        return compile_vector(inst, layout, limits, properties)
    hit = cache.load("vector", entry_key)
    if isinstance(hit, _Entry):
        try:
            return _rebuild(inst, hit)
        except Exception:  # an entry that does not fit: compile afresh
            pass
    vspec = compile_vector(inst, layout, limits, properties)
    places = checks_places(inst, vspec.checks)
    if places is not None and vspec.code is not None:
        functions = {f"prop_{k}": p.name for k, p in enumerate(inst.spec.properties)}
        entry = _Entry(
            source=vspec.source,
            code=marshal.dumps(vspec.code),
            words=vspec.words,
            instances=list(vspec.instances),
            properties=[
                (name, func)
                for func, name in functions.items()
                if name in vspec.properties and vspec.properties[name].__name__ == func
            ],
            checks=places,
        )
        cache.store("vector", entry_key, entry)
    return vspec

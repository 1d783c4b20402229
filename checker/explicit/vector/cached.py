"""`compile_vector`, through the start-up cache (`checker.cache`).

An entry is the generated source, its compiled code (marshalled), and what `VectorSpec` holds
besides the functions; the Checks are kept as their places in the actions' bodies, so that the
functions report the very `ir.Check` objects of the instance they run on. The key is the
pickled instance (its IR and parameters), the limits and the properties compiled: any change
to the spec, its parameters or paxoscope is a miss.
"""

from __future__ import annotations

import marshal
import pickle
from collections.abc import Collection
from dataclasses import astuple, dataclass

from checker import cache, ir
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


def _checks_places(inst: Instance, checks: list[ir.Check]) -> list[tuple[int, int]] | None:
    places = {
        id(stmt): (a, s)
        for a, act in enumerate(inst.spec.actions)
        for s, stmt in enumerate(act.body)
        if isinstance(stmt, ir.Check)
    }
    found = [places.get(id(c)) for c in checks]
    return None if any(p is None for p in found) else [p for p in found if p is not None]


def _key(inst: Instance, limits: VectorLimits | None, properties: Collection[str] | None) -> str:
    chosen = None if properties is None else sorted(set(properties))
    return cache.key(
        "vector",
        pickle.dumps(inst, protocol=pickle.HIGHEST_PROTOCOL),
        repr(astuple(limits or VectorLimits())),
        repr(chosen),
    )


def _rebuild(inst: Instance, entry: _Entry) -> VectorSpec:
    actions = inst.spec.actions
    checks = [_as_check(actions[a].body[s]) for a, s in entry.checks]
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


def _as_check(stmt: ir.Stmt) -> ir.Check:
    assert isinstance(stmt, ir.Check)
    return stmt


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
    except (pickle.PicklingError, TypeError, AttributeError, RecursionError):
        return compile_vector(inst, layout, limits, properties)
    hit = cache.load("vector", entry_key)
    if isinstance(hit, _Entry):
        try:
            return _rebuild(inst, hit)
        except Exception:  # an entry that does not fit: compile afresh
            pass
    vspec = compile_vector(inst, layout, limits, properties)
    places = _checks_places(inst, vspec.checks)
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

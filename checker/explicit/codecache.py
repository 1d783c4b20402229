"""Generated code through the start-up cache (`checker.cache`): the scalar compiled functions
(`compile_instance_cached`), and what the vector engine's cache shares with it.

An entry is the generated source, its compiled code (marshalled), and what the compiled spec
holds besides the functions; its Checks are kept as their places in the actions' bodies, so
that the functions report the very `ir.Check` objects of the instance they run on. The key is
the pickled instance (its IR and parameters) and the limits: any change to the spec, its
parameters or paxoscope is a miss.
"""

from __future__ import annotations

import marshal
import pickle
from collections.abc import Callable
from dataclasses import astuple, dataclass
from typing import TYPE_CHECKING, TypeVar

from checker import cache, ir
from checker.explicit.layout import Layout
from checker.explicit.limits import Limits
from checker.instance import Instance

if TYPE_CHECKING:  # the compiler is imported only when there is compiling to do
    from checker.explicit.codegen import CompiledSpec

# What pickling an instance can raise: its spec holds something that does not pickle.
UNPICKLABLE = (pickle.PicklingError, TypeError, AttributeError, RecursionError)

T = TypeVar("T")
E = TypeVar("E")


def through_cache(
    kind: str,
    entry_type: type[E],
    key: Callable[[], str],
    make: Callable[[], T],
    save: Callable[[T], E | None],
    load: Callable[[E], T],
) -> T:
    """`make()`, or `load` of the cache's entry of `kind` under `key()`; what `make` made is
    stored as `save` makes it an entry (None: not cacheable). No cache, a key that cannot be
    made (UNPICKLABLE), or an entry that does not load: `make()`, as without the cache."""
    if cache.cache_dir() is None:
        return make()
    try:
        entry_key = key()
    except UNPICKLABLE:
        return make()
    hit = cache.load(kind, entry_key)
    if isinstance(hit, entry_type):
        try:
            return load(hit)
        except Exception:  # an entry that does not fit: make afresh
            pass
    made = make()
    entry = save(made)
    if entry is not None:
        cache.store(kind, entry_key, entry)
    return made


def checks_places(inst: Instance, checks: list[ir.Check]) -> list[tuple[int, int]] | None:
    """Where each Check is: (action index, statement index); None if one is elsewhere."""
    places = {
        id(stmt): (a, s)
        for a, act in enumerate(inst.spec.actions)
        for s, stmt in enumerate(act.body)
        if isinstance(stmt, ir.Check)
    }
    found = [places.get(id(c)) for c in checks]
    return None if any(p is None for p in found) else [p for p in found if p is not None]


def checks_at(inst: Instance, places: list[tuple[int, int]]) -> list[ir.Check]:
    """The Checks at `places` (`checks_places`) of this instance."""
    found = [inst.spec.actions[a].body[s] for a, s in places]
    assert all(isinstance(c, ir.Check) for c in found)
    return [c for c in found if isinstance(c, ir.Check)]


def instance_key(inst: Instance, *parts: str) -> str:
    """The cache key of `inst`'s code (raises what pickling raises: UNPICKLABLE)."""
    return cache.key(pickle.dumps(inst, protocol=pickle.HIGHEST_PROTOCOL), *parts)


@dataclass(frozen=True)
class _Entry:
    source: str
    code: bytes  # marshal of the module's code object
    checks: list[tuple[int, int]]  # (action index, statement index) of each numbered Check


def compile_instance_cached(
    inst: Instance, layout: Layout, limits: Limits | None = None
) -> CompiledSpec:
    """`compile_instance(inst, layout, limits)`, from the cache when it holds it (`layout`
    must be `Layout(inst)`, as the engines' is)."""
    from checker.explicit.codegen import compile_instance, from_code

    def save(compiled: CompiledSpec) -> _Entry | None:
        places = checks_places(inst, compiled.checks)
        if places is None or compiled.code is None:
            return None
        return _Entry(compiled.source, marshal.dumps(compiled.code), places)

    def load(entry: _Entry) -> CompiledSpec:
        code = marshal.loads(entry.code)
        return from_code(inst, entry.source, code, checks_at(inst, entry.checks))

    return through_cache(
        "scalar",
        _Entry,
        lambda: instance_key(inst, "scalar", repr(astuple(limits or Limits()))),
        lambda: compile_instance(inst, layout, limits),
        save,
        load,
    )

"""What the vector compiler makes (`VectorSpec`) and its settings (`VectorLimits`), apart from
the compiler itself, so that a run whose code comes from the start-up cache does not import it.
"""

from __future__ import annotations

import marshal
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import CodeType
from typing import Any

from checker import ir

WORD_BITS = 64
ALL_ONES = (1 << WORD_BITS) - 1


@dataclass
class VectorLimits:
    """When to unroll. Above these sizes the compiler writes loops (or set-bit visits)."""

    quantifier_domain: int = 256  # unroll a quantifier over at most this many tuples
    unrolled_cost: int = 600  # ... unless it costs more numpy operations per row than this
    sparse_cost: int = 24  # above this, prefer visiting set bits when the pattern allows
    action_instances: int = 512
    update_tuples: int = 1024


@dataclass
class VectorSpec:
    """The compiled batch functions of one instance, and the source they came from."""

    source: str
    words: int  # 64-bit words per state
    actions: list[Callable[..., list[tuple[int, Any, list[Any]]]]]
    instances: list[int]  # per action: the number of parameter tuples (instance indices)
    properties: dict[str, Callable[..., Any]] = field(default_factory=dict)
    # (instance, rows of X, check) where a Check held, appended by the action functions; the
    # caller reads and clears it after each call
    failed: list[tuple[int, Any, int]] = field(default_factory=list)
    checks: list[ir.Check] = field(default_factory=list)
    code: CodeType | None = None  # the source compiled (what the start-up cache keeps)

    def __reduce__(self) -> str | tuple[Any, ...]:
        """Pickled as its code, marshalled, and what it holds besides functions: a Ray actor
        (`--ray`) rebuilds the functions from them. (Pickled by value, each function drags its
        module's globals along: megabytes and seconds a spec.)"""
        if self.code is None:
            return super().__reduce__()
        functions = {name: f.__name__ for name, f in self.properties.items()}
        code = marshal.dumps(self.code)
        return revive, (self.source, code, self.words, self.instances, functions, self.checks)


def revive(
    source: str,
    code: bytes,
    words: int,
    instances: Sequence[int],
    properties: dict[str, str],
    checks: Sequence[ir.Check],
) -> VectorSpec:
    """`from_code` of marshalled code (a pickled VectorSpec, a start-up cache entry)."""
    return from_code(source, marshal.loads(code), words, instances, properties, checks)


def from_code(
    source: str,
    code: CodeType,
    words: int,
    instances: Sequence[int],
    properties: dict[str, str],
    checks: Sequence[ir.Check],
) -> VectorSpec:
    """The VectorSpec whose functions the module `code` (compiled from `source`) defines:
    `act_0`, ..., and each property's function by name; the rest as given."""
    failed: list[tuple[int, Any, int]] = []
    namespace: dict[str, Any] = {"_FAILS": failed}
    exec(code, namespace)
    return VectorSpec(
        source=source,
        words=words,
        actions=[namespace[f"act_{k}"] for k in range(len(instances))],
        instances=list(instances),
        properties={name: namespace[func] for name, func in properties.items()},
        failed=failed,
        checks=list(checks),
        code=code,
    )

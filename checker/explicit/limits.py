"""The scalar compiler's settings (`codegen.Limits`), apart from the compiler, so that the
search options can name them without importing it: a run of the vector engine whose code comes
from the start-up cache compiles nothing."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Limits:
    """When to unroll. Above these sizes the compiler writes loops instead."""

    quantifier_domain: int = 64  # unroll a quantifier over at most this many tuples
    unrolled_source: int = 30_000  # ... unless its unrolled code is longer than this
    action_instances: int = 512  # unroll an action's parameters up to this many instances
    update_tuples: int = 1024  # unroll a whole-relation update up to this many tuples

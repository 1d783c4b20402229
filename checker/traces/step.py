"""One step of a trace, shared by every engine that produces traces."""

from __future__ import annotations

from dataclasses import dataclass

Perm = dict[str, tuple[int, ...]]  # a symmetry group element: sort -> image of each code


@dataclass(frozen=True)
class TraceStep:
    """One state of a trace and the action (with parameter codes) that led to it."""

    action: str | None  # None for the initial state (or the name of the @init that made it)
    params: tuple[tuple[str, int, str], ...]  # (parameter name, code, sort)
    state: int  # packed (see checker.explicit.layout)
    witness: Perm | None = None  # symmetry: maps this concrete state to the stored canonical one

"""Running z3 on one question, with a time limit, and naming the answer honestly."""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass

import z3


class Verdict(enum.Enum):
    HOLDS = "holds"  # the negated claim is unsatisfiable
    FAILS = "fails"  # a model of the negated claim exists
    UNKNOWN = "unknown"  # z3 gave up or ran out of time: never a pass


@dataclass(frozen=True)
class Answer:
    verdict: Verdict
    seconds: float
    reason: str = ""  # z3's reason for `unknown`


def fresh_context() -> None:
    """Start a run in a new z3 context. z3's answers and times depend on the order of the terms
    it has already seen (ids, hash-consing), so a proof run after others in one process (a
    test worker, a notebook) could take another path and end `unknown`; every prove, refine
    and bmc run starts here, so it behaves as in a fresh process. Terms of earlier runs keep
    their own context and must not be mixed with the new run's."""
    z3.z3._main_ctx = None  # main_ctx() makes a new one on its next call


def new_solver(timeout_s: float) -> z3.Solver:
    solver = z3.Solver()
    solver.set("timeout", max(1, int(timeout_s * 1000)))
    solver.set("random_seed", 0)
    return solver


def ask(
    solver: z3.Solver,
    params: dict[str, object] | None = None,
    timeout_s: float | None = None,
    work: int = 0,
) -> Answer:
    """Check the solver's assertions (unsat: the claim holds; sat: it fails), optionally with
    other z3 parameters and another time limit for this one check.

    `work` bounds z3's resource count for this check (0: unbounded). Unlike a time limit it
    does not depend on how busy the machine is, so an attempt bounded by it gives the same
    answer on a quiet laptop and on a loaded CI runner."""
    if timeout_s is not None:
        solver.set("timeout", max(1, int(timeout_s * 1000)))
    solver.set("rlimit", work)
    solver.set("random_seed", 0)
    solver.set("mbqi.max_cexs", 1)
    for key, value in (params or {}).items():
        solver.set(key, value)
    start = time.perf_counter()
    result = solver.check()
    seconds = time.perf_counter() - start
    if result == z3.unsat:
        return Answer(Verdict.HOLDS, seconds)
    if result == z3.sat:
        return Answer(Verdict.FAILS, seconds)
    reason = solver.reason_unknown() or "unknown"
    if reason in ("timeout", "canceled"):
        reason = "timeout"
    return Answer(Verdict.UNKNOWN, seconds, reason)

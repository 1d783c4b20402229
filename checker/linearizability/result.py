"""What a check returns: a verdict per partition and, for a history that is not linearizable,
an explanation the renderers draw.

Verdicts: `ok` (a linearization exists), `illegal` (none exists: the search was exhaustive),
`unknown` (the timeout expired first; never reported as `ok`). A history is illegal when any
partition is, otherwise unknown when any partition is, otherwise ok.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from checker.linearizability.history import Operation

Verdict = Literal["ok", "illegal", "unknown"]


@dataclass(frozen=True)
class Attempt:
    """An operation that could have been placed next at the point where the search got
    stuck, and what the model said about it there."""

    op: Operation
    fits: bool  # the model accepts its output here (then what follows fails instead)
    expected: str | None  # what the model would answer here, when it can say


@dataclass(frozen=True)
class Explanation:
    """Why a partition is not linearizable: the deepest point the search reached.

    `prefix` is the longest linearizable prefix found — operations in an order that respects
    real time and that the model accepts, each with the state after it — and `blocked` the
    operation that returned earliest among those not placed: it had to be placed before
    anything called after it returned, and no candidate (`attempts`: every operation called by
    then and not yet placed, `blocked` among them) fits after the prefix. Every other order the
    search tried got stuck no later. `window` is the stretch of the history around that point
    that the timeline draws."""

    model: str
    partition: str
    operations: int  # operations checked in the partition
    initial: str  # the model's initial state, described
    prefix: tuple[Operation, ...]
    states: tuple[str, ...]  # the state after each operation of `prefix`, described
    blocked: Operation
    attempts: tuple[Attempt, ...]
    window: tuple[Operation, ...]
    hidden: int  # operations in the window's span not drawn (to keep the timeline readable)
    start: float  # the window's time span
    end: float
    numbers: Mapping[Operation, int]  # position in the whole history, from 1
    descriptions: Mapping[Operation, str]  # the model's one-line description

    def number(self, op: Operation) -> int:
        return self.numbers[op]

    def describe(self, op: Operation) -> str:
        return self.descriptions[op]


@dataclass(frozen=True)
class PartitionResult:
    name: str
    verdict: Verdict
    operations: tuple[Operation, ...]  # the partition's operations, in history order
    dropped: int = 0  # unanswered read-only operations left out (they constrain nothing)
    # ok: a linearization of the operations that returned and of the pending operations it
    # places; the pending operations it leaves out take effect afterwards, or never.
    linearization: tuple[Operation, ...] | None = None
    explanation: Explanation | None = None
    deepest: int = 0  # illegal / unknown: the most operations that returned placed
    steps: int = 0  # model steps
    configurations: int = 0  # configurations cached
    seconds: float = 0.0
    started: bool = True  # False: the timeout expired before its turn


@dataclass(frozen=True)
class CheckResult:
    verdict: Verdict
    partitions: tuple[PartitionResult, ...]
    explanation: Explanation | None  # the first illegal partition's
    model: str = ""
    operations: int = 0
    seconds: float = 0.0
    timeout: float | None = None
    numbers: Mapping[Operation, int] = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        return self.verdict == "ok"

    @property
    def illegal(self) -> tuple[PartitionResult, ...]:
        return tuple(p for p in self.partitions if p.verdict == "illegal")

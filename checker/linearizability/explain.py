"""From the deepest point of a failed search to an `Explanation`: the prefix placed there, the
operation that could not be, every candidate with the model's answer, and the window to draw."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from checker.linearizability.history import UNKNOWN, Operation
from checker.linearizability.model import Model
from checker.linearizability.result import Attempt, Explanation

CONTEXT = 3  # operations of the prefix drawn before the candidates
MAX_WINDOW = 40  # operations on the timeline, at most (else only the ones that matter)
MAX_PENDING = 4  # operations that never returned and were not placed, drawn at most


def explain(
    model: Model[Any, Any, Any],
    partition: str,
    ops: Sequence[Operation],
    inputs: Sequence[Any],
    outputs: Sequence[Any],
    order: Sequence[int],
    states: Sequence[Any],
    numbers: Mapping[Operation, int],
) -> Explanation:
    """`order`/`states`: the deepest configuration of the search over `ops` (indices into it)."""
    n = len(ops)
    placed = set(order)
    state = states[-1] if states else model.init()

    def call_key(i: int) -> tuple[float, int, int]:
        return (ops[i].call, 0, i)

    def ret_key(i: int) -> tuple[float, int, int]:
        return (ops[i].ret, 1, i)

    returned = [i for i in range(n) if i not in placed and outputs[i] is not UNKNOWN]
    blocked = min(returned, key=ret_key)
    deadline = ret_key(blocked)
    candidates = sorted(
        (i for i in range(n) if i not in placed and call_key(i) < deadline), key=call_key
    )
    attempts = []
    for i in candidates:
        fits, _ = model.step(state, inputs[i], outputs[i])
        attempts.append(Attempt(ops[i], fits, model.expected(state, inputs[i])))

    # The window: the candidates that returned, and the last few operations placed before them;
    # of the operations that never returned and were not placed, the latest few.
    known_candidates = [i for i in candidates if outputs[i] is not UNKNOWN]
    recent = [i for i in order if outputs[i] is not UNKNOWN][-CONTEXT:]
    start = min(ops[i].call for i in known_candidates + recent)
    end = max(ops[i].ret for i in known_candidates + recent)
    overlapping = [
        i
        for i in range(n)
        if ops[i].call <= end and (math.inf if ops[i].pending else ops[i].ret) >= start
    ]
    unplaced_pending = [i for i in overlapping if ops[i].pending and i not in placed]
    drawn_pending = set(unplaced_pending[-MAX_PENDING:])
    window = [i for i in overlapping if i not in unplaced_pending or i in drawn_pending]
    if len(window) > MAX_WINDOW:
        focus = set(known_candidates) | set(recent) | set(order[-CONTEXT:]) | drawn_pending
        window = sorted(focus, key=call_key)
    hidden = sum(1 for i in overlapping if i not in window)

    described = set(order) | set(window) | set(candidates)
    return Explanation(
        model=model.name,
        partition=partition,
        operations=n,
        initial=model.describe_state(model.init()),
        prefix=tuple(ops[i] for i in order),
        states=tuple(model.describe_state(s) for s in states),
        blocked=ops[blocked],
        attempts=tuple(attempts),
        window=tuple(ops[i] for i in window),
        hidden=hidden,
        start=start,
        end=end,
        numbers=numbers,
        descriptions={ops[i]: model.describe_operation(ops[i]) for i in described},
    )

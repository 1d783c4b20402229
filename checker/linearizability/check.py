"""`check_history`: validate a history against a model, split it into the model's partitions,
search each for a linearization, and explain the first that has none."""

from __future__ import annotations

import gc
import math
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from checker.errors import UsageError
from checker.linearizability.explain import explain
from checker.linearizability.history import HistoryError, Operation, read_history, validate
from checker.linearizability.kv import KvModel
from checker.linearizability.model import Model
from checker.linearizability.result import CheckResult, PartitionResult, Verdict
from checker.linearizability.search import search
from checker.linearizability.znode import ZnodeModel

AnyModel = Model[Any, Any, Any]

MODELS: dict[str, type[AnyModel]] = {"kv": KvModel, "znode": ZnodeModel}


def model_named(name: str) -> AnyModel:
    """A bundled model by name (`kv`, `znode`)."""
    try:
        return MODELS[name]()
    except KeyError:
        raise UsageError(
            f"there is no linearizability model `{name}`; the models are "
            + ", ".join(f"`{k}`" for k in MODELS)
        ) from None


def check_history(
    history: Sequence[Operation] | str | Path,
    model: AnyModel | str,
    timeout: float | None = None,
) -> CheckResult:
    """Is `history` (operations, or the path of a history file) linearizable with respect to
    `model` (a `Model` or a bundled model's name)? With `timeout` (seconds), partitions not
    decided in time are `unknown`. Malformed input raises `HistoryError` naming the operation."""
    began = time.monotonic()
    deadline = None if timeout is None else began + timeout
    if isinstance(history, str | Path):
        history = read_history(history)
    if isinstance(model, str):
        model = model_named(model)
    validate(history)
    numbers = {op: position + 1 for position, op in enumerate(history)}
    if len(numbers) != len(history):
        raise HistoryError(
            "the same Operation object appears twice in the history; every call is its own "
            "operation."
        )
    prepared: dict[Operation, tuple[Any, Any]] = {}
    for position, op in enumerate(history):
        try:
            prepared[op] = model.prepare(op)
        except ValueError as error:
            raise HistoryError(f"{op.where(position)}: {error}.") from None

    parts = model.partition(history)
    _check_cover(model, parts, history)
    results: dict[str, PartitionResult] = {}
    for name, ops in sorted(parts.items(), key=lambda item: len(item[1])):
        results[name] = _check_partition(model, name, ops, prepared, numbers, deadline)
    partitions = tuple(results[name] for name in parts)

    verdict: Verdict = "ok"
    if any(p.verdict == "illegal" for p in partitions):
        verdict = "illegal"
    elif any(p.verdict == "unknown" for p in partitions):
        verdict = "unknown"
    explanation = next((p.explanation for p in partitions if p.explanation is not None), None)
    return CheckResult(
        verdict,
        partitions,
        explanation,
        model=model.name,
        operations=len(history),
        seconds=time.monotonic() - began,
        timeout=timeout,
        numbers=numbers,
    )


def _check_cover(
    model: AnyModel, parts: dict[str, list[Operation]], history: Sequence[Operation]
) -> None:
    seen: dict[Operation, str] = {}
    for name, ops in parts.items():
        for op in ops:
            if op in seen:
                raise ValueError(
                    f"model {model.name}: partition() puts an operation in both `{seen[op]}` "
                    f"and `{name}`"
                )
            seen[op] = name
    if len(seen) != len(history) or any(op not in seen for op in history):
        raise ValueError(f"model {model.name}: partition() leaves operations out")


def _check_partition(
    model: AnyModel,
    name: str,
    ops: Sequence[Operation],
    prepared: dict[Operation, tuple[Any, Any]],
    numbers: dict[Operation, int],
    deadline: float | None,
) -> PartitionResult:
    ops = sorted(ops, key=numbers.__getitem__)
    checked = [op for op in ops if not (op.pending and model.read_only(prepared[op][0]))]
    dropped = len(ops) - len(checked)
    if deadline is not None and time.monotonic() > deadline:
        return PartitionResult(name, "unknown", tuple(ops), dropped, started=False)
    began = time.monotonic()
    inputs = [prepared[op][0] for op in checked]
    outputs = [prepared[op][1] for op in checked]
    calls = [op.call for op in checked]
    rets = [math.inf if op.pending else op.ret for op in checked]
    # The search allocates millions of small acyclic tuples; the cycle collector would walk
    # them again and again for nothing.
    collecting = gc.isenabled()
    gc.disable()
    try:
        found = search(model, inputs, outputs, calls, rets, deadline)
    finally:
        if collecting:
            gc.enable()
    seconds = time.monotonic() - began
    common: dict[str, Any] = {
        "dropped": dropped,
        "steps": found.steps,
        "configurations": found.configurations,
        "seconds": seconds,
    }
    if found.verdict == "ok":
        return PartitionResult(
            name,
            "ok",
            tuple(ops),
            linearization=tuple(checked[i] for i in found.order),
            deepest=sum(1 for op in checked if not op.pending),
            **common,
        )
    deepest = sum(1 for i in found.order if not checked[i].pending)
    if found.verdict == "unknown":
        return PartitionResult(name, "unknown", tuple(ops), deepest=deepest, **common)
    explanation = explain(model, name, checked, inputs, outputs, found.order, found.states, numbers)
    return PartitionResult(
        name, "illegal", tuple(ops), explanation=explanation, deepest=deepest, **common
    )

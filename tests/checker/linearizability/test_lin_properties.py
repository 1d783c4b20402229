"""Properties on generated histories: what running a sequential object under random
interleavings (with crashes) produces is accepted, with a linearization that checks out; and one
wrong answer where it is certainly wrong — a read of a value nobody wrote, or any changed answer
in a history without concurrency — is rejected, naming that operation."""

from __future__ import annotations

import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from checker.linearizability import (
    KvModel,
    Model,
    Operation,
    ZnodeModel,
    check_history,
    render_text,
)
from tests.checker.linearizability.lin_gen import check_witness, kv_history, znode_history

SETTINGS = settings(max_examples=120, deadline=None)


def accepted_with_witness(model: Model[Any, Any, Any], history: list[Operation]) -> None:
    result = check_history(history, model, timeout=30)
    assert result.verdict == "ok", render_text(result)
    assert sum(len(p.operations) for p in result.partitions) == len(history)
    for p in result.partitions:
        assert p.linearization is not None
        checked = [
            op for op in p.operations if not (op.pending and model.read_only(model.prepare(op)[0]))
        ]
        check_witness(model, checked, p.linearization)


def rejected_naming(model: Model[Any, Any, Any], history: list[Operation], bad: Operation) -> None:
    result = check_history(history, model, timeout=30)
    assert result.verdict == "illegal"
    exp = result.explanation
    assert exp is not None
    assert bad is exp.blocked or bad in [a.op for a in exp.attempts]
    assert f"#{history.index(bad) + 1} " in render_text(result)


def replace(history: list[Operation], i: int, output: Any) -> tuple[list[Operation], Operation]:
    op = history[i]
    bad = Operation(op.client, op.input, output, op.call, op.ret)
    return [*history[:i], bad, *history[i + 1 :]], bad


@SETTINGS
@given(
    seed=st.integers(0, 2**32),
    ops=st.integers(0, 80),
    keys=st.integers(1, 3),
    clients=st.integers(1, 6),
    crash=st.sampled_from([0.0, 0.05, 0.2]),
)
def test_generated_kv_histories_are_accepted(
    seed: int, ops: int, keys: int, clients: int, crash: float
) -> None:
    accepted_with_witness(KvModel(), kv_history(seed, ops, keys, clients, crash))


@SETTINGS
@given(
    seed=st.integers(0, 2**32),
    ops=st.integers(1, 80),
    keys=st.integers(1, 3),
    clients=st.integers(1, 6),
    crash=st.sampled_from([0.0, 0.05, 0.2]),
    pick=st.randoms(use_true_random=False),
)
def test_a_read_of_a_value_never_written_is_rejected(
    seed: int, ops: int, keys: int, clients: int, crash: float, pick: random.Random
) -> None:
    history = kv_history(seed, ops, keys, clients, crash)
    reads = [i for i, op in enumerate(history) if op.input["f"] == "get" and not op.pending]
    if not reads:
        return
    history, bad = replace(history, pick.choice(reads), {"value": -1})  # values written are > 0
    rejected_naming(KvModel(), history, bad)


@SETTINGS
@given(
    seed=st.integers(0, 2**32),
    ops=st.integers(1, 60),
    keys=st.integers(1, 3),
    pick=st.randoms(use_true_random=False),
)
def test_any_changed_answer_without_concurrency_is_rejected(
    seed: int, ops: int, keys: int, pick: random.Random
) -> None:
    """One operation at a time: a single order, a deterministic model, so a single answer."""
    history = kv_history(seed, ops, keys, clients=3, sequential=True)
    answers = [i for i, op in enumerate(history) if op.input["f"] in ("get", "cas")]
    if not answers:
        return
    i = pick.choice(answers)
    out = history[i].output
    if "ok" in out:
        changed = {"ok": not out["ok"]}
    else:
        written = [op.input["value"] for op in history if "value" in op.input]
        changed = {"value": pick.choice([v for v in [None, -1, *written] if v != out["value"]])}
    history, bad = replace(history, i, changed)
    result = check_history(history, KvModel())
    assert result.verdict == "illegal"
    assert result.explanation is not None and result.explanation.blocked is bad


@SETTINGS
@given(
    seed=st.integers(0, 2**32),
    ops=st.integers(0, 60),
    clients=st.integers(1, 5),
    crash=st.sampled_from([0.0, 0.05]),
)
def test_generated_znode_histories_are_accepted(
    seed: int, ops: int, clients: int, crash: float
) -> None:
    accepted_with_witness(ZnodeModel(), znode_history(seed, ops, clients, crash))


@SETTINGS
@given(
    seed=st.integers(0, 2**32),
    ops=st.integers(1, 60),
    clients=st.integers(1, 5),
    pick=st.randoms(use_true_random=False),
)
def test_a_znode_read_of_data_never_written_is_rejected(
    seed: int, ops: int, clients: int, pick: random.Random
) -> None:
    history = znode_history(seed, ops, clients)
    reads = [
        i
        for i, op in enumerate(history)
        if op.input["f"] == "getData" and not op.pending and "err" not in op.output
    ]
    if not reads:
        return
    i = pick.choice(reads)
    history, bad = replace(history, i, {**history[i].output, "data": "never written"})
    rejected_naming(ZnodeModel(), history, bad)

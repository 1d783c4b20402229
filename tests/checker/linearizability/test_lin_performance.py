"""A partitioned history of realistic size is decided: 5,000 operations by 50 clients over 20
keys, 5% of them crashed. No timing assertion: it must come back `ok` within the timeout."""

from __future__ import annotations

from checker.linearizability import KvModel, check_history
from tests.checker.linearizability.lin_gen import check_witness, kv_history


def test_five_thousand_operations_over_twenty_keys() -> None:
    history = kv_history(seed=2024, ops=5000, keys=20, clients=50, crash=0.05)
    assert len(history) == 5000
    assert sum(op.pending for op in history) > 150
    result = check_history(history, KvModel(), timeout=60)
    assert result.verdict == "ok", result.partitions
    assert len(result.partitions) == 20
    print(
        f"5000 operations, 20 partitions: {result.seconds:.2f} s, "
        f"{sum(p.steps for p in result.partitions)} model steps"
    )
    slowest = max(result.partitions, key=lambda p: p.seconds)
    assert slowest.linearization is not None
    checked = [op for op in slowest.operations if not (op.pending and op.input["f"] == "get")]
    check_witness(KvModel(), checked, slowest.linearization)


def test_five_thousand_operations_on_one_key_without_crashes() -> None:
    """Unpartitioned, with little concurrency: the cache keeps the search linear."""
    history = kv_history(seed=7, ops=5000, keys=1, clients=5)
    result = check_history(history, KvModel(), timeout=60)
    assert result.verdict == "ok"

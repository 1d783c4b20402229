"""The key-value model on hand-written histories: the classic linearizable and non-linearizable
examples, operations that timed out, compare-and-set, delete, and partitioning by key."""

from __future__ import annotations

import math
from typing import Any

import pytest

from checker.linearizability import (
    UNKNOWN,
    CheckResult,
    KvModel,
    Operation,
    check_history,
    render_text,
)


def put(client: str, key: str, value: Any, call: float, ret: float | None = None) -> Operation:
    inp = {"f": "put", "key": key, "value": value}
    return Operation(
        client, inp, UNKNOWN if ret is None else {}, call, math.inf if ret is None else ret
    )


def get(client: str, key: str | int, value: Any, call: float, ret: float) -> Operation:
    return Operation(client, {"f": "get", "key": key}, {"value": value}, call, ret)


def cas(
    client: str,
    key: str,
    old: Any,
    new: Any,
    ok: bool | None,
    call: float,
    ret: float | None = None,
) -> Operation:
    inp = {"f": "cas", "key": key, "expected": old, "value": new}
    out = UNKNOWN if ok is None else {"ok": ok}
    return Operation(client, inp, out, call, math.inf if ret is None else ret)


def delete(client: str, key: str, call: float, ret: float) -> Operation:
    return Operation(client, {"f": "delete", "key": key}, {}, call, ret)


def check(*ops: Operation) -> CheckResult:
    return check_history(list(ops), KvModel(), timeout=10)


def blocked(result: CheckResult) -> Operation:
    assert result.verdict == "illegal"
    assert result.explanation is not None
    return result.explanation.blocked


def test_a_read_sees_a_completed_write() -> None:
    w = put("c1", "x", 1, 0, 1)
    assert check(w, get("c2", "x", 1, 2, 3)).ok
    stale = get("c2", "x", None, 2, 3)
    assert blocked(check(w, stale)) is stale


def test_a_read_concurrent_with_a_write_may_see_either_value() -> None:
    w = put("c1", "x", 1, 0, 10)
    assert check(w, get("c2", "x", None, 1, 2)).ok
    assert check(w, get("c2", "x", 1, 1, 2)).ok
    assert check(w, get("c2", "x", None, 1, 2), get("c2", "x", 1, 3, 4)).ok
    # but once a read saw the new value, a later read cannot see the old one
    old = get("c3", "x", None, 5, 6)
    assert blocked(check(w, get("c2", "x", 1, 1, 2), old)) is old


def test_reads_that_observe_two_concurrent_writes_in_opposite_orders() -> None:
    writes = [put("w1", "x", 1, 0, 10), put("w2", "x", 2, 0, 10)]
    same_order = [
        get("r1", "x", 1, 1, 2),
        get("r1", "x", 2, 3, 4),
        get("r2", "x", 1, 1, 2),
        get("r2", "x", 2, 3, 4),
    ]
    assert check(*writes, *same_order).ok
    opposite = [
        get("r1", "x", 1, 1, 2),
        get("r1", "x", 2, 3, 4),
        get("r2", "x", 2, 1, 2),
        get("r2", "x", 1, 3, 4),
    ]
    result = check(*writes, *opposite)
    assert result.verdict == "illegal"
    assert blocked(result) in opposite[1::2]  # one of the second reads cannot be placed


def test_a_timed_out_write_may_or_may_not_have_happened() -> None:
    lost = put("c1", "x", 1, 0)  # never returned
    assert check(lost, get("c2", "x", 1, 5, 6)).ok  # it happened
    assert check(lost, get("c2", "x", None, 5, 6)).ok  # it did not (yet)
    assert check(lost, get("c2", "x", None, 5, 6), get("c2", "x", 1, 7, 8)).ok  # it did, late
    # ... even long after the client gave up waiting
    gave_up = Operation("c1", {"f": "put", "key": "x", "value": 1}, UNKNOWN, 0, 3)
    assert check(gave_up, get("c2", "x", None, 5, 6), get("c2", "x", 1, 100, 101)).ok
    # but not both: once seen, it stays
    again = get("c2", "x", None, 7, 8)
    assert blocked(check(lost, get("c2", "x", 1, 5, 6), again)) is again
    # and not before it was called
    early = get("c2", "x", 1, 0, 1)
    assert blocked(check(put("c1", "x", 1, 2), early)) is early


def test_a_timed_out_read_constrains_nothing() -> None:
    ghost = Operation("c9", {"f": "get", "key": "x"}, UNKNOWN, 0, 1)
    result = check(put("c1", "x", 1, 0, 1), ghost, get("c2", "x", 1, 2, 3))
    assert result.ok and result.partitions[0].dropped == 1


def test_compare_and_set() -> None:
    first = cas("c1", "x", None, 1, True, 0, 1)
    assert check(first, cas("c2", "x", None, 2, False, 2, 3), get("c3", "x", 1, 4, 5)).ok
    second = cas("c2", "x", None, 2, True, 2, 3)
    assert blocked(check(first, second)) is second
    # two concurrent compare-and-sets from the same value: one must fail
    a = cas("c1", "x", None, 1, True, 0, 5)
    b = cas("c2", "x", None, 2, True, 0, 5)
    assert check(a, b).verdict == "illegal"
    assert check(a, cas("c2", "x", None, 2, False, 0, 5), get("c3", "x", 1, 6, 7)).ok
    # a cas that timed out: both outcomes are possible
    maybe = cas("c1", "x", None, 1, None, 0)
    assert check(maybe, get("c2", "x", 1, 2, 3)).ok
    assert check(maybe, get("c2", "x", None, 2, 3)).ok


def test_delete() -> None:
    w, d = put("c1", "x", 1, 0, 1), delete("c1", "x", 2, 3)
    assert check(w, d, get("c2", "x", None, 4, 5)).ok
    resurrected = get("c2", "x", 1, 4, 5)
    assert blocked(check(w, d, resurrected)) is resurrected


def test_operations_that_touch_at_an_instant_are_concurrent() -> None:
    # put returns at 5, the get is called at 5: either order is allowed
    assert check(put("c1", "x", 1, 0, 5), get("c2", "x", None, 5, 6)).ok
    assert check(put("c1", "x", 1, 0, 4), get("c2", "x", None, 5, 6)).verdict == "illegal"


def test_float_times() -> None:
    assert check(put("c1", "x", 1, 0.25, 0.5), get("c2", "x", 1, 0.75, 1.0)).ok
    assert check(put("c1", "x", 1, 0.25, 0.5), get("c2", "x", None, 0.75, 1.0)).verdict == "illegal"


def test_values_are_json_values() -> None:
    assert check(put("c1", "x", [1, {"a": 2}], 0, 1), get("c2", "x", [1, {"a": 2}], 2, 3)).ok
    assert check(put("c1", "x", True, 0, 1), get("c2", "x", 1, 2, 3)).verdict == "illegal"
    assert check(put("c1", "x", 1, 0, 1), get("c2", "x", 1.0, 2, 3)).ok


def test_partitions_by_key_and_names_the_illegal_one() -> None:
    stale = get("c2", "y", None, 2, 3)
    result = check(
        put("c1", "x", 1, 0, 1),
        get("c2", "x", 1, 2, 3),
        put("c1", "y", 1, 0, 1),
        stale,
        get("c3", 7, None, 0, 1),
    )
    assert [(p.name, p.verdict, len(p.operations)) for p in result.partitions] == [
        ('key "x"', "ok", 2),
        ('key "y"', "illegal", 2),
        ("key 7", "ok", 1),
    ]
    assert result.explanation is not None
    assert result.explanation.partition == 'key "y"'
    assert blocked(result) is stale
    assert 'key "y" (2 operations) is not linearizable' in render_text(result)


def test_the_empty_history_is_linearizable() -> None:
    result = check()
    assert result.ok and result.partitions == ()


@pytest.mark.parametrize(
    ("op", "result", "message"),
    [
        ({"f": "put", "key": "x", "value": None}, {}, "cannot write null"),
        ({"f": "put", "key": 1.5, "value": 1}, {}, "a kv key is a string or an integer"),
        ({"f": "get", "key": "x"}, {"value": 1, "extra": 2}, 'is {"value": V}'),
        ({"f": "cas", "key": "x", "expected": 1, "value": 2}, {"ok": 1}, "`cas` is"),
        ({"f": "delete", "key": "x", "value": 2}, {}, "unexpected `value`"),
        ({"f": "put", "key": "x", "value": 1}, {"ok": False}, r"is \{\}"),
    ],
)
def test_malformed_kv_operations(op: dict[str, Any], result: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        KvModel().prepare(Operation("c", op, result, 0, 1))

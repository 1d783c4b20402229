"""The search itself: it agrees with a brute-force definition of linearizability on small random
histories (with operations that never returned, on both models), its witnesses and prefixes are
real, its prunings keep crashed writes from multiplying the work, and the timeout says `unknown`,
never `ok`."""

from __future__ import annotations

import math
from collections.abc import Hashable, Sequence
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checker.linearizability import (
    UNKNOWN,
    DeterministicModel,
    KvModel,
    Model,
    Operation,
    ZnodeModel,
    check_history,
    render_text,
)
from checker.linearizability.history import MaybeUnknown
from tests.checker.linearizability.lin_gen import check_witness


def brute_force(model: Model[Any, Any, Any], ops: Sequence[Operation]) -> bool:
    """The definition, directly: some order of all operations that returned and some of the
    pending ones keeps real-time order (an operation that returned before another was called
    comes first) and is accepted by the model."""
    prepared = [model.prepare(op) for op in ops]
    n = len(ops)

    def go(placed: frozenset[int], state: Any) -> bool:
        if all(i in placed or ops[i].pending for i in range(n)):
            return True
        for x in range(n):
            if x in placed:
                continue
            if any(
                not ops[y].pending and y not in placed and ops[y].ret < ops[x].call
                for y in range(n)
            ):
                continue
            ok, after = model.step(state, *prepared[x])
            if ok and go(placed | {x}, after):
                return True
        return False

    return go(frozenset(), model.init())


def replays(
    model: Model[Any, Any, Any], ops: Sequence[Operation], order: Sequence[Operation]
) -> None:
    """`order` respects real time among `ops` and the model accepts it (a prefix is enough)."""
    placed = set(order)
    for k, op in enumerate(order):
        before = [o for o in ops if not o.pending and o.ret < op.call]
        assert all(o in placed and order.index(o) < k for o in before)
    state = model.init()
    for op in order:
        ok, state = model.step(state, *model.prepare(op))
        assert ok


@st.composite
def timed(
    draw: st.DrawFn, inputs: st.SearchStrategy[dict[str, Any]], outputs: Any
) -> list[Operation]:
    n = draw(st.integers(1, 7))
    ops = []
    for k in range(n):
        inp = draw(inputs)
        call = draw(st.integers(0, 12))
        if draw(st.integers(0, 3)) == 0:
            ret = draw(st.sampled_from([math.inf, call + 2]))
            ops.append(Operation(f"c{k}", inp, UNKNOWN, call, ret))
        else:
            ret = call + draw(st.integers(0, 6))
            ops.append(Operation(f"c{k}", inp, draw(outputs(inp)), call, ret))
    return ops


VALUES = st.sampled_from([None, 1, 2, 3])
KV_INPUTS = st.one_of(
    st.builds(lambda v: {"f": "put", "key": "x", "value": v}, st.integers(1, 3)),
    st.just({"f": "get", "key": "x"}),
    st.just({"f": "delete", "key": "x"}),
    st.builds(
        lambda a, b: {"f": "cas", "key": "x", "expected": a, "value": b}, VALUES, st.integers(1, 3)
    ),
)


def kv_outputs(inp: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    if inp["f"] == "get":
        return st.builds(lambda v: {"value": v}, VALUES)
    if inp["f"] == "cas":
        return st.builds(lambda ok: {"ok": ok}, st.booleans())
    return st.just({})


PATHS = st.sampled_from(["/a", "/a/b", "/a/c"])
ZNODE_INPUTS = st.one_of(
    st.builds(
        lambda p, d, e: {"f": "create", "path": p, "data": d, "ephemeral": e},
        PATHS,
        st.sampled_from(["x", "y"]),
        st.booleans(),
    ),
    st.builds(lambda p: {"f": "create", "path": "/a/s-", "sequential": True}, PATHS),
    st.builds(
        lambda p, v: {"f": "delete", "path": p, "version": v}, PATHS, st.sampled_from([-1, 0, 1])
    ),
    st.builds(
        lambda p, d, v: {"f": "setData", "path": p, "data": d, "version": v},
        PATHS,
        st.sampled_from(["x", "y"]),
        st.sampled_from([-1, 0, 1]),
    ),
    st.builds(lambda p: {"f": "getData", "path": p}, PATHS),
    st.builds(lambda p: {"f": "exists", "path": p}, PATHS),
    st.builds(lambda p: {"f": "getChildren", "path": p}, PATHS),
)
ERRORS = st.sampled_from([{"err": -101}, {"err": -110}, {"err": -103}, {"err": -111}])


def znode_outputs(inp: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    f = inp["f"]
    version = st.integers(0, 2)
    ok: st.SearchStrategy[dict[str, Any]]
    if f == "create":
        ok = st.builds(
            lambda p: {"path": p},
            st.sampled_from([inp["path"], "/a/s-0000000000", "/a/s-0000000001"]),
        )
    elif f == "setData":
        ok = st.builds(lambda v: {"version": v}, version)
    elif f == "getData":
        ok = st.builds(lambda d, v: {"data": d, "version": v}, st.sampled_from(["x", "y"]), version)
    elif f == "exists":
        ok = st.sampled_from([{"exists": False}, {"exists": True}])
    elif f == "getChildren":
        ok = st.builds(lambda c: {"children": sorted(c)}, st.sets(st.sampled_from(["b", "c"])))
    else:
        ok = st.just({})
    return st.one_of(ok, ERRORS)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(timed(KV_INPUTS, kv_outputs))
def test_kv_agrees_with_brute_force(ops: list[Operation]) -> None:
    agrees_with_brute_force(KvModel(), ops)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(timed(ZNODE_INPUTS, znode_outputs))
def test_znode_agrees_with_brute_force(ops: list[Operation]) -> None:
    agrees_with_brute_force(ZnodeModel(), ops)


def agrees_with_brute_force(model: Model[Any, Any, Any], ops: list[Operation]) -> None:
    result = check_history(ops, model)
    assert result.verdict == ("ok" if brute_force(model, ops) else "illegal")
    for p in result.partitions:
        checked = [
            op for op in p.operations if not (op.pending and model.read_only(model.prepare(op)[0]))
        ]
        if p.verdict == "ok":
            assert p.linearization is not None
            check_witness(model, checked, p.linearization)
        else:
            exp = p.explanation
            assert exp is not None
            replays(model, checked, exp.prefix)
            assert exp.blocked in [a.op for a in exp.attempts]
            assert all(a.op.pending for a in exp.attempts if a.fits)
    if result.explanation is not None:
        assert f"#{result.explanation.number(result.explanation.blocked)}" in render_text(result)


def test_many_crashed_writes_do_not_multiply_the_search() -> None:
    """Forty writes that never returned, then a read of a value nobody wrote: every subset of the
    forty could have taken effect, in any order (2^40 configurations for Porcupine's cache)."""
    ops = [
        Operation(f"c{k}", {"f": "put", "key": "x", "value": k}, UNKNOWN, 2 * k) for k in range(40)
    ]
    ops += [
        Operation("r", {"f": "get", "key": "x"}, {"value": 7}, 88, 89),
        Operation("r", {"f": "put", "key": "x", "value": 100}, {}, 90, 91),
        Operation("r", {"f": "get", "key": "x"}, {"value": 100}, 94, 95),
        Operation("r", {"f": "get", "key": "x"}, {"value": -1}, 96, 97),
    ]
    result = check_history(ops, "kv", timeout=20)
    assert result.verdict == "illegal"
    assert result.explanation is not None and result.explanation.blocked is ops[-1]
    assert result.partitions[0].configurations < 5000


def test_the_timeout_gives_unknown_never_ok() -> None:
    """Sixteen concurrent writes, then a read nobody wrote: every order of every subset."""
    ops = [Operation(f"c{k}", {"f": "put", "key": "x", "value": k}, {}, 0, 100) for k in range(16)]
    ops.append(Operation("r", {"f": "get", "key": "x"}, {"value": -1}, 101, 102))
    ops.append(Operation("r", {"f": "get", "key": "y"}, {"value": None}, 0, 1))
    result = check_history(ops, "kv", timeout=0.2)
    assert result.verdict == "unknown"
    assert result.explanation is None
    by_name = {p.name: p for p in result.partitions}
    assert by_name['key "y"'].verdict == "ok"  # the small partition goes first
    assert by_name['key "x"'].verdict == "unknown"
    assert "not decided before the timeout (0.2 s)" in render_text(result)
    # a linearizable one with a timeout that has already expired: unknown, not ok
    late = check_history(ops[:3] + ops[-1:], "kv", timeout=-1)
    assert late.verdict == "unknown"
    assert all(not p.started for p in late.partitions)


class SetModel(DeterministicModel[set[int], tuple[str, int], bool]):
    """A set with add and contains, whose states are (unhashable) Python sets: `state_key`."""

    name = "set"

    def init(self) -> set[int]:
        return set()

    def apply(self, state: set[int], input: tuple[str, int]) -> tuple[bool, set[int]]:
        f, x = input
        if f == "add":
            return x not in state, state | {x}
        return x in state, state

    def prepare(self, op: Operation) -> tuple[tuple[str, int], bool | MaybeUnknown]:
        return (op.input["f"], op.input["x"]), op.output

    def state_key(self, state: set[int]) -> Hashable:
        return frozenset(state)

    def read_only(self, input: tuple[str, int]) -> bool:
        return input[0] == "contains"


def test_a_model_of_our_own_with_state_keys() -> None:
    def o(f: str, x: int, out: bool | None, call: int, ret: float) -> Operation:
        return Operation("c", {"f": f, "x": x}, UNKNOWN if out is None else out, call, ret)

    ops = [
        o("add", 1, True, 0, 10),
        o("add", 2, True, 0, 10),
        o("add", 1, False, 0, 10),
        o("contains", 2, True, 11, 12),
        o("add", 3, None, 5, math.inf),
    ]
    assert check_history(ops, SetModel()).ok
    assert check_history([*ops, o("add", 3, True, 13, 14)], SetModel()).ok
    assert check_history([*ops, o("add", 2, True, 13, 14)], SetModel()).verdict == "illegal"
    assert brute_force(SetModel(), ops)

"""The znode model: versions and version conflicts, ZooKeeper's error codes, sequential and
ephemeral nodes, children, and why it partitions by top-level subtree (and sometimes not)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from checker.linearizability import (
    UNKNOWN,
    CheckResult,
    Operation,
    ZnodeModel,
    check_history,
)
from checker.linearizability.znode import (
    BADVERSION,
    NOCHILDRENFOREPHEMERALS,
    NODEEXISTS,
    NONODE,
    NOTEMPTY,
)

_clock = iter(range(1, 1 << 30))


def op(client: str, f: str, path: str, result: dict[str, Any] | None, **args: Any) -> Operation:
    """An operation at the next two ticks of a global clock (so in program order unless
    `call`/`ret` are given); `result` None: never returned."""
    call = args.pop("call", None)
    ret = args.pop("ret", None)
    if call is None:
        call = next(_clock)
    if ret is None:
        ret = math.inf if result is None else max(call, next(_clock))
    output = UNKNOWN if result is None else result
    return Operation(client, {"f": f, "path": path, **args}, output, call, ret)


def check(*ops: Operation, model: ZnodeModel | None = None) -> CheckResult:
    return check_history(list(ops), model or ZnodeModel(), timeout=10)


def blocked(result: CheckResult) -> Operation:
    assert result.verdict == "illegal" and result.explanation is not None
    return result.explanation.blocked


def test_versions_and_version_conflicts() -> None:
    create = op("c1", "create", "/a", {"path": "/a"}, data="v0")
    set1 = op("c1", "setData", "/a", {"version": 1}, data="v1", version=0)
    assert check(create, set1, op("c2", "getData", "/a", {"data": "v1", "version": 1})).ok
    # a conditional setData on a stale version fails with BADVERSION
    stale = op("c2", "setData", "/a", {"err": BADVERSION}, data="v2", version=0)
    assert check(create, set1, stale).ok
    wrongly_ok = op("c2", "setData", "/a", {"version": 2}, data="v2", version=0)
    assert blocked(check(create, set1, wrongly_ok)) is wrongly_ok
    # unconditional (-1) always succeeds and bumps the version
    assert check(create, set1, op("c2", "setData", "/a", {"version": 2}, data="v2")).ok
    # error codes may be given by name
    assert check(create, set1, op("c2", "delete", "/a", {"err": "BADVERSION"}, version=5)).ok
    assert check(create, set1, op("c2", "delete", "/a", {}, version=1)).ok


def test_two_concurrent_conditional_writes_cannot_both_succeed() -> None:
    create = op("c0", "create", "/a", {}, data="")
    t = next(_clock)
    a = op("c1", "setData", "/a", {"version": 1}, data="x", version=0, call=t, ret=t + 5)
    b = op("c2", "setData", "/a", {"version": 1}, data="y", version=0, call=t, ret=t + 5)
    assert check(create, a, b).verdict == "illegal"
    b_lost = op("c2", "setData", "/a", {"err": BADVERSION}, data="y", version=0, call=t, ret=t + 5)
    assert check(create, a, b_lost).ok
    # each saw version 1 afterwards: whichever went first, the other saw version 2
    after = op("c3", "getData", "/a", {"data": "y", "version": 1}, call=t + 6, ret=t + 7)
    assert check(create, a, b_lost, after).verdict == "illegal"
    # a setData that timed out may have bumped the version, or not
    lost = op("c2", "setData", "/a", None, data="y", version=0, call=t)
    for seen in ({"data": "", "version": 0}, {"data": "y", "version": 1}):
        assert check(create, lost, op("c3", "getData", "/a", seen, call=t + 1, ret=t + 2)).ok
    # ... but with `a` done, the lost one can only have failed (or come after it and failed)
    late = op("c3", "getData", "/a", {"data": "y", "version": 2}, call=t + 6, ret=t + 7)
    assert check(create, a, lost, late).verdict == "illegal"
    late = op("c3", "getData", "/a", {"data": "x", "version": 1}, call=t + 6, ret=t + 7)
    assert check(create, a, lost, late).ok


def test_error_codes() -> None:
    assert check(op("c", "create", "/a/b", {"err": NONODE})).ok
    assert check(op("c", "getData", "/a", {"err": NONODE})).ok
    assert check(op("c", "delete", "/a", {"err": "NONODE"})).ok
    assert check(op("c", "exists", "/a", {"exists": False})).ok
    create = op("c", "create", "/a", {"path": "/a"})
    assert check(create, op("c", "create", "/a", {"err": NODEEXISTS})).ok
    child = op("c", "create", "/a/b", {"path": "/a/b"})
    assert check(create, child, op("c", "delete", "/a", {"err": NOTEMPTY})).ok
    # NONODE comes before BADVERSION, BADVERSION before NOTEMPTY
    assert check(create, child, op("c", "delete", "/a", {"err": BADVERSION}, version=3)).ok
    assert check(op("c", "delete", "/x", {"err": BADVERSION}, version=3)).verdict == "illegal"


def test_a_delete_that_ignores_children_is_caught_in_the_subtree() -> None:
    # Partitioning by path would check /a and /a/b apart and accept this.
    create = op("c1", "create", "/a", {})
    child = op("c1", "create", "/a/b", {})
    bad = op("c2", "delete", "/a", {})
    result = check(create, child, bad)
    assert [p.name for p in result.partitions] == ["subtree /a"]
    assert blocked(result) is bad
    assert result.explanation is not None
    assert [a.expected for a in result.explanation.attempts] == ["NOTEMPTY"]


def test_children_exists_and_stats() -> None:
    ops = [
        op("c", "create", "/a", {}),
        op("c", "create", "/a/y", {}),
        op("c", "create", "/a/x", {}),
        op("c", "getChildren", "/a", {"children": ["x", "y"], "numChildren": 2, "cversion": 2}),
        op("c", "exists", "/a/x", {"exists": True, "version": 0}),
        op("c", "delete", "/a/y", {}),
        op("c", "getData", "/a", {"data": "", "cversion": 3, "numChildren": 1}),
        op("c", "getChildren", "/a", {"children": ["x"]}),
    ]
    assert check(*ops).ok
    wrong = op("c", "getChildren", "/a", {"children": ["x", "y"]})
    assert blocked(check(*ops, wrong)) is wrong


def test_sequential_nodes_are_named_by_the_parents_cversion() -> None:
    q = op("c0", "create", "/q", {})
    t = next(_clock)
    a = op("c1", "create", "/q/n-", {"path": "/q/n-0000000001"}, sequential=True, call=t, ret=t + 3)
    b = op("c2", "create", "/q/n-", {"path": "/q/n-0000000000"}, sequential=True, call=t, ret=t + 3)
    assert check(q, a, b).ok
    same = op(
        "c2", "create", "/q/n-", {"path": "/q/n-0000000001"}, sequential=True, call=t, ret=t + 3
    )
    assert check(q, a, same).verdict == "illegal"
    # deletes count in the cversion too
    plain = op("c1", "create", "/q/p", {}, call=t + 4, ret=t + 5)
    gone = op("c1", "delete", "/q/p", {}, call=t + 6, ret=t + 7)
    third = op("c1", "create", "/q/", {"path": "/q/0000000004"}, sequential=True, call=t + 8)
    assert check(q, a, b, plain, gone, third).ok


def test_ephemeral_nodes_have_no_children() -> None:
    e = op("c", "create", "/e", {}, ephemeral=True)
    assert check(e, op("c", "create", "/e/x", {"err": NOCHILDRENFOREPHEMERALS})).ok
    assert check(e, op("c", "create", "/e/x", {})).verdict == "illegal"


def test_partitions_by_subtree_unless_the_root_is_observed() -> None:
    ops = [op("c", "create", "/a", {}), op("c", "create", "/b", {}), op("c", "create", "/a/x", {})]
    result = check(*ops)
    assert [(p.name, len(p.operations)) for p in result.partitions] == [
        ("subtree /a", 2),
        ("subtree /b", 1),
    ]
    # the root's children are observed: the subtrees are not independent any more
    wrong = op("c", "getChildren", "/", {"children": ["a"]})
    result = check(*ops, wrong)
    assert [p.name for p in result.partitions] == ["whole tree"]
    assert blocked(result) is wrong
    assert check(*ops, op("c", "getChildren", "/", {"children": ["a", "b"]})).ok
    # so is the root's cversion, by a sequential create directly under it
    seq = op("c", "create", "/s-", {"path": "/s-0000000002"}, sequential=True)
    result = check(*ops, seq)
    assert result.ok and [p.name for p in result.partitions] == ["whole tree"]


def test_initial_nodes() -> None:
    model = ZnodeModel(initial=["/zookeeper", "/zookeeper/quota"])
    assert check(op("c", "getChildren", "/", {"children": ["zookeeper"]}), model=model).ok
    with pytest.raises(ValueError, match="its parent is not an initial znode"):
        ZnodeModel(initial=["/a/b"])


@pytest.mark.parametrize(
    ("inp", "result", "message"),
    [
        ({"f": "getData", "path": "a"}, {}, "a path starts with /"),
        ({"f": "getData", "path": "/a/"}, {}, "does not end with /"),
        ({"f": "getData", "path": "/a//b"}, {}, "no empty component"),
        ({"f": "getData", "path": "/a/../b"}, {}, r"no \. or \.\. component"),
        ({"f": "create", "path": "/"}, {}, "the root always exists"),
        ({"f": "sync", "path": "/a"}, {}, "no operation"),
        ({"f": "create", "path": "/a", "sequential": 1}, {}, "true or false"),
        ({"f": "delete", "path": "/a", "version": -2}, {}, "integer >= -1"),
        ({"f": "create", "path": "/a", "data": 5}, {}, "string or null"),
        ({"f": "getData", "path": "/a"}, {"err": -4}, r"CONNECTIONLOSS\) leaves the outcome"),
        ({"f": "getData", "path": "/a"}, {"err": -999}, "unknown ZooKeeper error"),
        ({"f": "getData", "path": "/a"}, {"err": -101, "data": ""}, "only `err`"),
        ({"f": "getData", "path": "/a"}, {"children": []}, "unexpected `children`"),
        ({"f": "exists", "path": "/a"}, {"version": 1}, '"exists": true or false'),
        ({"f": "exists", "path": "/a"}, {"exists": False, "version": 1}, "has no stat"),
        ({"f": "setData", "path": "/a"}, {"version": "1"}, "is an integer"),
    ],
)
def test_malformed_znode_operations(
    inp: dict[str, Any], result: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        ZnodeModel().prepare(Operation("c", inp, result, 0, 1))


def test_descriptions() -> None:
    model = ZnodeModel()
    assert (
        model.describe_operation(
            op("c", "create", "/q/n-", {"path": "/q/n-0000000003"}, data="d", sequential=True)
        )
        == 'create(/q/n-, "d", seq) -> /q/n-0000000003'
    )
    assert (
        model.describe_operation(op("c", "setData", "/a", {"err": -103}, data="d", version=2))
        == 'setData(/a, "d", v=2) -> BADVERSION'
    )
    assert model.describe_operation(op("c", "delete", "/a", None)) == "delete(/a) -> ?"

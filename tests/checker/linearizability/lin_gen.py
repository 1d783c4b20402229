"""Histories that are linearizable by construction, for the tests: clients call operations at
random times, each operation takes effect on a sequential object at a random moment between its
call and its return (its linearization point), and returns the object's answer. A crashed
client never learns the answer: its operation took effect before the crash, takes effect at
some random later moment, or never does.

Also: `check_witness`, an independent check that a claimed linearization is one (real-time
order kept, the model accepts every output in that order)."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from checker.linearizability import UNKNOWN, Model, Operation, ZnodeModel
from checker.linearizability.znode import ERROR_NAMES, NULL_DATA, OK, ZInput, ZOutput

# A sequential object: (state, input) -> (result JSON, new state).
Apply = Callable[[Any, dict[str, Any]], tuple[dict[str, Any], Any]]
Pick = Callable[[random.Random], dict[str, Any]]


@dataclass
class _Call:
    client: str
    input: dict[str, Any]
    call: int
    result: dict[str, Any] | None = None  # set at the linearization point


def generate(
    rng: random.Random,
    apply: Apply,
    initial: Any,
    pick: Pick,
    ops: int,
    clients: int,
    crash: float = 0.0,
    sequential: bool = False,
) -> list[Operation]:
    """`ops` operations by `clients` clients; a client crashes with probability `crash` per
    operation (and is replaced by a fresh one). `sequential`: one operation at a time."""
    state = initial
    now = 0
    idle = [f"c{k}" for k in range(clients)]
    fresh = clients
    active: list[_Call] = []  # called, not yet returned
    ghosts: list[_Call] = []  # crashed before taking effect: may take effect later
    done: list[Operation] = []
    called = 0
    while called < ops or active:
        now += 1
        choices = []
        if called < ops and idle and (not sequential or not active):
            choices.append("call")
        if active:
            choices += ["step", "step"]
        if ghosts:
            choices.append("ghost")
        what = rng.choice(choices)
        if what == "call":
            client = idle.pop(rng.randrange(len(idle)))
            active.append(_Call(client, pick(rng), now))
            called += 1
        elif what == "ghost":
            ghost = ghosts.pop(rng.randrange(len(ghosts)))
            if rng.random() < 0.5:  # takes effect now (else never)
                _, state = apply(state, ghost.input)
        else:
            c = active[rng.randrange(len(active))]
            if c.result is None:  # the linearization point
                c.result, state = apply(state, c.input)
                continue
            active.remove(c)
            if rng.random() < crash:
                gave_up = now if rng.random() < 0.5 else math.inf
                done.append(Operation(c.client, c.input, UNKNOWN, c.call, gave_up))
                idle.append(f"c{fresh}")
                fresh += 1
                continue
            done.append(Operation(c.client, c.input, c.result, c.call, now))
            idle.append(c.client)
        # crash before taking effect
        if active and rng.random() < crash / 4:
            c = active[rng.randrange(len(active))]
            if c.result is None:
                active.remove(c)
                ghosts.append(c)
                done.append(Operation(c.client, c.input, UNKNOWN, c.call, math.inf))
                idle.append(f"c{fresh}")
                fresh += 1
    done.sort(key=lambda op: op.call)
    return done


# --- the key-value store, written independently of KvModel ----------------------------------


def kv_apply(state: dict[Any, Any], inp: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    key = inp["key"]
    f = inp["f"]
    if f == "get":
        return {"value": state.get(key)}, state
    if f == "put":
        return {}, {**state, key: inp["value"]}
    if f == "delete":
        return {}, {k: v for k, v in state.items() if k != key}
    swapped = state.get(key) == inp["expected"]
    return {"ok": swapped}, ({**state, key: inp["value"]} if swapped else state)


def kv_pick(keys: Sequence[Any], writes: float = 0.5) -> Pick:
    """Random kv operations; every written value is new (a counter), so a read of a value
    never written is certainly wrong."""
    counter = iter(range(1, 1 << 62))

    def pick(rng: random.Random) -> dict[str, Any]:
        key = rng.choice(keys)
        r = rng.random()
        if r >= writes:
            return {"f": "get", "key": key}
        r = rng.random()
        if r < 0.6:
            return {"f": "put", "key": key, "value": next(counter)}
        if r < 0.75:
            return {"f": "delete", "key": key}
        expected = rng.choice([None, *range(max(1, next(counter) - 8), next(counter))])
        return {"f": "cas", "key": key, "expected": expected, "value": next(counter)}

    return pick


def kv_history(
    seed: int,
    ops: int,
    keys: int = 1,
    clients: int = 4,
    crash: float = 0.0,
    sequential: bool = False,
) -> list[Operation]:
    rng = random.Random(seed)
    names = [f"k{k}" for k in range(keys)]
    return generate(rng, kv_apply, {}, kv_pick(names), ops, clients, crash, sequential)


# --- the znode tree, run through ZnodeModel ---------------------------------------------------

ZPATHS = ["/a", "/a/b", "/a/c", "/a/b/d", "/q"]


def znode_pick(rng: random.Random) -> dict[str, Any]:
    f = rng.choice(["create", "create", "delete", "setData", "getData", "exists", "getChildren"])
    if f == "create" and rng.random() < 0.3:
        return {"f": "create", "path": "/q/item-", "data": "s", "sequential": True}
    path = rng.choice(ZPATHS)
    inp: dict[str, Any] = {"f": f, "path": path}
    if f in ("create", "setData"):
        inp["data"] = rng.choice(["x", "y", "z"])
    if f in ("delete", "setData") and rng.random() < 0.5:
        inp["version"] = rng.randrange(3)
    if f == "create" and rng.random() < 0.1:
        inp["ephemeral"] = True
    return inp


def zoutput_json(out: ZOutput) -> dict[str, Any]:
    if out.err != OK:
        assert out.err in ERROR_NAMES
        return {"err": out.err}
    result: dict[str, Any] = {}
    if out.path is not None:
        result["path"] = out.path
    if out.data is not None:
        result["data"] = None if out.data is NULL_DATA else out.data
    if out.exists is not None:
        result["exists"] = out.exists
    if out.children is not None:
        result["children"] = list(out.children)
    for name, value in (
        ("version", out.version),
        ("cversion", out.cversion),
        ("numChildren", out.num_children),
    ):
        if value is not None:
            result[name] = value
    return result


def znode_apply(model: ZnodeModel) -> Apply:
    def apply(state: Any, inp: dict[str, Any]) -> tuple[dict[str, Any], Any]:
        zin = ZInput(
            inp["f"],
            inp["path"],
            inp.get("data", ""),
            inp.get("version", -1),
            inp.get("sequential", False),
            inp.get("ephemeral", False),
        )
        out, after = model.apply(state, zin)
        return zoutput_json(out), after

    return apply


def znode_history(seed: int, ops: int, clients: int = 4, crash: float = 0.0) -> list[Operation]:
    model = ZnodeModel()
    rng = random.Random(seed)
    return generate(rng, znode_apply(model), model.init(), znode_pick, ops, clients, crash)


# --- checking a witness -----------------------------------------------------------------------


def check_witness(
    model: Model[Any, Any, Any],
    ops: Sequence[Operation],
    order: Sequence[Operation],
) -> None:
    """`order` (some of `ops`: all that returned) is a linearization of `ops`: it places every
    operation that returned, keeps real-time order, and the model accepts it."""
    placed = set(order)
    assert len(placed) == len(order), "an operation is placed twice"
    assert all(op in placed for op in ops if not op.pending), (
        "an operation that returned is left out"
    )
    for k, a in enumerate(order):
        for b in order[k + 1 :]:
            assert not (not b.pending and b.ret < a.call), (
                f"{b} returned before {a} was called, but is placed after it"
            )
    state = model.init()
    for op in order:
        inp, out = model.prepare(op)
        ok, state = model.step(state, inp, out)
        assert ok, f"the model rejects {op} in the witness"

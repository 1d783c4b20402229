"""A key-value store of registers: put, get, delete and compare-and-set, partitioned by key.

Inputs and results (`null` is an absent key's value; values are any other JSON):

    {"f": "put", "key": K, "value": V}                 result {}
    {"f": "get", "key": K}                             result {"value": V or null}
    {"f": "delete", "key": K}                          result {}
    {"f": "cas", "key": K, "expected": A, "value": V}  result {"ok": true or false}

`cas` sets the key to V when its value is A (`"expected": null`: when the key is absent). Keys
are strings or integers. Results of put and delete may also say `"ok": true`.

Every operation reads or writes one key, and what it returns depends only on that key's
register, so the store is a product of independent registers and the history is linearizable
exactly when every key's sub-history is: `partition` gives one sub-history per key.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

from checker.linearizability.history import UNKNOWN, MaybeUnknown, Operation
from checker.linearizability.model import FrozenMap, Model, freeze, show, thaw

KvState = FrozenMap[Hashable, Hashable]
# (f, key, expected, value): put/get/delete leave the unused fields None.
KvInput = tuple[str, Hashable, Hashable, Hashable]
KvOutput = Hashable  # get: the value (None: absent); cas: bool; put, delete: None

_INPUT_FIELDS = {
    "put": ("key", "value"),
    "get": ("key",),
    "delete": ("key",),
    "cas": ("key", "expected", "value"),
}


class KvModel(Model[KvState, KvInput, KvOutput]):
    """Registers by key, initially all absent."""

    name = "kv"

    def init(self) -> KvState:
        return FrozenMap()

    def step(
        self, state: KvState, input: KvInput, output: KvOutput | MaybeUnknown
    ) -> tuple[bool, KvState]:
        f, key, expected, value = input
        if f == "get":
            return output is UNKNOWN or state.get(key) == output, state
        if f == "put":
            assert value is not None
            return True, state.set(key, value)
        if f == "cas":
            assert value is not None
            swapped = state.get(key) == expected
            if output is not UNKNOWN and output != swapped:
                return False, state
            return True, state.set(key, value) if swapped else state
        return True, state.remove(key)  # delete

    def prepare(self, op: Operation) -> tuple[KvInput, KvOutput | MaybeUnknown]:
        inp = op.input
        if not isinstance(inp, Mapping):
            raise ValueError("a kv operation is an object with `f` and `key`")
        f = inp.get("f")
        if f not in _INPUT_FIELDS:
            raise ValueError(
                f"the kv model has no operation {show(f)}; `f` is one of "
                + ", ".join(repr(k) for k in _INPUT_FIELDS)
            )
        want = _INPUT_FIELDS[f]
        extra = sorted(set(inp) - {"f", *want})
        missing = [k for k in want if k not in inp]
        if extra or missing:
            raise ValueError(
                f"kv `{f}` takes {', '.join(f'`{k}`' for k in want)}"
                + (f"; missing {', '.join(f'`{k}`' for k in missing)}" if missing else "")
                + (f"; unexpected {', '.join(f'`{k}`' for k in extra)}" if extra else "")
            )
        key = inp["key"]
        if not isinstance(key, str | int) or isinstance(key, bool):
            raise ValueError(f"a kv key is a string or an integer, not {show(key)}")
        if "value" in want and inp["value"] is None:
            raise ValueError(f"kv `{f}` cannot write null (null is an absent key's value)")
        prepared: KvInput = (
            f,
            key,
            freeze(inp.get("expected")),
            freeze(inp["value"]) if "value" in want else None,
        )
        if op.pending:
            return prepared, UNKNOWN
        return prepared, self._output(f, op.output)

    def _output(self, f: str, result: Any) -> KvOutput:
        if not isinstance(result, Mapping):
            raise ValueError("a kv result is an object")
        if f == "get":
            if set(result) != {"value"}:
                raise ValueError('the result of kv `get` is {"value": V} (null: absent)')
            return freeze(result["value"])
        if f == "cas":
            if set(result) != {"ok"} or not isinstance(result["ok"], bool):
                raise ValueError('the result of kv `cas` is {"ok": true} or {"ok": false}')
            return bool(result["ok"])
        if set(result) - {"ok"} or result.get("ok", True) is not True:
            raise ValueError(f'the result of kv `{f}` is {{}} (or {{"ok": true}})')
        return None

    def partition(self, history: Sequence[Operation]) -> dict[str, list[Operation]]:
        parts: dict[str, list[Operation]] = {}
        for op in history:
            key = op.input.get("key") if isinstance(op.input, Mapping) else None
            parts.setdefault(f"key {show(key)}", []).append(op)
        return parts

    def read_only(self, input: KvInput) -> bool:
        return input[0] == "get"

    def expected(self, state: KvState, input: KvInput) -> str | None:
        f, key, expected, _ = input
        if f == "get":
            return _value(state.get(key))
        if f == "cas":
            return "ok" if state.get(key) == expected else "fail"
        return "ok"

    def describe_operation(self, op: Operation) -> str:
        inp = op.input
        f = inp.get("f")
        key = show(inp.get("key"))
        if f == "put":
            call = f"put({key}, {show(inp.get('value'))})"
        elif f == "cas":
            call = f"cas({key}, {show(inp.get('expected'))}, {show(inp.get('value'))})"
        else:
            call = f"{f}({key})"
        if op.pending:
            return f"{call} -> ?"
        out = op.output
        if f == "get":
            return f"{call} -> {_value(freeze(out.get('value')))}"
        if f == "cas":
            return f"{call} -> {'ok' if out.get('ok') else 'fail'}"
        return call

    def describe_state(self, state: KvState) -> str:
        items = sorted(((show(k), _value(v)) for k, v in state.items()), key=lambda kv: kv[0])
        return "{" + ", ".join(f"{k}: {v}" for k, v in items) + "}"


def _value(value: Hashable) -> str:
    return "nil" if value is None else show(thaw(value))

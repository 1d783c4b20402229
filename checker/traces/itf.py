"""Traces in the Informal Trace Format (ITF) of Apalache and Quint.

https://apalache-mc.org/docs/adr/015adr-trace.html. Each state is a JSON object of its variables;
a relation is a `#set` of `#tup`s (or of plain values when it has one column), a function is a
`#map` from its argument (tuple) to its value, an individual is its value. Sort elements appear
as their labels: `"a1"`, `"v2"`, `"None"`, `0`, `-1`; an element of a quorum or `Subsets` sort
is the `#set` of its members. A sequence
(`Sequence(...)`, stored as a length and slots) is one variable: the list of its elements, or,
with arguments, a `#map` from their tuple to the list. Each state's `#meta` records the action
that led to it and its parameters (`"action": "init"` for the first state).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from checker import ir
from checker.errors import UsageError
from checker.explicit.layout import Layout, SymbolLayout
from checker.instance import Instance, Label
from checker.traces.step import TraceStep
from checker.traces.text import SequenceContents, sequence_contents

ITF_DESCRIPTION = "https://apalache-mc.org/docs/adr/015adr-trace.html"

Json = Any


def _value(label: Label) -> Json:
    if isinstance(label, int) and abs(label) >= 2**53:
        return {"#bigint": str(label)}
    if isinstance(label, str) and label.startswith("{") and label.endswith("}"):
        # an element of a quorum or `Subsets` sort: the set of its members, in their order
        members = [m for m in label[1:-1].split(",") if m]
        return {"#set": [_value(_number(m)) for m in members]}
    return label


def _number(label: str) -> Label:
    """A member's label as written in a set's label: an integer sort's value is a number."""
    try:
        return int(label)
    except ValueError:
        return label


def _tuple(values: Sequence[Label]) -> Json:
    return _value(values[0]) if len(values) == 1 else {"#tup": [_value(v) for v in values]}


def state_to_itf(inst: Instance, layout: Layout, state: int) -> dict[str, Json]:
    out: dict[str, Json] = {}
    structured = layout.unpack(state)
    seqs = sequence_contents(inst, layout, structured)
    for lay, value in zip(layout.symbols, structured, strict=True):
        decl = lay.decl
        sorts = [t.sort for t in decl.args]
        if decl.sequence is not None:
            if decl.name == decl.sequence.length:
                out[decl.sequence.name] = _sequence_to_itf(inst, seqs[decl.sequence.name])
            continue
        if lay.is_relation:
            assert isinstance(value, frozenset)
            tuples = sorted(value)
            out[decl.name] = {
                "#set": [
                    _tuple([inst.label(s, c) for s, c in zip(sorts, t, strict=True)])
                    for t in tuples
                ]
            }
            continue
        assert decl.result is not None and isinstance(value, tuple)
        if decl.individual:
            out[decl.name] = _value(inst.label(decl.result.sort, value[0]))
            continue
        entries = []
        for i, code in enumerate(value):
            args = lay.tuple_at(i)
            key = _tuple([inst.label(s, c) for s, c in zip(sorts, args, strict=True)])
            entries.append([key, _value(inst.label(decl.result.sort, code))])
        out[decl.name] = {"#map": entries}
    return out


def _sequence_to_itf(inst: Instance, contents: SequenceContents) -> Json:
    """A list of element values; with arguments, a `#map` from their tuple to the list."""
    result = contents.slots.decl.result
    assert result is not None
    elem_sort = result.sort

    def items(elems: Sequence[int]) -> list[Json]:
        return [_value(inst.label(elem_sort, c)) for c in elems]

    length = contents.length.decl
    if not length.args:
        return items(contents.values[()])
    sorts = [t.sort for t in length.args]
    return {
        "#map": [
            [_tuple([inst.label(s, c) for s, c in zip(sorts, args, strict=True)]), items(elems)]
            for args, elems in contents.values.items()
        ]
    }


def itf_vars(spec: ir.SpecIR) -> list[str]:
    """The state variables as ITF names them: a sequence is one variable, not its two parts."""
    out: list[str] = []
    for d in spec.symbols:
        name = d.sequence.name if d.sequence is not None else d.name
        if name not in out:
            out.append(name)
    return out


def step_meta(inst: Instance, index: int, step: TraceStep) -> dict[str, Json]:
    meta: dict[str, Json] = {
        "index": index,
        "action": step.action if step.action is not None else "init",
        "params": {name: _value(inst.label(sort, code)) for name, code, sort in step.params},
    }
    return meta


def trace_to_itf(
    inst: Instance,
    layout: Layout,
    trace: Sequence[TraceStep],
    meta: Mapping[str, Json] | None = None,
) -> dict[str, Json]:
    return {
        "#meta": {
            "format": "ITF",
            "format-description": ITF_DESCRIPTION,
            "source": inst.spec.file,
            "spec": inst.spec.name,
            "params": dict(inst.params),
            **(meta or {}),
        },
        "vars": itf_vars(inst.spec),
        "states": [
            {"#meta": step_meta(inst, i, step), **state_to_itf(inst, layout, step.state)}
            for i, step in enumerate(trace)
        ],
    }


# ---------------------------------------------------------------------------------------------
# Reading ITF back (for replay and the tests).


def _label(v: Json) -> Label:
    if isinstance(v, dict) and "#bigint" in v:
        return int(v["#bigint"])
    if isinstance(v, dict) and "#set" in v and isinstance(v["#set"], list):
        return "{" + ",".join(str(_label(m)) for m in v["#set"]) + "}"  # a subset's label
    if isinstance(v, bool) or not isinstance(v, int | str):
        raise UsageError(f"unexpected ITF value {v!r}")
    return v


def _untuple(v: Json, arity: int) -> list[Label]:
    if arity == 1:
        return [_label(v)]
    if not isinstance(v, dict) or "#tup" not in v or len(v["#tup"]) != arity:
        raise UsageError(f"expected an ITF tuple of {arity} values, got {v!r}")
    return [_label(x) for x in v["#tup"]]


def state_from_itf(inst: Instance, layout: Layout, obj: Mapping[str, Json]) -> int:
    structured: list[Any] = []
    for lay in layout.symbols:
        decl = lay.decl
        if decl.sequence is not None:
            structured.append(_sequence_part_from_itf(inst, layout, lay, obj))
            continue
        if decl.name not in obj:
            raise UsageError(f"the ITF state has no variable `{decl.name}`")
        value = obj[decl.name]
        sorts = [t.sort for t in decl.args]
        if lay.is_relation:
            tuples = set()
            for item in value["#set"]:
                labels = _untuple(item, len(sorts))
                tuples.add(
                    tuple(inst.code_of_label(s, x) for s, x in zip(sorts, labels, strict=True))
                )
            structured.append(frozenset(tuples))
            continue
        assert decl.result is not None
        if decl.individual:
            structured.append((inst.code_of_label(decl.result.sort, _label(value)),))
            continue
        codes = [0] * lay.count
        for key, val in value["#map"]:
            labels = _untuple(key, len(sorts))
            args = tuple(inst.code_of_label(s, x) for s, x in zip(sorts, labels, strict=True))
            codes[lay.index(args)] = inst.code_of_label(decl.result.sort, _label(val))
        structured.append(tuple(codes))
    return layout.pack(tuple(structured))


def _sequence_part_from_itf(
    inst: Instance, layout: Layout, lay: SymbolLayout, obj: Mapping[str, Json]
) -> tuple[int, ...]:
    """The codes of one of the two functions that store a sequence (its length or its slots),
    from the sequence's ITF list(s); slots past the length hold the empty value."""
    decl = lay.decl
    seq = decl.sequence
    assert seq is not None
    if seq.name not in obj:
        raise UsageError(f"the ITF state has no variable `{seq.name}`")
    value = obj[seq.name]
    length, slots = layout.by_name[seq.length], layout.by_name[seq.slots]
    assert length.decl.result is not None and slots.decl.result is not None
    sorts = [t.sort for t in length.decl.args]
    lists: dict[tuple[int, ...], Any] = {}
    if not sorts:
        lists[()] = value
    else:
        if not isinstance(value, dict) or "#map" not in value:
            raise UsageError(f"expected an ITF #map for the sequences `{seq.name}`, got {value!r}")
        for key, items in value["#map"]:
            labels = _untuple(key, len(sorts))
            lists[tuple(inst.code_of_label(s, x) for s, x in zip(sorts, labels, strict=True))] = (
                items
            )
    capacity = slots.arg_sizes[-1]
    index_lo = slots.arg_lo[-1]
    codes = [slots.result_lo] * lay.count if decl.name == seq.slots else [0] * lay.count
    for args, items in lists.items():
        if not isinstance(items, list):
            raise UsageError(f"expected an ITF list for `{seq.name}`, got {items!r}")
        if len(items) > capacity:
            raise UsageError(
                f"`{seq.name}` holds {len(items)} elements, past its capacity {capacity}"
            )
        if decl.name == seq.length:
            codes[lay.index(args)] = inst.code_of_label(length.decl.result.sort, len(items))
            continue
        for k, item in enumerate(items):
            elem = inst.code_of_label(slots.decl.result.sort, _label(item))
            codes[lay.index((*args, index_lo + k))] = elem
    return tuple(codes)


def trace_from_itf(inst: Instance, layout: Layout, doc: Mapping[str, Json]) -> list[TraceStep]:
    """The steps of an ITF trace written by `trace_to_itf` (actions and parameters from #meta)."""
    steps = []
    for i, obj in enumerate(doc["states"]):
        meta = obj.get("#meta", {})
        action = meta.get("action", "init")
        params: list[tuple[str, int, str]] = []
        if action != "init":
            # The first state may come from an @init method, and is named after it.
            known = (*inst.spec.inits, *inst.spec.actions) if i == 0 else inst.spec.actions
            act = next((a for a in known if a.name == action), None)
            if act is None:
                raise UsageError(
                    f"the trace names action `{action}`, which {inst.spec.name} does not have"
                )
            for v in act.params:
                label = _label(meta["params"][v.name])
                params.append((v.name, inst.code_of_label(v.type.sort, label), v.type.sort))
        steps.append(
            TraceStep(
                None if action == "init" else action,
                tuple(params),
                state_from_itf(inst, layout, obj),
            )
        )
    return steps

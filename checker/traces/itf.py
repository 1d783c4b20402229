"""Traces in the Informal Trace Format (ITF) of Apalache and Quint.

https://apalache-mc.org/docs/adr/015adr-trace.html. Each state is a JSON object of its variables;
a relation is a `#set` of `#tup`s (or of plain values when it has one column), a function is a
`#map` from its argument (tuple) to its value, an individual is its value. Sort elements appear
as their labels: `"a1"`, `"v2"`, `"None"`, `0`, `-1`; an element of a quorum or `Subsets` sort
is the `#set` of its members. A record (`Record(...)`, stored as one column, parameter or
function per field: `ir.RecordColumns`, `ir.RecordOf`) is an ITF record, the JSON object of its
fields, `{"type": "1a", "bal": 0, "val": "None"}`: a relation of records is a `#set` of them
(with other columns, each a `#tup` holding the record), a record-valued function `last` is one
variable, a `#map` from its arguments to records (a record-valued individual: the record), and a
record parameter `m` is one parameter of the step holding the record. A sequence
(`Sequence(...)`, stored as a length and slots) is one variable: the list of its elements (ITF
records for a sequence of records), or, with arguments, a `#map` from their tuple to the list. Each state's `#meta` records the action
that led to it and its parameters (`"action": "init"` for the first state). A liveness lasso
has ITF's top-level `"loop"`, the index of the state its last state goes back to (also in
`#meta.loop`), and `#meta.closing`, the title of the step that goes back (`promise(a=n2, p=n1)`);
without one, the last state repeats for ever (`loop` is its index). `trace_from_itf`,
`lasso_from_itf` and `state_from_itf` read all of this back.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from checker import ir
from checker.errors import UsageError
from checker.explicit.contract import TraceStep
from checker.explicit.layout import Layout, SymbolLayout
from checker.instance import Instance, Label
from checker.traces.text import (
    Element,
    SequenceContents,
    sequence_contents,
    sequence_param,
    step_title,
)

ITF_DESCRIPTION = "https://apalache-mc.org/docs/adr/015adr-trace.html"

Json = Any
Item = tuple[int, tuple[str, ...] | None]  # an item of a tuple: (first column, record fields)


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


def _items(arity: int, records: Sequence[ir.RecordColumns]) -> list[Item]:
    """The items of a tuple of `arity` flat columns as ITF shows it: `(column, None)` for a
    plain column, `(its first column, its fields)` for the columns of a record."""
    by_start = {r.start: r for r in records}
    out: list[Item] = []
    i = 0
    while i < arity:
        r = by_start.get(i)
        out.append((i, None if r is None else r.fields))
        i += 1 if r is None else len(r.fields)
    return out


def _record(fields: Sequence[str], labels: Sequence[Label]) -> Json:
    """An ITF record: the JSON object of its fields' values."""
    return {f: _value(x) for f, x in zip(fields, labels, strict=True)}


def _tuple(values: Sequence[Label], records: Sequence[ir.RecordColumns] = ()) -> Json:
    """Flat columns as one ITF value: the columns of a record as the record; several items as
    a `#tup`, one as itself."""
    items = [
        _value(values[i]) if fields is None else _record(fields, values[i : i + len(fields)])
        for i, fields in _items(len(values), records)
    ]
    return items[0] if len(items) == 1 else {"#tup": items}


def _key(inst: Instance, decl: ir.SymbolDecl, codes: Sequence[int]) -> Json:
    """Arguments of `decl` as an ITF value: a `#map`'s key, a relation's element."""
    labels = [inst.label(t.sort, c) for t, c in zip(decl.args, codes, strict=True)]
    return _tuple(labels, decl.record_args)


def state_to_itf(inst: Instance, layout: Layout, state: int) -> dict[str, Json]:
    out: dict[str, Json] = {}
    structured = layout.unpack(state)
    seqs = sequence_contents(inst, layout, structured)
    by_name = {lay.decl.name: value for lay, value in zip(layout.symbols, structured, strict=True)}
    for lay, value in zip(layout.symbols, structured, strict=True):
        decl = lay.decl
        if decl.sequence is not None:
            if decl.name == decl.sequence.length:
                out[decl.sequence.name] = _sequence_to_itf(inst, seqs[decl.sequence.name])
            continue
        if decl.record is not None:
            if decl.name == decl.record.symbols[0]:
                out[decl.record.name] = _record_valued_to_itf(inst, layout, decl.record, by_name)
            continue
        if lay.is_relation:
            assert isinstance(value, frozenset)
            out[decl.name] = {"#set": [_key(inst, decl, t) for t in sorted(value)]}
            continue
        assert decl.result is not None and isinstance(value, tuple)
        if decl.individual:
            out[decl.name] = _value(inst.label(decl.result.sort, value[0]))
            continue
        entries = []
        for i, code in enumerate(value):
            key = _key(inst, decl, lay.tuple_at(i))
            entries.append([key, _value(inst.label(decl.result.sort, code))])
        out[decl.name] = {"#map": entries}
    return out


def _record_valued_to_itf(
    inst: Instance, layout: Layout, record: ir.RecordOf, values: Mapping[str, Any]
) -> Json:
    """A record-valued function (stored one function per field) as one ITF variable: a `#map`
    from its arguments to records; for an individual, the record."""
    lays = [layout.by_name[s] for s in record.symbols]

    def at(i: int) -> Json:
        labels = []
        for lay in lays:
            assert lay.decl.result is not None
            labels.append(inst.label(lay.decl.result.sort, values[lay.decl.name][i]))
        return _record(record.fields, labels)

    first = lays[0]
    if first.decl.individual:
        return at(0)
    return {
        "#map": [[_key(inst, first.decl, first.tuple_at(i)), at(i)] for i in range(first.count)]
    }


def _sequence_to_itf(inst: Instance, contents: SequenceContents) -> Json:
    """A list of element values (ITF records for a sequence of records); with arguments, a
    `#map` from their tuple to the list."""
    sorts = []
    for lay in contents.slots:
        assert lay.decl.result is not None
        sorts.append(lay.decl.result.sort)

    def item(elem: Element) -> Json:
        labels = [inst.label(sort, c) for sort, c in zip(sorts, elem, strict=True)]
        return _record(contents.fields, labels) if contents.fields else _value(labels[0])

    def items(elems: Sequence[Element]) -> list[Json]:
        return [item(e) for e in elems]

    length = contents.length.decl
    if not length.args:
        return items(contents.values[()])
    return {
        "#map": [
            [_key(inst, length, args), items(elems)] for args, elems in contents.values.items()
        ]
    }


def itf_vars(spec: ir.SpecIR) -> list[str]:
    """The state variables as ITF names them: a sequence is one variable, not its two parts; a
    record-valued function one variable, not one per field."""
    out: list[str] = []
    for d in spec.symbols:
        name = d.name
        if d.sequence is not None:
            name = d.sequence.name
        elif d.record is not None:
            name = d.record.name
        if name not in out:
            out.append(name)
    return out


def _action(spec: ir.SpecIR, name: str, first: bool) -> ir.Action | None:
    """The action a step names (the first state may come from an @init, named after it)."""
    known = (*spec.inits, *spec.actions) if first else spec.actions
    return next((a for a in known if a.name == name), None)


def _params_to_itf(inst: Instance, index: int, step: TraceStep) -> dict[str, Json]:
    """A step's parameters by name; a record parameter `m` (one parameter per field in the IR,
    `m_type`, ...) is one parameter holding the record, a sequence parameter `s` (its length
    and slots, `s_len`, `s_0`, ...) one holding the list of its elements."""
    flat = {name: _value(inst.label(sort, code)) for name, code, sort in step.params}
    act = None if step.action is None else _action(inst.spec, step.action, index == 0)
    if act is None or not (act.record_params or act.sequence_params):
        return flat
    owner: dict[str, tuple[str, Json]] = {}  # a flat parameter -> the one it is part of
    for rc in act.record_params:
        names = [v.name for v in act.params[rc.start : rc.start + len(rc.fields)]]
        if all(n in flat for n in names):
            record = {f: flat[n] for f, n in zip(rc.fields, names, strict=True)}
            owner.update((n, (rc.name, record)) for n in names)
    if len(step.params) == len(act.params):
        for sc in act.sequence_params:
            elems = [
                {f: _value(x) for f, x in e.items()} if isinstance(e, dict) else _value(e[0])
                for e in sequence_param(inst, sc, step.params)
            ]
            owner.update((v.name, (sc.name, elems)) for v in act.params[sc.start : sc.stop])
    out: dict[str, Json] = {}
    for name, value in flat.items():
        if name not in owner:
            out[name] = value
        else:
            out.setdefault(*owner[name])
    return out


def step_meta(inst: Instance, index: int, step: TraceStep) -> dict[str, Json]:
    meta: dict[str, Json] = {
        "index": index,
        "action": step.action if step.action is not None else "init",
        "params": _params_to_itf(inst, index, step),
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


def _record_labels(v: Json, fields: Sequence[str]) -> list[Label]:
    """The labels of an ITF record's fields, in the record's order."""
    if not isinstance(v, dict) or set(v) != set(fields):
        raise UsageError(f"expected an ITF record with the fields {', '.join(fields)}, got {v!r}")
    return [_label(v[f]) for f in fields]


def _untuple(v: Json, arity: int, records: Sequence[ir.RecordColumns] = ()) -> list[Label]:
    """The labels of `arity` flat columns from their ITF value (a record's from the record)."""
    items = _items(arity, records)
    if len(items) == 1:
        parts = [v]
    elif not isinstance(v, dict) or "#tup" not in v or len(v["#tup"]) != len(items):
        raise UsageError(f"expected an ITF tuple of {len(items)} values, got {v!r}")
    else:
        parts = v["#tup"]
    labels: list[Label] = []
    for (_, fields), part in zip(items, parts, strict=True):
        labels.extend([_label(part)] if fields is None else _record_labels(part, fields))
    return labels


def _codes(inst: Instance, decl: ir.SymbolDecl, key: Json) -> tuple[int, ...]:
    """The codes of arguments of `decl` from their ITF value."""
    labels = _untuple(key, len(decl.args), decl.record_args)
    return tuple(inst.code_of_label(t.sort, x) for t, x in zip(decl.args, labels, strict=True))


def state_from_itf(inst: Instance, layout: Layout, obj: Mapping[str, Json]) -> int:
    structured: list[Any] = []
    for lay in layout.symbols:
        decl = lay.decl
        if decl.sequence is not None:
            structured.append(_sequence_part_from_itf(inst, layout, lay, obj))
            continue
        if decl.record is not None:
            structured.append(_record_field_from_itf(inst, lay, obj))
            continue
        if decl.name not in obj:
            raise UsageError(f"the ITF state has no variable `{decl.name}`")
        value = obj[decl.name]
        if lay.is_relation:
            structured.append(frozenset(_codes(inst, decl, item) for item in value["#set"]))
            continue
        assert decl.result is not None
        if decl.individual:
            structured.append((inst.code_of_label(decl.result.sort, _label(value)),))
            continue
        codes = [0] * lay.count
        for key, val in value["#map"]:
            code = inst.code_of_label(decl.result.sort, _label(val))
            codes[lay.index(_codes(inst, decl, key))] = code
        structured.append(tuple(codes))
    return layout.pack(tuple(structured))


def _record_field_from_itf(
    inst: Instance, lay: SymbolLayout, obj: Mapping[str, Json]
) -> tuple[int, ...]:
    """The codes of one of the per-field functions that store a record-valued symbol, from the
    symbol's ITF records."""
    decl = lay.decl
    record, result = decl.record, decl.result
    assert record is not None and result is not None
    if record.name not in obj:
        raise UsageError(f"the ITF state has no variable `{record.name}`")
    value = obj[record.name]
    k = record.symbols.index(decl.name)

    def code(v: Json) -> int:
        return inst.code_of_label(result.sort, _record_labels(v, record.fields)[k])

    if decl.individual:
        return (code(value),)
    if not isinstance(value, dict) or "#map" not in value:
        raise UsageError(f"expected an ITF #map for `{record.name}`, got {value!r}")
    codes = [0] * lay.count
    for key, val in value["#map"]:
        codes[lay.index(_codes(inst, decl, key))] = code(val)
    return tuple(codes)


def _sequence_part_from_itf(
    inst: Instance, layout: Layout, lay: SymbolLayout, obj: Mapping[str, Json]
) -> tuple[int, ...]:
    """The codes of one of the functions that store a sequence (its length or its slots, one
    field's for a sequence of records), from the sequence's ITF list(s); slots past the length
    hold the empty value."""
    decl = lay.decl
    seq = decl.sequence
    assert seq is not None
    if seq.name not in obj:
        raise UsageError(f"the ITF state has no variable `{seq.name}`")
    value = obj[seq.name]
    length, slots = layout.by_name[seq.length], layout.by_name[seq.slots[0]]
    assert length.decl.result is not None and slots.decl.result is not None
    lists: dict[tuple[int, ...], Any] = {}
    if not length.decl.args:
        lists[()] = value
    else:
        if not isinstance(value, dict) or "#map" not in value:
            raise UsageError(f"expected an ITF #map for the sequences `{seq.name}`, got {value!r}")
        for key, items in value["#map"]:
            lists[_codes(inst, length.decl, key)] = items
    capacity = slots.arg_sizes[-1]
    index_lo = slots.arg_lo[-1]
    codes = [lay.result_lo] * lay.count if decl.name in seq.slots else [0] * lay.count
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
        result = decl.result
        assert result is not None
        field = seq.slots.index(decl.name)
        for k, item in enumerate(items):
            label = _record_labels(item, seq.fields)[field] if seq.fields else _label(item)
            codes[lay.index((*args, index_lo + k))] = inst.code_of_label(result.sort, label)
    return tuple(codes)


def _param_labels(
    inst: Instance, act: ir.Action, given: Mapping[str, Json], index: int
) -> list[Label]:
    """The labels of an action's parameters from a step's `#meta` params (a record parameter
    `m` gives its fields' parameters `m_type`, ... as a record; a sequence parameter `s` its
    length and slots as a list, the slots past its length empty)."""
    records = {rc.start: rc for rc in act.record_params}
    seqs = {sc.start: sc for sc in act.sequence_params}
    out: list[Label] = []
    i = 0
    while i < len(act.params):
        rc, sc = records.get(i), seqs.get(i)
        group: ir.SequenceColumns | ir.RecordColumns | None = sc if sc is not None else rc
        name = act.params[i].name if group is None else group.name
        if name not in given:
            raise UsageError(
                f"state {index} of the trace gives no parameter `{name}` of action `{act.name}`"
            )
        if sc is not None:
            out.extend(_sequence_labels(inst, act, sc, given[name]))
            i = sc.stop
        elif rc is not None:
            out.extend(_record_labels(given[name], rc.fields))
            i += len(rc.fields)
        else:
            out.append(_label(given[name]))
            i += 1
    return out


def _sequence_labels(
    inst: Instance, act: ir.Action, sc: ir.SequenceColumns, items: Json
) -> list[Label]:
    """The labels of a sequence parameter's length and slots from its ITF list."""
    if not isinstance(items, list) or len(items) > sc.capacity:
        raise UsageError(
            f"parameter `{sc.name}` of action `{act.name}` must be an ITF list of at most "
            f"{sc.capacity} elements, not {items!r}"
        )
    out: list[Label] = [len(items)]
    for k in range(sc.capacity):
        if k < len(items):
            item = items[k]
            out.extend(_record_labels(item, sc.fields) if sc.fields else [_label(item)])
            continue
        first = sc.start + 1 + k * sc.width
        for v in act.params[first : first + sc.width]:  # past the length: the empty slot
            out.append(inst.label(v.type.sort, inst.lo(v.type)))
    return out


def trace_from_itf(inst: Instance, layout: Layout, doc: Mapping[str, Json]) -> list[TraceStep]:
    """The steps of an ITF trace written by `trace_to_itf` (actions and parameters from #meta)."""
    steps = []
    for i, obj in enumerate(doc["states"]):
        meta = obj.get("#meta", {})
        action = meta.get("action", "init")
        params: list[tuple[str, int, str]] = []
        if action != "init":
            act = _action(inst.spec, action, i == 0)
            if act is None:
                raise UsageError(
                    f"the trace names action `{action}`, which {inst.spec.name} does not have"
                )
            labels = _param_labels(inst, act, meta.get("params", {}), i)
            for v, label in zip(act.params, labels, strict=True):
                params.append((v.name, inst.code_of_label(v.type.sort, label), v.type.sort))
        steps.append(
            TraceStep(
                None if action == "init" else action,
                tuple(params),
                state_from_itf(inst, layout, obj),
            )
        )
    return steps


def lasso_from_itf(
    inst: Instance, doc: Mapping[str, Json], steps: Sequence[TraceStep]
) -> tuple[int | None, TraceStep | None]:
    """Where the ITF trace `doc` (read as `steps`) goes on for ever, as `trace_to_itf` writes
    a liveness lasso: `(loop, closing)`, its last state going back to `steps[loop]` by the step
    `closing` (`#meta.closing`, its title) or, with no closing step, the last state repeating for
    ever (stuttering). `(None, None)` for a trace without a `loop`."""
    meta = doc.get("#meta", {})
    top, inner = doc.get("loop"), meta.get("loop")
    if top is not None and inner is not None and top != inner:
        raise UsageError(
            f"the trace's `loop` ({top!r}) and its `#meta.loop` ({inner!r}) disagree: both name "
            "the state its last state goes back to"
        )
    loop = top if top is not None else inner
    title = meta.get("closing")
    if loop is None:
        if title is not None:
            raise UsageError(
                f"the trace names a closing step ({title!r} in #meta.closing) but no `loop`: "
                "the state that step goes back to"
            )
        return None, None
    if not isinstance(loop, int) or isinstance(loop, bool) or not 0 <= loop < len(steps):
        raise UsageError(
            f"the trace's loop is {loop!r}, which is not the index of one of its {len(steps)} "
            f"states (0 to {len(steps) - 1}): `loop` names the state its last state goes back to"
        )
    if title is None:
        if loop != len(steps) - 1:
            raise UsageError(
                f"the trace goes back from its last state to state {loop + 1} (its loop is "
                f"{loop}) but does not name the step that does (#meta.closing): without one, "
                f"only its last state may repeat for ever (loop {len(steps) - 1})"
            )
        return loop, None
    return loop, _closing_from_title(inst, title, steps[loop].state)


def _closing_from_title(inst: Instance, title: Json, state: int) -> TraceStep:
    """The step that `#meta.closing` names, as `step_title` wrote it (`promise(a=n2, p=n1)`,
    a sequence parameter `s=<<v1, v2>>`), going to `state`."""
    act = None
    if isinstance(title, str):
        name, paren, rest = title.partition("(")
        act = _action(inst.spec, name, False) if paren and rest.endswith(")") else None
    if act is None:
        raise UsageError(
            f"the trace's closing step (#meta.closing) is {title!r}, which is not an action of "
            f"{inst.spec.name} with its parameters, as `action(p=value, ...)`"
        )
    assert isinstance(title, str)
    seqs = {sc.start: sc for sc in act.sequence_params}
    groups: list[tuple[str, ir.SequenceColumns | None]] = []
    i = 0
    while i < len(act.params):
        sc = seqs.get(i)
        groups.append((act.params[i].name, None) if sc is None else (sc.name, sc))
        i = i + 1 if sc is None else sc.stop
    shape = f"{act.name}({', '.join(f'{n}=...' for n, _ in groups)})"
    texts = _split_params(title[len(act.name) + 1 : -1], [n for n, _ in groups])
    if texts is None:
        raise UsageError(
            f"the trace's closing step (#meta.closing) is {title!r}, which does not give the "
            f"parameters of `{act.name}` as {shape}"
        )
    codes: list[int] = []
    for (name, sc), text in zip(groups, texts, strict=True):
        if sc is None:
            codes.append(_code_of_text(inst, act.params[len(codes)].type, text, name, title))
        else:
            codes.extend(_sequence_codes(inst, act, sc, text, title))
    step = TraceStep(
        act.name,
        tuple((v.name, c, v.type.sort) for v, c in zip(act.params, codes, strict=True)),
        state,
    )
    if step_title(inst, step) != title:  # a label that reads as two: say so, never guess
        raise UsageError(
            f"the trace's closing step (#meta.closing) {title!r} cannot be read back as "
            f"{shape}: it reads as {step_title(inst, step)!r}"
        )
    return step


def _split_params(body: str, names: Sequence[str]) -> list[str] | None:
    """The values in `p=1, q=a2` of the parameters `names`, in their order; None when `body`
    does not give them so."""
    if not names:
        return [] if body == "" else None
    if not body.startswith(f"{names[0]}="):
        return None
    values, at = [], len(names[0]) + 1
    for name in names[1:]:
        found = body.find(f", {name}=", at)
        if found < 0:
            return None
        values.append(body[at:found])
        at = found + len(name) + 3
    values.append(body[at:])
    return values


def _code_of_text(inst: Instance, t: ir.Type, text: str, name: str, title: str) -> int:
    """The code of type `t` whose label is written `text`."""
    for code in inst.codes(t):
        if str(inst.label(t.sort, code)) == text:
            return code
    raise UsageError(
        f"the trace's closing step (#meta.closing) {title!r} gives `{name}` the value "
        f"`{text}`, which is not an element of sort `{t.sort}`"
    )


def _sequence_codes(
    inst: Instance, act: ir.Action, sc: ir.SequenceColumns, text: str, title: str
) -> list[int]:
    """The codes of a sequence parameter's length and slots from `<<a, b>>` (records as
    `[f |-> x, g |-> y]`), the slots past its length empty."""
    malformed = UsageError(
        f"the trace's closing step (#meta.closing) {title!r} gives the sequence `{sc.name}` as "
        f"`{text}`, not as <<{'[...], ...' if sc.fields else '...'}>>"
    )
    if not (text.startswith("<<") and text.endswith(">>")):
        raise malformed
    inner = text[2:-2]
    items: list[list[tuple[str, str]]] = []  # each element: (its field or "", its value's text)
    if sc.fields:
        records = re.findall(r"\[([^\[\]]*)\]", inner)
        if ", ".join(f"[{r}]" for r in records) != inner:
            raise malformed
        for r in records:
            pairs = [p.partition(" |-> ") for p in r.split(", ")]
            if [f for f, _, _ in pairs] != list(sc.fields) or any(not s for _, s, _ in pairs):
                raise malformed
            items.append([(f, x) for f, _, x in pairs])
    elif inner:
        items = [[("", x)] for x in inner.split(", ")]
    if len(items) > sc.capacity:
        raise UsageError(
            f"the trace's closing step (#meta.closing) {title!r} gives the sequence `{sc.name}` "
            f"{len(items)} elements, past its capacity {sc.capacity}"
        )
    length = act.params[sc.start]
    codes = [_code_of_text(inst, length.type, str(len(items)), sc.name, title)]
    for k in range(sc.capacity):
        first = sc.start + 1 + k * sc.width
        slots = act.params[first : first + sc.width]
        if k >= len(items):
            codes.extend(inst.lo(v.type) for v in slots)
            continue
        for v, (field, x) in zip(slots, items[k], strict=True):
            shown = f"{sc.name}[{k + 1}]" + (f".{field}" if field else "")
            codes.append(_code_of_text(inst, v.type, x, shown, title))
    return codes

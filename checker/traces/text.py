"""Traces as text: the first state in full, then for each step the action with its parameters
and only what changed (`+` a tuple added, `-` a tuple removed, `f[x]: old -> new`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from checker import ir
from checker.explicit.contract import TraceStep
from checker.explicit.layout import Layout, Structured, SymbolLayout
from checker.instance import Instance


@dataclass(frozen=True)
class Line:
    text: str
    style: str = ""  # "header" | "add" | "remove" | "change" | ""


def _fmt_tuple(inst: Instance, lay: SymbolLayout, codes: Sequence[int]) -> str:
    return ", ".join(str(inst.label(t.sort, c)) for t, c in zip(lay.decl.args, codes, strict=True))


def _fmt_value(inst: Instance, lay: SymbolLayout, code: int) -> str:
    assert lay.decl.result is not None
    return str(inst.label(lay.decl.result.sort, code))


Param = tuple[str, int, str]  # a step's parameter: its name, its code and its sort


def action_named(spec: ir.SpecIR, name: str, first: bool = True) -> ir.Action | None:
    """The action a step names (the first state may come from an @init, named after it)."""
    known = (*spec.actions, *spec.inits) if first else spec.actions
    return next((a for a in known if a.name == name), None)


def sequence_param(
    inst: Instance, sc: ir.SequenceColumns, params: Sequence[Param]
) -> list[list[str | int] | dict[str, str | int]]:
    """The elements of a sequence parameter (stored as its length and slots,
    `lang/seqsorts.py`): each one label, or a record's labels by field."""
    _, length_code, length_sort = params[sc.start]
    length = inst.label(length_sort, length_code)
    assert isinstance(length, int)
    out: list[list[str | int] | dict[str, str | int]] = []
    for k in range(length):
        first = sc.start + 1 + k * sc.width
        labels = [inst.label(sort, code) for _, code, sort in params[first : first + sc.width]]
        out.append(dict(zip(sc.fields, labels, strict=True)) if sc.fields else labels)
    return out


def format_params(inst: Instance, action: str | None, params: Sequence[Param]) -> str:
    """`n=n1, s=<<v1, v2>>`: a sequence parameter as one sequence (records as TLC prints
    them), every other one by its label."""
    act = None if action is None else action_named(inst.spec, action)
    groups = {} if act is None else {sc.start: sc for sc in act.sequence_params}
    parts: list[str] = []
    i = 0
    while i < len(params):
        sc = groups.get(i)
        if sc is None or sc.stop > len(params):
            name, code, sort = params[i]
            parts.append(f"{name}={inst.label(sort, code)}")
            i += 1
            continue
        elems = [
            "[" + ", ".join(f"{f} |-> {x}" for f, x in e.items()) + "]"
            if isinstance(e, dict)
            else str(e[0])
            for e in sequence_param(inst, sc, params)
        ]
        parts.append(f"{sc.name}=<<{', '.join(elems)}>>")
        i = sc.stop
    return ", ".join(parts)


def step_title(inst: Instance, step: TraceStep) -> str:
    if step.action is None:
        return "initial state"
    return f"{step.action}({format_params(inst, step.action, step.params)})"


def lasso_shape(length: int, loop: int | None, closing: TraceStep | None) -> str:
    """The shape of a liveness counterexample of `length` states whose last state goes back to
    state `loop` (0-based) by `closing`, or stutters when that is None (`loop` None: no cycle):
    "lasso: 4 step(s), then a cycle of 18 step(s)", as reports say "violated by a ..."."""
    if loop is None:
        return f"behaviour of {length - 1} step(s)"
    if closing is None:
        return f"lasso: {loop} step(s), then stuttering for ever"
    return f"lasso: {loop} step(s), then a cycle of {length - loop} step(s)"


def loop_text(inst: Instance, length: int, loop: int | None, closing: TraceStep | None) -> str:
    """How a liveness counterexample of `length` states goes on for ever from its last state:
    the line printed after its trace."""
    if loop is None:
        return f"the property fails in state {length}"
    if closing is None:
        why = (
            "no action the fairness conditions cover can change the state there"
            if inst.spec.fairness
            else "the spec declares no fairness, so any state may"
        )
        return f"then state {length} repeats for ever (stuttering: {why})"
    step = step_title(inst, closing)
    return f"then {step} goes back to state {loop + 1}: this cycle repeats for ever"


Element = tuple[int, ...]  # a sequence's element: one code per slots function (record field)


@dataclass(frozen=True)
class SequenceContents:
    """One sequence-valued symbol in a state: its stored functions (the length, and the slots:
    one function, or one per field of a record element, named in `fields`) and, for each tuple
    of argument codes (`()` without arguments), its elements in order."""

    name: str
    length: SymbolLayout
    slots: tuple[SymbolLayout, ...]
    fields: tuple[str, ...]  # the record's fields, one per slots function; () for a sort
    values: dict[tuple[int, ...], tuple[Element, ...]]


def sequence_contents(
    inst: Instance, layout: Layout, state: Structured
) -> dict[str, SequenceContents]:
    """The sequence-valued symbols (stored as a length and slots, `lang/sequences.py`) of a
    structured state, by name, in declaration order."""
    found = {lay.decl.name: (lay, value) for lay, value in zip(layout.symbols, state, strict=True)}
    out: dict[str, SequenceContents] = {}
    for lay, value in found.values():
        seq = lay.decl.sequence
        if seq is None or lay.decl.name != seq.length:
            continue
        slots: list[tuple[SymbolLayout, tuple[int, ...]]] = []
        for name in seq.slots:
            slots_lay, codes = found[name]
            assert isinstance(codes, tuple)
            slots.append((slots_lay, codes))
        first = slots[0][0]  # every slots function has the same arguments
        assert isinstance(value, tuple)
        at = {first.tuple_at(i): i for i in range(first.count)}
        length_sort = lay.decl.result.sort if lay.decl.result else ""
        lo = inst.lo(first.decl.args[-1])
        values: dict[tuple[int, ...], tuple[Element, ...]] = {}
        for i, code in enumerate(value):
            args = lay.tuple_at(i)
            size = int(inst.label(length_sort, code))
            positions = [at[(*args, lo + k)] for k in range(size)]
            values[args] = tuple(tuple(v[p] for _, v in slots) for p in positions)
        lays = tuple(s for s, _ in slots)
        out[seq.name] = SequenceContents(seq.name, lay, lays, seq.fields, values)
    return out


def sequence_sorts(spec: ir.SpecIR) -> set[str]:
    """The integer sorts that only store sequences (their lengths and positions): not shown."""
    out: set[str] = set()
    for d in spec.symbols:
        seq = d.sequence
        if seq is None:
            continue
        if d.name == seq.length and d.result is not None:
            out.add(d.result.sort)
        elif d.name in seq.slots and d.args:
            out.add(d.args[-1].sort)
    return out


def format_element(inst: Instance, contents: SequenceContents, elem: Element) -> str:
    """An element's label, or a record as TLC prints one: `[type |-> 1a, bal |-> 0]`."""
    labels = [_fmt_value(inst, lay, c) for lay, c in zip(contents.slots, elem, strict=True)]
    if not contents.fields:
        return labels[0]
    return (
        "[" + ", ".join(f"{f} |-> {x}" for f, x in zip(contents.fields, labels, strict=True)) + "]"
    )


def format_sequence(inst: Instance, contents: SequenceContents, elems: Sequence[Element]) -> str:
    """`<<a, b>>`: the elements' labels (records as `[f |-> v, ...]`)."""
    return "<<" + ", ".join(format_element(inst, contents, e) for e in elems) + ">>"


def format_args(inst: Instance, contents: SequenceContents, args: Sequence[int]) -> str:
    """The labels of a sequence's arguments, `n1, n2` ("" without arguments)."""
    return _fmt_tuple(inst, contents.length, args)


def sequences(inst: Instance, layout: Layout, state: Structured) -> dict[str, dict[str, str]]:
    """The sequence-valued symbols (stored as a length and slots, `lang/sequences.py`): for
    each, its sequences by their arguments' labels ("" without arguments), as `<<a, b>>`."""
    return {
        name: {
            format_args(inst, c, args): format_sequence(inst, c, elems)
            for args, elems in c.values.items()
        }
        for name, c in sequence_contents(inst, layout, state).items()
    }


def _skipped(lay: SymbolLayout) -> bool:
    """The slots of a sequence: shown with its length, as one sequence."""
    seq = lay.decl.sequence
    return seq is not None and lay.decl.name in seq.slots


def _sequence_lines(name: str, shown: dict[str, str]) -> list[Line]:
    if list(shown) == [""]:
        return [Line(f"  {name} = {shown['']}")]
    return [Line(f"  {name} = {{{', '.join(f'{k}: {v}' for k, v in shown.items())}}}")]


def describe_state(inst: Instance, layout: Layout, state: Structured) -> list[Line]:
    lines = []
    seqs = sequences(inst, layout, state)
    for lay, value in zip(layout.symbols, state, strict=True):
        name = lay.decl.name
        if lay.decl.sequence is not None:
            if not _skipped(lay):
                lines.extend(_sequence_lines(lay.decl.sequence.name, seqs[lay.decl.sequence.name]))
            continue
        if lay.is_relation:
            assert isinstance(value, frozenset)
            if not value:
                lines.append(Line(f"  {name} = {{}}"))
            for t in sorted(value):
                lines.append(Line(f"  {name}({_fmt_tuple(inst, lay, t)})"))
        elif lay.decl.individual:
            assert isinstance(value, tuple)
            lines.append(Line(f"  {name} = {_fmt_value(inst, lay, value[0])}"))
        else:
            assert isinstance(value, tuple)
            entries = ", ".join(
                f"{_fmt_tuple(inst, lay, lay.tuple_at(i))}: {_fmt_value(inst, lay, c)}"
                for i, c in enumerate(value)
            )
            lines.append(Line(f"  {name} = {{{entries}}}"))
    return lines


def describe_change(inst: Instance, layout: Layout, old: Structured, new: Structured) -> list[Line]:
    lines = []
    before, after = sequences(inst, layout, old), sequences(inst, layout, new)
    for lay, a, b in zip(layout.symbols, old, new, strict=True):
        name = lay.decl.name
        if lay.decl.sequence is not None:
            if not _skipped(lay):
                seq = lay.decl.sequence.name
                for args, shown in after[seq].items():
                    if before[seq][args] != shown:
                        where = f"{seq}[{args}]" if args else seq
                        lines.append(Line(f"  {where}: {before[seq][args]} -> {shown}", "change"))
            continue
        if lay.is_relation:
            assert isinstance(a, frozenset) and isinstance(b, frozenset)
            for t in sorted(b - a):
                lines.append(Line(f"  + {name}({_fmt_tuple(inst, lay, t)})", "add"))
            for t in sorted(a - b):
                lines.append(Line(f"  - {name}({_fmt_tuple(inst, lay, t)})", "remove"))
            continue
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if x == y:
                continue
            assert isinstance(x, int) and isinstance(y, int)
            where = (
                name if lay.decl.individual else f"{name}[{_fmt_tuple(inst, lay, lay.tuple_at(i))}]"
            )
            lines.append(
                Line(
                    f"  {where}: {_fmt_value(inst, lay, x)} -> {_fmt_value(inst, lay, y)}", "change"
                )
            )
    if not lines:
        lines.append(Line("  (no change: the step stutters)"))
    return lines


def render_trace(inst: Instance, layout: Layout, trace: Sequence[TraceStep]) -> list[Line]:
    lines: list[Line] = []
    previous: Structured | None = None
    for i, step in enumerate(trace):
        state = layout.unpack(step.state)
        lines.append(Line(f"State {i + 1}: {step_title(inst, step)}", "header"))
        if previous is None:
            lines.extend(describe_state(inst, layout, state))
        else:
            lines.extend(describe_change(inst, layout, previous, state))
        previous = state
    return lines

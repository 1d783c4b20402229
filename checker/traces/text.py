"""Traces as text: the first state in full, then for each step the action with its parameters
and only what changed (`+` a tuple added, `-` a tuple removed, `f[x]: old -> new`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from checker.explicit.layout import Layout, Structured, SymbolLayout
from checker.instance import Instance
from checker.traces.step import TraceStep


@dataclass(frozen=True)
class Line:
    text: str
    style: str = ""  # "header" | "add" | "remove" | "change" | ""


def _fmt_tuple(inst: Instance, lay: SymbolLayout, codes: Sequence[int]) -> str:
    return ", ".join(str(inst.label(t.sort, c)) for t, c in zip(lay.decl.args, codes, strict=True))


def _fmt_value(inst: Instance, lay: SymbolLayout, code: int) -> str:
    assert lay.decl.result is not None
    return str(inst.label(lay.decl.result.sort, code))


def step_title(inst: Instance, step: TraceStep) -> str:
    params = ", ".join(f"{name}={inst.label(sort, code)}" for name, code, sort in step.params)
    if step.action is None:
        return "initial state"
    return f"{step.action}({params})"


def sequences(inst: Instance, layout: Layout, state: Structured) -> dict[str, dict[str, str]]:
    """The sequence-valued symbols (stored as a length and slots, `lang/sequences.py`): for
    each, its sequences by their arguments' labels ("" without arguments), as `<<a, b>>`."""
    found = {lay.decl.name: (lay, value) for lay, value in zip(layout.symbols, state, strict=True)}
    out: dict[str, dict[str, str]] = {}
    for lay, value in found.values():
        seq = lay.decl.sequence
        if seq is None or lay.decl.name != seq.length:
            continue
        slots_lay, slots = found[seq.slots]
        assert isinstance(value, tuple) and isinstance(slots, tuple)
        by_codes = {slots_lay.tuple_at(i): c for i, c in enumerate(slots)}
        length_sort = lay.decl.result.sort if lay.decl.result else ""
        shown: dict[str, str] = {}
        for i, code in enumerate(value):
            args = lay.tuple_at(i)
            size = int(inst.label(length_sort, code))
            lo = inst.lo(slots_lay.decl.args[-1])
            elems = [by_codes[(*args, lo + k)] for k in range(size)]
            shown[_fmt_tuple(inst, lay, args)] = (
                "<<" + ", ".join(_fmt_value(inst, slots_lay, c) for c in elems) + ">>"
            )
        out[seq.name] = shown
    return out


def _skipped(lay: SymbolLayout) -> bool:
    """The slots of a sequence: shown with its length, as one sequence."""
    seq = lay.decl.sequence
    return seq is not None and lay.decl.name == seq.slots


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

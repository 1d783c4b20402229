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


def describe_state(inst: Instance, layout: Layout, state: Structured) -> list[Line]:
    lines = []
    for lay, value in zip(layout.symbols, state, strict=True):
        name = lay.decl.name
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
    for lay, a, b in zip(layout.symbols, old, new, strict=True):
        name = lay.decl.name
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

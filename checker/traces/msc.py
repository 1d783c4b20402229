"""Message-sequence charts of traces, for specs whose relations declare their messages.

One lane per node — each element of a sort that sends or receives a message (`acceptor a1`,
`ballot 0` for the leader of ballot 0) — and one row per step. A message tuple added by a step is
an arrow from its sender's lane to its receiver's lane (or to every lane of a broadcast sort) in
that row; a change of a function, a sequence (`net[n1, n2]: <<>> → <<m1>>`) or a plain relation
whose first argument is a node is written on that node's lane. Graphviz lays the chart out;
elements carry ids (`msc-step-N`) so that the HTML explorer can link rows to trace steps.
"""

from __future__ import annotations

from collections.abc import Sequence

from checker import ir
from checker.explicit.contract import TraceStep
from checker.explicit.layout import Layout, Structured
from checker.instance import Instance
from checker.traces.text import format_args, format_sequence, sequence_contents, step_title

Lane = tuple[str, int]  # (sort, code)


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def lane_sorts(spec: ir.SpecIR) -> list[str]:
    """The sorts whose elements are nodes: those that send or receive messages."""
    found: set[str] = set()
    for d in spec.symbols:
        m = d.message
        if m is None:
            continue
        found.add(d.args[m.sender].sort)
        found.add(m.to if isinstance(m.to, str) else d.args[m.to].sort)
    return [s.name for s in spec.sorts if s.name in found]


def has_messages(spec: ir.SpecIR) -> bool:
    return any(d.message is not None for d in spec.symbols)


class _Chart:
    def __init__(self, inst: Instance, layout: Layout, trace: Sequence[TraceStep]) -> None:
        self.inst, self.layout, self.trace = inst, layout, trace
        self.sorts = lane_sorts(inst.spec)
        self.lanes: list[Lane] = [(s, c) for s in self.sorts for c in inst.sorts[s].codes(False)]

    def args(self, decl: ir.SymbolDecl, t: tuple[int, ...]) -> str:
        return ", ".join(str(self.inst.label(a.sort, c)) for a, c in zip(decl.args, t, strict=True))

    def lane_name(self, lane: Lane) -> str:
        return f"{lane[0]} {self.inst.label(*lane)}"

    def node(self, lane: Lane, row: int) -> str:
        return _q(f"{lane[0]}:{lane[1]}@{row}")

    def events(
        self, before: Structured, after: Structured
    ) -> tuple[list[tuple[Lane, list[Lane], str]], dict[Lane, list[str]], list[str]]:
        """Messages sent (sender, receivers, label), notes per lane, and notes for the row."""
        messages: list[tuple[Lane, list[Lane], str]] = []
        notes: dict[Lane, list[str]] = {}
        row_notes: list[str] = []
        seqs_before = sequence_contents(self.inst, self.layout, before)
        seqs_after = sequence_contents(self.inst, self.layout, after)
        for lay, old, new in zip(self.layout.symbols, before, after, strict=True):
            decl = lay.decl
            if decl.sequence is not None:  # one note per changed sequence, on its length
                if decl.name == decl.sequence.length:
                    a, b = seqs_before[decl.sequence.name], seqs_after[decl.sequence.name]
                    for args, elems in b.values.items():
                        if a.values[args] != elems:
                            where = f"[{format_args(self.inst, b, args)}]" if args else ""
                            text = (
                                f"{b.name}{where}: {format_sequence(self.inst, a, a.values[args])}"
                                f" → {format_sequence(self.inst, b, elems)}"
                            )
                            self._note(notes, row_notes, decl, args, text)
                continue
            if lay.is_relation:
                assert isinstance(old, frozenset) and isinstance(new, frozenset)
                m = decl.message
                for t in sorted(new - old):
                    if m is not None:
                        sender = (decl.args[m.sender].sort, t[m.sender])
                        if isinstance(m.to, str):
                            to = [(m.to, c) for c in self.inst.sorts[m.to].codes(False)]
                        else:
                            to = [(decl.args[m.to].sort, t[m.to])]
                        messages.append((sender, to, f"{decl.name}({self.args(decl, t)})"))
                    else:
                        self._note(notes, row_notes, decl, t, f"+{decl.name}({self.args(decl, t)})")
                for t in sorted(old - new):
                    self._note(notes, row_notes, decl, t, f"-{decl.name}({self.args(decl, t)})")
                continue
            assert isinstance(old, tuple) and isinstance(new, tuple) and decl.result is not None
            for i, (x, y) in enumerate(zip(old, new, strict=True)):
                if x != y:
                    t = lay.tuple_at(i)
                    r = decl.result.sort
                    text = f"{decl.name}: {self.inst.label(r, x)} → {self.inst.label(r, y)}"
                    self._note(notes, row_notes, decl, t, text)
        return messages, notes, row_notes

    def _note(
        self,
        notes: dict[Lane, list[str]],
        row_notes: list[str],
        decl: ir.SymbolDecl,
        t: tuple[int, ...],
        text: str,
    ) -> None:
        if (
            decl.args
            and decl.args[0].sort in self.sorts
            and t[0] >= self.inst.lo(ir.Type(decl.args[0].sort))
        ):
            notes.setdefault((decl.args[0].sort, t[0]), []).append(text)
        else:
            row_notes.append(text)

    def dot(self) -> str:
        out = [
            "digraph msc {",
            "  rankdir=TB; nodesep=0.5; ranksep=0.3; newrank=true;",
            '  node [fontname="Helvetica", fontsize=10]; edge [fontname="Helvetica", fontsize=9];',
        ]
        rows = len(self.trace)
        header = ['step_0 [label="step", shape=plaintext, id="msc-step-0"]']
        for lane in self.lanes:
            header.append(
                f"{self.node(lane, 0)} [label={_q(self.lane_name(lane))}, shape=box, style=filled, "
                'fillcolor="#eef2f7"]'
            )
        out.append("  { rank=same; " + "; ".join(header) + " }")
        order = ["step_0", *(self.node(lane, 0) for lane in self.lanes)]
        out.append("  " + " -> ".join(order) + " [style=invis]")  # lanes left to right
        states = [self.layout.unpack(s.state) for s in self.trace]
        edges: list[str] = []
        for row in range(1, rows):
            messages, notes, row_notes = self.events(states[row - 1], states[row])
            title = f"{row + 1}: {step_title(self.inst, self.trace[row])}"
            if row_notes:
                title += "\\n" + "\\n".join(row_notes)
            cells = [f'step_{row} [label={_q(title)}, shape=plaintext, id="msc-step-{row}"]']
            for lane in self.lanes:
                text = notes.get(lane)
                if text:
                    cells.append(
                        f"{self.node(lane, row)} [label={_q(chr(10).join(text))}, shape=note, "
                        f'fontsize=9, id="msc-note-{row}-{lane[0]}-{lane[1]}"]'
                    )
                else:
                    cells.append(f'{self.node(lane, row)} [shape=point, width=0.06, label=""]')
            out.append("  { rank=same; " + "; ".join(cells) + " }")
            for k, (sender, receivers, label) in enumerate(messages):
                for r in receivers:
                    if r == sender:
                        continue
                    edges.append(
                        f"  {self.node(sender, row)} -> {self.node(r, row)} [label={_q(label)}, "
                        f'constraint=false, color="#1f6feb", fontcolor="#1f6feb", '
                        f'id="msc-msg-{row}-{k}-{r[0]}-{r[1]}"]'
                    )
        for row in range(rows - 1):
            out.append(f"  step_{row} -> step_{row + 1} [style=invis, weight=100]")
            for lane in self.lanes:
                out.append(
                    f"  {self.node(lane, row)} -> {self.node(lane, row + 1)} "
                    '[arrowhead=none, style=dashed, color="#8c959f", weight=100]'
                )
        out.extend(edges)
        out.append("}")
        return "\n".join(out) + "\n"


def msc_dot(inst: Instance, layout: Layout, trace: Sequence[TraceStep]) -> str:
    """The message-sequence chart of `trace` as DOT text (see the module docstring)."""
    return _Chart(inst, layout, trace).dot()

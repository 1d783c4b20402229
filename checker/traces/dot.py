"""A state (or one step between two states) as a graphviz graph.

Elements are nodes (grouped by sort; bottom elements are left out); a unary relation becomes a
label on its node; a relation of two or more columns becomes an edge from its first to its
second argument, labelled with the relation and the remaining arguments; a function of one
argument is an edge to its value, an individual a label on its value, a sequence a label
`q(args) = <<a, b>>` on its first argument's node (the sorts of its lengths and positions are
left out). Quorums are nodes with dashed edges to their members. Facts a step added are green,
removed ones red and struck out.
"""

from __future__ import annotations

import os
from collections import defaultdict

from checker import ir
from checker.errors import UsageError
from checker.explicit.layout import Layout, Structured
from checker.instance import Instance
from checker.traces.text import format_sequence, sequence_contents, sequence_sorts

_ADDED, _REMOVED = "#1a7f37", "#cf222e"


def _node(inst: Instance, sort: str, code: int) -> str:
    return f'"{sort}:{inst.label(sort, code)}"'


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


Fact = tuple[str, tuple[int, ...], int | str | None]


def _facts(inst: Instance, layout: Layout, state: Structured) -> set[Fact]:
    """(symbol, arguments, value) for every true tuple, every function point and every
    sequence (its value shown as `<<a, b>>`)."""
    out: set[Fact] = set()
    for c in sequence_contents(inst, layout, state).values():
        out.update((c.name, args, format_sequence(inst, c, e)) for args, e in c.values.items())
    for lay, value in zip(layout.symbols, state, strict=True):
        if lay.decl.sequence is not None:
            continue
        if lay.is_relation:
            assert isinstance(value, frozenset)
            out.update((lay.decl.name, t, None) for t in value)
        else:
            assert isinstance(value, tuple)
            out.update((lay.decl.name, lay.tuple_at(i), c) for i, c in enumerate(value))
    return out


def state_graph(
    inst: Instance, layout: Layout, pre: Structured, post: Structured | None = None, title: str = ""
) -> str:
    """DOT text for `pre`, or for the step `pre -> post` with its changes highlighted."""
    before = _facts(inst, layout, pre)
    after = _facts(inst, layout, post) if post is not None else before
    decls = {d.name: d for d in inst.spec.symbols}
    for d in inst.spec.symbols:  # a sequence's facts carry its name, with its arguments
        if d.sequence is not None and d.name == d.sequence.length:
            decls[d.sequence.name] = d
    hidden = sequence_sorts(inst.spec)
    labels: dict[str, list[str]] = defaultdict(list)
    edges: list[str] = []
    for fact in sorted(before | after, key=str):
        name, args, value = fact
        decl = decls[name]
        color = _ADDED if fact not in before else _REMOVED if fact not in after else ""
        style = f', color="{color}", fontcolor="{color}"' if color else ""
        strike = "~" if color == _REMOVED else ""
        shown = [inst.label(t.sort, c) for t, c in zip(decl.args, args, strict=True)]
        if isinstance(value, str):  # a sequence: a label on its first argument's node
            where = f"({', '.join(map(str, shown))})" if args else ""
            text = strike + f"{name}{where} = {value}"
            labels[_node(inst, decl.args[0].sort, args[0]) if args else "state"].append(text)
            continue
        if value is not None:  # a function point
            assert decl.result is not None
            is_bottom = decl.result.bottom and value == 0
            result_label = inst.label(decl.result.sort, value)
            if len(args) == 1 and not is_bottom:
                src, dst = (
                    _node(inst, decl.args[0].sort, args[0]),
                    _node(inst, decl.result.sort, value),
                )
                edges.append(f'{src} -> {dst} [label="{_quote(name)}"{style}];')
            elif not args:
                anchor = "state" if is_bottom else _node(inst, decl.result.sort, value)
                labels[anchor].append(strike + (f"{name} = {result_label}" if is_bottom else name))
            else:
                point = f"{name}({', '.join(map(str, shown))}) = {result_label}"
                labels[_node(inst, decl.args[0].sort, args[0])].append(strike + point)
            continue
        if len(args) == 1:
            labels[_node(inst, decl.args[0].sort, args[0])].append(strike + name)
            continue
        if not args:
            labels["state"].append(strike + name)
            continue
        first, second = (
            None if t.bottom and c == 0 else _node(inst, t.sort, c)
            for t, c in zip(decl.args[:2], args[:2], strict=True)
        )
        rest = ", ".join(map(str, shown[2:]))
        text = f"{name}({rest})" if rest else name
        if first is None or second is None:  # bottom in one of the first two columns
            end = first or second
            if end is not None:
                labels[end].append(strike + f"{name}({', '.join(map(str, shown))})")
            continue
        edges.append(f'{first} -> {second} [label="{_quote(text)}"{style}];')
    lines = ["digraph state {", "  rankdir=LR;", '  node [shape=box, fontname="Helvetica"];']
    if title:
        lines.append(f'  label="{_quote(title)}"; labelloc=t;')
    for sort, sinst in inst.sorts.items():
        if sort in hidden:
            continue
        lines.append(f'  subgraph "cluster_{sort}" {{ label="{sort}"; style=dotted;')
        for code in sinst.codes(False):
            node = _node(inst, sort, code)
            text = "\\n".join(
                [str(inst.label(sort, code))] + [_quote(x) for x in labels.pop(node, [])]
            )
            shape = ", shape=ellipse" if sinst.decl.kind is ir.SortKind.QUORUM else ""
            lines.append(f'    {node} [label="{text}"{shape}];')
        lines.append("  }")
        if sinst.quorums is not None and sinst.decl.base is not None:
            for code in sinst.codes(False):
                for m in sorted(sinst.quorums[code - sinst.offset]):
                    lines.append(
                        f"  {_node(inst, sort, code)} -> {_node(inst, sinst.decl.base, m)} "
                        "[style=dashed, arrowhead=none, color=gray];"
                    )
    leftover = [x for v in labels.values() for x in v]
    if leftover:
        lines.append(f'  state [label="{_quote(chr(10).join(leftover))}", shape=note];')
    lines.extend("  " + e for e in edges)
    lines.append("}")
    return "\n".join(lines) + "\n"


def write_graph(dot: str, path: str) -> None:
    """Write DOT text to `path`: as is for .dot, rendered with graphviz for .svg/.png/.pdf."""
    ext = os.path.splitext(path)[1].lower().lstrip(".")
    if ext in ("dot", "gv"):
        with open(path, "w") as f:
            f.write(dot)
        return
    if ext not in ("svg", "png", "pdf"):
        raise UsageError(f"`{path}`: the graph file must end in .dot, .svg, .png or .pdf")
    data = render(dot, ext, f"`{path}`")
    with open(path, "wb") as f:
        f.write(data)


def render(dot: str, fmt: str, what: str) -> bytes:
    """DOT text rendered by graphviz (`fmt`: svg, png, pdf); a UsageError naming `what` when
    graphviz is missing or fails."""
    import graphviz  # imported here: a check that draws nothing does not load it

    try:
        data: bytes = graphviz.Source(dot).pipe(format=fmt)
    except graphviz.ExecutableNotFound:
        raise UsageError(
            f"rendering {what} needs graphviz's `dot` program, which is not installed "
            "(apt-get install graphviz, or write a .dot file instead)"
        ) from None
    except graphviz.CalledProcessError as exc:
        raise UsageError(f"graphviz failed to render {what}: {exc.stderr!r}") from None
    return data

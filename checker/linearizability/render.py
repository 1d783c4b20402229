"""Results for people: `render_text` (a summary and, for an illegal history, the explanation
with a text timeline) and `render_html` (the same as one self-contained page, the timeline as
SVG with a tooltip per operation).

The timeline draws the window around the point where the search got stuck: one row per client
(more when a client's operations overlap), each operation a bar from its call to its return,
labelled with its number in the history:

    [=#12=]  placed in the longest linearizable prefix found
    [!#15!]  the operation that could not be placed
    [-#14-]  another operation that was not placed
    [.#16.]  an operation called after that one returned
    ...>     never returned (or the window ends first);  <...  called before the window
"""

from __future__ import annotations

import html
import math
import textwrap
from collections.abc import Sequence

from checker.linearizability.history import Operation
from checker.linearizability.result import CheckResult, Explanation

WIDTH = 64  # timeline columns
PREFIX_SHOWN = 8  # prefix operations listed before the stuck point
TEXT_WIDTH = 96
FITTING_SHOWN = 3  # pending operations that fit at the stuck point, listed at most


def _time(t: float) -> str:
    if t == math.inf:
        return "never"
    if isinstance(t, int) or float(t).is_integer():
        return str(int(t))
    return f"{t:.6g}"


def _span(op: Operation) -> str:
    if op.pending:
        gave_up = "" if op.ret == math.inf else f", gave up at {_time(op.ret)}"
        return f"called {_time(op.call)}, never returned{gave_up}"
    return f"{_time(op.call)}..{_time(op.ret)}"


def summary(result: CheckResult) -> str:
    parts = result.partitions
    counts = {v: sum(1 for p in parts if p.verdict == v) for v in ("ok", "illegal", "unknown")}
    split = ", ".join(f"{n} {v}" for v, n in counts.items() if n)
    steps = sum(p.steps for p in parts)
    head = {
        "ok": "linearizable",
        "illegal": "NOT LINEARIZABLE",
        "unknown": "UNKNOWN (timed out)",
    }[result.verdict]
    noun = "partition" if len(parts) == 1 else "partitions"
    return (
        f"linearizability ({result.model}): {head}\n"
        f"{result.operations} operations, {len(parts)} {noun} ({split or 'none'}), "
        f"{steps} model steps, {result.seconds:.2f} s"
    )


def render_text(result: CheckResult) -> str:
    """The verdict, counts, and what went wrong: for an illegal history the explanation of its
    first illegal partition; for an unknown one the partitions left undecided."""
    lines = [summary(result)]
    illegal = [p for p in result.partitions if p.verdict == "illegal"]
    unknown = [p for p in result.partitions if p.verdict == "unknown"]
    if len(illegal) > 1:
        names = ", ".join(p.name for p in illegal[:10]) + (", ..." if len(illegal) > 10 else "")
        lines.append(f"illegal partitions: {names}")
    if unknown:
        limit = "" if result.timeout is None else f" ({result.timeout:g} s)"
        lines.append(f"not decided before the timeout{limit}:")
        for p in unknown[:10]:
            done = "not started" if not p.started else f"at best {p.deepest} placed"
            lines.append(f"  {p.name}: {len(p.operations)} operations, {done}")
        if len(unknown) > 10:
            lines.append(f"  ... and {len(unknown) - 10} more")
    if result.explanation is not None:
        lines.append("")
        lines.extend(explanation_lines(result.explanation))
    return "\n".join(lines) + "\n"


def _row(exp: Explanation, op: Operation) -> str:
    return f"#{exp.number(op)} {op.client}: {exp.describe(op)}"


def explanation_lines(exp: Explanation) -> list[str]:
    lines = [f"{exp.partition} ({exp.operations} operations) is not linearizable."]
    placed = len(exp.prefix)
    if placed == 0:
        lines.append(f"No operation can even come first (initial state {exp.initial}).")
    else:
        lines.append(
            f"The longest linearizable prefix found places {placed} of {exp.operations} "
            f"operations{':' if placed <= PREFIX_SHOWN else f'; its last {PREFIX_SHOWN}:'}"
        )
        first = max(0, placed - PREFIX_SHOWN)
        if first:
            lines.append(f"  ... {first} earlier")
        width = max(len(_row(exp, op)) for op in exp.prefix[first:])
        for k in range(first, placed):
            op = exp.prefix[k]
            lines.append(f"  {k + 1:>4}. {_row(exp, op):<{width}}  => {exp.states[k]}")
    b = exp.blocked
    lines += textwrap.wrap(
        f"Next, #{exp.number(b)} ({b.client}: {exp.describe(b)}, {_span(b)}) had to take effect "
        f"before it returned, but no operation called by then fits "
        + ("first" if placed == 0 else "after the prefix")
        + ":",
        TEXT_WIDTH,
    )
    fitting = [a for a in exp.attempts if a.fits]
    shown = [a for a in exp.attempts if not a.fits or a in fitting[-FITTING_SHOWN:]]
    width = max(len(_row(exp, a.op)) for a in shown)
    if len(fitting) > FITTING_SHOWN:
        lines.append(
            f"  ({len(fitting) - FITTING_SHOWN} more operations that never returned fit, like "
            "those below)"
        )
    for a in shown:
        if a.fits:
            why = "fits (it never returned), but nothing that must follow does"
        elif a.expected is not None:
            why = f"the model answers {a.expected}"
        else:
            why = "the model rejects it"
        mark = "!" if a.op is b else " "
        lines.append(f" {mark}{_row(exp, a.op):<{width}}  {why}")
    lines += textwrap.wrap(
        f"Every other order the search tried got stuck no later: no order of the "
        f"{exp.operations} operations that respects real time is accepted by the model.",
        TEXT_WIDTH,
    )
    lines.append("")
    lines.extend(timeline(exp))
    return lines


def _status(exp: Explanation) -> dict[Operation, str]:
    status = dict.fromkeys(exp.window, ".")
    for op in exp.prefix:
        if op in status:
            status[op] = "="
    for a in exp.attempts:
        status[a.op] = "-"
    status[exp.blocked] = "!"
    return status


def _rows(ops: Sequence[Operation], col: dict[Operation, tuple[int, int]]) -> list[list[Operation]]:
    """Rows of operations whose bars do not touch: a client's own rows, in first-seen order."""
    rows: list[tuple[str, list[Operation]]] = []
    by_client: dict[str, list[int]] = {}
    for op in sorted(ops, key=lambda o: (o.call, col[o][0])):
        client = str(op.client)
        for r in by_client.get(client, []):
            if col[rows[r][1][-1]][1] + 1 < col[op][0]:
                rows[r][1].append(op)
                break
        else:
            by_client.setdefault(client, []).append(len(rows))
            rows.append((client, [op]))
    order = sorted(range(len(rows)), key=lambda r: (list(by_client).index(rows[r][0]), r))
    return [rows[r][1] for r in order]


def _ticks(exp: Explanation) -> list[tuple[float, int]]:
    """Round times on the axis (1, 2 or 5 times a power of ten apart), with their columns."""
    span = exp.end - exp.start
    if span <= 0:
        return [(exp.start, 0)]
    raw = span / 4
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.ceil(exp.start / step) * step
    ticks = []
    k = 0
    while first + k * step <= exp.end + step * 1e-9:
        t = first + k * step
        if power >= 1:
            t = round(t)
        ticks.append((t, round((t - exp.start) / span * (WIDTH - 1))))
        k += 1
    return ticks


def _columns(exp: Explanation) -> dict[Operation, tuple[int, int]]:
    span = (exp.end - exp.start) or 1

    def at(t: float) -> int:
        if t <= exp.start:
            return 0
        if t >= exp.end:
            return WIDTH - 1
        return round((t - exp.start) / span * (WIDTH - 1))

    return {op: (at(op.call), at(math.inf if op.pending else op.ret)) for op in exp.window}


def timeline(exp: Explanation) -> list[str]:
    """The window as text: a time axis, then a row of bars per client."""
    col = _columns(exp)
    status = _status(exp)
    rows = _rows(exp.window, col)
    label_width = max([len(str(r[0].client)) for r in rows] + [4]) + 2
    axis = [" "] * WIDTH
    for t, c in _ticks(exp):
        text = _time(t)
        c0 = min(c, WIDTH - len(text))
        if all(axis[k] == " " for k in range(max(0, c0 - 1), min(WIDTH, c0 + len(text) + 1))):
            axis[c0 : c0 + len(text)] = text
    lines = [
        f"timeline of the window {_time(exp.start)}..{_time(exp.end)} (= placed, ! could not "
        "be placed,",
        "- not placed, . later, > never returned, < called before the window):",
        " " * label_width + "".join(axis).rstrip(),
    ]
    seen: set[str] = set()
    for ops in rows:
        client = str(ops[0].client)
        cells = [" "] * WIDTH
        for op in ops:
            a, b = col[op]
            fill = status[op]
            bar = [fill] * (b - a + 1)
            open_end = op.pending or op.ret > exp.end
            if len(bar) == 1:
                bar[0] = ">" if open_end else "|"
            else:
                bar[0] = "<" if op.call < exp.start else "["
                bar[-1] = ">" if open_end else "]"
            label = f"#{exp.number(op)}"
            if len(bar) >= len(label) + 2:
                k = (len(bar) - len(label)) // 2
                bar[k : k + len(label)] = label
            cells[a : b + 1] = bar
        name = client if client not in seen else ""
        seen.add(client)
        lines.append(f"{name:<{label_width}}" + "".join(cells).rstrip())
    if exp.hidden:
        lines += textwrap.wrap(
            f"({exp.hidden} more operations in this span are not drawn: ones that never "
            "returned and were not placed, or the window is crowded)",
            TEXT_WIDTH,
        )
    lines.append("")
    width = max(len(_row(exp, op)) for op in exp.window)
    span_width = max(len(_span(op)) for op in exp.window)
    marks = {"=": "placed", "!": "COULD NOT BE PLACED", "-": "not placed", ".": "later"}
    for op in exp.window:
        lines.append(f"  {_row(exp, op):<{width}}  {_span(op):<{span_width}}  {marks[status[op]]}")
    return lines


# --- HTML ------------------------------------------------------------------------------------

_COLORS = {"=": "#4c9a5a", "!": "#d0403a", "-": "#e0a030", ".": "#a0a0a0"}


def _svg(exp: Explanation) -> str:
    col = _columns(exp)
    status = _status(exp)
    rows = _rows(exp.window, col)
    left, unit, row_h = 90, 12, 28
    width = left + WIDTH * unit + 20
    height = 30 + row_h * len(rows) + 10
    order = {op: k + 1 for k, op in enumerate(exp.prefix)}
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="monospace" font-size="11">'
    ]
    for t, c in _ticks(exp):
        x = left + c * unit
        out.append(f'<line x1="{x}" y1="18" x2="{x}" y2="{height}" stroke="#ddd"/>')
        out.append(f'<text x="{x}" y="12" text-anchor="middle">{html.escape(_time(t))}</text>')
    seen: set[str] = set()
    for r, ops in enumerate(rows):
        y = 26 + r * row_h
        client = str(ops[0].client)
        if client not in seen:
            out.append(f'<text x="4" y="{y + 14}">{html.escape(client)}</text>')
            seen.add(client)
        for op in ops:
            a, b = col[op]
            x0, x1 = left + a * unit, left + (b + 1) * unit - 2
            s = status[op]
            tip = f"#{exp.number(op)} {op.client}: {exp.describe(op)} ({_span(op)})"
            if op in order:
                tip += f"\nposition {order[op]} in the prefix; state after: "
                tip += exp.states[order[op] - 1]
            dash = ' stroke-dasharray="4 2"' if op.pending else ""
            out.append(
                f"<g><title>{html.escape(tip)}</title>"
                f'<rect x="{x0}" y="{y}" width="{max(x1 - x0, 3)}" height="20" rx="3" '
                f'fill="{_COLORS[s]}" fill-opacity="0.35" stroke="{_COLORS[s]}"{dash}/>'
                # a nested svg clips the label to its bar
                f'<svg x="{x0}" y="{y}" width="{max(x1 - x0, 3)}" height="20">'
                f'<text x="4" y="14">#{exp.number(op)} {html.escape(exp.describe(op))}</text>'
                "</svg></g>"
            )
    out.append("</svg>")
    return "\n".join(out)


def render_html(result: CheckResult, title: str = "linearizability") -> str:
    """One self-contained page (no scripts, no external resources): the report as text and, for
    an illegal history, the window as an SVG timeline with a tooltip per operation."""
    body = [f"<h1>{html.escape(title)}</h1>"]
    if result.explanation is not None:
        body.append(
            "<p>Bars are operations, from call to return; hover for the operation and, for "
            "the placed ones, their position in the longest linearizable prefix and the state "
            'after it. <span style="color:#4c9a5a">Green</span>: placed; '
            '<span style="color:#d0403a">red</span>: could not be placed; '
            '<span style="color:#e0a030">orange</span>: not placed; '
            "grey: later; dashed: never returned.</p>"
        )
        body.append(f'<div style="overflow-x:auto">{_svg(result.explanation)}</div>')
    body.append(f"<pre>{html.escape(render_text(result))}</pre>")
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif;margin:2em}pre{font-size:13px}</style>"
        "</head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )

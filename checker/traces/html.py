"""The HTML explorer: one self-contained page (no CDN, works offline) for a trace.

It steps through the trace (buttons, arrow keys, `#step=N` in the address), shows the state as a
table with what the step changed highlighted, a truth table of every invariant in every state,
the message-sequence chart (rows linked to steps: click one to go there) and, for a
counterexample to induction, its graph. Everything is computed here and embedded as JSON; the
page's script only switches between precomputed views.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from dataclasses import dataclass

from checker import ir
from checker.errors import UsageError
from checker.explicit.contract import TraceStep
from checker.explicit.interp import Interpreter
from checker.explicit.layout import Layout, Structured
from checker.instance import Instance
from checker.traces.dot import render
from checker.traces.msc import has_messages, msc_dot
from checker.traces.text import format_args, format_sequence, sequence_contents, step_title


@dataclass(frozen=True)
class Page:
    title: str
    summary: str  # one line: what went wrong (or right)
    violated: str | None = None  # the property that fails in the last state
    # a liveness lasso: the last state goes on to state `loop` (0-based) for ever, by the step
    # `closing` (its title), or by stuttering when that is None
    loop: int | None = None
    closing: str | None = None


def _entries(inst: Instance, layout: Layout, state: Structured) -> list[tuple[str, list[str]]]:
    """Per symbol, its name and its value as a list of short entries (tuples, `args: value`
    points, `<<a, b>>` sequences); a sequence is one symbol, not its length and slots."""
    out: list[tuple[str, list[str]]] = []
    seqs = sequence_contents(inst, layout, state)
    for lay, value in zip(layout.symbols, state, strict=True):
        decl = lay.decl
        if decl.sequence is not None:
            if decl.name == decl.sequence.length:
                c = seqs[decl.sequence.name]
                out.append(
                    (
                        c.name,
                        [
                            (f"{format_args(inst, c, args)}: " if args else "")
                            + format_sequence(inst, c, elems)
                            for args, elems in c.values.items()
                        ],
                    )
                )
            continue
        if lay.is_relation:
            assert isinstance(value, frozenset)
            out.append(
                (
                    decl.name,
                    [
                        "("
                        + ", ".join(
                            str(inst.label(a.sort, c)) for a, c in zip(decl.args, t, strict=True)
                        )
                        + ")"
                        for t in sorted(value)
                    ],
                )
            )
        else:
            assert isinstance(value, tuple) and decl.result is not None
            r = decl.result.sort
            if decl.individual:
                out.append((decl.name, [str(inst.label(r, value[0]))]))
                continue
            out.append(
                (
                    decl.name,
                    [
                        ", ".join(
                            str(inst.label(a.sort, c))
                            for a, c in zip(decl.args, lay.tuple_at(i), strict=True)
                        )
                        + f": {inst.label(r, code)}"
                        for i, code in enumerate(value)
                    ],
                )
            )
    return out


def _svg(dot: str) -> str:
    """Inline SVG for the page; without graphviz the page still works, minus the drawing."""
    try:
        text = render(dot, "svg", "a chart").decode()
    except UsageError as exc:
        return f"<p>({html.escape(str(exc))})</p>"
    return text[text.index("<svg") :]


def explorer_html(
    inst: Instance,
    layout: Layout,
    trace: Sequence[TraceStep],
    page: Page,
    invariants: Sequence[ir.Property] = (),
    graph_dot: str | None = None,
    first_label: str | None = None,
) -> str:
    """The page for `trace`; `first_label` renames the first state (a CTI's pre-state)."""
    interp = Interpreter(inst, layout)
    states = [layout.unpack(s.state) for s in trace]
    steps: list[dict[str, object]] = []
    titles: list[str] = []
    previous: list[list[str]] | None = None
    for i, (step, state) in enumerate(zip(trace, states, strict=True)):
        named = _entries(inst, layout, state)
        entries = [e for _, e in named]
        rows = []
        for k, (name, now) in enumerate(named):
            before = previous[k] if previous is not None else now
            rows.append(
                {
                    "name": name,
                    "entries": [{"text": e, "new": e not in before} for e in now],
                    "removed": [e for e in before if e not in now],
                }
            )
        label = first_label if i == 0 and first_label else step_title(inst, step)
        titles.append(f"State {i + 1}: {label}")
        steps.append({"index": i, "title": titles[-1], "rows": rows})
        previous = entries
    truth = {p.name: [interp.holds(p, st) for st in states] for p in invariants}
    msc = _svg(msc_dot(inst, layout, trace)) if has_messages(inst.spec) and len(trace) > 1 else ""
    graph = _svg(graph_dot) if graph_dot else ""
    data = json.dumps({"steps": steps, "violated": page.violated, "loop": page.loop})
    data = data.replace("</", "<\\/")
    in_cycle = range(page.loop, len(titles)) if page.loop is not None else range(0)
    loop_class = ' class="loop"'
    steps_list = "".join(
        f'<li data-step="{i}"{loop_class if i in in_cycle else ""}>'
        f'<a href="#step={i}">{html.escape(t)}</a></li>'
        for i, t in enumerate(titles)
    )
    if page.loop is not None:
        back = (
            f"{page.closing}: back to state {page.loop + 1}"
            if page.closing
            else f"state {len(titles)} repeats for ever (stuttering)"
        )
        steps_list += (
            f'<li id="back" data-step="{page.loop}" class="back"><a href="#step={page.loop}">'
            f"↺ {html.escape(back)}</a></li>"
        )
    return _TEMPLATE.format(
        title=html.escape(page.title),
        summary=html.escape(page.summary),
        steps_list=steps_list,
        truth=_truth_table(truth, len(states)),
        msc=f'<section id="msc"><h2>Message-sequence chart</h2>{msc}</section>' if msc else "",
        graph=f'<section id="graph"><h2>Counterexample graph</h2>{graph}</section>'
        if graph
        else "",
        data=data,
        style=_STYLE,
        script=_SCRIPT,
    )


def _truth_table(truth: dict[str, list[bool]], n: int) -> str:
    if not truth:
        return ""
    head = "".join(f'<th data-step="{i}">{i + 1}</th>' for i in range(n))
    rows = []
    for name, values in truth.items():
        cells = "".join(
            f'<td class="{"t" if v else "f"}" data-step="{i}" data-inv="{html.escape(name)}">'
            f"{'✓' if v else '✗'}</td>"
            for i, v in enumerate(values)
        )
        rows.append(f'<tr><th scope="row">{html.escape(name)}</th>{cells}</tr>')
    return (
        '<section><h2>Invariants in every state</h2><table id="invariants"><thead><tr>'
        f"<th>invariant \\ state</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></section>"
    )


_STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #1f2328; }
h1 { font-size: 1.3em; margin: 0 0 .2em; } h2 { font-size: 1.05em; margin: 1.2em 0 .4em; }
#summary { color: #cf222e; margin-bottom: 1em; }
#layout { display: grid; grid-template-columns: minmax(14em, 22em) 1fr; gap: 1.5em; }
#steps { margin: 0; padding-left: 1.5em; } #steps li { cursor: pointer; padding: 1px 4px; }
#steps li.current { background: #ddf4ff; font-weight: 600; }
#steps li.loop { border-left: 3px solid #8250df; } #steps li.back { list-style: none; color: #8250df; }
#steps a { color: inherit; text-decoration: none; }
#controls button { margin-right: .3em; }
table { border-collapse: collapse; } td, th { border: 1px solid #d0d7de; padding: 2px 6px; }
#state td.name { font-weight: 600; white-space: nowrap; vertical-align: top; }
.entry { display: inline-block; margin: 1px 3px; padding: 0 3px; border-radius: 3px; }
.entry.new { background: #dafbe1; color: #116329; font-weight: 600; }
.entry.removed { background: #ffebe9; color: #a40e26; text-decoration: line-through; }
tr.changed td.name { color: #9a6700; }
#invariants td.t { color: #116329; text-align: center; } #invariants td.f { background: #ffebe9; color: #a40e26; text-align: center; font-weight: 700; }
#invariants .current { outline: 2px solid #0969da; }
#msc svg, #graph svg { max-width: 100%; height: auto; }
#msc .node.current text { font-weight: 700; fill: #0969da; }
"""

_SCRIPT = """
const data = JSON.parse(document.getElementById('data').textContent);
let current = 0;
function el(tag, cls, text) { const e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; }
function show(i) {
  const n = data.steps.length;
  current = Math.max(0, Math.min(n - 1, i));
  const step = data.steps[current];
  document.body.dataset.currentStep = current;
  document.getElementById('step-title').textContent = step.title;
  document.getElementById('position').textContent = (current + 1) + ' / ' + n;
  const body = document.querySelector('#state tbody');
  body.replaceChildren();
  for (const row of step.rows) {
    const tr = el('tr'); tr.dataset.symbol = row.name;
    const changed = row.removed.length > 0 || row.entries.some(e => e.new);
    if (changed && current > 0) tr.className = 'changed';
    tr.appendChild(el('td', 'name', row.name));
    const td = el('td', 'value');
    if (row.entries.length === 0 && row.removed.length === 0) td.appendChild(el('span', 'entry', '{}'));
    for (const e of row.entries) td.appendChild(el('span', 'entry' + (e.new && current > 0 ? ' new' : ''), e.text));
    for (const r of row.removed) td.appendChild(el('span', 'entry removed', r));
    tr.appendChild(td); body.appendChild(tr);
  }
  document.querySelectorAll('#steps li').forEach(li => li.classList.toggle('current', Number(li.dataset.step) === current));
  document.querySelectorAll('#invariants [data-step]').forEach(c => c.classList.toggle('current', Number(c.dataset.step) === current));
  document.querySelectorAll('#msc g.node').forEach(g => g.classList.toggle('current', g.id === 'msc-step-' + current));
  if (location.hash !== '#step=' + current) history.replaceState(null, '', '#step=' + current);
}
function fromHash() { const m = location.hash.match(/step=(\\d+)/); return m ? Number(m[1]) : 0; }
document.getElementById('first').onclick = () => show(0);
document.getElementById('prev').onclick = () => show(current - 1);
function next() { show(data.loop !== null && current === data.steps.length - 1 ? data.loop : current + 1); }
document.getElementById('next').onclick = next;
document.getElementById('last').onclick = () => show(data.steps.length - 1);
document.querySelectorAll('#steps li').forEach(li => li.onclick = (ev) => { ev.preventDefault(); show(Number(li.dataset.step)); });
document.querySelectorAll('#msc g.node').forEach(g => { const m = g.id.match(/^msc-step-(\\d+)$/); if (m) { g.style.cursor = 'pointer'; g.onclick = () => show(Number(m[1])); } });
document.addEventListener('keydown', ev => { if (ev.key === 'ArrowRight' || ev.key === 'j') next(); if (ev.key === 'ArrowLeft' || ev.key === 'k') show(current - 1); });
window.addEventListener('hashchange', () => show(fromHash()));
show(fromHash());
"""

_TEMPLATE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta name="generator" content="paxoscope"><style>{style}</style></head>
<body>
<h1>{title}</h1>
<div id="summary">{summary}</div>
<div id="layout">
<nav><div id="controls"><button id="first">first</button><button id="prev">◀ prev</button><button id="next">next ▶</button><button id="last">last</button> <span id="position"></span></div>
<h2>Steps</h2><ol id="steps" start="1">{steps_list}</ol></nav>
<main><h2 id="step-title"></h2><table id="state"><tbody></tbody></table>
{truth}
{msc}
{graph}
</main></div>
<script type="application/json" id="data">{data}</script>
<script>{script}</script>
</body></html>
"""

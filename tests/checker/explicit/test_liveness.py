"""Liveness end to end (tests/specs/live_mutex.py and the liveness specs of spec/): both engines,
with 1 and 2 workers, give the same verdicts and the same lassos; every lasso is replayed by the
reference interpreter — each step a real step, the cycle closing where it says, fair under the
spec's fairness, and violating its property; misuse is an error with file:line (exit 2)."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from checker import ir
from checker.check import CheckReport, check
from checker.explicit import Options
from checker.explicit.liveprops import disjuncts_of, substitute
from tests.conftest import ROOT, run_cli

MUTEX = str(ROOT / "tests/specs/live_mutex.py")

CASES = [
    (f"{MUTEX}:Mutex", {}, "no_starvation[p1]"),
    (f"{MUTEX}:WeakMutex", {}, "no_starvation[p1]"),
    (f"{MUTEX}:StrongMutex", {}, None),
    (f"{MUTEX}:StrongMutex", {"procs": 3}, None),
    (f"{MUTEX}:WeakMutex", {"procs": 3}, "no_starvation[p1]"),
    (f"{MUTEX}:Entering", {}, "enter_is_weakly_fair[p1]"),
    (f"{MUTEX}:WeakEntering", {}, "tries_end_in_entering[p1]"),
    (f"{MUTEX}:WeakEntering", {"procs": 3}, "tries_end_in_entering[p1]"),
    (f"{MUTEX}:StrongEntering", {}, None),
]


def _signature(report: CheckReport) -> object:
    v = report.result.violation
    if v is None:
        return None
    steps = [(s.action, s.params, s.state) for s in v.trace]
    closing = None if v.closing is None else (v.closing.action, v.closing.params)
    return v.kind, v.name, steps, v.loop, closing


@pytest.mark.parametrize(("spec", "params", "violated"), CASES)
def test_engines_and_workers_agree_and_every_lasso_replays(
    spec: str, params: dict[str, int], violated: str | None
) -> None:
    reports = [
        check(spec, params, Options(engine=engine, workers=workers))
        for engine, workers in (("reference", 1), ("vector", 1), ("vector", 2))
    ]
    first = reports[0]
    v = first.result.violation
    assert (v.name if v else None) == violated
    assert all(_signature(r) == _signature(first) for r in reports[1:])
    assert (
        first.result.liveness
        == [n for r in reports for n in r.result.liveness][: len(first.result.liveness)]
    )
    if v is not None:
        replay(first)


def replay(report: CheckReport) -> None:
    """The lasso, checked by the interpreter: real steps, a real closing step, a fair cycle,
    and the property false on it."""
    engine, v = report.engine, report.result.violation
    assert v is not None and v.kind == "liveness" and v.loop is not None
    interp, layout, spec = engine.interp, engine.layout, engine.spec
    states = [layout.unpack(s.state) for s in v.trace]
    assert states[0] in [s for _, _, s in interp.initial_states()]

    def steps_from(state: object) -> list[tuple[str, tuple[int, ...], object]]:
        return [
            (spec.actions[s.action].name, s.params, s.state)
            for s in interp.successors(state)  # type: ignore[arg-type]
        ]

    for before, step, after in zip(states, v.trace[1:], states[1:], strict=False):
        codes = tuple(c for _, c, _ in step.params)
        assert (step.action, codes, after) in steps_from(before)
    cycle = states[v.loop :]
    taken: list[tuple[str, tuple[int, ...]]] = [
        (s.action or "", tuple(c for _, c, _ in s.params)) for s in v.trace[v.loop + 1 :]
    ]
    if v.closing is not None:
        codes = tuple(c for _, c, _ in v.closing.params)
        assert (v.closing.action, codes, states[v.loop]) in steps_from(states[-1])
        taken.append((v.closing.action or "", codes))
    else:
        cycle = [states[-1]]
    for fair in spec.fairness:
        act = spec.action(fair.actions[0])
        which = [i for i, p in enumerate(act.params) if p.name in fair.per]

        def group(codes: tuple[int, ...], which: list[int] = which) -> tuple[int, ...]:
            return tuple(codes[i] for i in which)

        enabled = [  # a step back to its own state stutters: it enables no fairness
            {group(c) for name, c, t in steps_from(s) if name in fair.actions and t != s}
            for s in cycle
        ]
        got = {group(c) for name, c in taken if name in fair.actions}
        for g in set().union(*enabled):
            on = sum(g in e for e in enabled)
            must = on > 0 if fair.strong else on == len(cycle)
            assert not must or g in got, f"unfair: {fair} for {g}"
    live = next(c for c in engine.live if c.name == v.name)
    pairs = list(itertools.pairwise(states))  # the lasso's steps, the closing one last
    if v.closing is not None:
        pairs.append((states[-1], states[v.loop]))

    def truth(f: ir.Formula | None) -> tuple[list[bool], list[bool]]:
        """Per state and per step of the lasso: whether the goal `f` holds (its state
        disjuncts in the state, its step disjuncts on a step that changes the state)."""
        if f is None:
            return [], []
        f = substitute(f, live.binding)
        parts = disjuncts_of(f)
        here = [d for d in parts if not ir.is_step(d)]
        moves = [d for d in parts if ir.is_step(d)]
        at = [any(interp.formula(d, {}, s, None) for d in here) for s in states]
        on = [a != b and any(interp.formula(d, {}, a, b) for d in moves) for a, b in pairs]
        return at, on

    (p, p_steps), (q, q_steps) = truth(live.prop.p), truth(live.prop.q)
    kind = live.prop.kind
    if kind is ir.TemporalKind.LEADS_TO:
        start = len(states)
        while start > 0 and not q[start - 1]:
            start -= 1
        assert start <= v.loop
        assert any(p[i] and not any(q_steps[min(i, v.loop) :]) for i in range(start, len(states)))
    elif kind is ir.TemporalKind.EVENTUALLY:
        assert not any(p) and not any(p_steps)
    elif kind is ir.TemporalKind.ALWAYS_EVENTUALLY:
        assert not any(p[v.loop :]) and not any(p_steps[v.loop :])
    elif kind is ir.TemporalKind.EVENTUALLY_ALWAYS:
        assert not all(p[v.loop :])


def test_a_state_disjunct_nested_beside_step_disjuncts_is_read_in_states() -> None:
    for engine in ("vector", "reference"):
        only = Options(engine=engine, liveness=["lock_state_or_entering"])
        assert check(f"{MUTEX}:Disjuncts", {}, only).ok


def test_without_fairness_a_trying_process_may_stutter_for_ever() -> None:
    v = check(f"{MUTEX}:Mutex", {}).result.violation
    assert v is not None and v.closing is None and v.loop == len(v.trace) - 1 == 1


def test_the_cli_prints_the_lasso_and_json_and_itf_carry_the_loop(tmp_path: Path) -> None:
    result = run_cli("check", f"{MUTEX}:WeakMutex", "--no-progress")
    assert result.returncode == 1, result.stderr
    assert "liveness property no_starvation[p1] is violated by a lasso" in result.stdout
    assert "then leave(p=p2) goes back to state 2: this cycle repeats for ever" in result.stdout
    out = tmp_path / "r.json"
    result = run_cli("check", f"{MUTEX}:WeakMutex", "--no-progress", "--json", str(out))
    import json

    data = json.loads(out.read_text())
    assert data["violation"] == {
        "kind": "liveness",
        "property": "no_starvation[p1]",
        "length": 4,
        "loop": 1,
    }
    assert data["trace"]["loop"] == 1 and len(data["trace"]["states"]) == 4
    assert run_cli("check", f"{MUTEX}:StrongMutex", "--no-progress").returncode == 0
    junit = tmp_path / "r.xml"
    run_cli("check", f"{MUTEX}:WeakMutex", "--no-progress", "--junit", str(junit))
    xml = junit.read_text()
    assert 'name="no_starvation[p1]"' in xml and 'name="no_starvation[p2]"' in xml
    assert "no_starvation[p1] is violated" in xml and "goes back to state 2" in xml
    # the failure's message says it is a lasso, in the words of the text report
    shape = "a lasso: 1 step(s), then a cycle of 3 step(s)"
    assert f"liveness property no_starvation[p1] is violated by {shape}:" in result.stdout
    assert f'message="no_starvation[p1] is violated by {shape}"' in xml
    run_cli("check", f"{MUTEX}:Mutex", "--no-progress", "--junit", str(junit))
    shape = "a lasso: 1 step(s), then stuttering for ever"
    assert f'message="no_starvation[p1] is violated by {shape}"' in junit.read_text()


def test_checkpoints_and_fingerprints_keep_working(tmp_path: Path) -> None:
    """A checkpointed run resumed, and a run with 64-bit fingerprints, find the same lasso."""
    plain = check(f"{MUTEX}:WeakMutex", {"procs": 3}, Options())
    saved = Options(checkpoint=tmp_path / "ck", checkpoint_every=0)
    first = check(f"{MUTEX}:WeakMutex", {"procs": 3}, saved)
    resumed = check(
        f"{MUTEX}:WeakMutex",
        {"procs": 3},
        Options(checkpoint=tmp_path / "ck", checkpoint_every=0, resume=True),
    )
    prints = check(f"{MUTEX}:WeakMutex", {"procs": 3}, Options(exact=False))
    assert _signature(plain) == _signature(first) == _signature(resumed) == _signature(prints)


def test_liveness_can_be_selected_or_left_out() -> None:
    assert run_cli("check", f"{MUTEX}:WeakMutex", "--no-liveness").returncode == 0
    chosen = check(f"{MUTEX}:StrongMutex", {}, Options(liveness=["someone_enters"]))
    assert chosen.ok and chosen.result.liveness == ["someone_enters"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("--symmetry", "cannot be checked with --symmetry"),
        ("--max-depth=3", "need the whole state graph"),
        ("--mode=dfs", "after a breadth-first search"),
        ("--liveness=nothing", "has no liveness property `nothing`"),
        ("--max-memory=1G", "which --max-memory cannot bound"),
    ],
)
def test_options_liveness_cannot_honour_are_refused(extra: str, message: str) -> None:
    result = run_cli("check", f"{MUTEX}:WeakMutex", extra)
    assert result.returncode == 2 and message in result.stderr, result.stderr


BAD = {
    "fairness = (WF('fly'),)": "fairness of `fly`, which is not an action",
    "fairness = (SF('enter', per='q'),)": "per 'q', which is not a parameter",
    "fairness = ('enter',)": "holds WF(...) and SF(...)",
    "@liveness\n    def bad(self):\n        return always(eventually(always(self.locked == self.phase['idle'])))": (
        "temporal formula"
    ),
    "@liveness\n    def bad(self):\n        return leads_to(eventually(self.in_cs(self.proc[0])), True)": (
        "the premise of leads_to(...) is eventually(p)"
    ),
    "@liveness\n    def bad(self):\n        return self.locked == self.phase['idle']": (
        "must return a temporal formula"
    ),
    "@invariant\n    def bad(self):\n        return eventually(self.locked == self.phase['idle'])": (
        "must return a formula"
    ),
    "@liveness\n    def bad(self):\n        return exists(self.proc, lambda p: eventually(self.in_cs(p)))": (
        "only forall"
    ),
    "@invariant\n    def bad(self):\n        return enabled(self.enter)": (
        "enabled(enter) is read by @liveness properties only"
    ),
    "@action\n    def bad(self):\n        require(enabled(self.enter))": (
        "enabled(enter) is read by @liveness properties only"
    ),
    "@liveness\n    def bad(self):\n        return eventually(enabled('fly'))": (
        "`fly` is not an action of this spec"
    ),
    "@liveness\n    def bad(self):\n        return eventually(enabled(self.enter, q=self.proc[0]))": (
        "`q` is not a parameter of it"
    ),
    "@liveness\n    def bad(self):\n        return eventually(enabled(self.enter, p=self.phase[0]))": (
        "must be of sort `proc`"
    ),
    "@liveness\n    def bad(self):\n        return eventually(enabled(self.enter, p=self.holder))": (
        "not a value read from the state"
    ),
    "@liveness\n    def bad(self):\n        return eventually(ite(enabled(self.enter), self.locked, self.locked) == self.locked)": (
        "combined with other formulas by ~, &, |, implies, iff and forall/exists only"
    ),
    "@liveness\n    def bad(self, post):\n        return always(post.locked == self.locked)": (
        "reads `post` in it: a step formula is the goal of"
    ),
    "@liveness\n    def bad(self, post):\n        return leads_to(post.locked != self.locked, True)": (
        "reads `post` in the premise of leads_to(p, q)"
    ),
    "@liveness\n    def bad(self):\n        return eventually(self.in_cs(self.proc[0])) | always(True)": (
        "temporal formulas are joined by | only"
    ),
    "@liveness\n    def bad(self, post, other):\n        return eventually(True)": (
        "must take (self), or (self, post)"
    ),
    "@liveness\n    def bad(self):\n        return always(implies(self.trying(self.proc[0]), eventually(self.in_cs(self.proc[0]))))": (
        "bad.py:9: the conclusion of implies(...) is eventually(p), a temporal formula, which "
        "cannot be nested there: a @liveness property is always(p), eventually(p), "
        "leads_to(p, q), always(eventually(p)) or eventually(always(p)) of formulas p and q "
        "without temporal operators (or forall(...) of one of these), and it is never part of a "
        "formula. For always(implies(p, eventually(q))), write leads_to(p, q)\n"
    ),
    "@liveness\n    def bad(self):\n        return always(self.trying(self.proc[0]) & eventually(self.in_cs(self.proc[0])))": (
        "bad.py:9: the right operand of `&` is eventually(p), a temporal formula, which cannot "
        "be nested there"
    ),
    "@liveness\n    def bad(self):\n        return eventually(self.holder == eventually(self.in_cs(self.proc[0])))": (
        "bad.py:9: the right operand of `==` is eventually(p), a temporal formula"
    ),
    "@liveness\n    def bad(self):\n        return eventually(enabled(self.holder))": (
        "bad.py:9: enabled(...) takes an action or its name, not a proc element\n"
    ),
    "@liveness\n    def bad(self):\n        return eventually(self.pc(self.trying) == self.phase['idle'])": (
        "bad.py:9: argument 1 of `pc` must be a sort element (a parameter, a function value or "
        "`sort[i]`), not the method `trying` itself (call it for its value)\n"  # [i]: not markup
    ),
}


@pytest.mark.parametrize("body", list(BAD))
def test_bad_liveness_is_an_error_with_its_line(tmp_path: Path, body: str) -> None:
    spec = tmp_path / "bad.py"
    spec.write_text(
        "from tests.specs.live_mutex import Mutex\n"
        "from checker import (SF, WF, Individual, action, always, enabled, eventually, exists,\n"
        "    implies, invariant, ite, leads_to, liveness, require)\n\n"
        "class Bad(Mutex):\n"
        "    holder = Individual(Mutex.proc, init=Mutex.proc[0])\n"
        f"    {body}\n"
    )
    result = run_cli("check", f"{spec}:Bad", "--no-progress")
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert BAD[body] in result.stderr and "bad.py:" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    # in the words of the spec, never the IR it was traced to (`Temporal(kind=...`, `<term`)
    assert not re.search(r"Temporal\(|kind=|<term |<formula |Loc\(", result.stderr)


def test_states_are_numbered_alike_by_both_engines() -> None:
    """The reference engine's re-exploration and the vector engine's store give one graph."""
    from checker.explicit.livegraph import reference_graph

    report = check(f"{MUTEX}:StrongMutex", {"procs": 3}, Options(engine="reference"))
    graph, states = reference_graph(report.engine)
    assert graph.n == report.result.distinct_states == len(set(states))
    assert graph.src.size == report.result.transitions
    assert list(itertools.islice(states, 1)) == [s for _, _, s in report.engine.inits][:1]

"""The liveness checker's core (`checker.explicit.liveness.Checker`) against a brute-force
oracle on random small graphs: a fair cycle exists in a set of states S exactly when S is
strongly connected (with an edge inside) and, with every edge inside S taken, each weakly fair
group enabled in all of S and each strongly fair group enabled somewhere in S is taken inside
S; or S is one state where no fair group is enabled (stuttering). A step back to its own state
is a stuttering step, as in TLA+ (`<<A>>_vars` changes `vars`): the oracle ignores self-loops,
which neither enable nor satisfy fairness. A goal with a step part (a step formula) removes its
steps from the graph the cycles live in, not from the enabledness of fair groups. Every lasso
the checker returns is checked to be a real path of the graph, fair, and a violation."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from checker import ir
from checker.explicit.liveness import Checker, Graph, Lasso
from checker.explicit.liveprops import FairGroups, Goal, LiveCheck, Pred

N_INSTANCES = 3  # global action instances 0..2


@st.composite
def cases(draw: Any) -> tuple[Graph, list[FairGroups], dict[str, Any], ir.TemporalKind]:
    n = draw(st.integers(1, 6))
    edges = draw(
        st.lists(
            st.tuples(st.integers(0, n - 1), st.integers(0, n - 1), st.integers(0, 2)),
            max_size=12,
        )
    )
    if draw(st.booleans()):  # no deadlock: every state has a step (stuttering matters less)
        edges += [
            (s, draw(st.integers(0, n - 1)), draw(st.integers(0, N_INSTANCES - 1)))
            for s in range(n)
        ]
    src, dst, inst = (list(x) for x in zip(*edges, strict=True)) if edges else ([], [], [])
    g = Graph.of(n, [0], src, dst, inst)
    fair = [
        FairGroups(strong, np.array(groups, dtype=np.int64), max(groups) + 1)
        for strong, groups in draw(
            st.lists(
                st.tuples(
                    st.booleans(),
                    st.lists(st.integers(-1, 1), min_size=N_INSTANCES, max_size=N_INSTANCES),
                ),
                max_size=2,
            )
        )
        if max(groups) >= 0
    ]
    p = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    q = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    kind = draw(st.sampled_from(list(ir.TemporalKind)))
    size = g.src.size
    steps = np.array(draw(st.lists(st.booleans(), min_size=size, max_size=size)), dtype=bool)
    stepping = kind in STEP_GOALS and draw(st.booleans())
    return g, fair, {"p": p, "q": q, "a": steps if stepping else None}, kind


# the kinds whose goal may have a step part (the conclusion, for leads-to)
STEP_GOALS = (
    ir.TemporalKind.EVENTUALLY,
    ir.TemporalKind.LEADS_TO,
    ir.TemporalKind.ALWAYS_EVENTUALLY,
)


def _edges(g: Graph, ok: Any = None) -> list[tuple[int, int, int]]:
    """The steps that change the state (a self-loop stutters), those in `ok` if given."""
    edges = zip(g.src.tolist(), g.dst.tolist(), g.inst.tolist(), strict=True)
    return [(a, b, x) for i, (a, b, x) in enumerate(edges) if a != b and (ok is None or ok[i])]


def _reach(g: Graph, starts: set[int], allowed: Any, ok: Any = None) -> set[int]:
    seen = {s for s in starts if allowed[s]}
    todo = list(seen)
    while todo:
        s = todo.pop()
        for a, b, _ in _edges(g, ok):
            if a == s and allowed[b] and b not in seen:
                seen.add(b)
                todo.append(b)
    return seen


def _enabled(g: Graph, f: FairGroups, s: int) -> set[int]:
    return {int(f.group[i]) for a, _, i in _edges(g) if a == s and f.group[i] >= 0}


def _fair_set(g: Graph, fair: list[FairGroups], S: set[int], ok: Any = None) -> bool:
    inside = [(a, b, i) for a, b, i in _edges(g, ok) if a in S and b in S]
    for f in fair:
        taken = {int(f.group[i]) for _, _, i in inside if f.group[i] >= 0}
        for grp in range(f.count):
            on = [s for s in S if grp in _enabled(g, f, s)]
            must = bool(on) if f.strong else len(on) == len(S)
            if must and grp not in taken:
                return False
    return True


def _connected(g: Graph, S: set[int], ok: Any = None) -> bool:
    inside = [(a, b) for a, b, _ in _edges(g, ok) if a in S and b in S]
    if not inside:
        return False
    for s in S:
        allowed = np.array([x in S for x in range(g.n)])
        reach: set[int] = set()
        todo = [s]
        while todo:
            x = todo.pop()
            for a, b in inside:
                if a == x and b not in reach and allowed[b]:
                    reach.add(b)
                    todo.append(b)
        if not S <= reach:
            return False
    return True


def _stutters(g: Graph, fair: list[FairGroups], s: int) -> bool:
    return all(not _enabled(g, f, s) for f in fair)


def _goal_steps(g: Graph, a: Any) -> Any:
    """The goal's steps: those of the step mask that change the state (none without one)."""
    return np.zeros(g.src.size, dtype=bool) if a is None else a & (g.src != g.dst)


def oracle(
    g: Graph, fair: list[FairGroups], p: Any, q: Any, kind: ir.TemporalKind, a: Any = None
) -> bool:
    """Whether the property fails (`a`: the step part of its goal, per edge)."""
    everything = np.ones(g.n, dtype=bool)
    reached = _reach(g, {0}, everything)
    if kind is ir.TemporalKind.ALWAYS:
        return any(not p[s] for s in reached)
    accept = None
    ok = ~_goal_steps(g, a)
    if kind is ir.TemporalKind.EVENTUALLY:
        area = _reach(g, {0}, ~p, ok)
    elif kind is ir.TemporalKind.LEADS_TO:
        area = _reach(g, {s for s in reached if p[s] and not q[s]}, ~q, ok)
    elif kind is ir.TemporalKind.ALWAYS_EVENTUALLY:
        area = _reach(g, {s for s in reached if not p[s]}, ~p, ok)
    else:
        area, accept = reached, ~p
    for size in range(1, len(area) + 1):
        for combo in itertools.combinations(sorted(area), size):
            S = set(combo)
            if accept is not None and not any(accept[s] for s in S):
                continue
            if _connected(g, S, ok) and _fair_set(g, fair, S, ok):
                return True
    return any(_stutters(g, fair, s) and (accept is None or accept[s]) for s in area)


def _check_lasso(
    g: Graph, fair: list[FairGroups], lasso: Lasso, p: Any, q: Any, kind: Any, a: Any = None
) -> None:
    goal_steps = _goal_steps(g, a)
    taken_all = [*lasso.edges, *([lasso.closing] if lasso.closing >= 0 else [])]
    states, edges = lasso.states, lasso.edges
    assert states[0] == 0 and len(edges) == len(states) - 1
    for (a, b), e in zip(itertools.pairwise(states), edges, strict=True):
        assert (int(g.src[e]), int(g.dst[e])) == (a, b)
    if lasso.loop is None:
        assert kind is ir.TemporalKind.ALWAYS and not p[states[-1]]
        return
    cycle = states[lasso.loop :]
    if lasso.closing >= 0:
        e = lasso.closing
        assert (int(g.src[e]), int(g.dst[e])) == (states[-1], states[lasso.loop])
        taken = [*edges[lasso.loop :], e]
        S = set(cycle)
        for f in fair:  # fair: with the cycle's own edges
            got = {int(f.group[int(g.inst[x])]) for x in taken if f.group[int(g.inst[x])] >= 0}
            for grp in range(f.count):
                on = [s for s in cycle if grp in _enabled(g, f, s)]
                must = bool(on) if f.strong else len(on) == len(cycle)
                assert not must or grp in got, (f, grp)
        assert S
    else:
        assert _stutters(g, fair, states[-1])
    if kind is ir.TemporalKind.EVENTUALLY:
        assert not any(p[s] for s in states)
        assert not any(goal_steps[e] for e in taken_all)
    elif kind is ir.TemporalKind.EVENTUALLY_ALWAYS:
        assert any(not p[s] for s in cycle)
    else:
        target = q if kind is ir.TemporalKind.LEADS_TO else p
        premise = p if kind is ir.TemporalKind.LEADS_TO else ~p
        start = len(states)  # the longest suffix without `target`: it holds the cycle
        while start > 0 and not target[states[start - 1]]:
            start -= 1
        assert start <= lasso.loop
        # a premise state in that suffix after which no step is a goal step (cycle included)
        assert any(
            premise[states[i]] and not any(goal_steps[e] for e in taken_all[min(i, lasso.loop) :])
            for i in range(start, len(states))
        )


@settings(max_examples=600, deadline=None)
@given(cases())
def test_the_checker_finds_a_violation_exactly_when_brute_force_does(case: Any) -> None:
    g, fair, preds, kind = case
    a = preds.pop("a")
    prop = ir.Liveness("prop", kind, ir.BoolLit(True), ir.BoolLit(True))
    steps = None if a is None else Pred("a", True)
    leads = kind is ir.TemporalKind.LEADS_TO
    p = Goal(Pred("p", False), None if leads else steps)
    q = Goal(Pred("q", False), steps) if leads else None
    lasso = Checker(g, fair).check(LiveCheck("prop", prop, p, q), {**preds, "a": a})
    expected = oracle(g, fair, preds["p"], preds["q"], kind, a)
    assert (lasso is not None) == expected
    if lasso is not None:
        _check_lasso(g, fair, lasso, preds["p"], preds["q"], kind, a)


def test_strong_fairness_rules_out_a_cycle_that_only_weak_fairness_allows() -> None:
    """0 <-> 1 by instance 0; from 0, instance 1 leaves to 2, where p holds. Strongly fair to
    instance 1 (enabled in 0 infinitely often on the cycle), a behaviour must leave: p is
    reached. Weakly fair, it need not (instance 1 is disabled in 1): a lasso 0 -> 1 -> 0."""
    g = Graph.of(3, [0], [0, 1, 0, 2], [1, 0, 2, 2], [0, 0, 1, 0])
    prop = ir.Liveness("p", ir.TemporalKind.EVENTUALLY, ir.BoolLit(True))
    check = LiveCheck("p", prop, Goal(Pred("p", False)), None)
    preds = {"p": np.array([False, False, True])}
    groups = np.array([0, 1, -1])
    assert Checker(g, [FairGroups(True, groups, 2)]).check(check, preds) is None
    lasso = Checker(g, [FairGroups(False, groups, 2)]).check(check, preds)
    assert lasso == Lasso([0, 1], [0], 0, 2)
    for strong in (True, False):
        assert oracle(g, [FairGroups(strong, groups, 2)], preds["p"], preds["p"], prop.kind) == (
            not strong
        )


def test_a_step_back_to_its_own_state_is_stuttering_and_does_not_meet_fairness() -> None:
    """In 0, instance 0 goes nowhere (a self-loop: a step that changes nothing) and instance 1
    moves to 1, where p holds; both are one weakly fair group, as TLA+'s WF_vars(A \\/ B). The
    group can change the state in 0, so a fair behaviour may not stay there: `<>p` holds (TLC
    agrees on the philosophers under WF_vars(\\E self : Philosopher(self)), where a hungry
    philosopher's Loop step can leave every variable unchanged). With only the self-loop
    fair, 0 may stutter for ever."""
    g = Graph.of(2, [0], [0, 0, 1], [0, 1, 1], [0, 1, 0])
    assert (g.src.tolist(), g.dst.tolist()) == ([0], [1])  # the self-loops are gone
    prop = ir.Liveness("p", ir.TemporalKind.EVENTUALLY, ir.BoolLit(True))
    check = LiveCheck("p", prop, Goal(Pred("p", False)), None)
    preds = {"p": np.array([False, True])}
    assert Checker(g, [FairGroups(False, np.array([0, 0]), 1)]).check(check, preds) is None
    lasso = Checker(g, [FairGroups(False, np.array([0, -1]), 1)]).check(check, preds)
    assert lasso == Lasso([0], [], 0)

"""Liveness on the explored state graph: `@liveness` properties under the spec's fairness.

After the safety search has explored every reachable state, an engine hands over the state
graph (`Graph`: states numbered in breadth-first order, every transition with its action
instance) and the truth of each property's state formulas in every state. A property fails
exactly when some fair behaviour violates it; a behaviour of a finite graph ends in a cycle, so
a violation is a reachable *fair cycle* on which the property's acceptance condition holds, and
the counterexample is a lasso: a shortest prefix, then that cycle.

- `eventually(p)`: a fair cycle reached from an initial state through `~p` states only;
- `leads_to(p, q)`: a state with `p & ~q`, and from it a fair cycle through `~q` states only
  (`always(eventually(p))` is `leads_to(True, p)`);
- `eventually(always(p))`: a fair cycle through a `~p` state;
- `always(p)`: a reachable `~p` state (no cycle needed).

Cycles are found as strongly connected components (scipy's), in the style of TLC's liveness
checker: a component is fair when every weakly fair action (group) enabled in all its states is
taken inside it, and every strongly fair one enabled in any of its states is taken inside it.
A component that breaks strong fairness is split — its states where an untaken strongly fair
action is enabled removed, the rest decomposed again — as in Emerson-Lei's algorithm. Stuttering
follows TLA+: a behaviour may stay in a state forever when no fairness condition's action is
enabled there (without fairness, everywhere), which is a cycle of no steps. A step that changes
nothing (an action instance back to its own state) *is* a stuttering step: TLA+'s `WF_vars(A)`
asks for `<<A>>_vars` steps, which change `vars`, and is owed only where one is enabled — so the
graph leaves such steps out, and they neither enable nor satisfy a fairness condition (TLC
agrees: a philosopher that only keeps waiting does not make `WF_vars(Philosopher)` hold by
stuttering, tests/spec/test_liveness_ports.py).

Both engines build the same graph (same numbering, edges sorted), so their verdicts and lassos
are identical.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, assert_never

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

from checker import ir
from checker.explicit.liveprops import (
    EnabledIn,
    FairGroups,
    Goal,
    Junction,
    LiveCheck,
    Mask,
    Negation,
    Pred,
    Same,
)

# -- the graph -------------------------------------------------------------------------------


@dataclass
class Graph:
    """States 0..n-1 (breadth-first order), the initial ones, and every transition that
    changes the state: source, target and the global action instance (the instances of action
    k are numbered from `offsets[k]`), sorted by (source, instance, target). A transition back
    to its source is a stuttering step (see the module doc) and is left out."""

    n: int
    inits: Any  # int64 ids
    src: Any
    dst: Any
    inst: Any

    @staticmethod
    def of(n: int, inits: Iterable[int], src: Any, dst: Any, inst: Any) -> Graph:
        src, dst, inst = (np.asarray(a, dtype=np.int64) for a in (src, dst, inst))
        moves = src != dst  # a step back to its own state stutters: not a <<A>>_vars step
        src, dst, inst = src[moves], dst[moves], inst[moves]
        order = np.lexsort((dst, inst, src))
        edges = (src[order], dst[order], inst[order])
        keep = np.ones(order.size, dtype=bool)  # one edge per (source, instance, target)
        keep[1:] = np.any([a[1:] != a[:-1] for a in edges], axis=0) if order.size else keep[1:]
        src, dst, inst = (a[keep] for a in edges)
        return Graph(n, np.unique(np.asarray(list(inits), dtype=np.int64)), src, dst, inst)


# -- the check -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lasso:
    """A counterexample: `states` (ids), `edges` between consecutive ones (indices into the
    graph's edge arrays), and where the cycle starts: the last state's successor is
    `states[loop]`, by `closing` (an edge index, or -1: it stutters). `loop` None: no cycle
    (an `always(p)` violation ends in its bad state)."""

    states: list[int]
    edges: list[int]
    loop: int | None
    closing: int = -1


class Checker:
    """The liveness properties of one explored graph."""

    def __init__(self, g: Graph, fairness: Sequence[FairGroups]) -> None:
        self.g = g
        self.fairness = fairness
        n = g.n
        self.indptr = np.searchsorted(g.src, np.arange(n + 1)).astype(np.int64)
        # per condition: its (state, group) pairs where the group is enabled
        self.enabled: list[Any] = []
        self.edge_group: list[Any] = []
        stutter = np.ones(n, dtype=bool)  # a state may stutter for ever: nothing fair enabled
        for f in fairness:
            eg = f.group[g.inst] if g.inst.size else np.zeros(0, dtype=np.int64)
            self.edge_group.append(eg)
            mine = eg >= 0
            pairs = np.unique(g.src[mine] * f.count + eg[mine])
            self.enabled.append(pairs)
            stutter[pairs // f.count] = False
        self.stutter = stutter
        self._ok = np.ones(g.src.size, dtype=bool)  # the edges the current search may take

    def check(self, c: LiveCheck, preds: Mapping[str, Any]) -> Lasso | None:
        """The lasso of a fair behaviour that violates `c`, or None. `preds` holds each
        PREDICATE's truth per state and each STEP_PREDICATE's per edge."""
        p, p_steps = self._goal(c.p, preds)
        everything = np.ones(self.g.n, dtype=bool)
        kind = c.prop.kind
        match kind:
            case ir.TemporalKind.ALWAYS:
                return self._bad_state(~p)
            case ir.TemporalKind.EVENTUALLY:  # avoiding the goal's states and steps
                return self._fair_cycle(self._initial() & ~p, ~p, ~p_steps, None)
            case ir.TemporalKind.LEADS_TO:
                assert c.q is not None
                q, q_steps = self._goal(c.q, preds)
                return self._fair_cycle(p & ~q, ~q, ~q_steps, None)
            case ir.TemporalKind.ALWAYS_EVENTUALLY:
                return self._fair_cycle(~p, ~p, ~p_steps, None)
            case ir.TemporalKind.EVENTUALLY_ALWAYS:
                every_edge = np.ones(self.g.src.size, dtype=bool)
                return self._fair_cycle(self._initial(), everything, every_edge, ~p)
            case _:
                assert_never(kind)

    def _goal(self, goal: Goal, preds: Mapping[str, Any]) -> tuple[Any, Any]:
        """Where `goal` holds: per state (its state part), and per edge (its step part; the
        graph's edges all change the state, as TLA+'s `<<A>>_vars` steps do)."""
        g = self.g
        states = np.zeros(g.n, dtype=bool)
        steps = np.zeros(g.src.size, dtype=bool)
        if goal.states is not None:
            states = self._mask(goal.states, preds, False)
        if goal.steps is not None:
            steps = self._mask(goal.steps, preds, True)
        return states, steps

    def _mask(self, m: Mask, preds: Mapping[str, Any], edges: bool) -> Any:
        """The truth of `m` per state, or per edge (`edges`: state formulas in its source)."""
        match m:
            case Pred():
                value = np.asarray(preds[m.name], dtype=bool)
                return value[self.g.src] if edges and not m.step else value
            case EnabledIn():
                on = np.zeros(self.g.n, dtype=bool)
                on[self.g.src[np.isin(self.g.inst, m.instances)]] = True
                return on[self.g.src] if edges else on
            case Negation():
                return ~self._mask(m.arg, preds, edges)
            case Junction():
                parts = [self._mask(a, preds, edges) for a in m.args]
                size = self.g.src.size if edges else self.g.n
                if not parts:
                    return np.full(size, m.conj, dtype=bool)
                return np.logical_and.reduce(parts) if m.conj else np.logical_or.reduce(parts)
            case Same():
                return self._mask(m.left, preds, edges) == self._mask(m.right, preds, edges)
            case _:
                assert_never(m)

    def _initial(self) -> Any:
        mask = np.zeros(self.g.n, dtype=bool)
        mask[self.g.inits] = True
        return mask

    # -- search ---------------------------------------------------------------------------

    def _bfs(
        self, sources: Sequence[int], allowed: Any, goal: Any
    ) -> tuple[list[int], list[int]] | None:
        """A shortest path (states, edges) from one of `sources` to a `goal` state, through
        `allowed` states."""
        parent: dict[int, tuple[int, int]] = {}
        queue: deque[int] = deque()
        for s in sources:
            if allowed[s] and s not in parent:
                parent[s] = (-1, -1)
                queue.append(s)
        src_end = self.indptr
        while queue:
            s = queue.popleft()
            if goal[s]:
                return _unwind(parent, s)
            for e in range(int(src_end[s]), int(src_end[s + 1])):
                t = int(self.g.dst[e])
                if allowed[t] and t not in parent:
                    parent[t] = (s, e)
                    queue.append(t)
        return None

    def _bad_state(self, bad: Any) -> Lasso | None:
        found = self._bfs(self.g.inits.tolist(), np.ones(self.g.n, dtype=bool), bad)
        return None if found is None else Lasso(found[0], found[1], None)

    def _reachable(self, starts: Any, allowed: Any, ok: Any | None = None) -> Any:
        """The states reachable from `starts` through `allowed` states (starts included), by
        `ok` edges (None: any)."""
        seen = starts & allowed
        frontier = np.flatnonzero(seen)
        while frontier.size:
            lo, hi = self.indptr[frontier], self.indptr[frontier + 1]
            idx = _ranges(lo, hi)
            nxt = np.unique(self.g.dst[idx if ok is None else idx[ok[idx]]])
            nxt = nxt[allowed[nxt] & ~seen[nxt]]
            seen[nxt] = True
            frontier = nxt
        return seen

    def _fair_cycle(self, starts: Any, allowed: Any, ok: Any, accept: Any | None) -> Lasso | None:
        """A lasso to a fair cycle among the `allowed` states reachable from `starts` (from
        an initial state: first through any states to a start, then through allowed ones and
        `ok` edges), through an `accept` state when given."""
        self._ok = ok
        area = self._reachable(starts & self._reached(), allowed, ok)
        components = self._fair_components(area, accept)
        target = np.zeros(self.g.n, dtype=bool)
        member = np.full(self.g.n, -1, dtype=np.int64)
        for i, comp in enumerate(components):
            target[comp] = True
            member[comp] = np.where(member[comp] < 0, i, member[comp])
        stutter = area & self.stutter if accept is None else area & self.stutter & accept
        target |= stutter
        if not target.any():
            return None
        prefix = self._prefix(starts, allowed, target)
        assert prefix is not None, "a fair cycle is reachable but no path to it was found"
        states, edges = prefix
        end = states[-1]
        if stutter[end] or member[end] < 0:  # stutter for ever: the shortest cycle
            return Lasso(states, edges, len(states) - 1)
        cycle_states, cycle_edges = self._cycle(end, components[member[end]], accept)
        closing = cycle_edges.pop()
        return Lasso(states + cycle_states[1:-1], edges + cycle_edges, len(states) - 1, closing)

    def _reached(self) -> Any:
        return self._reachable(self._initial(), np.ones(self.g.n, dtype=bool))

    def _prefix(self, starts: Any, allowed: Any, target: Any) -> tuple[list[int], list[int]] | None:
        """A shortest path from an initial state to a start (through any states), then on to a
        target (through allowed states): a breadth-first search of the two phases."""
        root = (-1, -1)
        parent: dict[tuple[int, int], tuple[tuple[int, int], int]] = {}
        queue: deque[tuple[int, int]] = deque()

        def visit(node: tuple[int, int], via: tuple[tuple[int, int], int]) -> None:
            if node in parent:
                return
            parent[node] = via
            queue.append(node)
            s, phase = node
            if phase == 0 and starts[s] and allowed[s]:
                visit((s, 1), (node, -1))  # the second phase starts here, with no step

        for s in self.g.inits.tolist():
            visit((s, 0), (root, -1))
        while queue:
            node = queue.popleft()
            s, phase = node
            if phase == 1 and target[s]:
                chain = []
                while node != root:
                    prev, e = parent[node]
                    chain.append((node[0], e))
                    node = prev
                states: list[int] = []
                edges: list[int] = []
                for state, e in reversed(chain):
                    if e < 0 and states and states[-1] == state:
                        continue  # the change of phase
                    if e >= 0:
                        edges.append(e)
                    states.append(state)
                return states, edges
            for e in range(int(self.indptr[s]), int(self.indptr[s + 1])):
                t = int(self.g.dst[e])
                if phase == 0 or (allowed[t] and self._ok[e]):
                    visit((t, phase), (node, e))
        return None

    # -- fair components --------------------------------------------------------------------

    def _components(self, area: Any) -> list[Any]:
        """The non-trivial strongly connected components of the subgraph on `area` (the
        graph has no self-loops: one state alone is no cycle, but may stutter)."""
        g = self.g
        inside = area[g.src] & area[g.dst] & self._ok
        if not inside.any():
            return []
        m = csr_matrix(
            (np.ones(int(inside.sum()), dtype=np.int8), (g.src[inside], g.dst[inside])),
            shape=(g.n, g.n),
        )
        _, labels = connected_components(m, directed=True, connection="strong")
        labels = np.where(area, labels, -1)
        order = np.argsort(labels, kind="stable")
        order = order[labels[order] >= 0]
        sizes = np.bincount(labels[order])
        out = []
        start = 0
        for size in sizes.tolist():
            comp = order[start : start + size]
            start += size
            if size > 1:
                out.append(np.sort(comp))
        out.sort(key=lambda c: int(c[0]))
        return out

    def _fair_components(self, area: Any, accept: Any | None) -> list[Any]:
        work = self._components(area)
        fair = []
        while work:
            comp = work.pop()
            verdict = self._unfair(comp)
            if verdict is None:
                if accept is None or accept[comp].any():
                    fair.append(comp)
            elif verdict.size:  # strong fairness broken: drop where it is enabled, split again
                rest = np.zeros(self.g.n, dtype=bool)
                rest[np.setdiff1d(comp, verdict)] = True
                work.extend(self._components(rest))
        fair.sort(key=lambda c: int(c[0]))
        return fair

    def _inside(self, comp: Any) -> Any:
        mask = np.zeros(self.g.n, dtype=bool)
        mask[comp] = True
        return mask[self.g.src] & mask[self.g.dst] & self._ok, mask

    def _unfair(self, comp: Any) -> Any | None:
        """None if the component is fair; else the states to drop (empty: no cycle in it is
        fair, a weak fairness condition broken everywhere)."""
        inside, mask = self._inside(comp)
        drop: list[Any] = []
        for f, pairs, eg in zip(self.fairness, self.enabled, self.edge_group, strict=True):
            taken = np.unique(eg[inside & (eg >= 0)])
            here = pairs[mask[pairs // f.count]]
            states, groups = here // f.count, here % f.count
            untaken = ~np.isin(groups, taken)
            if not untaken.any():
                continue
            if f.strong:
                drop.append(states[untaken])
            else:
                everywhere = np.bincount(groups[untaken], minlength=f.count) == comp.size
                if everywhere.any():
                    return np.zeros(0, dtype=np.int64)
        return np.unique(np.concatenate(drop)) if drop else None

    def _cycle(self, start: int, comp: Any, accept: Any | None) -> tuple[list[int], list[int]]:
        """A cycle from `start` through the component that makes it fair: it takes an edge of
        each fair group taken inside the component, visits a state where each untaken weakly
        fair group is disabled, and an `accept` state; greedily, nearest requirement first."""
        inside, mask = self._inside(comp)
        short = self._bfs_inside(start, inside, mask, lambda s: s == start, leave=True)
        if self._fair_on(short[0][:-1], short[1], accept):  # the shortest cycle may do
            return short
        need_edge: set[tuple[int, int]] = set()  # (condition, group) to take
        need_off: dict[tuple[int, int], Any] = {}  # (condition, group) -> states it is off in
        for c, (f, pairs, eg) in enumerate(
            zip(self.fairness, self.enabled, self.edge_group, strict=True)
        ):
            taken = set(np.unique(eg[inside & (eg >= 0)]).tolist())
            here = pairs[mask[pairs // f.count]]
            for grp in sorted(set((here % f.count).tolist())):
                if grp in taken:
                    need_edge.add((c, grp))
                else:  # weak, and disabled somewhere here
                    on = here[here % f.count == grp] // f.count
                    need_off[(c, grp)] = np.setdiff1d(comp, on)
        off_at: dict[int, set[tuple[int, int]]] = {}
        for key, states in need_off.items():
            for s in states.tolist():
                off_at.setdefault(s, set()).add(key)
        missing_accept = [accept is not None and not accept[start]]
        states, edges = [start], []
        pos = start
        self._tick(pos, off_at, need_off)

        def arrive(t: int, e: int) -> None:
            states.append(t)
            edges.append(e)
            need_edge.difference_update(self._groups_of(e))
            self._tick(t, off_at, need_off)
            if accept is not None and accept[t]:
                missing_accept[0] = False

        def useful(s: int) -> bool:
            if missing_accept[0] and accept is not None and accept[s]:
                return True
            if any(k in need_off for k in off_at.get(s, ())):
                return True
            return any(self._groups_of(e) & need_edge for e in self._out(s, inside))

        while need_edge or need_off or missing_accept[0]:
            path_states, path_edges = self._bfs_inside(pos, inside, mask, useful)
            for t, e in zip(path_states[1:], path_edges, strict=True):
                arrive(t, e)
            pos = states[-1]
            for e in self._out(pos, inside):
                if self._groups_of(e) & need_edge:
                    arrive(int(self.g.dst[e]), e)
                    pos = states[-1]
                    break
        if pos != start or not edges:
            back_states, back_edges = self._bfs_inside(
                pos, inside, mask, lambda s: s == start, leave=True
            )
            states += back_states[1:]
            edges += back_edges
        return states, edges

    def _fair_on(self, states: list[int], edges: list[int], accept: Any | None) -> bool:
        """Whether going round `states` by `edges` for ever is fair (and visits `accept`)."""
        if accept is not None and not any(accept[s] for s in states):
            return False
        for c, (f, pairs) in enumerate(zip(self.fairness, self.enabled, strict=True)):
            taken = {g for (cond, g) in set().union(*map(self._groups_of, edges)) if cond == c}
            on = [
                set(
                    (
                        pairs[
                            np.searchsorted(pairs, s * f.count) : np.searchsorted(
                                pairs, (s + 1) * f.count
                            )
                        ]
                        % f.count
                    ).tolist()
                )
                for s in states
            ]
            every, some = set.intersection(*on), set.union(*on)
            if not (every if not f.strong else some) <= taken:
                return False
        return True

    def _tick(
        self, s: int, off_at: dict[int, set[tuple[int, int]]], need_off: dict[tuple[int, int], Any]
    ) -> None:
        for key in off_at.get(s, ()):
            need_off.pop(key, None)

    def _out(self, s: int, inside: Any) -> list[int]:
        return [e for e in range(int(self.indptr[s]), int(self.indptr[s + 1])) if inside[e]]

    def _groups_of(self, e: int) -> set[tuple[int, int]]:
        return {(c, int(eg[e])) for c, eg in enumerate(self.edge_group) if eg[e] >= 0}

    def _bfs_inside(
        self, start: int, inside: Any, mask: Any, goal: Any, leave: bool = False
    ) -> tuple[list[int], list[int]]:
        """A shortest path inside the component from `start` to a state satisfying `goal`
        (`leave`: at least one step)."""
        if not leave and goal(start):
            return [start], []
        parent: dict[int, tuple[int, int]] = {}
        queue: deque[int] = deque([start])
        while queue:
            s = queue.popleft()
            for e in self._out(s, inside):
                t = int(self.g.dst[e])
                if t in parent or (t == start and not goal(t)):
                    continue
                parent[t] = (s, e)
                if goal(t):
                    return _unwind(parent, t, root=start)
                queue.append(t)
        raise AssertionError("a strongly connected component is not strongly connected")


def _unwind(
    parent: Mapping[int, tuple[int, int]], s: int, root: int | None = None
) -> tuple[list[int], list[int]]:
    """The path that the breadth-first `parent` links give to `s`, from a source (or from
    `root`: a cycle's path may come back to where it started)."""
    states, edges = [s], []
    while True:
        prev, e = parent.get(s, (-1, -1))
        if e < 0:
            break
        edges.append(e)
        states.append(prev)
        s = prev
        if prev == root:
            break
    return states[::-1], edges[::-1]


def _ranges(lo: Any, hi: Any) -> Any:
    """The concatenation of the integer ranges lo[i]..hi[i]-1."""
    sizes = hi - lo
    total = int(sizes.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    starts = np.repeat(lo - np.concatenate([[0], np.cumsum(sizes)[:-1]]), sizes)
    return starts + np.arange(total)

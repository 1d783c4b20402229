"""Breadth-first search a frontier slice at a time, with results identical to the reference
engine's (`explicit.search`): the same states in the same order, the same counts, coverage,
depth and counterexample.

A BFS level is cut into *groups* of consecutive states. Expanding a group (`_expand`) runs every
action over all its states at once, canonicalises and fingerprints the successors, drops those
already in the visited set, and keeps, for each remaining distinct state, the successor that
found it first in the reference engine's order: the smallest key (parent, action instance),
where instances are numbered action by action in parameter order. It also evaluates the action
properties on every transition, and the invariants and constraints on the group's new states.
Expansions of later groups run on worker threads while the main thread *settles* groups in
order (`_settle`): it looks the group's new states up once more (an earlier group may have
stored them meanwhile), stores what is still new, and inserts it into the visited set.

The reference engine stops at the first violation in its order; settling finds the earliest
event of a group by key (an action property failing on a transition; a new state breaking an
invariant; a state without successors, under --deadlock) and reports exactly what the
reference engine had counted when it met that event.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from checker import ir
from checker.explicit.checkpoint import Checkpointer, Position
from checker.explicit.vector.canon import VectorSymmetry
from checker.explicit.vector.compiler import VectorLimits, compile_vector
from checker.explicit.vector.store import StateStore, ints_to_rows, rows_to_ints
from checker.explicit.vector.table import VisitedTable, collision_probability, fingerprint

if TYPE_CHECKING:
    from checker.explicit.search import Engine, SearchResult, Violation

GROUP_ROWS = 1 << 14  # states expanded together
AHEAD = 2  # groups in flight per worker: expanded ahead of the one being settled


@dataclass
class Expansion:
    """What expanding one group found (positions are within the group's candidates)."""

    start: int  # store index of the group's first state
    size: int
    parent: Any  # per candidate: its parent's position in the group
    inst: Any  # per candidate: its global action-instance index
    key: Any  # per candidate: parent * stride + inst, the reference engine's order
    fired: Any  # per action: candidates (enabled instances) over the group
    raw: list[Any]  # the successors as W columns, before canonicalisation
    # Candidates that may be new: distinct, not in the visited set when looked up, in key order.
    new: Any
    new_cols: list[Any]
    new_h: Any
    new_ok: Any  # per new state: the constraints hold
    bad_invariant: Any  # per new state: index of the first failing invariant, or -1
    action_event: tuple[int, int, str] | None  # (key, candidate, property) of the first failure
    deadlock: int | None  # position of the first state without successors


@dataclass
class Event:
    key: int
    kind: str  # "action_property" | "invariant" | "deadlock"
    name: str
    candidate: int  # the transition or new state's candidate position (-1 for deadlock)
    parent: int  # position of the parent (or of the deadlocked state) in the group


class VectorSearch:
    def __init__(self, engine: Engine, limits: VectorLimits | None = None) -> None:
        self.engine = engine
        self.options = engine.options
        self.vspec = compile_vector(engine.inst, engine.layout, limits)
        self.words = self.vspec.words
        counts = np.array(self.vspec.instances, dtype=np.int64)
        self.offsets = np.concatenate([[0], np.cumsum(counts)])
        self.stride = int(self.offsets[-1]) + 1  # room for the deadlock key after every instance
        self.action_of = np.repeat(np.arange(len(counts)), counts)
        self.store = StateStore(self.words)
        self.table = VisitedTable(self.options.exact, self.store.gather)
        self.canon = VectorSymmetry(engine.symmetry, self.words) if engine.symmetry else None
        props = self.vspec.properties
        self.invariants = [(p.name, props[p.name]) for p in engine.invariants]
        self.action_properties = [(p.name, props[p.name]) for p in engine.action_properties]
        self.constraints = [
            props[p.name] for p in engine.spec.properties_of(ir.PropertyKind.CONSTRAINT)
        ]

    # -- expanding a group (worker threads) --------------------------------------------------

    def _expand(self, a: int, b: int) -> Expansion:
        n = b - a
        X = self.store.columns(a, b)
        insts, parents, succs = [], [], []
        for k, act in enumerate(self.vspec.actions):
            offset = int(self.offsets[k])
            for j, rows, Y in act(X, n):
                insts.append(np.full(rows.size, offset + j, dtype=np.int64))
                parents.append(rows)
                succs.append(Y)
        if insts:
            inst = np.concatenate(insts)
            parent = np.concatenate(parents)
            raw = [np.concatenate([Y[w] for Y in succs]) for w in range(self.words)]
        else:
            inst = np.zeros(0, dtype=np.int64)
            parent = np.zeros(0, dtype=np.intp)
            raw = [np.zeros(0, dtype=np.uint64) for _ in range(self.words)]
        key = parent * self.stride + inst
        fired = np.bincount(self.action_of[inst], minlength=len(self.vspec.actions))
        action_event = self._action_event(X, parent, raw, key)
        deadlock = None
        if self.options.deadlock:
            idle = np.flatnonzero(np.bincount(parent, minlength=n) == 0)
            deadlock = int(idle[0]) if idle.size else None
        cols = self.canon.canonical(raw) if self.canon else raw
        h = fingerprint(cols) if key.size else np.zeros(0, dtype=np.uint64)
        # One candidate per distinct successor, the first in key order; then those not visited.
        in_key_order = np.argsort(parent.astype(np.uint16), kind="stable")  # inst is sorted
        reps = self._first_occurrences(in_key_order, h, cols)
        new = reps[~self.table.lookup(h[reps], cols, reps)]
        new_cols = [c[new] for c in cols]
        new_ok = np.ones(new.size, dtype=bool)
        for constraint in self.constraints:
            new_ok &= constraint(new_cols, new.size)
        bad_invariant = np.full(new.size, -1, dtype=np.int64)
        for i, (_, fn) in enumerate(self.invariants):
            fails = np.flatnonzero(~fn(new_cols, new.size) & (bad_invariant < 0))
            bad_invariant[fails] = i
        return Expansion(
            a,
            n,
            parent,
            inst,
            key,
            fired,
            raw,
            new,
            new_cols,
            h[new],
            new_ok,
            bad_invariant,
            action_event,
            deadlock,
        )

    def _action_event(
        self, X: list[Any], parent: Any, raw: list[Any], key: Any
    ) -> tuple[int, int, str] | None:
        """The first transition (by key) on which an action property fails, and the first
        property (in declaration order) that fails on it."""
        if not self.action_properties or key.size == 0:
            return None
        pre = [x[parent] for x in X]
        fails = [~fn(pre, raw, key.size) for _, fn in self.action_properties]
        bad = np.flatnonzero(np.logical_or.reduce(fails))
        if bad.size == 0:
            return None
        first = int(bad[np.argmin(key[bad])])
        name = next(n for (n, _), f in zip(self.action_properties, fails, strict=True) if f[first])
        return int(key[first]), first, name

    def _first_occurrences(self, cand: Any, h: Any, cols: list[Any]) -> Any:
        """Of the candidates `cand` (given in key order), one per distinct state: the first;
        returned in key order. In exact mode states that share a fingerprint are told apart by
        comparing them; with fingerprints, sharing one means being one state."""
        if cand.size == 0:
            return cand
        exact = [c[cand] for c in cols] if self.options.exact else []
        return cand[_firsts(h[cand], exact)]

    # -- settling a group (main thread, in order) --------------------------------------------

    def _settle(self, ex: Expansion) -> tuple[Any, Event | None]:
        """The group's new states (positions in `ex.new`) and its first event, if any."""
        keep = np.flatnonzero(ex.new_ok)
        if keep.size:
            still = ~self.table.lookup(ex.new_h[keep], ex.new_cols, keep)
            keep = keep[still]
        events: list[Event] = []
        if ex.action_event is not None:
            k, cand, name = ex.action_event
            events.append(Event(k, "action_property", name, cand, int(ex.parent[cand])))
        bad = keep[ex.bad_invariant[keep] >= 0]
        if bad.size:
            cand = int(ex.new[bad[0]])
            name = self.invariants[int(ex.bad_invariant[bad[0]])][0]
            events.append(Event(int(ex.key[cand]), "invariant", name, cand, int(ex.parent[cand])))
        if ex.deadlock is not None:
            k = ex.deadlock * self.stride + self.stride - 1
            events.append(Event(k, "deadlock", "deadlock", -1, ex.deadlock))
        order = {"action_property": 0, "invariant": 1, "deadlock": 2}
        event = min(events, key=lambda e: (e.key, order[e.kind])) if events else None
        return keep, event

    # -- the search --------------------------------------------------------------------------

    def run(self) -> SearchResult:
        from checker.explicit.search import ActionCoverage

        e = self.engine
        started = time.monotonic()
        k_actions = len(self.vspec.actions)
        fired = np.zeros(k_actions, dtype=np.int64)
        distinct = np.zeros(k_actions, dtype=np.int64)

        def result(
            depth: int, transitions: int, violation: Violation | None, complete: bool
        ) -> SearchResult:
            coverage = [
                ActionCoverage(int(f), int(d)) for f, d in zip(fired, distinct, strict=True)
            ]
            out = e._result(
                len(self.store), depth, transitions, started, coverage, violation, complete
            )
            out.engine = "vector"
            out.workers = self.options.workers
            if not self.options.exact:
                out.collision_probability = collision_probability(len(self.store))
            return out

        checkpointer = e._checkpointer(True)
        resumed: Position | None = None
        if checkpointer is not None and self.options.resume:
            resumed = self._resume(checkpointer)
        elif checkpointer is not None:
            checkpointer.start()
        if resumed is None:
            bad = self._initial_states()
            if bad is not None:
                return result(1, 0, bad, True)
        transitions = 0
        max_seen_depth = 1 if len(self.store) else 0
        complete = True
        # [cursor, level_end) is the level being expanded, its states at depth `depth`.
        cursor, level_end, depth = 0, len(self.store), 1
        if resumed is not None:
            cursor = level_end = resumed.cursor
            depth, transitions = resumed.depth, resumed.transitions
            max_seen_depth, complete = resumed.max_seen_depth, resumed.complete
            fired[:] = [f for f, _ in resumed.coverage]
            distinct[:] = [d for _, d in resumed.coverage]
        next_checkpoint = time.monotonic() + self.options.checkpoint_every
        next_report = started + _progress_after()
        workers = max(1, self.options.workers)
        pool = ThreadPoolExecutor(workers) if workers > 1 else None
        try:
            while True:
                if cursor == level_end:
                    if checkpointer is not None and (
                        level_end == len(self.store) or time.monotonic() >= next_checkpoint
                    ):
                        coverage = [(int(f), int(d)) for f, d in zip(fired, distinct, strict=True)]
                        position = Position(
                            cursor, depth, transitions, max_seen_depth, coverage, complete
                        )
                        checkpointer.save(len(self.store), self._records, position)
                        next_checkpoint = time.monotonic() + self.options.checkpoint_every
                    if level_end == len(self.store):
                        break
                    level_end = len(self.store)
                    depth += 1
                if self.options.max_depth is not None and depth >= self.options.max_depth:
                    complete = False  # this level's states are not expanded
                    cursor = level_end
                    continue
                for ex in self._expansions(pool, cursor, level_end, workers):
                    keep, event = self._settle(ex)
                    if event is not None:
                        return self._stop(
                            ex,
                            keep,
                            event,
                            depth,
                            transitions,
                            fired,
                            distinct,
                            max_seen_depth,
                            result,
                        )
                    self._store_new(ex, keep)
                    if keep.size:
                        max_seen_depth = depth + 1
                    transitions += int(ex.key.size)
                    fired += ex.fired
                    distinct += np.bincount(
                        self.action_of[ex.inst[ex.new[keep]]], minlength=k_actions
                    )
                    if self.options.progress is not None and time.monotonic() >= next_report:
                        next_report = time.monotonic() + _progress_every()
                        self._report(started, len(self.store) - ex.start - ex.size, max_seen_depth)
                cursor = level_end
        finally:
            if pool is not None:
                pool.shutdown(cancel_futures=True)
        return result(max_seen_depth, transitions, None, complete)

    def _expansions(
        self, pool: ThreadPoolExecutor | None, a: int, b: int, workers: int
    ) -> Iterator[Expansion]:
        """The expansions of the groups of [a, b), in order; with a pool, later groups are
        expanded on the workers while the caller settles earlier ones."""
        starts = range(a, b, GROUP_ROWS)
        if pool is None:
            for s in starts:
                yield self._expand(s, min(s + GROUP_ROWS, b))
            return
        pending: deque[Future[Expansion]] = deque()
        submitted = 0
        while submitted < len(starts) or pending:
            while submitted < len(starts) and len(pending) < workers * AHEAD:
                s = starts[submitted]
                pending.append(pool.submit(self._expand, s, min(s + GROUP_ROWS, b)))
                submitted += 1
            yield pending.popleft().result()

    def _store_new(self, ex: Expansion, keep: Any) -> None:
        if keep.size == 0:
            return
        first = len(self.store)
        cols = [c[keep] for c in ex.new_cols]
        self.store.append(cols, ex.start + ex.parent[ex.new[keep]])
        self.table.insert(ex.new_h[keep], np.arange(first, first + keep.size))

    def _stop(
        self,
        ex: Expansion,
        keep: Any,
        event: Event,
        depth: int,
        transitions: int,
        fired: Any,
        distinct: Any,
        max_seen_depth: int,
        result: Callable[..., SearchResult],
    ) -> SearchResult:
        """Store what the reference engine had stored when it met `event`, count what it had
        counted, and report the violation with its trace."""
        from checker.explicit.search import Violation

        new_keys = ex.key[ex.new[keep]]
        upto = new_keys <= event.key if event.kind == "invariant" else new_keys < event.key
        stored = keep[upto]
        first = len(self.store)
        self._store_new(ex, stored)
        if event.kind == "deadlock":
            bound = event.parent * self.stride - 1
        else:  # every instance of the event's action and of the actions before it, at its parent
            k = int(self.action_of[ex.inst[event.candidate]])
            bound = event.parent * self.stride + int(self.offsets[k + 1]) - 1
        counted = ex.key <= bound
        fired += np.bincount(self.action_of[ex.inst[counted]], minlength=len(fired))
        distinct += np.bincount(self.action_of[ex.inst[ex.new[stored]]], minlength=len(fired))
        transitions += int(counted.sum())
        e = self.engine
        if event.kind == "invariant":
            end = first + int(np.flatnonzero(ex.new[stored] == event.candidate)[0])
            trace = e.trace_to(self._path(end))
            return result(depth + 1, transitions, Violation("invariant", event.name, trace), True)
        parent = ex.start + event.parent
        trace = e.trace_to(self._path(parent))
        if event.kind == "action_property":
            t = rows_to_ints(np.stack([c[[event.candidate]] for c in ex.raw], axis=1))[0]
            trace.append(e._extra_step(self.store.state(parent), t, trace[-1]))
            return result(
                depth + 1, transitions, Violation("action_property", event.name, trace), True
            )
        deepest = depth + 1 if stored.size else max_seen_depth
        return result(deepest, transitions, Violation("deadlock", "deadlock", trace), True)

    def _path(self, index: int) -> list[int]:
        """The stored states from an initial state to state `index`."""
        ids = []
        while index >= 0:
            ids.append(index)
            index = self.store.parent(index)
        return [self.store.state(i) for i in reversed(ids)]

    def _initial_states(self) -> Violation | None:
        """Store the initial states as the reference engine does: in order, those that satisfy
        the constraints, once each (canonical forms under symmetry), stopping at the first one
        that breaks an invariant."""
        from checker.explicit.search import Violation

        e = self.engine
        inits = [x for _, _, x in e.inits]
        if not inits:
            return None
        cols = list(np.ascontiguousarray(ints_to_rows(inits, self.words).T))
        ok = np.ones(len(inits), dtype=bool)
        for constraint in self.constraints:
            ok &= constraint(cols, len(inits))
        canon = e._canon()
        states = list(
            dict.fromkeys(
                canon(x) if canon else x for x, good in zip(inits, ok, strict=True) if good
            )
        )
        if not states:
            return None
        cols = list(np.ascontiguousarray(ints_to_rows(states, self.words).T))
        for i in range(len(states)):
            bad = next(
                (
                    name
                    for name, fn in self.invariants
                    if not fn([c[i : i + 1] for c in cols], 1)[0]
                ),
                None,
            )
            if bad is not None:
                self._store_ints(states[: i + 1], [-1] * (i + 1))
                return Violation("invariant", bad, e.trace_to([states[i]]))
        self._store_ints(states, [-1] * len(states))
        return None

    def _store_ints(self, states: Sequence[int], parents: Sequence[int]) -> None:
        rows = ints_to_rows(states, self.words)
        first = len(self.store)
        self.store.append_rows(rows, np.asarray(parents, dtype=np.int64))
        h = fingerprint(list(np.ascontiguousarray(rows.T)))
        self.table.insert(h, np.arange(first, first + len(states)))

    # -- checkpoints and progress ------------------------------------------------------------

    def _records(self, start: int) -> tuple[bytes, bytes]:
        count = len(self.store)
        if start >= count:
            return b"", b""
        width = max(1, (self.engine.layout.total_bits + 7) // 8)
        rows = np.ascontiguousarray(self.store.row_block(start, count), dtype="<u8")
        data = rows.view(np.uint8).reshape(count - start, self.words * 8)[:, :width].tobytes()
        return data, self.store.parents_range(start, count).astype("<i8").tobytes()

    def _resume(self, checkpointer: Checkpointer) -> Position:
        raw, parent_bytes, stored, position = checkpointer.load_raw()
        width = checkpointer.width
        padded = np.zeros((stored, self.words * 8), dtype=np.uint8)
        padded[:, :width] = np.frombuffer(raw, dtype=np.uint8).reshape(stored, width)
        rows = padded.view("<u8").astype(np.uint64)
        parents = np.frombuffer(parent_bytes, dtype="<i8").astype(np.int64)
        for a in range(0, stored, 1 << 20):
            b = min(stored, a + (1 << 20))
            self.store.append_rows(rows[a:b], parents[a:b])
            h = fingerprint(list(np.ascontiguousarray(rows[a:b].T)))
            self.table.insert(h, np.arange(a, b))
        return position

    def _report(self, started: float, queue: int, depth: int) -> None:
        from checker.explicit.search import Progress

        now = time.monotonic()
        assert self.options.progress is not None
        self.options.progress(
            Progress(
                len(self.store), queue, depth, len(self.store) / (now - started), now - started
            )
        )


def _firsts(h: Any, cols: list[Any]) -> Any:
    """Ranks of the first occurrence of each distinct state in a sequence of states (their
    fingerprints `h`, and their words `cols` when states must be compared), sorted.

    The fingerprints are sorted with their low bits replaced by the rank: equal high bits come
    together, each group's first element is its first occurrence, and one sort of uint64s (fast
    in numpy, unlike argsort) does it. Elements of a group that differ from its first (in the
    whole fingerprint, or in a word) are distinct states: they are sorted out the same way.
    """
    m = h.size
    bits = max(1, (m - 1).bit_length())
    low = np.uint64((1 << bits) - 1)
    packed = np.sort((h & ~low) | np.arange(m, dtype=np.uint64))
    members = (packed & low).astype(np.intp)
    first = np.ones(m, dtype=bool)
    first[1:] = (packed[1:] ^ packed[:-1]) > low
    reps = members[first]
    mine = reps[np.cumsum(first) - 1]
    differ = h[members] != h[mine]
    for c in cols:
        differ |= c[members] != c[mine]
    odd = np.sort(members[differ])
    if odd.size:
        reps = np.concatenate([reps, odd[_firsts(h[odd], [c[odd] for c in cols])]])
    return np.sort(reps)


def _progress_after() -> float:
    from checker.explicit.search import PROGRESS_AFTER

    return PROGRESS_AFTER


def _progress_every() -> float:
    from checker.explicit.search import PROGRESS_EVERY

    return PROGRESS_EVERY

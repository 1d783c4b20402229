"""Expanding a group of states, and settling a level: the two halves of a breadth-first level.

The reference engine visits states in order and, for each, actions in declaration order and
each action's parameter tuples in order. Numbering the action instances that way (`offsets`)
gives every transition a *key*, `parent * stride + instance` (the parent's index in the
store), and the reference engine's order is the order of keys.

- `expand` takes a group of consecutive states of the level and generates all their
  transitions at once; it keeps, for every distinct successor, its first transition by key,
  and drops those in the visited set, which holds exactly the states of earlier levels while a
  level is expanded. What is left are *candidates*, split by partition of the fingerprint
  space. It also evaluates the action properties on every transition and finds states without
  successors (for --deadlock).
- `settle` takes the candidates of one partition from all the groups of a level, in group
  order (which is key order), and keeps the first occurrence of each distinct state: the
  level's new states in that partition, with the constraints and invariants evaluated on them.

An `Expander` holds only what a worker process needs (the compiled code, the symmetry tables,
the options); the states and the visited sets are passed in, so that the same code runs in the
main process over its own store and in a worker over mapped views of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from checker.explicit.vector.canon import VectorSymmetry
from checker.explicit.vector.compiled import VectorSpec
from checker.explicit.vector.store import StoreView
from checker.explicit.vector.table import TableView, fingerprint

PROPERTY_ROWS = 1 << 15  # states per call of a compiled invariant or constraint

Property = tuple[str, Any]  # (name, compiled batch function)


@dataclass
class Transitions:
    """Every transition of a group, in the order generated (instance by instance)."""

    parent: Any  # the parent's position in the group
    inst: Any  # the global action-instance index
    key: Any  # parent * stride + inst: the reference engine's order
    raw: list[Any]  # the successors as W columns, before canonicalisation
    # The first failing instance (a Check held) by key: (key, the vector spec's check number)
    failure: tuple[int, int] | None = None


@dataclass
class Candidates:
    """States that may be new (distinct, not visited before the level), in key order."""

    cols: list[Any]  # W word columns
    h: Any  # fingerprints
    key: Any  # the first transition's key
    inst: Any  # ... and its action instance


@dataclass
class GroupResult:
    """What expanding one group found."""

    start: int  # store index of the group's first state
    size: int
    transitions: int
    fired: Any  # per action: its transitions in the group
    # The first transition by key on which an action property fails: (key, its position
    # among the group's transitions, the property).
    action_event: tuple[int, int, str] | None
    # The first failing action instance by key (a Check held): (key, the check's number)
    failure: tuple[int, int] | None
    deadlock: int | None  # store index of the first state without successors (--deadlock)
    parts: list[Candidates]  # per partition of the fingerprint space


@dataclass
class NewStates:
    """A level's new states in one partition, in key order, that satisfy the constraints."""

    cols: list[Any]
    h: Any
    key: Any
    inst: Any
    bad_invariant: Any  # index of the first invariant that fails, or -1


class Expander:
    """Successors of states, their keys and checks, by the compiled code of one spec instance;
    the properties are named (functions of `vspec`), so that it pickles as `vspec` does: compact,
    for Ray actors."""

    def __init__(
        self,
        vspec: VectorSpec,
        canon: VectorSymmetry | None,
        invariants: Sequence[str],
        action_properties: Sequence[str],
        constraints: Sequence[str],
        exact: bool,
        deadlock: bool,
        partitions: int = 1,
    ) -> None:
        self.vspec = vspec
        self.partitions = partitions
        self.words = vspec.words
        self.canon = canon
        self.names = (list(invariants), list(action_properties), list(constraints))
        self.exact = exact
        self.deadlock = deadlock
        counts = np.array(vspec.instances, dtype=np.int64)
        self.offsets = np.concatenate([[0], np.cumsum(counts)])  # first instance of each action
        self.stride = int(self.offsets[-1]) + 1  # room for a deadlock key after every instance
        self.action_of = np.repeat(np.arange(len(counts)), counts)
        self._resolve()

    def _resolve(self) -> None:
        props = self.vspec.properties
        invariants, action_properties, constraints = self.names
        self.invariants: list[Property] = [(n, props[n]) for n in invariants]
        self.action_properties: list[Property] = [(n, props[n]) for n in action_properties]
        self.constraints = [props[n] for n in constraints]

    def __getstate__(self) -> dict[str, Any]:
        resolved = ("invariants", "action_properties", "constraints")
        return {k: v for k, v in vars(self).items() if k not in resolved}

    def __setstate__(self, state: dict[str, Any]) -> None:
        vars(self).update(state)
        self._resolve()

    def transitions(self, X: list[Any], n: int) -> Transitions:
        """Every enabled action instance of the n states X, in instance order."""
        insts, parents, succs = [], [], []
        failed = self.vspec.failed
        failure: tuple[int, int] | None = None
        for k, act in enumerate(self.vspec.actions):
            offset = int(self.offsets[k])
            for j, rows, Y in act(X, n):
                insts.append(np.full(rows.size, offset + j, dtype=np.int64))
                parents.append(rows)
                succs.append(Y)
            for j, rows, check in failed:  # the instances that failed, on these rows
                if rows.size:
                    key = int(rows.min()) * self.stride + offset + j
                    failure = min(failure or (key, check), (key, check))
            failed.clear()
        if not insts:
            empty = np.zeros(0, dtype=np.int64)
            nothing = [np.zeros(0, np.uint64)] * self.words
            return Transitions(empty, empty, empty, nothing, failure)
        parent = np.concatenate(parents)
        inst = np.concatenate(insts)
        raw = [np.concatenate([Y[w] for Y in succs]) for w in range(self.words)]
        return Transitions(parent, inst, parent * self.stride + inst, raw, failure)

    def partition(self, h: Any) -> Any:
        """The partition of the fingerprint space each fingerprint falls in (from its low 32
        bits: the visited sets' slots are chosen by the top ones)."""
        return ((h & np.uint64(0xFFFF_FFFF)) * np.uint64(self.partitions)) >> np.uint64(32)

    def expand(self, store: StoreView, tables: Sequence[TableView], a: int, b: int) -> GroupResult:
        n = b - a
        X = store.columns(a, b)
        t = self.transitions(X, n)
        fired = np.bincount(self.action_of[t.inst], minlength=len(self.vspec.actions))
        deadlock = None
        if self.deadlock:
            idle = np.flatnonzero(np.bincount(t.parent, minlength=n) == 0)
            deadlock = a + int(idle[0]) if idle.size else None
        event = self._action_event(X, t)
        moves = _moves(X, t)
        # Transitions are grouped by instance, parents ascending: sorting by parent (stably)
        # gives their key order.
        by_key = np.argsort(moves.parent.astype(np.uint16), kind="stable")
        if self.canon is not None:
            # Canonical forms of the distinct successors only (their first transitions): the
            # first transition into an orbit is the first into one of its members.
            order = firsts(fingerprint(moves.raw), moves.raw if self.exact else [], by_key)
            cols = self.canon.canonical([c[order] for c in moves.raw])
            by_key = np.arange(order.size)
        else:
            order = np.arange(moves.key.size)
            cols = moves.raw
        h = fingerprint(cols)
        # One per distinct state (the first by key; positions in `order`), then, per
        # partition, those its visited set does not hold.
        first = firsts(h, cols if self.exact else [], by_key)
        part = self.partition(h[first]) if self.partitions > 1 else np.zeros(first.size, np.intp)
        base = a * self.stride  # group keys to store keys
        parts = []
        for p, table in enumerate(tables):
            mine = first[part == p]
            new = mine[~table.lookup(h[mine], cols, mine)]
            cand = order[new]
            parts.append(
                Candidates([c[new] for c in cols], h[new], moves.key[cand] + base, moves.inst[cand])
            )
        if event is not None:
            event = (event[0] + base, event[1], event[2])
        failure = None if t.failure is None else (t.failure[0] + base, t.failure[1])
        return GroupResult(a, n, int(t.key.size), fired, event, failure, deadlock, parts)

    def settle(self, groups: Sequence[Candidates]) -> NewStates:
        """The new states among one partition's candidates of a level (given group by group,
        so in key order): the first occurrence of each, those that satisfy the constraints,
        with the first invariant each one breaks. The candidates' words are used up: each
        is let go once copied (a level's candidates are the search's largest transient; held
        twice, they would double its peak)."""
        cols = []
        for w in range(self.words):
            cols.append(np.concatenate([g.cols[w] for g in groups]))
            for g in groups:
                g.cols[w] = None
        h = np.concatenate([g.h for g in groups])
        first = firsts(h, cols if self.exact else [], np.arange(h.size))
        key = np.concatenate([g.key for g in groups])[first]
        inst = np.concatenate([g.inst for g in groups])[first]
        for w in range(self.words):  # one word at a time: at most one extra column in memory
            cols[w] = cols[w][first]
        return self.admit(cols, h[first], key, inst)

    def admit(self, cols: list[Any], h: Any, key: Any, inst: Any) -> NewStates:
        """A level's new states (distinct, not visited, in key order) that satisfy the
        constraints, with the first invariant each one breaks."""
        n = h.size
        ok = np.ones(n, dtype=bool)
        for constraint in self.constraints:
            ok &= _sliced(constraint, cols, n)
        if not ok.all():
            keep = np.flatnonzero(ok)
            cols, h, key, inst = [c[keep] for c in cols], h[keep], key[keep], inst[keep]
            n = h.size
        bad = np.full(n, -1, dtype=np.int64)
        for i, (_, fn) in enumerate(self.invariants):
            bad[np.flatnonzero(~_sliced(fn, cols, n) & (bad < 0))] = i
        return NewStates(cols, h, key, inst, bad)

    def _action_event(self, X: list[Any], t: Transitions) -> tuple[int, int, str] | None:
        """The first transition (by key) on which an action property fails, and the first
        property (in declaration order) that fails on it."""
        if not self.action_properties or t.key.size == 0:
            return None
        pre = [x[t.parent] for x in X]
        fails = [~fn(pre, t.raw, t.key.size) for _, fn in self.action_properties]
        bad = np.flatnonzero(np.logical_or.reduce(fails))
        if bad.size == 0:
            return None
        first = int(bad[np.argmin(t.key[bad])])
        name = next(n for (n, _), f in zip(self.action_properties, fails, strict=True) if f[first])
        return int(t.key[first]), first, name


def _sliced(fn: Any, cols: list[Any], n: int) -> Any:
    """A state predicate's compiled code on the states `cols`, a slice at a time: a level
    holds up to millions of states, and the code's temporaries over a slice stay in the
    cache (about a fifth faster for Paxos's invariants)."""
    if n <= PROPERTY_ROWS:
        return fn(cols, n)
    out = np.empty(n, dtype=bool)
    for a in range(0, n, PROPERTY_ROWS):
        b = min(n, a + PROPERTY_ROWS)
        out[a:b] = fn([c[a:b] for c in cols], b - a)
    return out


def _moves(X: list[Any], t: Transitions) -> Transitions:
    """The transitions that change their state. The others (about half of Paxos's: a message
    sent again, a vote cast again) lead to their parent, which is visited: nothing new."""
    moved = np.zeros(t.key.size, dtype=bool)
    for x, y in zip(X, t.raw, strict=True):
        moved |= x[t.parent] != y
    keep = np.flatnonzero(moved)
    return Transitions(t.parent[keep], t.inst[keep], t.key[keep], [y[keep] for y in t.raw])


def firsts(h: Any, cols: list[Any], order: Any) -> Any:
    """Positions of the first occurrence of each distinct state in a sequence of states (their
    fingerprints `h`, and their words `cols` when states must be compared) taken in the order
    `order` (a permutation of the positions); returned in that order.

    The fingerprints are sorted with their low bits replaced by the rank in that order: equal
    high bits come together, each group's first occurrence comes first, and one sort of uint64s
    (fast in numpy, unlike argsort) does it. Elements of a group that differ from its first (in
    the whole fingerprint, or in a word) are distinct states: they are sorted out the same way.
    """
    m = h.size
    if m == 0:
        return np.zeros(0, dtype=np.intp)
    rank = np.empty(m, dtype=np.uint64)
    rank[order] = np.arange(m, dtype=np.uint64)
    bits = max(1, (m - 1).bit_length())
    low = np.uint64((1 << bits) - 1)
    packed = np.sort((h & ~low) | rank)
    members = order[(packed & low).astype(np.intp)]
    first = np.ones(m, dtype=bool)
    first[1:] = (packed[1:] ^ packed[:-1]) > low
    starts = np.flatnonzero(first)
    # Only the elements that are not their group's first are compared (with that first).
    dup = np.flatnonzero(~first)
    later = members[dup]
    head = members[np.repeat(starts, np.diff(starts, append=m))[dup]]
    differ = h[later] != h[head]
    for c in cols:
        differ |= c[later] != c[head]
    reps = members[starts]
    odd = later[differ]
    if odd.size:
        odd = order[np.sort(rank[odd]).astype(np.intp)]  # in order
        extra = firsts(h[odd], [c[odd] for c in cols], np.arange(odd.size))
        reps = np.concatenate([reps, odd[extra]])
    return order[np.sort(rank[reps]).astype(np.intp)]

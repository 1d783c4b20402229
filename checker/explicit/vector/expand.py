"""Expanding one group of states: every successor of every state of the group at once, which of
them are new, and the first event among them in the reference engine's order.

The reference engine visits states in order and, for each, actions in declaration order and
each action's parameter tuples in order. Numbering the action instances that way (`offsets`)
gives every transition a *key*, `parent * stride + instance`, and the reference engine's order
is the order of keys. Expanding a group keeps, for every distinct successor, its first
transition by key, drops the successors already visited, and evaluates the constraints and
invariants on what is left; the action properties it evaluates on every transition.

An `Expander` holds only what a worker process needs (the compiled code, the symmetry tables,
the options); the states and the visited set are passed in, so that the same code runs in the
main process over its own store and in a worker over mapped views of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from checker.explicit.vector.canon import VectorSymmetry
from checker.explicit.vector.compiler import VectorSpec
from checker.explicit.vector.store import StoreView
from checker.explicit.vector.table import TableView, fingerprint

Property = tuple[str, Any]  # (name, compiled batch function)


@dataclass
class Transitions:
    """Every transition of a group, in the order generated (instance by instance)."""

    parent: Any  # the parent's position in the group
    inst: Any  # the global action-instance index
    key: Any  # parent * stride + inst: the reference engine's order
    raw: list[Any]  # the successors as W columns, before canonicalisation


@dataclass
class Expansion:
    """What expanding one group found: counts, and the states that may be new (distinct, and
    not in the visited set when it was read), in key order."""

    start: int  # store index of the group's first state
    size: int
    transitions: int
    fired: Any  # per action: its transitions in the group
    new_key: Any
    new_inst: Any
    new_parent: Any  # positions in the group
    new_cols: list[Any]
    new_h: Any
    new_ok: Any  # the constraints hold
    bad_invariant: Any  # index of the first failing invariant, or -1
    # The first transition by key on which an action property fails: (key, transition, name).
    action_event: tuple[int, int, str] | None
    deadlock: int | None  # position of the first state without successors (with --deadlock)
    # Where the probe of each new state ended (an empty slot), and the table's state then:
    # if nothing was inserted since, inserting there needs no second probe.
    ends: Any
    stamp: tuple[int, int] | None


class Expander:
    def __init__(
        self,
        vspec: VectorSpec,
        canon: VectorSymmetry | None,
        invariants: Sequence[Property],
        action_properties: Sequence[Property],
        constraints: Sequence[Any],
        exact: bool,
        deadlock: bool,
    ) -> None:
        self.vspec = vspec
        self.words = vspec.words
        self.canon = canon
        self.invariants = list(invariants)
        self.action_properties = list(action_properties)
        self.constraints = list(constraints)
        self.exact = exact
        self.deadlock = deadlock
        counts = np.array(vspec.instances, dtype=np.int64)
        self.offsets = np.concatenate([[0], np.cumsum(counts)])  # first instance of each action
        self.stride = int(self.offsets[-1]) + 1  # room for a deadlock key after every instance
        self.action_of = np.repeat(np.arange(len(counts)), counts)

    def transitions(self, X: list[Any], n: int) -> Transitions:
        """Every enabled action instance of the n states X, in instance order."""
        insts, parents, succs = [], [], []
        for k, act in enumerate(self.vspec.actions):
            offset = int(self.offsets[k])
            for j, rows, Y in act(X, n):
                insts.append(np.full(rows.size, offset + j, dtype=np.int64))
                parents.append(rows)
                succs.append(Y)
        if not insts:
            empty = np.zeros(0, dtype=np.int64)
            return Transitions(empty, empty, empty, [np.zeros(0, np.uint64)] * self.words)
        parent = np.concatenate(parents)
        inst = np.concatenate(insts)
        raw = [np.concatenate([Y[w] for Y in succs]) for w in range(self.words)]
        return Transitions(parent, inst, parent * self.stride + inst, raw)

    def expand(
        self, store: StoreView, table: TableView, a: int, b: int
    ) -> tuple[Transitions, Expansion]:
        n = b - a
        X = store.columns(a, b)
        t = self.transitions(X, n)
        fired = np.bincount(self.action_of[t.inst], minlength=len(self.vspec.actions))
        deadlock = None
        if self.deadlock:
            idle = np.flatnonzero(np.bincount(t.parent, minlength=n) == 0)
            deadlock = int(idle[0]) if idle.size else None
        # Transitions are grouped by instance, parents ascending: sorting by parent (stably)
        # gives their key order.
        by_key = np.argsort(t.parent.astype(np.uint16), kind="stable")
        if self.canon is not None:
            # Canonical forms of the distinct successors only (their first transitions): the
            # first transition into an orbit is the first into one of its members.
            order = _firsts(fingerprint(t.raw), t.raw if self.exact else [], by_key)
            cols = self.canon.canonical([c[order] for c in t.raw])
            by_key = np.arange(order.size)
        else:
            order = np.arange(t.key.size)
            cols = t.raw
        h = fingerprint(cols)
        # One per distinct state (the first by key), then those not visited; positions in
        # `order`, in key order.
        first = _firsts(h, cols if self.exact else [], by_key)
        stamp = table.stamp()
        found, ends = table.probe(h[first], cols, first)
        new = first[~found]
        cand = order[new]
        new_cols = [c[new] for c in cols]
        new_ok = np.ones(new.size, dtype=bool)
        for constraint in self.constraints:
            new_ok &= constraint(new_cols, new.size)
        bad_invariant = np.full(new.size, -1, dtype=np.int64)
        for i, (_, fn) in enumerate(self.invariants):
            fails = np.flatnonzero(~fn(new_cols, new.size) & (bad_invariant < 0))
            bad_invariant[fails] = i
        expansion = Expansion(
            a, n, int(t.key.size), fired, t.key[cand], t.inst[cand], t.parent[cand], new_cols,
            h[new], new_ok, bad_invariant, self._action_event(X, t), deadlock, ends[~found],
            stamp,
        )  # fmt: skip
        return t, expansion

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


def _firsts(h: Any, cols: list[Any], order: Any) -> Any:
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
    head = np.repeat(starts, np.diff(starts, append=m))  # each element's group's first
    hm = h[members]
    differ = hm != hm[head]
    for c in cols:
        cm = c[members]
        differ |= cm != cm[head]
    reps = members[starts]
    odd = members[differ]
    if odd.size:
        odd = order[np.sort(rank[odd]).astype(np.intp)]  # in order
        extra = _firsts(h[odd], [c[odd] for c in cols], np.arange(odd.size))
        reps = np.concatenate([reps, odd[extra]])
    return order[np.sort(rank[reps]).astype(np.intp)]

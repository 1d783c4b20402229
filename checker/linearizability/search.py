"""The search for a linearization of one (sub-)history: Wing & Gong's algorithm with Lowe's
improvements, as in Porcupine, extended for operations that never returned.

The list. The history becomes a doubly linked list of call and return entries in time order (at
equal times calls come first, so operations that touch at an instant count as concurrent). The
search walks the list from the head: a call entry is a candidate to take effect next — every
operation that returned before it was called is already placed — and a return entry ends the
candidates, because that operation must take effect before anything called after it returns.
Placing an operation steps the model (it must accept the output) and lifts the operation's call
and return out of the list; when no candidate is left, the search backtracks: the last placement
is undone (the entries are relinked, Knuth's dancing links) and the scan resumes after it.

The cache (Lowe). A configuration is the set of placed operations (a bitset: an int) and the
model state after them; from equal configurations the same operations can follow, so the search
never enters a configuration twice.

Pending operations. An operation whose client never learned the output never returns: it can
take effect at any point after its call, or never. Such operations are kept out of the list; at
each point they are tried after the candidates in the list, and the search succeeds as soon as
every operation that returned is placed (the rest take effect afterwards, or never: the same, as
nothing observed them). Two more prunings keep crashed writes from multiplying the search:

- Dominance. A configuration is worth nothing when an entered one has the same operations that
  returned placed, the same state, and a subset of its pending operations placed: the entered
  one can do all it can, with more operations in reserve. (The cache is the case of equal sets.)
- Overwritten pending operations. A pending operation w is not placed right after a pending
  operation q when placing w instead of q gives the same state: that configuration is dominated
  by the one with w in q's place, which the search generates as q's sibling.

Why this stays complete: call a configuration good when some sequence of candidates places every
operation that returned (its completion), and φ its shortest completion's length. If the search
fails, every entered configuration G had all its candidates generated; along a shortest
completion of a good G, the next configuration was entered or dominated by one that was
generated (and so entered, or dominated in turn): either way an entered good configuration with
smaller φ, since a dominating configuration can follow every completion of the one it dominates.
Descending from the start, the search would have entered a good configuration with φ = 0, which
is success. (Pruning only ever removes configurations, so an `ok` is always a real
linearization.)

The result is the linearization (placed operations in order) or, when there is none, the deepest
configuration the search entered — the most operations that returned placed, and among those the
fewest pending ones — for the report.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from checker.linearizability.history import UNKNOWN, Time
from checker.linearizability.model import Model
from checker.linearizability.result import Verdict

_CHECK_EVERY = 1024  # iterations between looks at the clock


@dataclass
class SearchResult:
    verdict: Verdict
    # ok: the operations placed, in a linearization order (the pending operations left out
    # may all take effect afterwards, or never).
    # illegal / unknown: the deepest configuration reached, in order.
    order: list[int] = field(default_factory=list)
    states: list[Any] = field(default_factory=list)  # the model state after each of `order`
    steps: int = 0  # model steps taken
    configurations: int = 0  # configurations entered


# A placement: (the frame below, the entry placed (> 0) or ~index of a pending operation, the
# state and the placed set before it, and for a pending operation the first return entry).
Frame = tuple[Any, int, Any, int, int]


def search(
    model: Model[Any, Any, Any],
    inputs: Sequence[Any],
    outputs: Sequence[Any],
    calls: Sequence[Time],
    rets: Sequence[Time],
    deadline: float | None = None,
) -> SearchResult:
    """Look for a linearization of the operations `0..n-1` (input, output, call and return
    time each; output `UNKNOWN` for pending operations, whose return time is ignored).
    `deadline` (a `time.monotonic()` value) makes the search give up with `unknown`."""
    n = len(inputs)
    known = [i for i in range(n) if outputs[i] is not UNKNOWN]
    if not known:
        return SearchResult("ok")
    pending_ops = [i for i in range(n) if outputs[i] is UNKNOWN]

    # Entries in time order: (time, 0 call / 1 return, op). Pending operations have a call
    # entry (for its position) but are not linked into the list.
    events = [(calls[i], 0, i) for i in known] + [(rets[i], 1, i) for i in known]
    events += [(calls[i], 0, i) for i in pending_ops]
    events.sort()
    size = len(events)
    head, tail = 0, size + 1
    entry_op = [-1] * (size + 2)
    ret_entry = [-1] * (size + 2)  # a call entry's return entry; -1 for return entries
    call_pos = [0] * n
    ret_pos = [0] * n
    for pos, (_, kind, i) in enumerate(events, start=1):
        entry_op[pos] = i
        if kind == 0:
            call_pos[i] = pos
        else:
            ret_pos[i] = pos
    linked = [head]
    for pos, (_, kind, i) in enumerate(events, start=1):
        if outputs[i] is UNKNOWN:
            continue
        if kind == 0:
            ret_entry[pos] = ret_pos[i]
        linked.append(pos)
    linked.append(tail)
    nxt = [0] * (size + 2)
    prv = [0] * (size + 2)
    for a, b in itertools.pairwise(linked):
        nxt[a] = b
        prv[b] = a

    floating = sorted(pending_ops, key=lambda i: call_pos[i])
    fpos = [call_pos[i] for i in floating]
    fbits = [1 << i for i in floating]
    nf = len(floating)
    fmask = sum(fbits)

    step = model.step
    state_key = None if type(model).state_key is Model.state_key else model.state_key
    # One object per distinct state (or state key): comparisons are then identity tests, and
    # the dicts below find equal keys without calling a model's __eq__.
    interned: dict[Any, Any] = {}
    intern = interned.setdefault

    def canonical_key(state: Any) -> Any:
        assert state_key is not None
        key = state_key(state)
        return intern(key, key)

    state: Any = model.init()
    if state_key is None:
        state = intern(state, state)
    lin = 0
    # Entered configurations. Without pending operations: (placed, state). With them:
    # (placed that returned, state) -> the minimal sets of pending operations placed.
    cache: set[tuple[int, Any]] = set()
    dominance: dict[tuple[int, Any], list[int]] = {}
    entered = 0

    def enter(placed: int, key: Any) -> bool:
        """Enter (placed, key) unless an entered configuration dominates it."""
        nonlocal entered
        ours = placed & fmask
        found = dominance.get((placed ^ ours, key))
        if found is None:
            dominance[(placed ^ ours, key)] = [ours]
        else:
            for theirs in found:
                if not theirs & ~ours:
                    return False
            found[:] = [theirs for theirs in found if ours & ~theirs]
            found.append(ours)
        entered += 1
        return True

    # The steps of pending operations, by (index in `floating`, state key): the same pending
    # operation meets the same state in many configurations.
    memo: dict[tuple[int, Any], tuple[bool, Any, Any]] = {}

    def pending_step(j: int, state: Any) -> tuple[bool, Any, Any]:
        i = floating[j]
        ok, after = step(state, inputs[i], outputs[i])
        if state_key is None:
            after = intern(after, after)
            return ok, after, after
        return ok, after, canonical_key(after)

    stack: Frame | None = None
    depth = 0  # operations that returned, placed
    pending_placed = 0
    best_depth, best_pending = -1, 0
    best: tuple[Frame | None, Any] = (None, state)
    steps = 0
    e = nxt[head]
    floating_phase = False
    j = 0
    limit = 0  # in the floating phase: the first return entry in the list

    def result(verdict: Verdict, top: Frame | None, last: Any) -> SearchResult:
        order: list[int] = []
        states: list[Any] = [last]
        frame = top
        while frame is not None:
            parent, x, before, _, _ = frame
            order.append(entry_op[x] if x > 0 else floating[~x])
            states.append(before)
            frame = parent
        order.reverse()
        states.reverse()
        return SearchResult(verdict, order, states[1:], steps, len(cache) + entered)

    ticks = 0
    while True:
        ticks += 1
        if ticks >= _CHECK_EVERY:
            ticks = 0
            if deadline is not None and time.monotonic() > deadline:
                return result("unknown", *best)
        if not floating_phase:
            r = ret_entry[e]
            if r >= 0:  # a call entry: try its operation next
                i = entry_op[e]
                steps += 1
                ok, new_state = step(state, inputs[i], outputs[i])
                if ok:
                    new_lin = lin | (1 << i)
                    if state_key is None:
                        new_state = skey = intern(new_state, new_state)
                    else:
                        skey = canonical_key(new_state)
                    if fmask:
                        fresh = enter(new_lin, skey)
                    elif (new_lin, skey) in cache:
                        fresh = False
                    else:
                        cache.add((new_lin, skey))
                        fresh = True
                    if fresh:
                        stack = (stack, e, state, lin, 0)
                        state, lin = new_state, new_lin
                        depth += 1
                        # lift the call and its return out of the list
                        a, b = prv[e], nxt[e]
                        nxt[a] = b
                        prv[b] = a
                        a, b = prv[r], nxt[r]
                        nxt[a] = b
                        prv[b] = a
                        e = nxt[head]
                        if e == tail:
                            return result("ok", stack, state)
                        continue
                e = nxt[e]
                continue
            floating_phase = True
            limit = e
            j = 0
        # The floating phase: pending operations called before the first return in the list.
        # `under`: the state before the last placement, when that placed a pending operation.
        under = stack[2] if stack is not None and stack[1] < 0 else None
        here = state if state_key is None else canonical_key(state)
        pushed = False
        while j < nf and fpos[j] < limit:
            bit = fbits[j]
            if not lin & bit:
                found = memo.get((j, here))
                if found is None:
                    steps += 1
                    found = memo[(j, here)] = pending_step(j, state)
                ok, new_state, skey = found
                # Leaving the state as it is: dominated by the configuration we are in.
                if ok and skey is not here:
                    overwritten = False
                    if under is not None:
                        below = under if state_key is None else canonical_key(under)
                        found = memo.get((j, below))
                        if found is None:
                            steps += 1
                            found = memo[(j, below)] = pending_step(j, under)
                        overwritten = found[0] and found[2] is skey
                    if not overwritten and enter(lin | bit, skey):
                        stack = (stack, ~j, state, lin, limit)
                        state, lin = new_state, lin | bit
                        pending_placed += 1
                        pushed = True
                        break
            j += 1
        if pushed:
            floating_phase = False
            e = nxt[head]
            continue
        # Nothing can go next here: remember the deepest such point, then backtrack.
        if depth > best_depth or (depth == best_depth and pending_placed < best_pending):
            best_depth, best_pending = depth, pending_placed
            best = (stack, state)
        if stack is None:
            return result("illegal", *best)
        stack, x, state, lin, limit = stack
        if x > 0:
            depth -= 1
            r = ret_entry[x]
            a, b = prv[r], nxt[r]
            nxt[a] = r
            prv[b] = r
            a, b = prv[x], nxt[x]
            nxt[a] = x
            prv[b] = x
            e = nxt[x]
            floating_phase = False
        else:
            pending_placed -= 1
            j = ~x + 1
            floating_phase = True

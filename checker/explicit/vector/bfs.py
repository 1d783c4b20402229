"""Breadth-first search a frontier slice at a time, with results identical to the reference
engine's (`explicit.search`): the same states in the same order, the same counts, coverage,
depth and counterexample.

A BFS level is cut into *groups* of consecutive states. Each group is expanded (`expand`: all
successors at once, the first transition of each distinct new one), by worker processes when
there are several (`pool`). The main process *settles* the groups in order (`_settle`): it looks
the group's candidate new states up once more (an earlier group may have stored them since),
stores what is still new, and inserts it into the visited set.

The reference engine stops at the first violation in its order; settling finds the earliest
event of a group by key (an action property failing on a transition; a new state breaking an
invariant; a state without successors, under --deadlock) and reports exactly what the
reference engine had counted when it met that event (`_stop`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from checker import ir
from checker.explicit.checkpoint import Checkpointer, Position
from checker.explicit.vector.canon import VectorSymmetry
from checker.explicit.vector.compiler import VectorLimits, compile_vector
from checker.explicit.vector.expand import Expander, Expansion
from checker.explicit.vector.pool import ExpansionPool, resident_bytes
from checker.explicit.vector.store import StateStore, ints_to_rows, rows_to_ints
from checker.explicit.vector.table import VisitedTable, collision_probability, fingerprint

if TYPE_CHECKING:
    from checker.explicit.search import Engine, SearchResult, Violation

GROUP_ROWS = 1 << 14  # states expanded together (at most 1 << 16: parents sort as uint16)
RESUME_ROWS = 1 << 20  # states of a checkpoint read at a time


@dataclass
class Event:
    key: int
    kind: str  # "action_property" | "invariant" | "deadlock"
    name: str
    parent: int  # position of the parent (or of the deadlocked state) in the group
    transition: int = -1  # action property: the transition, in the group's generated order
    new: int = -1  # invariant: the new state, among the group's candidates


class VectorSearch:
    def __init__(self, engine: Engine, limits: VectorLimits | None = None) -> None:
        self.engine = engine
        self.options = options = engine.options
        needed = [p.name for p in (*engine.invariants, *engine.action_properties)]
        constraints = engine.spec.properties_of(ir.PropertyKind.CONSTRAINT)
        needed += [p.name for p in constraints]
        vspec = compile_vector(engine.inst, engine.layout, limits, needed)
        self.words = vspec.words
        props = vspec.properties
        self.expander = Expander(
            vspec,
            VectorSymmetry(engine.symmetry, self.words) if engine.symmetry else None,
            [(p.name, props[p.name]) for p in engine.invariants],
            [(p.name, props[p.name]) for p in engine.action_properties],
            [props[p.name] for p in constraints],
            options.exact,
            options.deadlock,
        )
        self.workers = max(1, options.workers)
        self.directory = _run_directory(self.workers, options.max_memory, options.spill_dir)
        self.store = StateStore(self.words, self.directory)
        self.table = VisitedTable(options.exact, self.store.gather, self.directory)
        self.budget = _share(options.max_memory, self.workers)
        self.table.relieve = self._relieve

    # -- settling a group (main process, in order) -------------------------------------------

    def _settle(self, ex: Expansion) -> tuple[Any, Any, Event | None]:
        """The group's new states (positions among its candidates), the visited set's empty
        slots where they go, and the group's first event."""
        keep = np.flatnonzero(ex.new_ok)
        if ex.stamp is not None and ex.stamp == self.table.stamp() and self.table.fits(keep.size):
            ends = ex.ends[keep]  # probed by this process with nothing inserted since
        else:  # an earlier group may have stored some of them since they were looked up
            self.table.reserve(keep.size)
            found, ends = self.table.probe(ex.new_h[keep], ex.new_cols, keep)
            keep, ends = keep[~found], ends[~found]
        events: list[Event] = []
        if ex.action_event is not None:
            key, transition, name = ex.action_event
            parent = key // self.expander.stride
            events.append(Event(key, "action_property", name, parent, transition=transition))
        bad = keep[ex.bad_invariant[keep] >= 0]
        if bad.size:
            i = int(bad[0])
            name = self.expander.invariants[int(ex.bad_invariant[i])][0]
            key = int(ex.new_key[i])
            events.append(Event(key, "invariant", name, int(ex.new_parent[i]), new=i))
        if ex.deadlock is not None:
            stride = self.expander.stride
            key = ex.deadlock * stride + stride - 1
            events.append(Event(key, "deadlock", "deadlock", ex.deadlock))
        order = {"action_property": 0, "invariant": 1, "deadlock": 2}
        event = min(events, key=lambda e: (e.key, order[e.kind])) if events else None
        return keep, ends, event

    def _store_new(self, ex: Expansion, keep: Any, ends: Any) -> None:
        if keep.size == 0:
            return
        first = len(self.store)
        self.store.append([c[keep] for c in ex.new_cols], ex.start + ex.new_parent[keep])
        self.table.insert(ex.new_h[keep], np.arange(first, first + keep.size), ends)

    # -- the search --------------------------------------------------------------------------

    def run(self) -> SearchResult:
        pool = None
        try:
            if self.workers > 1:
                assert self.directory is not None
                # The main process expands groups too: workers - 1 more processes.
                pool = ExpansionPool(
                    self.expander, self.words, self.store.block_rows, self.directory,
                    self.workers - 1, self.budget,
                )  # fmt: skip
            return self._search(pool)
        finally:
            if pool is not None:
                pool.close()
            if self.directory is not None:
                shutil.rmtree(self.directory, ignore_errors=True)

    def _search(self, pool: ExpansionPool | None) -> SearchResult:
        from checker.explicit.search import ActionCoverage

        e = self.engine
        started = time.monotonic()
        k_actions = len(self.expander.vspec.actions)
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
            out.workers = self.workers
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
            for ex in self._expansions(pool, cursor, level_end):
                keep, ends, event = self._settle(ex)
                if event is not None:
                    return self._stop(
                        ex, keep, ends, event, depth, transitions, fired, distinct,
                        max_seen_depth, result,
                    )  # fmt: skip
                self._store_new(ex, keep, ends)
                if keep.size:
                    max_seen_depth = depth + 1
                transitions += ex.transitions
                fired += ex.fired
                distinct += np.bincount(
                    self.expander.action_of[ex.new_inst[keep]], minlength=k_actions
                )
                self._relieve()
                if self.options.progress is not None and time.monotonic() >= next_report:
                    next_report = time.monotonic() + _progress_every()
                    self._report(started, len(self.store) - ex.start - ex.size, max_seen_depth)
            cursor = level_end
        return result(max_seen_depth, transitions, None, complete)

    def _expansions(self, pool: ExpansionPool | None, a: int, b: int) -> Iterator[Expansion]:
        """The expansions of the groups of [a, b), in order."""
        starts = range(a, b, GROUP_ROWS)
        if pool is not None:
            yield from pool.expansions(starts, b, GROUP_ROWS, self.table, self._expand_here)
            return
        for s in starts:
            yield self.expander.expand(self.store, self.table, s, min(s + GROUP_ROWS, b))[1]

    def _relieve(self) -> None:
        """Under --max-memory: over budget, drop this process's pages of the states and the
        visited set (they stay in their files, and come back when read)."""
        if self.budget is None or (rss := resident_bytes()) is None or rss <= self.budget:
            return
        self.store.release()
        self.table.release()

    def _expand_here(self, a: int, b: int) -> Expansion:
        return self.expander.expand(self.store, self.table, a, b)[1]

    def _stop(
        self,
        ex: Expansion,
        keep: Any,
        ends: Any,
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

        x = self.expander
        upto = (
            ex.new_key[keep] <= event.key
            if event.kind == "invariant"
            else (ex.new_key[keep] < event.key)
        )
        stored = keep[upto]
        first = len(self.store)
        self._store_new(ex, stored, ends[upto])
        # The group's transitions again (the worker that found them kept them): count those
        # the reference engine had counted, every instance of the event's action and of the
        # actions before it at the event's state, and those of the states before.
        t = x.transitions(self.store.columns(ex.start, ex.start + ex.size), ex.size)
        if event.kind == "deadlock":
            bound = event.parent * x.stride - 1
        else:
            k = int(x.action_of[event.key % x.stride])
            bound = event.parent * x.stride + int(x.offsets[k + 1]) - 1
        counted = t.key <= bound
        fired += np.bincount(x.action_of[t.inst[counted]], minlength=len(fired))
        distinct += np.bincount(x.action_of[ex.new_inst[stored]], minlength=len(fired))
        transitions += int(counted.sum())
        e = self.engine
        if event.kind == "invariant":
            end = first + int(np.flatnonzero(stored == event.new)[0])
            trace = e.trace_to(self._path(end))
            return result(depth + 1, transitions, Violation("invariant", event.name, trace), True)
        parent = ex.start + event.parent
        trace = e.trace_to(self._path(parent))
        if event.kind == "action_property":
            successor = np.stack([c[[event.transition]] for c in t.raw], axis=1)
            trace.append(e._extra_step(self.store.state(parent), rows_to_ints(successor)[0],
                                       trace[-1]))  # fmt: skip
            violation = Violation("action_property", event.name, trace)
            return result(depth + 1, transitions, violation, True)
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
        for constraint in self.expander.constraints:
            ok &= constraint(cols, len(inits))
        canon = e._canon()
        chosen = (canon(x) if canon else x for x, good in zip(inits, ok, strict=True) if good)
        states = list(dict.fromkeys(chosen))
        if not states:
            return None
        cols = list(np.ascontiguousarray(ints_to_rows(states, self.words).T))
        for i in range(len(states)):
            one = [c[i : i + 1] for c in cols]
            bad = next((n for n, fn in self.expander.invariants if not fn(one, 1)[0]), None)
            if bad is not None:
                self._store_ints(states[: i + 1])
                return Violation("invariant", bad, e.trace_to([states[i]]))
        self._store_ints(states)
        return None

    def _store_ints(self, states: Sequence[int]) -> None:
        rows = ints_to_rows(states, self.words)
        first = len(self.store)
        self.store.append_rows(rows, np.full(len(states), -1, dtype=np.int64))
        h = fingerprint(list(np.ascontiguousarray(rows.T)))
        self.table.insert(h, np.arange(first, first + len(states)))

    # -- checkpoints and progress ------------------------------------------------------------

    def _records(self, start: int) -> tuple[bytes, bytes]:
        """The stored states from `start` on as the checkpoint keeps them: the packed state's
        bytes (the first `width` bytes of its words), and the parents."""
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
        for a in range(0, stored, RESUME_ROWS):
            b = min(stored, a + RESUME_ROWS)
            padded = np.zeros((b - a, self.words * 8), dtype=np.uint8)
            padded[:, :width] = np.frombuffer(raw[a * width : b * width], np.uint8).reshape(
                b - a, width
            )
            rows = padded.view("<u8").astype(np.uint64)
            parents = np.frombuffer(parent_bytes[a * 8 : b * 8], dtype="<i8").astype(np.int64)
            self.store.append_rows(rows, parents)
            self.table.insert(fingerprint(list(np.ascontiguousarray(rows.T))), np.arange(a, b))
        return position

    def _report(self, started: float, queue: int, depth: int) -> None:
        from checker.explicit.search import Progress

        now = time.monotonic()
        assert self.options.progress is not None
        rate = len(self.store) / (now - started)
        self.options.progress(Progress(len(self.store), queue, depth, rate, now - started))


def _run_directory(workers: int, max_memory: int | None, spill: Path | None) -> Path | None:
    """Where the states and the visited set live, when not simply in this process's memory:
    in files on disk under --max-memory (so their pages can leave memory), otherwise on
    /dev/shm (memory the worker processes share). The directory is removed when the search
    ends; one left by a run that was killed is removed by the next run that looks there."""
    shm = Path("/dev/shm")
    shared = shm if shm.is_dir() and os.access(shm, os.W_OK) else Path(tempfile.gettempdir())
    for place in {shared, Path(tempfile.gettempdir()), *([spill] if spill else [])}:
        if place.is_dir():
            _remove_orphans(place)
    if workers == 1 and max_memory is None:
        return None
    base = shared if max_memory is None else spill or Path(tempfile.gettempdir())
    base.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f"paxoscope-{os.getpid()}-", dir=base))


def _remove_orphans(base: Path) -> None:
    """Remove run directories whose process no longer exists (killed with kill -9)."""
    for path in base.glob("paxoscope-*-*"):
        pid = path.name.split("-")[1]
        if not pid.isdigit() or _alive(int(pid)):
            continue
        shutil.rmtree(path, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


def _share(max_memory: int | None, workers: int) -> int | None:
    """Each process's part of the memory budget (the main process and the workers)."""
    if max_memory is None:
        return None
    return max_memory // (workers + 1 if workers > 1 else 1)


def _progress_after() -> float:
    from checker.explicit.search import PROGRESS_AFTER

    return PROGRESS_AFTER


def _progress_every() -> float:
    from checker.explicit.search import PROGRESS_EVERY

    return PROGRESS_EVERY

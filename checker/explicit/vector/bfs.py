"""Breadth-first search a level at a time, with results identical to the reference engine's
(`explicit.search`): the same states in the same order, the same counts, coverage, depth and
counterexample.

A level is cut into *groups* of consecutive states, and each is expanded (`Expander.expand`):
all its transitions at once, and the first transition of each distinct successor that no
earlier level reached. The fingerprint space is cut into one partition per process; each
process settles its partition's candidates of the level (`Expander.settle`), the main process
numbers the level's new states by key over all partitions and stores them, and each process
inserts its own into its visited set (`pool` runs these phases on worker processes; alone, the
main process runs them). No visited set changes while a level is expanded, which is what makes
the order of the work irrelevant to the result.

The reference engine stops at the first violation in its order; the level's earliest event by
key (an action property failing on a transition; a new state breaking an invariant; a state
without successors, under --deadlock) is where this search stops too, reporting exactly what
the reference engine had counted when it met that event (`_stop`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from checker import ir
from checker.explicit import contract
from checker.explicit.checkpoint import Checkpointer, Position
from checker.explicit.contract import (
    ActionCoverage,
    Progress,
    SearchEngine,
    SearchResult,
    Violation,
    ViolationKind,
)
from checker.explicit.liveprops import predicate_names
from checker.explicit.vector.cached import compile_vector_cached
from checker.explicit.vector.canon import VectorSymmetry
from checker.explicit.vector.compiled import VectorLimits
from checker.explicit.vector.expand import Candidates, Expander, GroupResult, NewStates
from checker.explicit.vector.pool import (
    TableFile,
    Workers,
    candidates_file,
    dump,
    fill,
    load,
    relieve,
    store_new,
)
from checker.explicit.vector.raypool import LevelStats, RayWorkers
from checker.explicit.vector.spill import DiskLevel, bucket_bits
from checker.explicit.vector.store import StateStore, ints_to_rows, rows_to_ints
from checker.explicit.vector.table import TableView, VisitedTable, collision_probability

GROUP_ROWS = 1 << 14  # states expanded together (at most 1 << 16: parents sort as uint16)
MIN_GROUP_ROWS = 1 << 11  # ... at least, when a level's last groups are made smaller
RESUME_ROWS = 1 << 20  # states of a checkpoint read at a time


@dataclass
class Event:
    key: int
    kind: ViolationKind  # "action_property" | "error" | "invariant" | "deadlock"
    name: str
    parent: int  # store index of the transition's parent, or of the deadlocked state
    # action property: its position among its group's transitions; error: the check's number
    transition: int = -1


@dataclass
class Level:
    """A level's groups and new states (per partition: the words of the main process's own
    only; the workers keep theirs), and the new states' keys in key order."""

    groups: list[GroupResult]
    news: list[NewStates]
    order: Any = field(init=False)  # positions, in all partitions' states one after another
    key: Any = field(init=False)  # ... in key order
    inst: Any = field(init=False)

    def __post_init__(self) -> None:
        key = np.concatenate([n.key for n in self.news])
        self.order = np.argsort(key, kind="stable")  # sorted runs, one per partition: merged
        self.key = key[self.order]
        self.inst = np.concatenate([n.inst for n in self.news])[self.order]

    def numbered(self, first: int) -> list[Any]:
        """Each partition's new states' store indices, once stored from index `first`."""
        index = np.empty(self.order.size, dtype=np.int64)
        index[self.order] = np.arange(first, first + self.order.size)
        bounds = np.cumsum([0, *(len(n.key) for n in self.news)])
        return [index[bounds[p] : bounds[p + 1]] for p in range(len(self.news))]


class VectorSearch:
    def __init__(self, engine: SearchEngine, limits: VectorLimits | None = None) -> None:
        self.engine = engine
        self.options = options = engine.options
        needed = [p.name for p in (*engine.invariants, *engine.action_properties)]
        constraints = engine.spec.properties_of(ir.PropertyKind.CONSTRAINT)
        needed += [p.name for p in constraints]
        needed += [n for names in predicate_names(engine.live) for n in names]
        vspec = compile_vector_cached(engine.inst, engine.layout, limits, needed)
        self.words = vspec.words
        self.workers = max(1, options.workers)
        self.ray: Any = None  # on a Ray cluster: ray, connected (`raypool`)
        self.disconnect = False
        if options.ray is not None:
            from checker.explicit.vector.raypool import cluster_cpus, connect

            self.ray, self.disconnect = connect(options.ray)
            self.workers = self.workers if self.workers > 1 else cluster_cpus(self.ray)
        self.expander = Expander(
            vspec,
            VectorSymmetry(engine.symmetry, self.words) if engine.symmetry else None,
            [p.name for p in engine.invariants],
            [p.name for p in engine.action_properties],
            [p.name for p in constraints],
            options.exact,
            options.deadlock,
            self.workers,
        )
        local = 1 if self.ray is not None else self.workers  # processes on this machine
        self.directory = _run_directory(local, options.max_memory, options.spill_dir)
        self.store = StateStore(self.words, self.directory)
        self.table = VisitedTable(options.exact, self.store.gather, self.directory, name="table-0")
        self.budget = _share(options.max_memory, self.workers)
        self.table.relieve = self._relieve
        self.others: list[TableView] = []  # the workers' visited sets, mapped
        # Under --max-memory: the visited set and each level on disk, settled bucket by
        # bucket (`spill`); the hash table above then stays empty.
        self.disk: DiskLevel | None = None
        if options.max_memory is not None and self.ray is None:
            assert self.directory is not None
            self.disk = DiskLevel(
                self.directory, 0, self.workers, self.expander, self.store, self.budget
            )
            self.disk.relieve = self._relieve
        self.levels = 0  # levels expanded, which name their files on disk
        self.growth = 4.0  # new states per state expanded, at the last level
        self.ray_stats: list[LevelStats] = []  # on a Ray cluster: per level

    # -- the search --------------------------------------------------------------------------

    def run(self) -> SearchResult:
        workers: Workers | RayWorkers | None = None
        try:
            if self.ray is not None:
                workers = RayWorkers(self.ray, self.expander, self.options.exact)
            elif self.workers > 1:
                assert self.directory is not None
                # The main process expands, settles and inserts too: workers - 1 more processes.
                workers = Workers(
                    self.expander, self.words, self.store.block_rows, self.directory,
                    self.workers - 1, self.budget, self.disk is not None,
                )  # fmt: skip
                self._map(workers.tables)
            result = self._search(workers)
            if isinstance(workers, RayWorkers):
                result.ray_nodes = workers.nodes
                result.ray_levels = [asdict(level) for level in workers.stats]
            if self.engine.live and result.violation is None and result.complete:
                from checker.explicit.vector.livegraph import vector_liveness

                self.engine.liveness_outcome(result, vector_liveness(self))
            return result
        finally:
            if isinstance(workers, RayWorkers):
                workers.close(keep=not self.disconnect)  # kept for this process's next search
                self.ray_stats = workers.stats
            elif workers is not None:
                workers.close()
            if self.disconnect:
                self.ray.shutdown()
            if self.directory is not None:
                shutil.rmtree(self.directory, ignore_errors=True)

    def _search(self, workers: Workers | RayWorkers | None) -> SearchResult:
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
            out = e.search_result(
                len(self.store), depth, transitions, started, coverage, violation, complete
            )
            out.engine = "vector"
            out.workers = self.workers
            if not self.options.exact:
                out.collision_probability = collision_probability(len(self.store))
            return out

        checkpointer = e.checkpointer()
        resumed: Position | None = None
        if checkpointer is not None and self.options.resume:
            resumed = self._resume(checkpointer, workers)
        elif checkpointer is not None:
            checkpointer.start()
        if resumed is None:
            bad = self._initial_states(workers)
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
        next_report = started + contract.PROGRESS_AFTER
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
            level = self._level(workers, cursor, level_end)
            event = self._first_event(level)
            if event is not None:
                return self._stop(
                    level,
                    workers,
                    event,
                    depth,
                    transitions,
                    fired,
                    distinct,
                    max_seen_depth,
                    result,
                )
            self._store(level, workers)
            self.growth = level.key.size / max(1, level_end - cursor)
            if level.key.size:
                max_seen_depth = depth + 1
            transitions += sum(g.transitions for g in level.groups)
            for g in level.groups:
                fired += g.fired
            distinct += np.bincount(self.expander.action_of[level.inst], minlength=k_actions)
            del level  # its new states are stored: let them go before the next level
            self._relieve()
            if self.options.progress is not None and time.monotonic() >= next_report:
                next_report = time.monotonic() + contract.PROGRESS_EVERY
                self._report(started, len(self.store) - level_end, max_seen_depth)
            cursor = level_end
        return result(max_seen_depth, transitions, None, complete)

    # -- one level ---------------------------------------------------------------------------

    def _level(self, workers: Workers | RayWorkers | None, a: int, b: int) -> Level:
        """Expand the level [a, b) and settle its new states (not stored yet)."""
        self.levels += 1
        if self.disk is not None:
            # Buckets for about twice the candidates the last level's growth predicts.
            expected = int(2 * self.growth * (b - a)) // self.workers
            visited = len(self.store) // self.workers
            bits = bucket_bits(expected, self.words, visited, self.options.exact, self.budget)
            self.disk.begin(self.levels, bits)
            if isinstance(workers, Workers):
                workers.begin(self.levels, bits)
        if workers is None:
            groups = [self._expand_here(s, min(s + GROUP_ROWS, b)) for s in range(a, b, GROUP_ROWS)]
            return Level(groups, [self._settle_mine(groups)])
        if isinstance(workers, RayWorkers):
            return Level(*workers.level(self.store, _guided(a, b, self.workers)))
        bounds = _guided(a, b, self.workers)
        groups = list(workers.expand(bounds, self.table, self._expand_here))
        return Level(
            groups, workers.settle([g.start for g in groups], lambda: self._settle_mine(groups))
        )

    def _settle_mine(self, groups: list[GroupResult]) -> NewStates:
        """Settle this process's partition of the level: the candidates each group kept here,
        or, for groups a worker expanded, wrote to a file."""

        if self.disk is not None:
            return self.disk.settle()

        def candidates(g: GroupResult) -> Candidates:
            if g.parts:
                return g.parts[0]
            assert self.directory is not None  # a worker's group: there are workers
            written: Candidates = load(candidates_file(self.directory, g.start, 0))
            return written

        parts = [candidates(g) for g in groups]
        for g in groups:
            g.parts = []  # settling uses the candidates up
        return self.expander.settle(parts)

    def _expand_here(self, a: int, b: int) -> GroupResult:
        """Expand a group in this process (with workers: the other partitions' candidates go
        to files, for their owners)."""
        if self.disk is not None:
            result = self.disk.expand(a, b)
            self._relieve()
            return result
        result = self.expander.expand(self.store, [self.table, *self.others], a, b)
        if self.directory is not None and self.workers > 1:
            for p, part in enumerate(result.parts[1:], start=1):
                dump(part, candidates_file(self.directory, a, p))
        self._relieve()
        return result

    def _first_event(self, level: Level) -> Event | None:
        events: list[Event] = []
        stride = self.expander.stride
        for g in level.groups:
            if g.action_event is not None:
                key, transition, name = g.action_event
                events.append(Event(key, "action_property", name, key // stride, transition))
            if g.failure is not None:
                key, check = g.failure
                k = int(self.expander.action_of[key % stride])
                name = self.engine.spec.actions[k].name
                events.append(Event(key, "error", name, key // stride, check))
            if g.deadlock is not None:
                key = g.deadlock * stride + stride - 1
                events.append(Event(key, "deadlock", "deadlock", g.deadlock))
        for new in level.news:
            bad = np.flatnonzero(new.bad_invariant >= 0)
            if bad.size:
                i = int(bad[0])
                name = self.expander.invariants[int(new.bad_invariant[i])][0]
                key = int(new.key[i])
                events.append(Event(key, "invariant", name, key // stride))
        order = {"action_property": 0, "error": 0, "invariant": 1, "deadlock": 2}
        return min(events, key=lambda e: (e.key, order[e.kind])) if events else None

    def _store(
        self, level: Level, workers: Workers | RayWorkers | None, count: int | None = None
    ) -> None:
        """Store the level's first `count` new states (all by default) in key order, and
        insert them into their partitions' visited sets: each process its partition's."""
        numbered = level.numbered(self.store.extend(level.key.size if count is None else count))
        limit = len(self.store)  # the states numbered below it are stored

        def mine() -> None:
            if self.disk is not None:
                self.disk.store(numbered[0], limit)
                return
            stride = self.expander.stride
            store_new(self.store, self.table, level.news[0], numbered[0], limit, stride)

        if workers is None:
            mine()
        elif isinstance(workers, RayWorkers):  # the driver stores every partition's states
            stride = self.expander.stride
            for new, index in zip(level.news, numbered, strict=True):
                k = int(np.searchsorted(index, limit))
                self.store.put(index[:k], [c[:k] for c in new.cols], new.key[:k] // stride)
            workers.store(numbered, limit)
        else:
            workers.store(numbered, limit, mine)
            self._map(workers.tables)

    def _map(self, tables: Sequence[TableFile]) -> None:
        """Map the workers' visited sets where they are now."""
        self.others = [TableView.mapped(self.options.exact, self.store.gather, path, capacity)
                       for path, capacity in tables]  # fmt: skip

    def _stop(
        self,
        level: Level,
        workers: Workers | RayWorkers | None,
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
        x = self.expander
        upto = level.key <= event.key if event.kind == "invariant" else level.key < event.key
        count = int(upto.sum())  # a prefix: the keys are sorted
        first = len(self.store)
        self._store(level, workers, count)
        # Transitions of the groups before the event's, and of its group those the reference
        # engine had met: every instance of the event's action and of the actions before it
        # at the event's state, and those of the states before.
        group = next(g for g in level.groups if g.start <= event.parent < g.start + g.size)
        for g in level.groups:
            if g.start < group.start:
                transitions += g.transitions
                fired += g.fired
        t = x.transitions(self.store.columns(group.start, group.start + group.size), group.size)
        local = event.parent - group.start
        if event.kind == "deadlock":
            bound = local * x.stride - 1
        else:
            k = int(x.action_of[event.key % x.stride])
            bound = local * x.stride + int(x.offsets[k + 1]) - 1
        counted = t.key <= bound
        fired += np.bincount(x.action_of[t.inst[counted]], minlength=len(fired))
        distinct += np.bincount(x.action_of[level.inst[:count]], minlength=len(fired))
        transitions += int(counted.sum())
        e = self.engine
        if event.kind == "invariant":
            trace = e.trace_to(self._path(first + count - 1))
            return result(depth + 1, transitions, Violation("invariant", event.name, trace), True)
        trace = e.trace_to(self._path(event.parent))
        if event.kind == "error":  # the failing instance, from the trace's last state
            inst = event.key % x.stride
            k = int(x.action_of[inst])
            check = x.vspec.checks[event.transition]
            violation = Violation("error", event.name, trace)
            violation.failure = e.failure(k, inst - int(x.offsets[k]), check, trace[-1])
            return result(depth + 1, transitions, violation, True)
        if event.kind == "action_property":
            successor = np.stack([c[[event.transition]] for c in t.raw], axis=1)
            step = e.extra_step(
                self.store.state(event.parent), rows_to_ints(successor)[0], trace[-1]
            )
            trace.append(step)
            violation = Violation("action_property", event.name, trace)
            return result(depth + 1, transitions, violation, True)
        deepest = depth + 1 if count else max_seen_depth
        return result(deepest, transitions, Violation("deadlock", "deadlock", trace), True)

    def _path(self, index: int) -> list[int]:
        """The stored states from an initial state to state `index`."""
        ids = []
        while index >= 0:
            ids.append(index)
            index = self.store.parent(index)
        return [self.store.state(i) for i in reversed(ids)]

    # -- the initial states, checkpoints, memory, progress -----------------------------------

    def _initial_states(self, workers: Workers | RayWorkers | None) -> Violation | None:
        """Store the initial states as the reference engine does: in order, those that satisfy
        the constraints, once each (canonical forms under symmetry), stopping at the first one
        that breaks an invariant."""
        e = self.engine
        inits = [x for _, _, x in e.inits]
        if not inits:
            return None
        cols = list(np.ascontiguousarray(ints_to_rows(inits, self.words).T))
        ok = np.ones(len(inits), dtype=bool)
        for constraint in self.expander.constraints:
            ok &= constraint(cols, len(inits))
        canon = e.canon()
        chosen = (canon(x) if canon else x for x, good in zip(inits, ok, strict=True) if good)
        states = list(dict.fromkeys(chosen))
        if not states:
            return None
        cols = list(np.ascontiguousarray(ints_to_rows(states, self.words).T))
        # The first state (in order) that breaks an invariant, and the first invariant it breaks.
        size = len(states)
        holds = [
            (n, np.broadcast_to(fn(cols, size), (size,))) for n, fn in self.expander.invariants
        ]
        good = np.ones(size, dtype=bool)
        for _, h in holds:
            good &= h
        broken = np.flatnonzero(~good)
        if len(broken):
            i = int(broken[0])
            bad = next(n for n, h in holds if not h[i])
            self._store_ints(states[: i + 1], workers)
            return Violation("invariant", bad, e.trace_to([states[i]]))
        self._store_ints(states, workers)
        return None

    def _store_ints(self, states: Sequence[int], workers: Workers | RayWorkers | None) -> None:
        rows = ints_to_rows(states, self.words)
        self.store.append_rows(rows, np.full(len(states), -1, dtype=np.int64))
        self._fill(workers)

    def _fill(self, workers: Workers | RayWorkers | None) -> None:
        """Put every stored state in its partition's visited set (the sets are empty)."""
        if isinstance(workers, RayWorkers):
            workers.fill(self.store, self.expander, len(self.store))
            return
        if self.disk is not None:
            self.disk.fill(len(self.store))
        else:
            fill(self.table, self.store, self.expander, 0, len(self.store))
        if workers is not None:
            workers.rebuild(len(self.store))
            self._map(workers.tables)

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

    def _resume(self, checkpointer: Checkpointer, workers: Workers | RayWorkers | None) -> Position:
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
        self._fill(workers)
        return position

    def _relieve(self) -> None:
        relieve(self.budget, self.store, self.table)

    def _report(self, started: float, queue: int, depth: int) -> None:
        now = time.monotonic()
        assert self.options.progress is not None
        rate = len(self.store) / (now - started)
        self.options.progress(Progress(len(self.store), queue, depth, rate, now - started))


def _guided(a: int, b: int, processes: int) -> list[tuple[int, int]]:
    """The level [a, b) cut into groups for `processes` processes, largest first: each group
    takes a share of what is left (at most GROUP_ROWS, at least MIN_GROUP_ROWS), so that the
    last groups are small and no process waits long for another to finish its last one
    (OpenMP's guided schedule)."""
    bounds = []
    while a < b:
        size = min(GROUP_ROWS, max(MIN_GROUP_ROWS, (b - a) // (2 * processes)))
        bounds.append((a, min(b, a + size)))
        a += size
    return bounds


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

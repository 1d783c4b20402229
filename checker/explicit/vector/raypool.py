"""The partitioned level-synchronous search on a Ray cluster (`--ray auto|ADDRESS`).

One Ray actor owns each partition of the fingerprint space, as a forked worker does on one
machine (`pool`), but nothing is shared through files: the actors may be on other machines.

- The driver (the main process) keeps every state, with its parent, as it does alone: it
  numbers each level's new states, writes the traces, the checkpoints and the liveness graph.
- *expand*: the driver ships each group's states to an actor (round robin), which generates
  their successors and cuts the candidates by partition. It keeps its own partition's, filtered
  by its visited set, and returns the others' as separate objects in Ray's object store: they
  go from actor to actor, not through the driver. (Without the others' visited sets, it cannot
  drop their visited states; their owners do, in the next phase. The visited sets do not change
  during a level, so the candidates that remain are the same as on one machine.)
- *settle*: each owner fetches its partition's candidates of every group, in group order, drops
  those its visited set holds, keeps the level's new states (`Expander.settle`) and returns
  them to the driver, which numbers them by key over all partitions.
- *store*: each owner inserts its new states, under their numbers, into its visited set (in
  exact mode, keeping their words, which lookups compare).

A lost actor or node stops the search with an error (`RayLost`, exit 2): the counts of a level
that lost part of its candidates would be wrong. `stats` records, per level, the bytes shipped
and the time the driver waited at each phase's barrier.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from checker.errors import PaxoscopeError, UsageError
from checker.explicit.vector.expand import Candidates, Expander, GroupResult, NewStates
from checker.explicit.vector.store import StateStore, StoreView
from checker.explicit.vector.table import NothingVisited, VisitedTable, fingerprint

FILL_ROWS = 1 << 20  # stored states shipped to their owners at a time (initial states, resume)


class RayLost(PaxoscopeError):
    """An actor (or its node) of a Ray search was lost: the search stops."""


@dataclass
class LevelStats:
    """What one level cost on the cluster."""

    states: int  # the level's states expanded
    shipped: int  # bytes: groups to actors, candidates between actors, new states back
    expand: float  # seconds the driver waited for the last group's expansion
    settle: float  # ... for the last partition's new states
    store: float  # ... for the last partition's insertions


def shipped(value: Any) -> int:
    """The bytes of the arrays in a value (columns, candidates, new states)."""
    if isinstance(value, np.ndarray):
        return int(value.nbytes)
    if isinstance(value, (Candidates, NewStates)):
        return sum(shipped(v) for v in vars(value).values())
    if isinstance(value, (list, tuple)):
        return sum(shipped(v) for v in value)
    return 0


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise UsageError(
            "--ray needs Ray, which is not installed: install paxoscope's ray extra "
            "(pip install 'paxoscope[ray]') or run without --ray"
        ) from None
    return ray


def connect(address: str) -> tuple[Any, bool]:
    """Ray, connected to the cluster at `address` ("auto": the one running on this machine);
    and whether this call connected (and so must disconnect)."""
    ray = _ray()
    if ray.is_initialized():
        return ray, False
    try:
        ray.init(address=address, logging_level="ERROR", log_to_driver=False)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise UsageError(f"--ray {address}: cannot connect to a Ray cluster there ({exc})") from exc
    return ray, True


def cluster_cpus(ray: Any) -> int:
    return max(1, int(ray.cluster_resources().get("CPU", 1)))


# Actors of searches that ended, ready for the next search in this process on the same
# cluster: starting an actor costs a new Python process on its node (about a second), which
# would dominate a session of many small checks (a test suite, the pytest plugin). Keyed by
# the Ray job (a new connection is a new job) and the number of partitions.
_IDLE: dict[tuple[str, int], list[Any]] = {}


class RayWorkers:
    """The partitions' actors, driven by the main process phase by phase."""

    def __init__(self, ray: Any, expander: Expander, exact: bool) -> None:
        self.ray = ray
        self.partitions = expander.partitions
        self.lost = False
        self.key = (ray.get_runtime_context().get_job_id(), self.partitions)
        for stale in [k for k in _IDLE if k[0] != self.key[0]]:  # of an earlier connection
            del _IDLE[stale]
        idle = _IDLE.pop(self.key, None)
        shared = ray.put(expander)  # pickled once, fetched by each actor's node
        if idle is not None:
            self.actors = idle
            self._get([a.reset.remote(shared, p, exact) for p, a in enumerate(idle)])
        else:
            owner = ray.remote(num_cpus=1, max_restarts=0)(_Owner)
            self.actors = [
                owner.options(scheduling_strategy="SPREAD").remote(shared, p, exact)
                for p in range(self.partitions)
            ]
            self._get([a.ready.remote() for a in self.actors])
        self.stats: list[LevelStats] = []
        self.nodes = sum(1 for node in ray.nodes() if node.get("Alive"))

    def _get(self, refs: Any) -> Any:
        try:
            return self.ray.get(refs)
        except self.ray.exceptions.RayError as exc:
            self.lost = True
            raise RayLost(
                "the Ray search lost an actor or a node, and with it part of the visited "
                f"states: it stops rather than give wrong counts ({type(exc).__name__}: "
                f"{str(exc).splitlines()[0] if str(exc) else ''})"
            ) from exc

    def level(self, store: StateStore, bounds: Sequence[tuple[int, int]]) -> tuple[
        list[GroupResult], list[NewStates]
    ]:  # fmt: skip
        """Expand the groups `bounds` of a level and settle its new states (not stored)."""
        n = self.partitions
        size, started = 0, time.monotonic()
        results: list[Any] = []
        parts: list[list[Any]] = [[] for _ in range(n)]  # parts[p]: refs, in group order
        bytes_ = 0
        for i, (a, b) in enumerate(bounds):
            cols = store.columns(a, b)
            bytes_ += shipped(cols)
            size += b - a
            refs = self.actors[i % n].expand.options(num_returns=n + 1).remote(a, cols)
            results.append(refs[0])
            for p in range(n):
                parts[p].append(refs[p + 1])
        groups: list[GroupResult] = self._get(results)
        expanded = time.monotonic()
        starts = [g.start for g in groups]
        settled = [self.actors[p].settle.remote(starts, parts[p]) for p in range(n)]
        out = self._get(settled)
        news = [new for new, _ in out]
        bytes_ += sum(moved for _, moved in out) + sum(shipped(new) for new in news)
        self._level = LevelStats(size, bytes_, expanded - started, time.monotonic() - expanded, 0.0)
        return groups, news

    def store(self, numbered: Sequence[Any], limit: int) -> None:
        """Each owner inserts its new states numbered `numbered[p]` below `limit`."""
        started = time.monotonic()
        self._get([a.store.remote(numbered[p], limit) for p, a in enumerate(self.actors)])
        self._level.store = time.monotonic() - started
        self._level.shipped += shipped(list(numbered))
        self.stats.append(self._level)

    def fill(self, store: StoreView, expander: Expander, count: int) -> None:
        """Ship the stored states 0..count-1 to their owners' visited sets (which are empty)."""
        for a in range(0, count, FILL_ROWS):
            rows = store.row_block(a, min(count, a + FILL_ROWS))
            cols = list(np.ascontiguousarray(rows.T))
            part = expander.partition(fingerprint(cols))
            index = np.arange(a, a + len(rows))
            calls = []
            for p, actor in enumerate(self.actors):
                mine = np.flatnonzero(part == p)
                calls.append(actor.fill.remote(index[mine], [c[mine] for c in cols]))
            self._get(calls)

    def close(self, keep: bool = True) -> None:
        """Let the actors go: emptied, for the next search in this process (`keep`), or
        killed (after a loss, or when the connection ends)."""
        if keep and not self.lost:
            try:
                self._get([a.reset.remote(None, 0, False) for a in self.actors])
                _IDLE[self.key] = self.actors
                return
            except RayLost:
                pass
        for actor in self.actors:
            self.ray.kill(actor)


class _Given(StoreView):
    """The states of one group, shipped to an actor: all that `Expander.expand` reads."""

    def __init__(self, words: int, a: int, cols: list[Any]) -> None:
        super().__init__(words, 1, None)
        self.a, self.cols = a, cols

    def columns(self, a: int, b: int) -> list[Any]:
        assert (a, b - a) == (self.a, self.cols[0].size if self.cols else 0)
        return self.cols


class _Owner:
    """A Ray actor: partition p's visited set, and, in exact mode, the words of its states."""

    def __init__(self, expander: Expander | None, p: int, exact: bool) -> None:
        self.reset(expander, p, exact)

    def reset(self, expander: Expander | None, p: int, exact: bool) -> None:
        """Start afresh, for a new search (`expander`), or empty, between searches (None)."""
        self._expander = expander
        self.p = p
        self.table = VisitedTable(exact, self._rows, None, name=f"table-{p}")
        self.exact = exact
        self.index: list[Any] = []  # exact mode: store indices of this partition's states
        self.words: list[Any] = []  # ... and their (m, W) rows
        self.kept: dict[int, Candidates] = {}
        self.new: NewStates | None = None

    def ready(self) -> int:
        return self.p

    @property
    def expander(self) -> Expander:
        assert self._expander is not None, "an idle actor was given work"
        return self._expander

    def _rows(self, index: Any) -> Any:
        """The (m, W) rows of this partition's stored states `index`."""
        if len(self.index) > 1:
            self.index, self.words = [np.concatenate(self.index)], [np.concatenate(self.words)]
        at = np.searchsorted(self.index[0], index)
        return self.words[0][at]

    def _keep(self, index: Any, cols: Sequence[Any]) -> None:
        if self.exact and index.size:
            self.index.append(np.asarray(index, dtype=np.int64))
            self.words.append(np.stack(list(cols), axis=1) if cols else np.zeros((index.size, 0)))

    def expand(self, a: int, cols: list[Any]) -> tuple[Any, ...]:
        n = cols[0].size if cols else 0
        tables = [
            self.table if p == self.p else NothingVisited() for p in range(self.expander.partitions)
        ]
        words = self.expander.words
        result = self.expander.expand(_Given(words, a, cols), tables, a, a + n)
        parts: list[Candidates | None] = list(result.parts)
        self.kept[a] = result.parts[self.p]
        parts[self.p] = None
        result.parts = []
        return (result, *parts)

    def settle(self, starts: list[int], refs: list[Any]) -> tuple[NewStates, int]:
        import ray

        moved = 0
        parts = []
        for a, ref in zip(starts, refs, strict=True):
            if a in self.kept:
                parts.append(self.kept.pop(a))
                continue
            part: Candidates = ray.get(ref)
            moved += shipped(part)
            seen = self.table.lookup(part.h, part.cols)
            if seen.any():
                keep = np.flatnonzero(~seen)
                part = Candidates(
                    [c[keep] for c in part.cols], part.h[keep], part.key[keep], part.inst[keep]
                )
            parts.append(part)
        self.kept = {}
        self.new = self.expander.settle(parts)
        return self.new, moved

    def store(self, index: Any, limit: int) -> None:
        new, self.new = self.new, None
        assert new is not None
        k = int(np.searchsorted(index, limit))
        self._keep(index[:k], [c[:k] for c in new.cols])
        self.table.insert(new.h[:k], index[:k])

    def fill(self, index: Any, cols: list[Any]) -> None:
        self._keep(index, cols)
        self.table.insert(fingerprint(cols), index)

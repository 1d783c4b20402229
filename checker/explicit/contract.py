"""The explicit-state engines' contract: what a search is asked (`Options`), what it reports
while it runs (`Progress`) and at the end (`SearchResult`, `Violation`, `Failure`,
`ActionCoverage`, traces of `TraceStep`), and what an engine reads of the spec instance compiled
for it (`SearchEngine`).

Both engines import this module, and nothing here imports either of them: the reference engine
(`search`) and the vector engine (`vector`) meet only here. Options are checked where they are
made: a combination no engine can honour is a `UsageError` when the `Options` is built, not
somewhere in the run. The messages name the command line's flags, as users mostly meet them
there.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol, get_args

from checker.errors import UsageError
from checker.explicit.limits import Limits

if TYPE_CHECKING:
    from checker import ir
    from checker.explicit.checkpoint import Checkpointer
    from checker.explicit.codegen import CompiledSpec
    from checker.explicit.layout import Layout
    from checker.explicit.liveprops import LiveCheck
    from checker.explicit.symmetry import Symmetry
    from checker.instance import Instance

Mode = Literal["bfs", "dfs", "simulate"]
EngineName = Literal["vector", "reference"]
ViolationKind = Literal["invariant", "action_property", "deadlock", "error", "liveness"]

PROGRESS_AFTER = 3.0  # seconds before the first progress report
PROGRESS_EVERY = 5.0

Perm = dict[str, tuple[int, ...]]  # a symmetry group element: sort -> image of each code

AUTO_WORKERS_MAX = 8  # each worker holds its own compiled code and mappings


def auto_workers() -> int:
    """`workers="auto"`: one worker per core this process may run on, at most AUTO_WORKERS_MAX."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(cores or 1, AUTO_WORKERS_MAX))


def default_workers(mode: str, engine: str, ray: str | None) -> int:
    """How many workers a search gets when none are asked for: one per core (`auto_workers`)
    for the vector engine's breadth-first search on this machine, else 1 (no other search has
    workers; on a Ray cluster, 1 means one actor per CPU of the cluster)."""
    return auto_workers() if engine == "vector" and mode == "bfs" and not ray else 1


@dataclass(frozen=True)
class TraceStep:
    """One state of a trace and the action (with parameter codes) that led to it; every engine
    that produces traces (the explicit ones, bmc, conformance) makes these."""

    action: str | None  # None for the initial state (or the name of the @init that made it)
    params: tuple[tuple[str, int, str], ...]  # (parameter name, code, sort)
    state: int  # packed (see checker.explicit.layout)
    witness: Perm | None = None  # symmetry: maps this concrete state to the stored canonical one


@dataclass(frozen=True)
class Progress:
    distinct_states: int
    queue: int
    depth: int
    states_per_second: float
    seconds: float


@dataclass(frozen=True)
class Options:
    """What to search and how. Built once and not changed: `__post_init__` refuses the
    combinations no engine honours (`validate`)."""

    mode: Mode = "bfs"
    invariants: Sequence[str] | None = None  # None: every invariant of the spec
    action_properties: Sequence[str] | None = None
    symmetry: bool = False
    deadlock: bool = False
    max_depth: int | None = None
    seed: int = 0
    walks: int = 1000
    walk_depth: int = 100
    progress: Callable[[Progress], None] | None = None
    limits: Limits = field(default_factory=Limits)
    # Breadth-first only: checkpoint into this directory at level boundaries, at most every
    # `checkpoint_every` seconds (0: every level), and with `resume`, go on from its last one.
    checkpoint: Path | None = None
    checkpoint_every: float = 60.0
    resume: bool = False
    # Breadth-first only: "vector" explores a frontier at a time with numpy (`explicit.vector`),
    # "reference" one state at a time; both give the same results.
    engine: EngineName = "vector"
    workers: int = 1  # vector engine: processes expanding frontier slices
    exact: bool = True  # vector engine: compare whole states; False: 64-bit fingerprints
    # Vector engine: keep the resident memory under this many bytes; states and the visited
    # set then live in files in `spill_dir` (default: the system's temporary directory).
    max_memory: int | None = None
    spill_dir: Path | None = None
    # The @liveness properties to check after a complete breadth-first search (None: all)
    liveness: Sequence[str] | None = None
    # Vector engine: explore on the Ray cluster at this address ("auto": the one running on
    # this machine), one actor per partition (`workers` of them; 1: one per CPU of the cluster)
    ray: str | None = None

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> None:
        """Raise `UsageError` for a mode or engine that does not exist, or for options that
        need another mode or engine than the one asked for."""
        if self.mode not in get_args(Mode):
            raise UsageError(f"unknown search mode `{self.mode}` (use bfs, dfs or simulate)")
        if self.engine not in get_args(EngineName):
            raise UsageError(f"unknown engine `{self.engine}` (use vector or reference)")
        vector_only = [
            name
            for name, given in (
                (f"--workers {self.workers}", self.workers > 1),
                ("--fingerprints", not self.exact),
                ("--max-memory", self.max_memory is not None),
                ("--spill-dir", self.spill_dir is not None),
                (f"--ray {self.ray}", self.ray is not None),
            )
            if given
        ]
        if vector_only and (self.engine != "vector" or self.mode != "bfs"):
            works = "works" if len(vector_only) == 1 else "work"
            raise UsageError(
                f"{' and '.join(vector_only)} {works} only with the vector engine's breadth-first "
                f"search (--mode bfs --engine vector); this run asks for --mode {self.mode} "
                f"with --engine {self.engine}"
            )
        if self.spill_dir is not None and self.max_memory is None:
            raise UsageError("--spill-dir is where --max-memory keeps its files: give --max-memory")
        if self.ray is not None and self.max_memory is not None:
            raise UsageError(
                "--ray and --max-memory do not work together: on a Ray cluster each actor keeps "
                "its partition's visited set in memory; give one or the other"
            )
        if self.checkpoint is not None and self.mode != "bfs":
            raise UsageError("checkpoints are taken at BFS levels: use --mode bfs with them")

    def validate_for_liveness(self) -> None:
        """Raise `UsageError` when these options cannot check @liveness properties, which need
        the whole graph of concrete states, in memory: no symmetry, breadth-first, no depth
        bound, no memory bound. (Whether a run checks any is known once the spec is.)"""
        if self.max_memory is not None:
            raise UsageError(
                "liveness properties are checked on the state graph held in memory (about 40 "
                "bytes a transition), which --max-memory cannot bound; drop --max-memory, or "
                "check safety alone with --no-liveness"
            )
        if self.max_depth is not None:
            raise UsageError(
                "liveness properties need the whole state graph: a depth bound cuts its cycles "
                "(TLC checks liveness on complete graphs too); drop --max-depth, or --no-liveness"
            )
        if self.symmetry:
            raise UsageError(
                "liveness properties cannot be checked with --symmetry: a symmetric state stands "
                "for several concrete ones, and a cycle among representatives need not be a "
                "cycle of the spec, nor fair for the actions of each node (TLC warns that this "
                "can be unsound; paxoscope refuses). Run without --symmetry, or select safety "
                "properties only with --no-liveness"
            )
        if self.mode != "bfs":
            raise UsageError(
                f"liveness properties are checked after a breadth-first search, not in "
                f"{self.mode} mode; use --mode bfs, or --no-liveness"
            )


@dataclass(frozen=True)
class Failure:
    """An action instance that fails from the last state of a trace (a `Check` held): a value
    outside its integer sort, a division by zero."""

    action: str
    params: tuple[tuple[str, int, str], ...]
    check: ir.Check


@dataclass
class Violation:
    kind: ViolationKind
    name: str  # the property; for an error, the failing action
    trace: list[TraceStep]
    failure: Failure | None = None  # errors: the instance that fails from the trace's end
    # liveness: the trace is a lasso whose last state goes back to trace[loop] (by `closing`,
    # or stuttering when None); None: no cycle (an always(p) that fails)
    loop: int | None = None
    closing: TraceStep | None = None


@dataclass
class ActionCoverage:
    fired: int = 0  # enabled instances over all explored states (transitions)
    distinct: int = 0  # new distinct states first reached by this action


@dataclass
class SearchResult:
    distinct_states: int
    depth: int
    transitions: int
    seconds: float
    coverage: dict[str, ActionCoverage]
    violation: Violation | None
    complete: bool  # False when a depth bound or simulation left states unexplored
    invariants: list[str]
    action_properties: list[str]
    group_size: int = 1
    liveness: list[str] = field(default_factory=list)  # checked, per binding
    engine: EngineName = "reference"
    workers: int = 1
    # With fingerprints instead of exact states: the chance that two of the distinct states
    # shared a fingerprint, so that one of them (and what only it leads to) was missed.
    collision_probability: float | None = None
    # On a Ray cluster (`--ray`): its alive nodes, and per level what the level cost there
    # (`raypool.LevelStats` as a dict: states, bytes shipped, seconds at each barrier).
    ray_nodes: int = 0
    ray_levels: list[dict[str, float]] = field(default_factory=list)


class SearchEngine(Protocol):
    """A spec instance compiled for search, as the searches, the liveness check and the state
    graph read it: `search.Engine` builds one (and runs the reference engine's searches on it);
    the vector engine, `livegraph` and `graph` are handed one."""

    @property
    def options(self) -> Options: ...
    @property
    def inst(self) -> Instance: ...
    @property
    def spec(self) -> ir.SpecIR: ...
    @property
    def layout(self) -> Layout: ...
    @property
    def symmetry(self) -> Symmetry | None: ...
    @property
    def invariants(self) -> list[ir.Property]: ...
    @property
    def action_properties(self) -> list[ir.Property]: ...
    @property
    def live(self) -> list[LiveCheck]: ...
    @property
    def inits(self) -> list[tuple[int, tuple[int, ...], int]]:
        """(@init index or -1, its parameters, packed state) of each initial state, in order."""

    @property
    def compiled(self) -> CompiledSpec:
        """The scalar compiled functions: the reference search's, and every engine's traces."""

    @property
    def constraints(self) -> list[Callable[[int], bool]]: ...

    def in_model(self, s: int) -> bool:
        """Whether state `s` satisfies every state constraint."""

    def canon(self) -> Callable[[int], int] | None:
        """The canonical form under symmetry (None without symmetry)."""

    def broken_invariant(self, s: int) -> str | None: ...
    def broken_action_property(self, s: int, t: int) -> str | None: ...
    def step_params(self, k: int, index: int) -> tuple[tuple[str, int, str], ...]:
        """A trace step's parameters for instance `index` of action k."""

    def initial_step(self, x0: int) -> TraceStep: ...
    def concrete_step(self, k: int, index: int, t: int, witness: Perm | None) -> TraceStep:
        """Action k's step number `index` from a stored state to stored successor `t`, mapped
        to the concrete trace whose current state the stored one is `witness` of."""

    def trace_to(self, path: Sequence[int]) -> list[TraceStep]:
        """The concrete trace through the stored states `path` (canonical under symmetry)."""

    def extra_step(self, stored: int, t: int, last: TraceStep) -> TraceStep:
        """The step from the last trace state to a successor `t` of its stored form."""

    def failure(self, k: int, index: int, check: ir.Check, last: TraceStep) -> Failure:
        """Instance `index` of action k, failing from the trace's last state."""

    def checkpointer(self) -> Checkpointer | None: ...
    def search_result(
        self,
        distinct: int,
        depth: int,
        transitions: int,
        started: float,
        coverage: list[ActionCoverage],
        violation: Violation | None,
        complete: bool,
    ) -> SearchResult: ...
    def liveness_outcome(self, result: SearchResult, violation: Violation | None) -> None:
        """Record the liveness check's verdict on a complete search's result."""

"""Random simulation, the reference engine's third mode (`--mode simulate`): walks from random
initial states, each step a random enabled action instance among those that stay in the model,
checking invariants, action properties and errors (and deadlock, when asked) along the way, as
the searches do. Deterministic for a given seed; complete never.
"""

from __future__ import annotations

import random
import time

from checker.explicit import contract
from checker.explicit.contract import (
    ActionCoverage,
    Progress,
    SearchEngine,
    SearchResult,
    TraceStep,
    Violation,
)


def simulate(engine: SearchEngine) -> SearchResult:
    """Random walks from random initial states; deterministic for a given seed."""
    started = time.monotonic()
    rng = random.Random(engine.options.seed)
    acts = engine.compiled.labelled
    coverage = [ActionCoverage() for _ in acts]
    seen: set[int] = set()
    transitions = 0
    max_depth = 0
    inits = [x for _, _, x in engine.inits if engine.in_model(x)]
    progress = engine.options.progress
    next_report = started + contract.PROGRESS_AFTER
    if not inits:
        return engine.search_result(0, 0, 0, started, coverage, None, False)
    for walk in range(engine.options.walks):
        x = rng.choice(inits)
        trace = [engine.initial_step(x)]
        if x not in seen:
            seen.add(x)
        if (bad := engine.broken_invariant(x)) is not None:
            return engine.search_result(
                len(seen),
                1,
                transitions,
                started,
                coverage,
                Violation("invariant", bad, trace),
                False,
            )
        for _ in range(engine.options.walk_depth - 1):
            failed = engine.compiled.failed
            failed.clear()
            options, failing = [], []
            for k, fn in enumerate(acts):
                options += [(k, t, i) for t, i in fn(x)]
                failing += [(k, i, c) for i, c in failed]
                failed.clear()
            if failing:  # an action instance fails from here: an error, as in a search
                k, index, check = failing[0]
                v = Violation("error", engine.spec.actions[k].name, trace)
                v.failure = engine.failure(k, index, engine.compiled.checks[check], trace[-1])
                return engine.search_result(
                    len(seen), max(max_depth, len(trace)), transitions, started, coverage, v,
                    False,
                )  # fmt: skip
            options = [o for o in options if engine.in_model(o[1])]
            for k, _, _ in options:
                coverage[k].fired += 1
            transitions += len(options)
            if not options:
                if engine.options.deadlock:
                    v = Violation("deadlock", "deadlock", trace)
                    return engine.search_result(
                        len(seen), max_depth, transitions, started, coverage, v, False
                    )
                break
            k, t, index = rng.choice(options)
            trace.append(TraceStep(engine.spec.actions[k].name, engine.step_params(k, index), t))
            if (bad := engine.broken_action_property(x, t)) is not None:
                v = Violation("action_property", bad, trace)
                return engine.search_result(
                    len(seen),
                    max(max_depth, len(trace)),
                    transitions,
                    started,
                    coverage,
                    v,
                    False,
                )
            x = t
            if x not in seen:
                seen.add(x)
                coverage[k].distinct += 1
            max_depth = max(max_depth, len(trace))
            if (bad := engine.broken_invariant(x)) is not None:
                v = Violation("invariant", bad, trace)
                return engine.search_result(
                    len(seen), max_depth, transitions, started, coverage, v, False
                )
        if progress is not None:
            now = time.monotonic()
            if now >= next_report:
                next_report = now + contract.PROGRESS_EVERY
                progress(
                    Progress(
                        len(seen),
                        engine.options.walks - walk - 1,
                        max_depth,
                        len(seen) / (now - started),
                        now - started,
                    )
                )
    return engine.search_result(len(seen), max_depth, transitions, started, coverage, None, False)

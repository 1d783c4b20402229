"""The library facade: every command of `paxoscope` as a function.

    from checker import api

    r = api.check("spec.paxos", params={"max_ballot": 1})
    r.ok, r.exit_code, r.distinct_states   # True 0 3921
    print(r.text())                         # what `paxoscope check` prints
    r.to_json()                             # what `paxoscope check --json -` prints

`check`, `prove`, `bmc`, `refine`, `diff`, `conform`, `validate` and `linearizable` each take
what the command takes — a spec as a module name (`"spec.paxos"`), a file (`"spec/paxos.py"`,
optionally `:ClassName`), a `Path`, or a Spec class; parameters as a mapping or as the command
line's `NAME=VALUE` strings — and keyword options with the command line's defaults, checked as
it checks them. The command line (`checker.cli`) and the pytest plugin call these functions.

Each returns an outcome with the same members:

- `ok`: every property holds (proved, conforms, linearizable, ...);
- `exit_code`: what the command exits with, a `checker.errors.ExitCode` (an int) — `OK` (0)
  holds, `VIOLATED` (1) violated (or not proved, does not conform, differs, not
  linearizable), `UNKNOWN` (2) z3 gave up or timed out, or a linearizability check timed out:
  unknown is not a success;
- `to_json()`: the object `--json PATH|-` writes (every command has it; the schemas are
  `checker/schemas/<command>-result.schema.json`); diff's, conform's and validate's have
  `"command"`, `"ok"`, `"result"` and the command's figures;
- `text()`: what the command prints on stdout, as plain text, without the last newline (and
  without the lines about files the command line wrote, such as `trace written to ...`);
- `report`: the engine's own report (`CheckReport`, `ProofReport`, `BmcReport`, ...).

The outcome classes live in `checker.outcome` and are re-exported here.

Errors: bad input — an unknown spec, parameter or property, options that do not go together,
a spec that misuses the language, a history or log that cannot be read — raises a
`checker.errors.PaxoscopeError` (`UsageError`, `SpecError`, or a room's own subclass such as
the linearizability check's `HistoryError`), whose message is the paragraph the command line
prints before it exits with 2.
Nothing else is raised for the user's input: a conformance driver rejecting its options and a
log mapping failing on its log become `UsageError`s too. An outcome never has exit code 2 for
bad input; it has it only for `unknown`.

The engines are imported when a function needs them: importing this module loads neither z3
nor the implementation under test.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from checker.check import check as _check
from checker.errors import PaxoscopeError, UsageError
from checker.explicit.contract import EngineName, Mode, Options, Progress, default_workers
from checker.lang.spec import Spec
from checker.outcome import (
    BmcOutcome,
    CheckOutcome,
    ConformOutcome,
    DiffOutcome,
    LinearizableOutcome,
    Outcome,
    ProofOutcome,
    RefineOutcome,
    ValidateOutcome,
)

if TYPE_CHECKING:
    from checker.conformance import Driver

SpecRef = str | Path | type[Spec]
Params = Mapping[str, int] | Iterable[str] | None  # {"max_ballot": 1} or ("max_ballot=1",)
Workers = int | Literal["auto"]

__all__ = [
    "BmcOutcome",
    "CheckOutcome",
    "ConformOutcome",
    "DiffOutcome",
    "LinearizableOutcome",
    "Outcome",
    "ProofOutcome",
    "RefineOutcome",
    "ValidateOutcome",
    "bmc",
    "check",
    "conform",
    "diff",
    "linearizable",
    "parse_params",
    "parse_size",
    "prove",
    "refine",
    "resolve_workers",
    "validate",
]


# ---------------------------------------------------------------------------------------------
# Inputs


def parse_params(values: Params) -> dict[str, int]:
    """Spec parameters from a mapping or from `NAME=VALUE` strings (the command line's -p)."""
    if values is None:
        return {}
    if isinstance(values, Mapping):
        params: dict[str, int] = {}
        for name, value in values.items():
            if not isinstance(name, str) or not isinstance(value, int) or isinstance(value, bool):
                raise UsageError(f"parameter `{name}`: the value must be an integer, got {value!r}")
            params[name] = value
        return params
    if isinstance(values, str):
        values = [values]
    params = {}
    for item in values:
        name, sep, raw = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"-p expects NAME=VALUE, got `{item}`")
        try:
            params[name.strip()] = int(raw)
        except ValueError:
            raise UsageError(
                f"-p {item}: the value of `{name}` must be an integer, got `{raw}`"
            ) from None
    return params


_SIZE_UNITS = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def parse_size(value: int | str) -> int | None:
    """A size in bytes from 1500000000, "512K", "512M", "2G" (powers of 1024); None if it is
    not one (or not positive)."""
    if isinstance(value, int):
        return value if value > 0 and not isinstance(value, bool) else None
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(?:I?B)?\s*", str(value), re.I)
    size = int(float(match[1]) * _SIZE_UNITS[match[2].upper()]) if match else 0
    return size if size > 0 else None


def resolve_workers(workers: Workers, mode: str, engine: str, ray: str | None) -> int:
    """`"auto"`: one per core (at most 8) for the vector engine's breadth-first search on this
    machine, else 1 — the default of `paxoscope check`; a number is taken as it is."""
    if workers == "auto":
        return default_workers(mode, engine, ray)
    if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
        raise UsageError(f"{workers!r} is not a number of workers (1, 2, ... or auto)")
    return workers


def _spec(ref: SpecRef) -> str | type[Spec]:
    return str(ref) if isinstance(ref, Path) else ref


def _at_least(what: str, value: float | None, least: float) -> None:
    if value is not None and not value >= least:
        raise UsageError(f"{what} must be at least {least:g}, got {value!r}")


# ---------------------------------------------------------------------------------------------
# The commands


def check(
    spec: SpecRef,
    params: Params = None,
    *,
    invariants: Sequence[str] | None = None,
    action_properties: Sequence[str] | None = None,
    liveness: Sequence[str] | None = None,
    symmetry: bool = False,
    mode: Mode = "bfs",
    deadlock: bool = False,
    max_depth: int | None = None,
    seed: int = 0,
    walks: int = 1000,
    walk_depth: int = 100,
    engine: EngineName = "vector",
    workers: Workers = "auto",
    exact: bool = True,
    max_memory: int | str | None = None,
    spill_dir: str | Path | None = None,
    ray: str | None = None,
    checkpoint: str | Path | None = None,
    checkpoint_every: float = 60.0,
    resume: str | Path | None = None,
    progress: Callable[[Progress], None] | None = None,
    options: Options | None = None,
) -> CheckOutcome:
    """`paxoscope check`: explore every reachable state of `spec` and check its properties.

    `invariants`, `action_properties`, `liveness`: the ones to check (None: all; `liveness=[]`
    is `--no-liveness`). `workers="auto"`: one per core, at most 8, for the vector engine's
    breadth-first search, else 1. `exact=False` is `--fingerprints`. `max_memory`: bytes or
    "512M", "2G". `checkpoint`: a directory to checkpoint into; `resume`: go on from the last
    checkpoint in that directory (and go on checkpointing there). `progress` is called every
    few seconds of a long search. `options`: a ready-made `Options` instead of the keywords
    (its `workers` is taken as it is)."""
    if options is None:
        _at_least("max_depth", max_depth, 1)
        _at_least("walks", walks, 1)
        _at_least("walk_depth", walk_depth, 1)
        _at_least("checkpoint_every", checkpoint_every, 0)
        size = None
        if max_memory is not None:
            size = parse_size(max_memory)
            if size is None:
                raise UsageError(f"{max_memory!r} is not a size (such as 1500000000, 512M or 2G)")
        directory = resume or checkpoint
        options = Options(
            mode=mode,
            invariants=invariants,
            action_properties=action_properties,
            liveness=liveness,
            symmetry=symmetry,
            deadlock=deadlock,
            max_depth=max_depth,
            seed=seed,
            walks=walks,
            walk_depth=walk_depth,
            progress=progress,
            checkpoint=Path(directory) if directory else None,
            checkpoint_every=checkpoint_every,
            resume=resume is not None,
            engine=engine,
            workers=resolve_workers(workers, mode, engine, ray),
            exact=exact,
            max_memory=size,
            spill_dir=Path(spill_dir) if spill_dir else None,
            ray=ray,
        )
        if checkpoint and resume and Path(checkpoint) != Path(resume):
            raise UsageError("--resume DIR goes on checkpointing into DIR: give one directory")
    return CheckOutcome(_check(_spec(spec), parse_params(params), options))


def prove(
    proof: SpecRef,
    spec: SpecRef | None = None,
    *,
    timeout: float = 60.0,
    minimise: bool = True,
    fail_fast: bool = False,
) -> ProofOutcome:
    """`paxoscope prove`: prove with z3 that `proof`'s conjuncts are an inductive invariant that
    implies safety, for every size of every sort. `spec`: check the conjuncts against another
    spec (a mutant, say). `timeout`: seconds z3 may spend on one obligation. `minimise=False`
    shows a counterexample to induction as z3 found it; `fail_fast` stops at the first
    obligation that fails. Exit code 2 when z3 could not settle an obligation."""
    _at_least("timeout", timeout, 0.1)
    from checker.symbolic.prove import prove as run

    other = None if spec is None else _spec(spec)
    return ProofOutcome(
        run(_spec(proof), other, timeout=timeout, minimise_cti=minimise, fail_fast=fail_fast)
    )


def bmc(
    spec: SpecRef,
    params: Params = None,
    *,
    k: int,
    invariants: Sequence[str] | None = None,
    action_properties: Sequence[str] | None = None,
    timeout: float = 600.0,
) -> BmcOutcome:
    """`paxoscope bmc`: look with z3 for a violation within `k` steps of `spec` on the instance
    `params` gives (the first found is a shortest one). `timeout`: seconds z3 may spend on one
    depth; exit code 2 when it gives up."""
    if not isinstance(k, int) or isinstance(k, bool) or k < 0:
        raise UsageError(f"k is a number of steps (0, 1, 2, ...), got {k!r}")
    _at_least("timeout", timeout, 0.1)
    parsed = parse_params(params)
    from checker.symbolic.bmc import bmc as run

    return BmcOutcome(run(_spec(spec), parsed, k, invariants, action_properties, timeout))


def refine(
    impl: SpecRef,
    abstract: SpecRef,
    *,
    mapping: str,
    params: Params = None,
    proof: SpecRef | None = None,
    timeout: float = 60.0,
) -> RefineOutcome:
    """`paxoscope refine`: check that every reachable step of `impl` (on the instance `params`
    gives) maps under `mapping` ("MODULE:FUNCTION") to a step of `abstract` or stutters; with
    `proof` (`impl`'s inductive invariant), also prove it with z3 for all sizes."""
    _at_least("timeout", timeout, 0.1)
    from checker.refine import refine as run

    by = None if proof is None else _spec(proof)
    return RefineOutcome(
        run(_spec(impl), _spec(abstract), mapping, parse_params(params), by, timeout)
    )


def _name(ref: SpecRef) -> str:
    return ref.__name__ if isinstance(ref, type) else str(ref)


def diff(old: SpecRef, new: SpecRef, params: Params = None) -> DiffOutcome:
    """`paxoscope diff`: two versions of a spec on one instance — their state counts, the
    properties that newly fail, and a shortest trace one allows and the other does not."""
    from checker.diff import diff as run

    report = run(_spec(old), _spec(new), parse_params(params))
    return DiffOutcome(report, _name(old), _name(new))


def conform(
    spec: SpecRef,
    *,
    driver: str | type[Driver],
    params: Params = None,
    paths: Literal["edge-cover", "shortest", "random"] = "edge-cover",
    symmetry: bool = False,
    lenient: bool = False,
    traces: Sequence[str | Path] = (),
    walks: int = 100,
    walk_length: int = 50,
    seed: int = 0,
    options: Mapping[str, str] | None = None,
) -> ConformOutcome:
    """`paxoscope conform`: replay `spec`'s explored paths (or the ITF `traces`) against an
    implementation through `driver` ("MODULE:CLASS" or a `Driver` class), whose settings are
    `options`. `lenient`: a spec step the implementation does not take ends the path."""
    from checker.conform import conform as run

    name = spec if isinstance(spec, str | Path) else f"{spec.__module__}:{spec.__qualname__}"
    try:
        report = run(
            str(name),
            driver,
            parse_params(params),
            paths=paths,
            symmetry=symmetry,
            walks=walks,
            walk_length=walk_length,
            seed=seed,
            options=options,
            strict=not lenient,
            traces=[str(t) for t in traces],
        )
    except PaxoscopeError:
        raise
    except ValueError as exc:  # a driver rejecting its options
        raise UsageError(f"the driver rejected its options: {exc}") from exc
    return ConformOutcome(report)


def validate(
    spec: str | Path, logs: str | Path | Sequence[str | Path], *, mapping: str | type
) -> ValidateOutcome:
    """`paxoscope validate`: check that event logs (NDJSON, merged by time) are a behaviour of
    `spec`, read through `mapping` ("MODULE:CLASS" or the class: what each event means)."""
    from checker.conformance.validate import read_logs
    from checker.conformance.validate import validate as run
    from checker.loader import load_function

    files = [logs] if isinstance(logs, str | Path) else list(logs)
    shown = mapping if isinstance(mapping, str) else mapping.__name__
    try:
        mapping_class = load_function(mapping) if isinstance(mapping, str) else mapping
        report = run(str(spec), read_logs(files), mapping_class)
    except PaxoscopeError:
        raise
    except (KeyError, ValueError, TypeError) as exc:
        raise UsageError(
            f"the log mapping {shown} cannot read this log: {type(exc).__name__}: {exc}"
        ) from exc
    return ValidateOutcome(report)


def linearizable(history: str | Path, *, model: str, timeout: float = 60.0) -> LinearizableOutcome:
    """`paxoscope linearizable`: is the recorded client `history` (NDJSON or a JSON array)
    linearizable for `model` ("znode" or "kv")? Past `timeout` seconds the verdict is unknown
    (exit code 2)."""
    if not timeout > 0:
        raise UsageError(f"timeout must be more than 0 seconds, got {timeout!r}")
    from checker.linearizability import check_history

    return LinearizableOutcome(check_history(history, model, timeout=timeout), str(history))

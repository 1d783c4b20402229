"""Trace validation: is an implementation's event log a behaviour of the spec?

The log is NDJSON, one event per line (`time`, `node`, `event`, and the event's fields); logs
of several nodes are merged by time. A *log mapping* (user code, like a driver) says what each
event means in the spec: the spec steps it stands for, with parameters as labels (`None`: any
value — the log does not say), and what it observed of the state afterwards (partial: only the
fields it names). The mapping also sizes the spec instance for the log (how many ballots,
slots, values it uses).

The validator keeps the set of spec states consistent with the log so far, starting from the
initial states, and steps every one of them by each event's steps (for every value of the
unnamed parameters), keeping the successors that agree with the observation. The log is a
behaviour of the spec if the set never becomes empty. When it does, the report names the first
event that no spec step explains (file and line), why (the action's first failing guard, with
its spec line, or the observed fields that differ), and the closest spec states.

Spec steps run in the reference interpreter, so an instance as large as a real log needs is
never compiled.
"""

from __future__ import annotations

import itertools
import json
import linecache
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from checker import ir
from checker.errors import UsageError
from checker.explicit.interp import Interpreter
from checker.explicit.layout import Layout, Structured
from checker.instance import Instance, Label, instantiate
from checker.lang.trace import trace_spec
from checker.loader import load_spec

FRONTIER_LIMIT = 50_000

SpecStep = tuple[str, Mapping[str, Label | None]]
Observation = Mapping[str, Mapping[Any, Label]]  # symbol -> {key (label or tuple): value}


class LogMapping(Protocol):
    """What a log means in the spec. Constructed with the whole (merged) log."""

    def params(self) -> dict[str, int]: ...

    def steps(self, event: Mapping[str, Any]) -> Sequence[SpecStep]: ...

    def observed(self, event: Mapping[str, Any]) -> Observation: ...


@dataclass(frozen=True)
class Event:
    source: str  # file:line
    record: dict[str, Any]


@dataclass
class ValidationReport:
    spec: str
    params: dict[str, int]
    events: int = 0
    steps: int = 0
    widest: int = 1  # the largest number of spec states consistent with a prefix of the log
    failure: Event | None = None
    reason: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.failure is None

    def text(self) -> str:
        sizes = " ".join(f"{k}={v}" for k, v in self.params.items())
        if self.ok:
            return (
                f"the log is a behaviour of {self.spec} ({sizes}): {self.events} events, "
                f"{self.steps} spec steps, at most {self.widest} spec states consistent with "
                "any prefix"
            )
        assert self.failure is not None
        return "\n".join(
            [
                f"NOT a behaviour of {self.spec} ({sizes}): no spec step explains event "
                f"{self.events + 1}, at {self.failure.source}:",
                f"  {json.dumps(self.failure.record)}",
                *self.reason,
            ]
        )


def read_logs(paths: Sequence[str | Path]) -> list[Event]:
    """Events of every log, merged by (time, node), each remembering its file and line."""
    events: list[tuple[Any, int, int, Event]] = []
    for index, path in enumerate(paths):
        try:
            lines = Path(path).read_text().splitlines()
        except OSError as error:
            raise UsageError(f"cannot read the event log {path}: {error.strerror}") from None
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                raise UsageError(f"{path}:{number}: not a JSON object ({error.msg})") from None
            if not isinstance(record, dict) or "event" not in record:
                raise UsageError(f"{path}:{number}: an event needs an `event` field")
            events.append((record.get("time", 0), index, number, Event(f"{path}:{number}", record)))
    events.sort(key=lambda e: (e[0], e[1], e[2]))
    return [e[3] for e in events]


class _Validator:
    def __init__(self, inst: Instance) -> None:
        self.inst = inst
        self.layout = Layout(inst)
        self.interp = Interpreter(inst, self.layout)
        self.actions = {a.name: a for a in inst.spec.actions}
        self.index = {lay.decl.name: i for i, lay in enumerate(self.layout.symbols)}

    def codes(self, sort: str, label: Label) -> int:
        try:
            return self.inst.code_of_label(sort, label)
        except UsageError:
            raise UsageError(
                f"the log mapping gives {label!r} for sort `{sort}`, which this instance lacks "
                "(does its params() size the instance for the whole log?)"
            ) from None

    def step(
        self, frontier: set[Structured], name: str, partial: Mapping[str, Label | None]
    ) -> set[Structured]:
        act = self.actions.get(name)
        if act is None:
            raise UsageError(f"the log mapping names `{name}`, which {self.inst.spec.name} lacks")
        domains = self.domains(act, partial)
        out = set()
        for state in frontier:
            for combo in itertools.product(*domains):
                nxt = self.interp.execute(act, tuple(combo), state)
                if nxt is not None:
                    out.add(nxt)
        return out

    def domains(self, act: ir.Action, partial: Mapping[str, Label | None]) -> list[list[int]]:
        """The codes each parameter of `act` may take: the one the log names, or any."""
        return [
            list(self.inst.codes(var.type))
            if partial.get(var.name) is None
            else [self.codes(var.type.sort, partial[var.name])]  # type: ignore[arg-type]
            for var in act.params
        ]

    def value(self, state: Structured, symbol: str, key: Any) -> int:
        i = self.index[symbol]
        lay = self.layout.symbols[i]
        sorts = [t.sort for t in lay.decl.args]
        labels = key if isinstance(key, tuple) else (key,)
        codes = tuple(self.codes(s, x) for s, x in zip(sorts, labels, strict=True))
        if lay.is_relation:
            held = state[i]
            assert isinstance(held, frozenset)
            return int(codes in held)
        values = state[i]
        assert isinstance(values, tuple)
        return int(values[0] if lay.decl.individual else values[lay.index(codes)])

    def expected_code(self, symbol: str, label: Label) -> int:
        lay = self.layout.symbols[self.index[symbol]]
        if lay.is_relation:
            return int(bool(label))
        assert lay.decl.result is not None
        return self.codes(lay.decl.result.sort, label)

    def agrees(self, state: Structured, observation: Observation) -> bool:
        return all(
            self.value(state, symbol, key) == self.expected_code(symbol, label)
            for symbol, entries in observation.items()
            for key, label in entries.items()
        )

    def label_of(self, symbol: str, code: int) -> Label:
        lay = self.layout.symbols[self.index[symbol]]
        if lay.is_relation:
            return bool(code)
        assert lay.decl.result is not None
        return self.inst.label(lay.decl.result.sort, code)

    # --- explaining a failure ---------------------------------------------------------------

    def why_not(self, state: Structured, name: str, partial: Mapping[str, Label | None]) -> str:
        """The first guard of `name` that fails in `state` (for the first parameter values)."""
        act = self.actions[name]
        combos = itertools.product(*self.domains(act, partial))
        for combo in itertools.islice(combos, 1):
            env = dict(zip((v.name for v in act.params), combo, strict=True))
            work = list(state)
            for stmt in act.body:
                if isinstance(stmt, ir.Require) and not self.interp.formula(
                    stmt.cond, env, work, None
                ):
                    source = linecache.getline(stmt.loc.file, stmt.loc.line).strip()
                    return f"the guard at {stmt.loc} is false: {source}"
        return "its guards hold only for other parameter values"

    def differences(self, state: Structured, observation: Observation) -> list[str]:
        out = []
        for symbol, entries in observation.items():
            for key, label in entries.items():
                have = self.value(state, symbol, key)
                if have != self.expected_code(symbol, label):
                    where = f"{symbol}[{key}]" if not isinstance(key, tuple) else f"{symbol}{key}"
                    out.append(
                        f"{where}: the spec has {self.label_of(symbol, have)}, "
                        f"the log observed {label}"
                    )
        return out


def validate(
    spec: str, events: Sequence[Event], mapping_class: Callable[..., Any]
) -> ValidationReport:
    mapping: LogMapping = mapping_class([e.record for e in events])
    params = mapping.params()
    inst = instantiate(trace_spec(load_spec(spec)), params)
    v = _Validator(inst)
    report = ValidationReport(inst.spec.name, dict(inst.params))
    frontier = {state for _, _, state in v.interp.initial_states()}
    for event in events:
        for name, partial in mapping.steps(event.record):
            stepped = v.step(frontier, name, partial)
            report.steps += 1
            if not stepped:
                report.failure = event
                shown = ", ".join(f"{k}={x}" for k, x in partial.items() if x is not None)
                report.reason = [
                    f"  it maps to {name}({shown}), which no spec state consistent with the log "
                    f"so far allows ({len(frontier)} such state(s)):",
                    *(
                        f"  - in state {i + 1}, {v.why_not(s, name, partial)}"
                        for i, s in enumerate(sorted(frontier, key=repr)[:3])
                    ),
                ]
                return report
            frontier = stepped
        observation = mapping.observed(event.record)
        agreeing = {s for s in frontier if v.agrees(s, observation)}
        if not agreeing:
            report.failure = event
            closest = sorted(frontier, key=lambda s: (len(v.differences(s, observation)), repr(s)))
            report.reason = [
                "  the spec allows the step, but not what the event observed afterwards; the "
                "closest spec states differ in:",
                *(
                    f"  - state {i + 1}: " + "; ".join(v.differences(s, observation))
                    for i, s in enumerate(closest[:3])
                ),
            ]
            return report
        frontier = agreeing
        report.events += 1
        report.widest = max(report.widest, len(frontier))
        if len(frontier) > FRONTIER_LIMIT:
            raise UsageError(
                f"more than {FRONTIER_LIMIT} spec states are consistent with the log up to "
                f"{event.source}: the log says too little (name more parameters or observe more)"
            )
    return report

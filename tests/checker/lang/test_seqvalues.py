"""Sequence values (`checker.lang.seqvalues`): slices, concatenation, lists of elements,
comparison and assignment explore what a plain-Python model of tests/specs/pipeline.py explores,
in both explicit engines; misuses (a slice out of range, a value longer than the capacity, the
tail of an empty sequence in a property) are errors with their trace, in both engines and in
bmc."""

from __future__ import annotations

import pytest

from checker.check import check
from checker.explicit import Options
from checker.symbolic.bmc import bmc
from tests.conftest import ROOT, run_cli

PIPELINE = str(ROOT / "tests/specs/pipeline.py")

Seq = tuple[int, ...]
State = tuple[Seq, Seq, tuple[Seq, ...]]


def python_model(values: int, cap: int, nodes: int) -> tuple[int, int]:
    """Distinct states and depth of pipeline.py's `Pipeline`, over Python tuples."""

    def successors(st: State) -> list[State]:
        inbox, done, copy = st
        out: list[State] = []
        for v in range(values):
            if len(inbox) < cap:
                out.append(((*inbox, v), done, copy))
            if done == inbox:
                out.append((inbox, (v, v), copy))
        for k in range(1, cap + 1):
            if k <= len(inbox) and len(done) + k <= cap:
                out.append((inbox[k:], done + inbox[:k], copy))
        if len(inbox) >= 2:
            out.append((inbox[1:] + inbox[:1], done, copy))
        if done:
            out.append((inbox, done[1:], copy))
        for n in range(nodes):
            rotated = inbox[1:] + inbox[:1]
            if inbox and copy[n] != rotated:
                out.append((inbox, done, (*copy[:n], rotated, *copy[n + 1 :])))
        return out

    start: State = ((), (), ((),) * nodes)
    level, seen, depth = {start}, {start}, 0
    while level:
        depth += 1
        level = {t for st in level for t in successors(st)} - seen
        seen |= level
    return len(seen), depth


@pytest.mark.parametrize("params", [{"nodes": 1}, {"cap": 2}, {"values": 1, "cap": 4}])
@pytest.mark.parametrize("engine", ["vector", "reference"])
def test_sequence_values_explore_what_python_does(engine: str, params: dict[str, int]) -> None:
    report = check(PIPELINE + ":Pipeline", params, Options(engine=engine))
    assert report.ok and report.result.complete and report.never_fired == []
    full = {"values": 2, "cap": 3, "nodes": 2, **params}
    expected = python_model(full["values"], full["cap"], full["nodes"])
    assert (report.result.distinct_states, report.result.depth) == expected


@pytest.mark.parametrize(
    ("cls", "name", "steps", "why"),
    [
        ("TakeTooMany", "take", 0, "a slice of `inbox` out of range"),
        ("Overflowing", "take", 3, "assigning `done` a sequence longer than its capacity"),
        ("TailOfNothing", "defined(tails_are_short)", 0, ""),
        ("NoRepeats", "never_two_alike_in_front", 2, ""),
    ],
)
@pytest.mark.parametrize("engine", ["vector", "reference"])
def test_misuse_and_violations_come_with_their_trace(
    engine: str, cls: str, name: str, steps: int, why: str
) -> None:
    report = check(f"{PIPELINE}:{cls}", {"nodes": 1}, Options(engine=engine))
    v = report.result.violation
    assert v is not None and v.name == name and len(v.trace) == steps + 1
    text = " ".join(r.text for r in report.explanation())
    assert why in text, text


def test_the_trace_shows_the_violation_of_a_comparison() -> None:
    result = run_cli("check", "tests/specs/pipeline.py:NoRepeats", "-p", "nodes=1", "--no-progress")
    assert result.returncode == 1, result.stderr
    assert "inbox: <<v1>> -> <<v1, v1>>" in result.stdout


def test_bmc_finds_the_slice_out_of_range_and_the_overflow() -> None:
    found = bmc(PIPELINE + ":TakeTooMany", {"nodes": 1}, k=2)
    assert (found.result, found.kind, found.violated) == ("violation", "error", "take")
    found = bmc(PIPELINE + ":Overflowing", {"nodes": 1}, k=4)
    assert (found.result, found.kind, found.violated) == ("violation", "error", "take")
    assert len(found.trace) == 4
    assert bmc(PIPELINE + ":Pipeline", {"nodes": 1}, k=3).result == "ok"


def test_a_misused_sequence_value_is_a_spec_error(tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    cases = {
        "self.inbox = 3": "must be a sequence",
        "self.inbox = [*self.inbox(), self.value[0]]": "cannot be iterated",
        "self.inbox = self.inbox()[::2]": "takes no step",
        "self.inbox = self.inbox() + self.copy": "must be a sequence",
        "self.copy = self.inbox()": "sequence per argument",
        "require(self.inbox()[self.value[0]] == self.value[0])": "must be an integer",
        "self.inbox = self.inbox()[: ite(self.inbox().contains(self.value[0]), 0, 1)]": "freeze",
    }
    for i, (line, message) in enumerate(cases.items()):
        spec = tmp_path / f"bad{i}.py"
        spec.write_text(
            "from tests.specs.pipeline import Pipeline\n"
            "from checker import action, ite, require\n\n"
            "class Bad(Pipeline):\n"
            "    @action\n"
            "    def act(self) -> None:\n"
            f"        {line}\n"
        )
        result = run_cli("check", f"{spec}:Bad", "--no-progress")
        assert result.returncode == 2, (line, result.stdout, result.stderr)
        assert f"bad{i}.py:7" in result.stderr and message in result.stderr, result.stderr

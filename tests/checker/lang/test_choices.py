"""Choices inside actions (`pick`, `maybe`, `narrow`): the engines explore exactly the
transitions a direct Python model of tests/specs/choices.py makes (every choice, each a
transition), traces name the choices, bmc finds what needs a choice, and prove handles them."""

from __future__ import annotations

from pathlib import Path

import pytest

from checker import Individual, IntSort, Spec, action, invariant, ir, ite
from checker.check import check
from checker.explicit import Options
from checker.lang.trace import trace_spec
from checker.loader import load_spec
from checker.symbolic.bmc import bmc
from tests.conftest import ROOT, run_cli

CHOICES = str(ROOT / "tests/specs/choices.py")

State = tuple[frozenset[int], frozenset[tuple[int, int]], tuple[int, ...], int | None, int]


def python_model(nodes: int, values: int) -> tuple[int, int]:
    """Distinct states and depth of choices.py, by breadth-first search over plain Python."""

    def successors(s: State) -> list[State]:
        sent, inbox, got, holder, last = s
        out: list[State] = []
        for to in range(nodes):  # send: any value not sent yet
            out += [
                (sent | {v}, inbox | {(to, v)}, got, holder, last)
                for v in range(values)
                if v not in sent
            ]
        for n, v in inbox:  # deliver: consumed or not, counted once or twice
            if got[n] < 3:
                for consumed in (False, True):
                    for twice in (False, True):
                        g = list(got)
                        g[n] += 2 if twice else 1
                        rest = inbox - {(n, v)} if consumed else inbox
                        out.append((sent, rest, tuple(g), holder, last))
        if holder is not None:  # grab
            out.append((sent, inbox, got, None, holder))
        else:  # hand_over: to anyone but the last holder
            out += [(sent, inbox, got, h, last) for h in range(nodes) if h != last]
        return out

    level: set[State] = {(frozenset(), frozenset(), (0,) * nodes, h, 0) for h in range(nodes)}
    seen, depth = set(level), 0
    while level:
        depth += 1
        level = {t for s in level for t in successors(s)} - seen
        seen |= level
    return len(seen), depth


@pytest.mark.parametrize(("nodes", "values"), [(1, 1), (2, 2), (2, 3)])
@pytest.mark.parametrize("engine", ["vector", "reference"])
def test_every_choice_is_a_transition(engine: str, nodes: int, values: int) -> None:
    report = check(CHOICES, {"nodes": nodes, "values": values}, Options(engine=engine))
    assert report.ok and report.result.complete
    expected = python_model(nodes, values)
    assert (report.result.distinct_states, report.result.depth) == expected


def test_choices_are_parameters_named_as_assigned() -> None:
    spec = trace_spec(load_spec(CHOICES))
    params = {a.name: [p.name for p in a.params] for a in (*spec.inits, *spec.actions)}
    assert params == {
        "start": ["holder"],
        "send": ["to", "v"],
        "deliver": ["n", "v", "consumed", "twice"],
        "grab": ["h"],
        "hand_over": ["holder"],
    }
    assert spec.sort(ir.BOOLEAN).labels == ("FALSE", "TRUE")


def test_a_trace_shows_the_choices(tmp_path: Path) -> None:
    doubled = (
        "from checker import invariant\n"
        "from tests.specs.choices import Choices\n\n"
        "class Doubled(Choices):\n"
        "    @invariant\n"
        "    def never_doubled(self):\n"
        "        return self.got(self.node[0]) != 2\n"
    )
    path = tmp_path / "doubled.py"
    path.write_text(doubled)
    result = run_cli("check", str(path), "--no-progress")
    assert result.returncode == 1, result.stderr
    assert "State 1: start(holder=n1)" in result.stdout
    assert "deliver(n=n1, v=v1, consumed=FALSE, twice=TRUE)" in result.stdout


def test_bmc_explores_the_choices() -> None:
    assert bmc(CHOICES, {"nodes": 2, "values": 2}, k=4).result == "ok"


def test_ite_of_two_ints_is_an_integer() -> None:
    class Flip(Spec):
        count = IntSort(0, 3)
        x = Individual(count, init=0)

        @action
        def step(self) -> None:
            self.x = ite(self.x == 0, 2, 1)

        @invariant
        def small(self):
            return self.x <= 2

    report = check(Flip, {}, Options())
    assert report.ok and report.result.distinct_states == 3
    assert bmc(Flip, {}, k=3).result == "ok"  # compared as it is: it was a z3 Int in bmc

"""Initial states from many arbitrary starts: the compiled @init code gives the interpreter's
initial states, in the same order, with the same @init and parameters (it is what both
engines use past `FAST_STARTS` starts), and the vector engine checks a set of initial states
at once, reporting the reference engine's violation. (Small instances, with `FAST_STARTS`
lowered, keep the interpreter's side quick.)"""

from __future__ import annotations

import pytest

from checker.check import check
from checker.explicit import Options, search
from checker.explicit.codegen import Limits, compile_instance
from checker.explicit.interp import InitFailed, Interpreter
from checker.explicit.layout import Layout
from checker.explicit.search import compiled_initial_states
from checker.instance import instantiate
from checker.lang.trace import trace_spec
from checker.loader import load_spec
from tests.conftest import ROOT, run_cli

MANY = str(ROOT / "tests/specs/many_starts.py")
CASES = {
    "many-starts": (MANY + ":ManyStarts", {"nodes": 2}),
    "bakery-n1": ("spec/tlaplus/bakery.py", {"n": 1, "max_nat": 2}),
    "ironfleet-axioms": ("spec/mypyvy/ironfleet_distributed_lock.py", {}),
}
COUNT_OK = 202  # ManyStartsOk's distinct states with nodes=2
LIMITS = {
    "unrolled": Limits(),
    "loops": Limits(quantifier_domain=0, unrolled_source=0, action_instances=0, update_tuples=0),
}


def interp_and_compiled(path: str, params: dict[str, int], limits: Limits):
    inst = instantiate(trace_spec(load_spec(str(ROOT / path))), params)
    layout = Layout(inst)
    return Interpreter(inst, layout), compile_instance(inst, layout, limits)


@pytest.mark.parametrize("limits", LIMITS)
@pytest.mark.parametrize("case", CASES)
def test_compiled_initial_states_are_the_interpreters(case: str, limits: str) -> None:
    path, params = CASES[case]
    interp, compiled = interp_and_compiled(path, params, LIMITS[limits])
    expected = [(k, p, interp.layout.pack(st)) for k, p, st in interp.initial_states()]
    assert len(expected) > 1
    assert compiled_initial_states(interp, compiled) == expected


def test_a_failing_init_is_left_to_the_interpreter() -> None:
    interp, compiled = interp_and_compiled(MANY + ":StartFails", {"nodes": 2}, Limits())
    assert compiled_initial_states(interp, compiled) is None


@pytest.mark.parametrize("fast", [True, False])
def test_both_engines_agree_on_many_initial_states(
    fast: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same counts either way; a violation among the initial states is the reference
    engine's: the first initial state that breaks an invariant, and the first it breaks."""
    monkeypatch.setattr(search, "FAST_STARTS", 0 if fast else 1 << 30)
    runs = {
        (cls, e): check(f"{MANY}:{cls}", {"nodes": 2}, Options(engine=e))
        for cls in ("ManyStartsOk", "ManyStarts")
        for e in ("vector", "reference")
    }
    ok_v, ok_r = runs["ManyStartsOk", "vector"], runs["ManyStartsOk", "reference"]
    assert ok_v.ok and ok_r.ok
    assert ok_v.result.distinct_states == ok_r.result.distinct_states == COUNT_OK
    v, r = runs["ManyStarts", "vector"].result, runs["ManyStarts", "reference"].result
    assert v.violation is not None and r.violation is not None
    assert v.violation.name == r.violation.name == "no_top_pair"
    assert [s.state for s in v.violation.trace] == [s.state for s in r.violation.trace]
    assert v.distinct_states == r.distinct_states == 147  # not the first initial state


@pytest.mark.parametrize("engine", ["vector", "reference"])
def test_an_init_that_fails_is_an_error_in_the_spec(engine: str) -> None:
    """An @init whose assignment leaves its integer sort for some starts: a SpecError (exit 2)
    naming the instance, the line and why — it was an internal error."""
    with pytest.raises(InitFailed) as caught:
        check(MANY + ":StartFails", {"nodes": 2}, Options(engine=engine))
    message = str(caught.value)
    assert "many_starts.py:" in message and "@init start(b=" in message
    assert "is outside `val` (0..3)" in message and "assigning `top`" in message


def test_the_command_line_reports_a_failing_init_with_exit_2() -> None:
    result = run_cli("check", "tests/specs/many_starts.py:StartFails", "--no-progress")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "@init start(b=3) fails" in result.stderr and "Traceback" not in result.stderr

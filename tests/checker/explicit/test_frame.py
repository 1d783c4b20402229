"""The slice an update frames: which variables are pinned, and to what (checker.explicit.frame).

Soundness (outside the slice nothing changes) is what the compiled-vs-interpreter tests check on
tests/specs/frames.py and spec/lamport_mutex.py; these tests pin down what is recognised, so
that a change that silently stops slicing (and brings back the compile-time blow-up) fails.
"""

from __future__ import annotations

import pytest

from checker import ir
from checker.explicit.frame import frame
from checker.lang.trace import trace_spec
from checker.loader import load_spec
from tests.conftest import ROOT


def updates(path: str) -> dict[str, list[ir.UpdateRel | ir.UpdateFn]]:
    spec = trace_spec(load_spec(str(ROOT / path)))
    return {
        a.name: [s for s in a.body if isinstance(s, ir.UpdateRel | ir.UpdateFn)]
        for a in spec.actions
    }


def pinned(stmt: ir.UpdateRel | ir.UpdateFn) -> tuple[bool, dict[int, str]]:
    """(nowhere, {column: what its pin is}) with pins shown as the term's kind and name."""
    where = frame(stmt)
    columns = {v.name: i for i, v in enumerate(stmt.vars)}
    shown = {}
    for name, term in where.pins.items():
        if isinstance(term, ir.Var):
            shown[columns[name]] = f"var {term.name}"
        elif isinstance(term, ir.App):
            shown[columns[name]] = f"state {term.symbol}"
        else:
            shown[columns[name]] = type(term).__name__
    return where.nowhere, shown


FRAMES = {
    # action: [(nowhere, pins by column)] for each whole-symbol update in it
    "leader_writes": [(False, {0: "state leader", 1: "var i", 2: "var v"})],
    "shift": [(False, {0: "var a"})],
    "unmark": [(False, {0: "var a"})],
    "mark_leader": [(False, {0: "state leader"})],
    "raise_level": [(False, {0: "var a"})],
    "touch": [(True, {})],
}


@pytest.mark.parametrize("action", FRAMES)
def test_the_frames_of_every_update_shape(action: str) -> None:
    assert [pinned(s) for s in updates("tests/specs/frames.py")[action]] == FRAMES[action]


def test_lamport_mutex_channels_are_written_a_slice_at_a_time() -> None:
    found = updates("spec/lamport_mutex.py")
    # tail: the row (q, p) of the channel; append: (p, q, ack, 0) with the position free
    tail, append = found["receive_request"]
    assert pinned(tail) == (False, {0: "var q", 1: "var p"})
    assert pinned(append)[1].keys() == {0, 1, 3, 4}
    # broadcast from p: every receiver, so only the sender, type and clock are pinned
    (broadcast, ack) = found["request"]
    assert pinned(broadcast)[1].keys() == {0, 3, 4}
    assert pinned(ack) == (False, {0: "var p"})


def test_an_update_that_reads_the_whole_symbol_is_not_sliced() -> None:
    """`ite(exists m. R(m), ...)`-style bodies with no equality on a variable: every tuple."""
    spec = trace_spec(load_spec(str(ROOT / "tests/specs/clocks.py")))
    (reset,) = [s for s in spec.action("reset_behind").body if isinstance(s, ir.UpdateFn)]
    assert frame(reset).pins == {} and not frame(reset).nowhere


def test_compiled_code_no_longer_grows_with_the_product_of_the_columns() -> None:
    """Lamport's mutex with N=2, MaxNat=7 (issue 16: 25-35 s and 1.1 GiB to compile, 9.4 MB of
    vector code, before updates were sliced): the code size, which compile time and memory
    follow, is now a fraction of that."""
    from checker.explicit.vector.compiler import compile_vector
    from checker.instance import instantiate

    spec = trace_spec(load_spec(str(ROOT / "spec/lamport_mutex.py")))
    source = compile_vector(instantiate(spec, {"n": 2, "max_nat": 7})).source
    assert len(source) < 2_500_000

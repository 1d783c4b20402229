"""Sets as values (`Subsets(sort)`): set-valued state, sets built with `pick` and `iff`, a
subset chosen inside an action — 2^n + n states in tests/specs/subsets.py for every n, in
both explicit engines; the orbits under symmetry; bmc; and `prove` (subsets as an
uninterpreted sort with membership, no intersection assumed)."""

from __future__ import annotations

import pytest

from checker import Sort, conjunct, implies
from checker.check import check
from checker.explicit import Options
from checker.symbolic.bmc import bmc
from checker.symbolic.prove import prove
from tests.conftest import ROOT
from tests.specs.subsets import Readers

SUBSETS = str(ROOT / "tests/specs/subsets.py:Readers")


@pytest.mark.parametrize("nodes", [1, 2, 3, 4])
@pytest.mark.parametrize("engine", ["vector", "reference"])
def test_every_set_of_readers_or_one_writer(engine: str, nodes: int) -> None:
    report = check(SUBSETS, {"nodes": nodes}, Options(engine=engine))
    assert report.ok and report.never_fired == []
    assert report.result.distinct_states == 2**nodes + nodes


@pytest.mark.parametrize("engine", ["vector", "reference"])
def test_the_operators_build_the_same_sets(engine: str) -> None:
    plain = check(SUBSETS, {"nodes": 3}, Options(engine=engine)).result
    ops = check(
        SUBSETS.replace(":Readers", ":ReadersWithOperators"), {"nodes": 3}, Options(engine=engine)
    ).result
    assert ops.violation is None
    assert (ops.distinct_states, ops.depth) == (plain.distinct_states, plain.depth)


def test_a_built_set_is_named_as_assigned() -> None:
    from checker.lang.trace import trace_spec
    from tests.specs.subsets import ReadersWithOperators

    spec = trace_spec(ReadersWithOperators)
    params = {a.name: [p.name for p in a.params] for a in spec.actions}
    assert params["read"] == ["n", "readers"] and params["crash"] == ["gone", "readers"]


class SymmetricReaders(Readers):
    node = Sort(Readers.nodes, labels="n", bottom="nobody", symmetric=True)


def test_symmetry_permutes_the_subsets() -> None:
    """Orbits: the readers' sets by size (n + 1), and one writer (1)."""
    report = check(SymmetricReaders, {"nodes": 3}, Options(symmetry=True))
    assert report.ok and report.result.distinct_states == 3 + 1 + 1


def test_bmc_and_prove() -> None:
    assert bmc(SUBSETS, {"nodes": 2}, k=5).result == "ok"

    class ReadersProof(Readers):
        safety = ("exclusive",)

        @conjunct
        def writer_alone(self):  # type: ignore[no-untyped-def]
            return implies(self.writer != self.node.bottom, self.none_read())

    report = prove(ReadersProof)
    assert report.result == "proved", [o.title for o in report.failed]

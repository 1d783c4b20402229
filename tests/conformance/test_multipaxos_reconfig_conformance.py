"""spec/multipaxos_reconfig.py against the replica with α = 1: every command a membership
change (the driver's mapping: tests/conformance/multipaxos_reconfig_driver.py), the edge cover
of an instance where a configuration of one acceptor follows one of three replays without a
mismatch, and a replica that decides with a majority of the wrong configuration is caught."""

from __future__ import annotations

import functools

from checker.conformance import Graph, edge_cover, explore, replay
from checker.explicit import Options
from checker.explicit.search import Engine
from checker.instance import instantiate
from checker.lang.trace import trace_spec
from checker.loader import load_spec
from impl.paxos.faults import Fault
from tests.conformance.multipaxos_reconfig_driver import MultiPaxosReconfigDriver

PARAMS = {"slots": 2, "max_ballot": 0}  # 777 states, 6,441 transitions


def graph() -> Graph:
    spec = trace_spec(load_spec("spec/multipaxos_reconfig.py"))
    return explore(Engine(instantiate(spec, PARAMS), Options()))


def test_the_edge_cover_conforms() -> None:
    g = graph()
    report = replay(g, edge_cover(g), MultiPaxosReconfigDriver, strict=False)
    print(report.text())  # the coverage figures, shown with pytest -s
    assert report.ok, report.text()
    assert g.size == (777, 6441)
    assert report.edges_covered >= 0.6 * g.size[1], report.coverage()


def test_deciding_without_a_majority_of_the_configuration_is_caught() -> None:
    g = graph()
    driver = functools.partial(
        MultiPaxosReconfigDriver, options={"faults": Fault.COMMIT_WITHOUT_MAJORITY.value}
    )
    report = replay(g, edge_cover(g), driver, strict=False)
    assert not report.ok
    assert "a majority is" in report.text()

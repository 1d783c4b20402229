"""spec/quorum_leases.py against impl/paxos/leases.py: edge covers of a drifting instance and a
three-replica one replay without a mismatch (strictly: every spec step is one the tables and
the leader's rule take), and tables that count a grant for its whole length are caught."""

from __future__ import annotations

import functools

import pytest

from checker.conformance import Graph, edge_cover, explore, replay
from checker.errors import UsageError
from checker.explicit import Options
from checker.explicit.search import Engine
from checker.instance import instantiate
from checker.lang.trace import trace_spec
from checker.loader import load_spec
from tests.conformance.quorum_leases_driver import QuorumLeasesDriver, rate_error_for


def graph_of(**params: int) -> Graph:
    spec = trace_spec(load_spec("spec/quorum_leases.py"))
    return explore(Engine(instantiate(spec, params), Options()))


@pytest.mark.parametrize(
    ("params", "states"),
    # Drifting clocks without receipts (they are the three replicas' instance's; with them the
    # two replicas' edge cover takes 10x as long and adds nothing about time).
    [({"replicas": 2, "receipts": 0}, 5_886), ({"drift": 0, "lease": 2}, 8_460)],
    ids=["drifting", "three-replicas"],
)
def test_the_edge_cover_conforms(params: dict[str, int], states: int) -> None:
    graph = graph_of(**params)
    assert graph.size[0] == states
    report = replay(graph, edge_cover(graph), QuorumLeasesDriver)
    assert report.ok, report.text()
    assert report.edges_covered == graph.size[1], report.coverage()


def test_tables_without_the_drift_margin_are_caught() -> None:
    graph = graph_of(replicas=2, receipts=0)
    driver = functools.partial(QuorumLeasesDriver, options={"no_margin": "1"})
    report = replay(graph, edge_cover(graph), driver)
    assert not report.ok
    text = report.text()
    assert "state mismatch" in text and "held" in text


def test_an_instance_no_rate_error_fits_is_a_clear_error() -> None:
    with pytest.raises(UsageError, match="lease > 4 \\* drift"):
        rate_error_for(lease=4, drift=1)

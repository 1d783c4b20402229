"""spec/zookeeper.py and spec/zookeeper_watches.py against impl/coord/'s tree and watches (the
driver's mapping: tests/conformance/zookeeper_driver.py): the edge cover of an instance replays strictly — every
spec step taken, the tree compared after each — with no mismatch, through snapshots too; and
each fault of `impl.coord.faults` is caught by it."""

from __future__ import annotations

import functools

import pytest

from checker.conformance import Graph, edge_cover, explore, replay
from checker.explicit import Options
from checker.explicit.search import Engine
from checker.instance import instantiate
from checker.lang.trace import trace_spec
from checker.loader import load_spec
from impl.coord.faults import CoordFault
from tests.conformance.zookeeper_driver import ZooKeeperDriver

PARAMS = {"max_cversion": 2}  # 5,648 states, 41,120 transitions
# The faults replay catches, with the driver options that expose each: a lost cversion shows
# only once the tree has gone through a snapshot.
CAUGHT_BY_TREE_REPLAY = {
    CoordFault.EPHEMERAL_OUTLIVES_SESSION: {},
    CoordFault.WATCH_FIRES_TWICE: {},
    CoordFault.SEQUENCE_REUSED_AFTER_SNAPSHOT: {"snapshots": "1"},
}


@pytest.fixture(scope="module")
def graph() -> Graph:
    spec = trace_spec(load_spec("spec/zookeeper.py"))
    return explore(Engine(instantiate(spec, PARAMS), Options()))


@pytest.mark.parametrize("snapshots", ["0", "1"])
def test_the_edge_cover_conforms(graph: Graph, snapshots: str) -> None:
    paths = edge_cover(graph)
    if snapshots == "1":
        paths = paths[::10]  # a snapshot per step costs; a tenth of the paths
    driver = functools.partial(ZooKeeperDriver, options={"snapshots": snapshots})
    report = replay(graph, paths, driver, strict=True)
    print(report.text())  # the coverage figures, shown with pytest -s
    assert report.ok, report.text()
    assert graph.size == (5648, 41120)
    if snapshots == "0":
        assert report.edges_covered == graph.size[1], report.coverage()


@pytest.mark.parametrize("fault", list(CAUGHT_BY_TREE_REPLAY))
def test_each_fault_is_caught_by_replay(graph: Graph, fault: CoordFault) -> None:
    options = {"faults": fault.value, **CAUGHT_BY_TREE_REPLAY[fault]}
    driver = functools.partial(ZooKeeperDriver, options=options)
    report = replay(graph, edge_cover(graph), driver, strict=True)
    assert not report.ok
    assert "state mismatch at step" in report.text()
    assert "the spec's path so far:" in report.text()


def test_every_fault_of_the_tree_is_caught() -> None:
    assert set(CAUGHT_BY_TREE_REPLAY) == set(CoordFault)


@pytest.mark.parametrize(
    ("params", "size"),
    [({"sessions": 1}, (3214, 21564)), ({"names": 1}, (2824, 16610))],
    ids=["one-session", "one-name"],
)
def test_persistent_watches_and_multi_conform(
    params: dict[str, int], size: tuple[int, int]
) -> None:
    """spec/zookeeper_watches.py: persistent watches (addWatch, removeWatches) and a multi of
    two deletes, on instances small enough to replay whole (with one session, the multi and
    the writes; with one name, one session's expiry firing another's watches)."""
    spec = trace_spec(load_spec("spec/zookeeper_watches.py"))
    g = explore(Engine(instantiate(spec, params), Options()))
    report = replay(g, edge_cover(g), ZooKeeperDriver, strict=True)
    assert report.ok, report.text()
    assert g.size == size and report.edges_covered == size[1], report.coverage()

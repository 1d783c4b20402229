"""kazoo's own recipe tests, run unchanged against a 3-node cluster (paxoscope by default).

The test classes are kazoo's (kazoo.tests, shipped with kazoo); kazoo_harness.py points their
harness at the cluster it starts. PAXOSCOPE_KAZOO_TARGET=apache runs the same tests against
Apache ZooKeeper, to tell a paxoscope bug from a test that fails anywhere.

    pytest tests/compat/test_kazoo_recipes.py -n 2
    PAXOSCOPE_KAZOO_TARGET=apache pytest tests/compat/test_kazoo_recipes.py -n 2

A test is left out only when no ZooKeeper-compatible server could pass it here; each one in
NOT_RUN says why. A test that fails against paxoscope is a server bug, not a reason to list it.
"""

from __future__ import annotations

import gc

import pytest
from kazoo.recipe.cache import TreeNode

try:
    from kazoo.tests import (
        test_barrier,
        test_cache,
        test_counter,
        test_election,
        test_lease,
        test_lock,
        test_partitioner,
        test_party,
        test_queue,
        test_watchers,
    )
except ImportError as error:
    # kazoo.testing imports pyOpenSSL and pyjks, and test_cache imports objgraph: kazoo's test
    # extra, whose gevent and eventlet we leave out (TreeCache's tests would switch to them).
    raise ImportError(f"{error}: kazoo's tests need objgraph, pyopenssl and pyjks") from error

pytest_plugins = ["kazoo_harness"]

# kazoo's harness connects its chrooted client before creating the chroot, by design; the
# warning it gets for that on every test says nothing about the server.
pytestmark = pytest.mark.filterwarnings("ignore:No chroot path exists:UserWarning")


def _count_kazoo_tree_nodes(type_name: str) -> int:
    """kazoo's TreeCache leak checks count live objects by type *name* (objgraph.count), and
    hypothesis, which other tests in the same process use, has a class named TreeNode too: count
    kazoo's own TreeNodes only, so the check means what kazoo meant by it."""
    assert type_name == "TreeNode", type_name
    return sum(1 for obj in gc.get_objects() if type(obj) is TreeNode)


test_cache.count_refs_by_type = _count_kazoo_tree_nodes  # type: ignore[attr-defined]

# Re-exported so pytest collects them here, where the plugin has replaced kazoo's cluster.
KazooLockTests = test_lock.KazooLockTests
TestSemaphore = test_lock.TestSemaphore
KazooBarrierTests = test_barrier.KazooBarrierTests
KazooDoubleBarrierTests = test_barrier.KazooDoubleBarrierTests
KazooCounterTests = test_counter.KazooCounterTests
KazooElectionTests = test_election.KazooElectionTests
NonBlockingLeaseTests = test_lease.NonBlockingLeaseTests
MultiNonBlockingLeaseTest = test_lease.MultiNonBlockingLeaseTest
KazooPartitionerTests = test_partitioner.KazooPartitionerTests
KazooPartyTests = test_party.KazooPartyTests
KazooShallowPartyTests = test_party.KazooShallowPartyTests
KazooQueueTests = test_queue.KazooQueueTests
KazooLockingQueueTests = test_queue.KazooLockingQueueTests
KazooDataWatcherTests = test_watchers.KazooDataWatcherTests
KazooChildrenWatcherTests = test_watchers.KazooChildrenWatcherTests
KazooPatientChildrenWatcherTests = test_watchers.KazooPatientChildrenWatcherTests
KazooTreeCacheTests = test_cache.KazooTreeCacheTests

# "Class::test" -> why no ZooKeeper-compatible server could pass it in this setup.
NOT_RUN: dict[str, str] = {}


@pytest.fixture(autouse=True)
def _not_run(request: pytest.FixtureRequest) -> None:
    """Skip (visibly, with its reason) each test listed in NOT_RUN."""
    cls = request.node.cls
    key = f"{cls.__name__ if cls else ''}::{request.node.name}"
    if key in NOT_RUN:
        pytest.skip(NOT_RUN[key])

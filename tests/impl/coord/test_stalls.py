"""No four-letter word stalls a server: `pxst` (the state digest) and `mntr` (counts and sizes)
cost the same at 100,000 znodes as at four, so asking the leader for them, again and again,
does not make it miss its heartbeats (issue 16, defect 2: each `pxst` hashed the whole tree on
the event loop, 0.25-0.83 s at 100 k znodes, and ten of them caused a leader change)."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
from kazoo.client import KazooClient
from kazoo.exceptions import ConnectionLoss

from impl.net.cluster import LocalCluster
from impl.paxos.types import Status

SETTINGS = {"tickTime": "200", "paxoscope.fsync": "false"}  # election timeout as by default
ZNODES = 100_000
PER_MULTI = 250  # creates per transaction (a large multi is itself a long step: see below)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCluster]:
    directory = tmp_path_factory.mktemp("stalls")
    with LocalCluster(directory, 3, service="zookeeper", settings=SETTINGS) as running:
        running.start()
        running.wait_for_leader()
        yield running


def four_letter(address: tuple[str, int], word: bytes) -> str:
    with socket.create_connection(address, timeout=30) as s:
        s.sendall(word)
        chunks = []
        while chunk := s.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks).decode()


def statuses(cluster: LocalCluster) -> list[Status]:
    found = [cluster.status(n.id, timeout=30) for n in cluster.nodes]
    assert all(s is not None for s in found), found
    return [s for s in found if s is not None]


def fill(zk: KazooClient) -> None:
    """ZNODES znodes under /big, a transaction of PER_MULTI creates at a time, four in flight.
    A transaction lost with its connection (a leader change on a loaded machine) is sent
    again unless it was applied (transactions are all or nothing: its first node tells)."""
    zk.ensure_path("/big")

    def transaction(first: int) -> Any:
        t = zk.transaction()
        for i in range(first, first + PER_MULTI):
            t.create(f"/big/n{i:06d}", b"x" * 16)
        return t.commit_async()

    chunks = list(range(0, ZNODES, PER_MULTI))
    for _ in range(5):
        lost = []
        pending: list[tuple[int, Any]] = []
        for number, first in enumerate(chunks):
            pending.append((first, transaction(first)))
            if len(pending) >= 4 or number == len(chunks) - 1:
                for sent, result in pending:
                    try:
                        results = result.get(timeout=60)
                    except ConnectionLoss:
                        lost.append(sent)
                        continue
                    assert all(isinstance(r, str) for r in results), results[:3]
                pending = []
        zk.retry(zk.exists, "/big")  # connected again
        chunks = [first for first in lost if zk.retry(zk.exists, f"/big/n{first:06d}") is None]
        if not chunks:
            return
    raise AssertionError(f"{len(chunks)} transactions still not applied")


def test_status_and_mntr_at_100k_znodes_do_not_cost_the_leader_its_leadership(
    cluster: LocalCluster,
) -> None:
    zk = KazooClient(hosts=cluster.connect_string, timeout=10)
    zk.start(timeout=30)
    try:
        fill(zk)
    finally:
        zk.stop()
        zk.close()
    leader = cluster.wait_for_leader(timeout=30)
    before = statuses(cluster)
    assert len({s.ballot for s in before}) == 1, before
    address = cluster.node(leader).client_address
    mntr = dict(line.split("\t", 1) for line in four_letter(address, b"mntr").splitlines())
    assert int(mntr["zk_znode_count"]) >= ZNODES + 5
    assert int(mntr["zk_approximate_data_size"]) >= ZNODES * (16 + len("/big/n000000"))
    for i in range(20):
        word = b"pxst" if i % 2 == 0 else b"mntr"
        assert four_letter(address, word)
    time.sleep(1.0)  # a stalled leader's followers would start an election within this
    after = statuses(cluster)
    assert [s.ballot for s in after] == [before[0].ballot] * 3, (before, after)
    assert {s.leader for s in after} == {leader}
    assert len({(s.applied, s.digest) for s in after}) == 1, after

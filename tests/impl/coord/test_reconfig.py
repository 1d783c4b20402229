"""ZooKeeper's reconfig (`impl/coord/reconfig.py`): planning a change, /zookeeper/config, and a
live cluster that takes in a brand-new server and lets an old one go."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from kazoo.client import KazooClient
from kazoo.exceptions import BadArgumentsError, BadVersionError, NoAuthError
from kazoo.retry import KazooRetry

from impl.coord.errors import Code, KeeperError
from impl.coord.messages import ConfigResult, DataReply, GetData, Reconfig, Txn
from impl.coord.reconfig import ReconfigRequest, config_text, plan
from impl.coord.records import EventType, Trigger
from impl.coord.tree import DataTree
from impl.net.cluster import LocalCluster
from impl.paxos.membership import Config, Member

ONE, TWO, THREE = (Member(i, False, f"h:{i}0:{i}1:participant;h:{i}2") for i in (1, 2, 3))
CURRENT = Config(5, (ONE, TWO, THREE))
JOINING = "server.4=h:40:41:observer;h:42"


def request(
    joining: str | None = None,
    leaving: str | None = None,
    new: str | None = None,
    version: int = -1,
) -> ReconfigRequest:
    return ReconfigRequest(joining, leaving, new, version)


def code(req: ReconfigRequest) -> int:
    with pytest.raises(KeeperError) as error:
        plan(req, CURRENT)
    return error.value.code


def test_incremental_changes_add_remove_and_change_members() -> None:
    added = plan(request(JOINING), CURRENT)
    assert added.expected == -1
    assert added.members == (ONE, TWO, THREE, Member(4, True, "h:40:41:observer;h:42"))
    removed = plan(request(leaving="2, 3"), CURRENT)
    assert removed.members == (ONE,)
    flipped = plan(request("server.3=h:30:31:observer;h:32", version=5), CURRENT)
    assert flipped.expected == 5 and flipped.members[2] == Member(3, True, "h:30:31:observer;h:32")


def test_a_new_member_list_replaces_the_configuration() -> None:
    change = plan(request(new="server.7=h:1:2;3, server.8=h:4:5:participant"), CURRENT)
    assert [m.id for m in change.members] == [7, 8]
    text = config_text(change.members).decode()
    assert text == "server.7=h:1:2;3\nserver.8=h:4:5:participant\n"


@pytest.mark.parametrize(
    ("req", "expected"),
    [
        (request("some thing"), Code.BADARGUMENTS),  # kazoo's test_bad_input
        (request("server.x=h:1:2"), Code.BADARGUMENTS),
        (request("server.4=h:notaport"), Code.BADARGUMENTS),
        (request(leaving="two"), Code.BADARGUMENTS),
        (request(JOINING, new="server.7=h:1:2"), Code.BADARGUMENTS),  # both forms at once
        (request(), Code.BADARGUMENTS),  # nothing asked
        (request(leaving="9"), Code.BADARGUMENTS),  # nothing changes
        (request(leaving="1,2,3"), Code.BADARGUMENTS),  # no participant left
        (
            request("server.1=h:1:2:observer,server.2=h:3:4:observer", leaving="3"),
            Code.BADARGUMENTS,
        ),
        (request("some thing", version=6), Code.BADVERSION),  # the version is checked first
    ],
)
def test_bad_requests_are_refused(req: ReconfigRequest, expected: int) -> None:
    assert code(req) == expected


def test_the_tree_writes_the_config_node_with_the_zxid_as_version() -> None:
    tree = DataTree()
    outcome = tree.execute(0x1F, Txn(Reconfig(b"server.1=h:1:2\n")))
    assert isinstance(outcome.result, ConfigResult) and outcome.err == Code.OK
    assert outcome.result.data == b"server.1=h:1:2\nversion=1f"
    assert outcome.triggers == (Trigger("/zookeeper/config", EventType.NODE_DATA_CHANGED),)
    reply = tree.read(GetData("/zookeeper/config"))
    assert isinstance(reply, DataReply) and (reply.data, reply.stat) == (
        outcome.result.data,
        outcome.result.stat,
    )
    assert reply.stat.version == 1 and reply.stat.mzxid == 0x1F


# --- a live cluster --------------------------------------------------------------------------

SETTINGS = {
    "tickTime": "200",
    "paxoscope.fsync": "false",
    "reconfigEnabled": "true",
    "DigestAuthenticationProvider.superDigest": "super:D/InIHSb7yEEbrWz8b9l71RjZJU=",  # test
}


def _connect(cluster: LocalCluster, *nodes: int, auth: bool = False) -> KazooClient:
    hosts = ",".join("{}:{}".format(*cluster.node(n).client_address) for n in nodes)
    zk = KazooClient(
        hosts=hosts, timeout=4.0, auth_data=[("digest", "super:test")] if auth else None
    )
    zk.start(timeout=20)
    return zk


def _reconfig(
    zk: KazooClient, joining: str | None, leaving: str | None, from_config: int = -1
) -> Any:
    """kazoo's `reconfig`, with a deadline (kazoo's own waits for ever for the reply)."""
    return zk.reconfig_async(joining, leaving, None, from_config).get(timeout=30)


def _until(check: object, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not check():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"not within {seconds} s"
        time.sleep(0.1)


def test_a_new_server_joins_an_old_one_leaves_and_writes_go_on(tmp_path: Path) -> None:
    """Servers 1-3 run; server 4, known to none of them, starts with the ensemble's lines and
    its own as an observer (it takes part only once a reconfig says so). Added as a
    participant it catches up and serves; server 1 removed, servers 1 and 2 killed, 3 and 4
    still decide (as a majority of {2, 3, 4}), and /zookeeper/config says who is in."""
    with LocalCluster(tmp_path / "c", 4, service="zookeeper", settings=SETTINGS, observers=1) as c:
        for node in c.nodes[:3]:  # servers 1-3 do not know server 4
            lines = node.config_path.read_text().splitlines()
            node.config_path.write_text("\n".join(x for x in lines if "server.4=" not in x) + "\n")
        for node_id in (1, 2, 3):
            c.start_node(node_id)
        c.wait_for_leader()
        admin = _connect(c, 1, auth=True)  # on the server it removes
        plain = _connect(c, 2)
        try:
            admin.create("/before", b"1")
            with pytest.raises(NoAuthError):
                _reconfig(plain, None, "3")
            with pytest.raises(BadArgumentsError):
                _reconfig(plain, "some thing", None)
            c.start_node(4)
            line4 = next(
                x
                for x in c.node(4).config_path.read_text().splitlines()
                if x.startswith("server.4=")
            ).replace(":observer", ":participant")
            data, stat = _reconfig(admin, line4, None)
            text = data.decode()
            assert line4 in text and text.splitlines()[-1] == f"version={stat.mzxid:x}"
            assert admin.get("/zookeeper/config")[0] == data
            with pytest.raises(BadVersionError):
                _reconfig(admin, None, "1", from_config=1)
            fresh = _connect(c, 4)
            _until(lambda: fresh.exists("/before") is not None)
            data, _ = _reconfig(admin, None, "1")
            assert "server.1=" not in data.decode()
            # 1 and 2 down: 3 and 4 are a majority of {2, 3, 4}, not of {1, 2, 3}. (One of
            # them may have led: a client may lose its connection once.)
            c.kill_node(1)
            c.kill_node(2)
            retry = KazooRetry(max_tries=100, max_delay=1.0, deadline=30.0)
            for i in range(20):
                retry(fresh.ensure_path, f"/after-{i}")
            assert retry(fresh.exists, "/after-19") is not None
            fresh.stop()
        finally:
            for zk in (admin, plain):
                zk.stop()
                zk.close()

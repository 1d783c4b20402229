"""Followers forward commands and reads to the leader (ReplicaOptions.forward): a client may
talk to any replica, and what was forwarded fails, rather than hangs, when the leader goes."""

from __future__ import annotations

import dataclasses

from test_replica import OPTIONS, Cluster, put

from impl.paxos.replica import Replica
from impl.paxos.types import Read, ReadIndexReply, ReadIndexRequest, Reply
from impl.sm import kv
from impl.sm.kv import KeyValueStore

FORWARD = dataclasses.replace(OPTIONS, forward=True, forward_timeout_ticks=20)


def get(client: int, seq: int, key: str) -> Read:
    return Read(client, seq, kv.encode("get", key))


def answered(cluster: Cluster, client: int) -> list[Reply]:
    return [r for r in cluster.replies if r.client_id == client]


def test_a_follower_forwards_a_command_and_replies_once_it_applied_it() -> None:
    cluster = Cluster(3, FORWARD)
    cluster.elect(1)
    follower = cluster.replicas[2]
    follower.on_request(put(7, 1, "k", b"v"))
    cluster.flush(2)
    cluster.run()
    for _ in range(3):  # heartbeats carry the commit index to the follower
        cluster.tick(1, FORWARD.heartbeat_ticks)
    [reply] = answered(cluster, 7)
    assert reply.ok and kv.decode(reply.result) is None
    assert follower.machine.data == {"k": b"v"}  # type: ignore[attr-defined]


def test_without_forwarding_a_follower_refuses() -> None:
    cluster = Cluster(3)
    cluster.elect(1)
    cluster.replicas[2].on_request(put(7, 1, "k", b"v"))
    cluster.flush(2)
    [reply] = answered(cluster, 7)
    assert not reply.ok and reply.leader == 1


def test_a_follower_read_sees_every_write_acknowledged_before_it() -> None:
    cluster = Cluster(3, FORWARD)
    cluster.elect(1)
    cluster.replicas[1].on_request(put(7, 1, "k", b"new"))
    cluster.flush(1)
    cluster.run()
    assert answered(cluster, 7)[0].ok  # acknowledged by the leader
    # The follower has not learned the commit yet, but its read must see the write.
    cluster.replicas[3].on_read(get(8, 1, "k"))
    cluster.flush(3)
    cluster.run()
    for _ in range(3):
        cluster.tick(1, FORWARD.heartbeat_ticks)
    [reply] = answered(cluster, 8)
    assert reply.ok and kv.decode(reply.result) == b"new"


def test_forwarded_work_fails_when_the_leader_changes() -> None:
    cluster = Cluster(3, FORWARD)
    cluster.elect(1)
    cluster.cut = {1}  # the leader hears nothing more
    cluster.replicas[2].on_request(put(7, 1, "k", b"v"))
    cluster.replicas[2].on_read(get(7, 2, "k"))
    cluster.flush(2)
    cluster.run()
    assert answered(cluster, 7) == []
    for _ in range(4 * FORWARD.election_ticks):  # time passes for both: they elect one of them
        cluster.tick(2)
        cluster.tick(3)
    assert cluster.replicas[2].leader in (2, 3)
    replies = answered(cluster, 7)
    assert sorted(r.seq for r in replies) == [1, 2] and not any(r.ok for r in replies)


def test_forwarded_work_fails_after_the_timeout_if_nothing_comes_back() -> None:
    patient = dataclasses.replace(FORWARD, election_ticks=1_000)  # nobody campaigns
    cluster = Cluster(3, patient)
    cluster.replicas[1].campaign()
    cluster.flush(1)
    cluster.run()
    cluster.cut = {2}  # the follower is cut off, but still believes 1 leads
    follower = cluster.replicas[2]
    assert follower.leader == 1
    follower.on_request(put(7, 1, "k", b"v"))
    cluster.flush(2)
    for _ in range(patient.forward_timeout_ticks - 1):
        follower.on_tick()
        cluster.flush(2)
    assert answered(cluster, 7) == []
    follower.on_tick()
    cluster.flush(2)
    [reply] = answered(cluster, 7)
    assert not reply.ok


def test_a_command_forwarded_twice_is_applied_once() -> None:
    cluster = Cluster(3, FORWARD)
    cluster.elect(1)
    command = put(7, 1, "k", b"v")
    for node in (2, 3):
        cluster.replicas[node].on_request(command)
        cluster.flush(node)
    cluster.run()
    for _ in range(3):
        cluster.tick(1, FORWARD.heartbeat_ticks)
    assert cluster.replicas[1].applied == 1
    assert {r.ok for r in answered(cluster, 7)} == {True}


def test_replies_can_be_handed_over_at_once() -> None:
    """With on_reply, a reply is handed over while the command is applied, before any later
    command changes the state (a service sends its watch events and replies in that order)."""
    cluster = Cluster(3, FORWARD)
    seen: list[tuple[Reply, int]] = []
    leader = cluster.replicas[1]
    leader._on_reply = lambda reply: seen.append((reply, leader.applied))
    cluster.elect(1)
    leader.on_request(put(7, 1, "a", b"1"))
    leader.on_request(put(7, 2, "b", b"2"))
    cluster.flush(1)
    cluster.run()
    assert [(r.seq, applied) for r, applied in seen] == [(1, 1), (2, 2)]
    assert answered(cluster, 7) == []  # nothing went through Effects


def test_a_late_reply_to_a_crashed_incarnation_answers_no_read_of_the_next() -> None:
    """Regression (`python -m impl.sim --seed 7458 --forward --leases`): read-index nonces
    started at 1 in every incarnation, so the leader's reply to a request of the process before
    a crash, delivered late, answered the restarted process's read — with an index from before
    a write the client had seen acknowledged: a stale read."""
    cluster = Cluster(3, FORWARD)
    cluster.elect(1)
    cluster.replicas[3].on_read(get(8, 1, "k"))
    sent = cluster.replicas[3].flush().messages  # never delivered: the process crashes
    [old] = [m for _, m in sent if isinstance(m, ReadIndexRequest)]

    cluster.replicas[3] = Replica(3, [1, 2, 3], KeyValueStore(), options=FORWARD, seed=33)
    cluster.tick(1, FORWARD.heartbeat_ticks)  # the new process follows the leader
    assert cluster.replicas[3].leader == 1
    cluster.cut = {3}
    cluster.submit(1, put(7, 1, "k", b"new"))
    assert answered(cluster, 7)[0].ok  # acknowledged, by the other two
    cluster.replicas[3].on_read(get(8, 2, "k"))
    cluster.flush(3)
    cluster.replicas[3].on_message(1, ReadIndexReply(old.nonce, 0))  # the late reply
    cluster.flush(3)
    stale = [r for r in answered(cluster, 8) if r.ok and kv.decode(r.result) != b"new"]
    assert stale == []

"""Membership changes through the log (`impl/paxos/membership.py`), driven by hand."""

from __future__ import annotations

import dataclasses

import pytest

from impl.paxos.durable import DurableState
from impl.paxos.membership import Config, ConfigChange, Member, Membership
from impl.paxos.replica import Replica, Role
from impl.paxos.types import Accept, Command, Read
from impl.sm import kv
from impl.sm.kv import KeyValueStore
from tests.impl.paxos.test_replica import OPTIONS, Cluster, put

DELAY = 2
RECONFIG_OPTIONS = dataclasses.replace(OPTIONS, config_delay=DELAY)
FIRST = (Member(1), Member(2), Member(3))


def config(version: int, *ids: int, observers: tuple[int, ...] = ()) -> Config:
    return Config(version, tuple(Member(n, n in observers) for n in sorted(ids)))


def change(seq: int, *ids: int, expected: int = -1, observers: tuple[int, ...] = ()) -> Command:
    members = tuple(Member(n, n in observers) for n in sorted(ids))
    op = kv.encode("put", "config", repr(ids).encode())
    return Command(99, seq, seq - 1, op, ConfigChange(expected, members))


def cluster_of(n: int, initial: tuple[Member, ...] = FIRST) -> Cluster:
    """n replicas, of which the `initial` configuration's members take part at first."""
    cluster = Cluster(n, RECONFIG_OPTIONS)
    cluster.replicas = {
        i: Replica(i, [], KeyValueStore(), options=RECONFIG_OPTIONS, seed=i, members=initial)
        for i in range(1, n + 1)
    }
    return cluster


def settle(cluster: Cluster, leader: int, rounds: int = 6) -> None:
    for _ in range(rounds):
        cluster.tick(leader, OPTIONS.heartbeat_ticks)


def test_the_schedule_names_each_slots_configuration() -> None:
    membership = Membership(config(0, 1, 2, 3), delay=3)
    assert membership.at(1).version == 0 and membership.ids == (1, 2, 3)
    added = membership.adopt(5, ConfigChange(0, config(0, 1, 2, 3, 4).members), version=9)
    assert added == config(9, 1, 2, 3, 4)
    assert [membership.at(s).version for s in (5, 7, 8, 100)] == [0, 0, 9, 9]
    assert [c.version for c in membership.between(6, 8)] == [0, 9]
    assert membership.ids == (1, 2, 3, 4) and membership.latest.version == 9
    # A change computed from configuration 0 comes too late: 9 replaced it.
    assert membership.adopt(6, ConfigChange(0, config(0, 1).members), version=10) is None
    restored = Membership(config(0, 1), delay=3)
    restored.restore(membership.encode())
    assert restored.at(8) == added and restored.ids == (1, 2, 3, 4)
    membership.forget_before(8)
    assert membership.current == added and membership.between(1, 100) == [added]


def test_quorums_count_participants_only() -> None:
    five = config(0, 1, 2, 3, 4, 5, observers=(4, 5))
    assert five.voters == {1, 2, 3}
    assert five.is_quorum({1, 2}) and not five.is_quorum({1, 4, 5})
    with pytest.raises(ValueError, match="observer"):
        Replica(1, [], KeyValueStore(), members=[Member(1, True)])
    with pytest.raises(ValueError, match="twice"):
        Replica(1, [], KeyValueStore(), members=[Member(1), Member(1)])


def test_an_added_participant_counts_from_alpha_slots_after_the_change_on() -> None:
    cluster = cluster_of(4)
    cluster.elect(1)
    leader = cluster.replicas[1]
    cluster.submit(1, change(1, 1, 2, 3, 4))
    settle(cluster, 1)
    # Decided in slot 1 (the change) and in force from slot 1 + α: the leader brought it
    # into force with no-ops, and n4 (not in the first configuration) learned the log.
    assert leader.config == config(1, 1, 2, 3, 4)
    assert [r.applied_slot for r in cluster.replicas.values()] == [DELAY] * 4
    assert cluster.replicas[4].config == leader.config
    # Now a majority is three of four: with n3 and n4 cut off, nothing is decided ...
    cluster.cut = {3, 4}
    cluster.submit(1, put(7, 1, "k", b"v"))
    settle(cluster, 1, rounds=2)
    assert not [r for r in cluster.replies if r.client_id == 7]
    # ... and n4 back makes three.
    cluster.cut = {3}
    settle(cluster, 1, rounds=4)
    assert [r.ok for r in cluster.replies if r.client_id == 7] == [True]


def test_a_removed_leader_steps_down_and_a_remaining_participant_takes_over() -> None:
    cluster = cluster_of(3)
    cluster.elect(1)
    cluster.submit(1, change(1, 2, 3))
    settle(cluster, 1)
    old = cluster.replicas[1]
    assert old.config == config(1, 2, 3) and old.role is Role.FOLLOWER
    assert old.leader != 1  # it does not follow its own late messages either
    for _ in range(4 * OPTIONS.election_ticks):
        cluster.tick(2)
        cluster.tick(3)
    assert cluster.replicas[2].role is Role.LEADER or cluster.replicas[3].role is Role.LEADER
    leader = 2 if cluster.replicas[2].role is Role.LEADER else 3
    cluster.cut = {1}  # no say any more: 2 and 3 decide alone
    cluster.submit(leader, put(7, 1, "k", b"v"))
    settle(cluster, leader)
    assert [r.ok for r in cluster.replies if r.client_id == 7] == [True]
    with pytest.raises(ValueError, match="observer"):
        old.campaign()  # not a participant: the same refusal as an observer's


def test_a_change_computed_from_a_replaced_configuration_has_no_effect() -> None:
    cluster = cluster_of(4)
    cluster.elect(1)
    cluster.submit(1, change(1, 1, 2, 3, 4, expected=0))
    cluster.submit(1, change(2, 1, 2, 3, expected=0))  # from 0 too: too late
    settle(cluster, 1)
    first, second = sorted((r for r in cluster.replies if r.client_id == 99), key=lambda r: r.seq)
    assert first.ok and second.ok and second.result == b""
    assert cluster.replicas[1].membership.latest == config(1, 1, 2, 3, 4)


def test_the_configuration_survives_a_restart_from_snapshot_and_log() -> None:
    options = dataclasses.replace(RECONFIG_OPTIONS, snapshot_every=3)
    cluster = cluster_of(4)
    for i in cluster.replicas:
        cluster.replicas[i] = Replica(i, [], KeyValueStore(), options=options, members=FIRST)
    cluster.elect(1)
    cluster.submit(1, change(1, 1, 2, 3, 4, observers=(4,)))
    for seq in range(1, 6):
        cluster.submit(1, put(7, seq, "k", b"%d" % seq))
    settle(cluster, 1)
    records = cluster.disks[2]
    snapshot = cluster.replicas[2]._snapshot()
    assert snapshot.membership  # the configurations travel in snapshots
    restarted = Replica(
        2, [], KeyValueStore(), DurableState.load(snapshot, records), options, members=FIRST
    )
    assert restarted.membership.latest == config(1, 1, 2, 3, 4, observers=(4,))
    replayed = Replica(
        2, [], KeyValueStore(), DurableState.load(None, records), options, members=FIRST
    )
    assert replayed.membership.latest == restarted.membership.latest


def test_reads_wait_for_a_majority_of_the_configuration_in_force_next() -> None:
    """Once the slots before a new configuration are applied, a read needs a majority of the
    new one (another leader would decide the next slots with it), not of the old."""
    cluster = cluster_of(5)
    cluster.elect(1)
    cluster.submit(1, change(1, 1, 4, 5))
    settle(cluster, 1, rounds=1)
    leader = cluster.replicas[1]
    assert leader.applied_slot == DELAY and leader.config == config(1, 1, 4, 5)
    cluster.cut = {4, 5}
    leader.on_read(Read(7, 1, kv.encode("get", "k")))
    cluster.flush(1)
    cluster.run()
    cluster.tick(1, OPTIONS.heartbeat_ticks)
    assert not [r for r in cluster.replies if r.client_id == 7]  # 2 and 3 have no say
    cluster.cut = {4}
    cluster.tick(1, OPTIONS.heartbeat_ticks)
    assert [r.ok for r in cluster.replies if r.client_id == 7] == [True]


def test_a_replica_accepts_a_leader_it_does_not_know_yet() -> None:
    replica = Replica(4, [], KeyValueStore(), options=RECONFIG_OPTIONS, members=FIRST)
    replica.on_message(9, Accept((1, 9), 1, (), 0))
    assert replica.leader == 9 and replica.votes[1].ballot == (1, 9)


def test_a_member_cut_off_while_it_was_removed_still_learns_that_it_is_out() -> None:
    """The leader stops counting n3 once the change that removes it governs; n3, cut off
    meanwhile, would then never hear of the slots that remove it (its clients' requests
    unanswered for ever). The leader keeps telling it what is decided until it has them."""
    cluster = cluster_of(3)
    cluster.elect(1)
    cluster.cut = {3}
    cluster.submit(1, change(1, 1, 2))
    settle(cluster, 1)
    leader, gone = cluster.replicas[1], cluster.replicas[3]
    assert leader.config == config(1, 1, 2) and gone.applied_slot == 0
    assert 3 in leader.departing
    cluster.cut = set()
    settle(cluster, 1)
    assert gone.applied_slot == DELAY and gone.config == config(1, 1, 2)
    assert 3 not in gone.voters and not leader.departing  # it answered that it knows


def test_a_change_is_answered_once_a_majority_of_its_configuration_has_it() -> None:
    """Answered once the leader had applied the slots that bring the new configuration
    {1, 3, 4} into force, the change would leave it to 1 alone: with 1 and 2 gone next (as
    the client may now take them away), 3 and 4 could not learn whether those slots were
    decided, and would stall. So the answer waits until a majority of {1, 3, 4} has them."""
    cluster = cluster_of(4)
    cluster.elect(1)
    cluster.cut = {3, 4}
    cluster.submit(1, change(1, 1, 3, 4))
    settle(cluster, 1)
    assert cluster.replicas[1].config == config(1, 1, 3, 4)  # in force at the leader ...
    assert not [r for r in cluster.replies if r.client_id == 99]  # ... but not answered
    cluster.cut = set()
    settle(cluster, 1)
    assert [r.ok for r in cluster.replies if r.client_id == 99] == [True]
    assert all(cluster.replicas[n].applied_slot >= DELAY for n in (3, 4))

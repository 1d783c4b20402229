"""Quorum-lease reads (impl/paxos/leases.py): the lease table alone, then replicas driven by
hand with clocks the test sets — a holder reads without the leader while its leases hold and
falls back once they lapse; a write waits for a live holder, and for a silent one only until
the grants to it run out."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_replica import OPTIONS, Cluster, put

from impl.paxos.faults import Fault
from impl.paxos.leases import (
    Holder,
    LeaseTable,
    cleared,
    decided,
    holder_duration,
    short_receipts,
)
from impl.paxos.replica import Replica, ReplicaOptions
from impl.paxos.types import (
    Accept,
    Accepted,
    Command,
    Forward,
    Heartbeat,
    LeaseGrant,
    LeaseRequest,
    Read,
    ReadIndexRequest,
    Reply,
)
from impl.sm import kv
from impl.sm.kv import KeyValueStore

D = 1000  # the grantors' lease, in ms
D_H = 903  # the holders': floor(1000 * 0.95 / 1.05) - 1
LEASES = dataclasses.replace(OPTIONS, forward=True, lease_reads=True, lease_ms=D, lease_drift=0.05)
LATER = 10_000  # a time past every replica's quarantine (D after it started, at 0)


# --- the table -------------------------------------------------------------------------------


def test_the_holders_lease_is_shorter_by_the_drift_and_a_millisecond() -> None:
    assert holder_duration(D, 0.05) == D_H
    assert holder_duration(300, 0.0) == 299
    assert LeaseTable(D, 0.05, 0).holder_duration == D_H
    assert LeaseTable(D, 0.05, 0, no_margin=True).holder_duration == D
    with pytest.raises(ValueError, match="rate error"):
        LeaseTable(D, 1.0, 0)
    with pytest.raises(ValueError, match="too short"):
        LeaseTable(2, 0.05, 0)


def test_a_grant_is_reported_for_the_whole_lease_on_the_grantors_clock() -> None:
    table = LeaseTable(D, 0.05, 0)
    table.grant(3, 5000, incarnation=30)
    table.grant(2, 5500, incarnation=20)
    assert table.holders(5999) == {(2, 20), (3, 30)}
    assert table.holders(6000) == {(2, 20)}  # 3's grant ran out; 2's has 500 ms left
    table.grant(3, 4000, incarnation=30)  # an earlier moment (answered late) shortens nothing
    assert table.holders(6000) == {(2, 20)}
    table.grant(2, 5600, incarnation=21)  # 2 restarted and asked again: the grant is the new run's
    assert table.holders(6500) == {(2, 21)}
    assert table.holders(6600) == frozenset()


def test_a_restarted_grantor_names_everyone_for_a_lease() -> None:
    """It lost the table of whom it granted leases before: for D after it started, it reports
    every voter (None), whatever it grants meanwhile."""
    table = LeaseTable(D, 0.05, 100)
    table.grant(2, 500)
    assert table.holders(100) is None
    assert table.holders(1099) is None
    assert table.holders(1100) == {(2, 0)}
    assert table.holders(1500) == frozenset()


def test_a_holder_counts_a_grant_from_when_it_asked_and_learns_what_to_apply() -> None:
    table = LeaseTable(D, 0.05, 0)
    table.take(1, stamp=5000, voted=7, now=5040)  # asked at 5000, the answer came at 5040
    table.take(2, stamp=5000, voted=3, now=5050)
    table.take(1, stamp=4000, voted=2, now=5060)  # an older grant shortens nothing
    assert table.need == 7  # the most any grantor had voted for, kept
    assert table.grantors(5000 + D_H - 1) == {1, 2}
    assert table.grantors(5000 + D_H) == set()


@given(
    me=st.integers(1, 5),
    grants=st.dictionaries(st.integers(1, 6), st.integers(0, 3000), max_size=6),
    voter_sets=st.lists(st.frozensets(st.integers(1, 6), min_size=1), min_size=1, max_size=3),
    now=st.integers(0, 4000),
)
def test_quorum_until_is_when_the_grantors_stop_being_a_majority_of_each_configuration(
    me: int, grants: dict[int, int], voter_sets: list[frozenset[int]], now: int
) -> None:
    """`quorum_until` (what a read compares its clock with) against the definition: my
    grantors at `now`, with me, a majority of every configuration I take part in."""
    table = LeaseTable(D, 0.05, 0)
    for grantor, stamp in grants.items():
        table.take(grantor, stamp, 0, 4000)
    until = table.quorum_until(me, voter_sets)
    holding = table.grantors(now) | {me}
    assert (now < until) == all(
        me in voters and 2 * len(voters & holding) > len(voters) for voters in voter_sets
    )


def test_a_holder_ignores_stamps_of_an_earlier_run_or_of_another_clock() -> None:
    table = LeaseTable(D, 0.05, 1000)
    table.take(1, stamp=999, voted=9, now=1200)  # asked before this run started
    table.take(2, stamp=1300, voted=9, now=1200)  # ahead of my clock (a reboot reset it)
    assert table.grantors(1200) == set() and table.need == 0


def test_a_slot_is_decided_once_a_majority_voted_with_the_holders_they_named() -> None:
    voters = frozenset({1, 2, 3})
    empty: frozenset[Holder] = frozenset()
    # 1 and 2 voted; 1 names holder 3, which has not voted: only 2 is clear.
    reports: dict[int, frozenset[Holder] | None] = {1: frozenset({(3, 0)}), 2: empty}
    assert cleared({1, 2}, reports, voters) == {2}
    assert not decided({1, 2}, reports, voters)
    assert decided({1, 2, 3}, {**reports, 3: empty}, voters)
    # A restarted voter (None) names everyone; one that is not a voter of the slot is ignored.
    assert not decided({1, 2}, {1: None, 2: empty}, voters)
    assert decided({1, 2, 3}, {1: None, 2: empty, 3: empty}, voters)
    assert decided({1, 2}, {1: frozenset({(9, 0)}), 2: frozenset({(9, 0)})}, voters)
    # A majority of clear voters is enough: 3 names 4, which did not vote, but 1 and 2 decide.
    five = frozenset({1, 2, 3, 4, 5})
    assert decided({1, 2, 3}, {1: empty, 2: empty, 3: frozenset({(4, 0)})}, five) is False
    assert decided({1, 2, 3, 5}, {1: empty, 2: empty, 3: frozenset({(4, 0)}), 5: empty}, five)


def test_a_receipt_stands_for_the_holder_of_its_incarnation_and_counts_for_no_majority() -> None:
    voters = frozenset({1, 2, 3})
    reports: dict[int, frozenset[Holder] | None] = {1: frozenset({(3, 7)}), 2: frozenset()}
    # 3 received the value (asked only for a receipt), in the run 1 granted its lease to.
    assert decided({1, 2}, reports, voters, receipts={(3, 7)})
    # A receipt of another run of 3 (sent before it restarted; the new run never saw the
    # value) stands for nothing: only 3's vote, durable, clears 1 then.
    assert not decided({1, 2}, reports, voters, receipts={(3, 6)})
    assert short_receipts(reports, voters, {(3, 6)}) == {3}
    assert short_receipts(reports, voters, {(3, 7)}) == set()
    assert decided({1, 2, 3}, reports, voters, receipts={(3, 6)})
    # A quarantined voter names every voter, of unknown runs: receipts stand for none.
    assert not decided({1, 2}, {1: None, 2: frozenset()}, voters, receipts={(3, 7)})
    assert short_receipts({1: None}, voters, {(3, 7)}) == {3}
    # Receipts are no votes: a majority of them decides nothing.
    assert not decided({1}, {1: frozenset()}, voters, receipts={(2, 0), (3, 0)})


# --- replicas --------------------------------------------------------------------------------


class LeaseCluster(Cluster):
    """Replicas with lease clocks the test moves (`time`), all past their quarantine."""

    def __init__(self, n: int = 3, options: ReplicaOptions = LEASES) -> None:
        super().__init__(n, options)
        self.time = dict.fromkeys(self.replicas, 0)
        ids = list(self.replicas)
        self.replicas = {
            i: Replica(i, ids, KeyValueStore(), options=options, seed=i, clock=self.clock_of(i))
            for i in ids
        }
        self.advance(LATER)

    def clock_of(self, node: int) -> Callable[[], int]:
        return lambda: self.time[node]

    def advance(self, ms: int, nodes: tuple[int, ...] = ()) -> None:
        for node in nodes or tuple(self.time):
            self.time[node] += ms

    def hold(self, node: int) -> None:
        """`node` asks the others for leases (on its next tick that is due) and gets them."""
        self.tick(node, LEASES.heartbeat_ticks)

    def answers(self, client: int) -> list[Reply]:
        return [r for r in self.replies if r.client_id == client]

    def tick_until(self, node: int, done: Callable[[], bool], limit: int = 50) -> int:
        """Tick `node` until `done()`; how many ticks that took."""
        for ticks in range(limit):
            if done():
                return ticks
            self.tick(node)
        raise AssertionError(f"not done after {limit} ticks")


def get(client: int, seq: int, key: str) -> Read:
    return Read(client, seq, kv.encode("get", key))


def written(cluster: LeaseCluster) -> None:
    """Leader 1 elected, "k" = "v" written and learned by everyone, 3 holding leases."""
    cluster.elect(1)
    cluster.submit(1, put(7, 1, "k", b"v"))
    assert [r.ok for r in cluster.answers(7)] == [True]
    cluster.tick(1, LEASES.heartbeat_ticks)  # the followers learn the commit
    cluster.hold(3)
    assert {r.applied_slot for r in cluster.replicas.values()} == {1}


def test_a_follower_holding_leases_answers_a_read_without_the_leader() -> None:
    cluster = LeaseCluster()
    written(cluster)
    follower = cluster.replicas[3]
    assert follower.may_read_locally()
    follower.on_read(get(8, 1, "k"))
    effects = follower.flush()
    assert [(r.ok, kv.decode(r.result)) for r in effects.replies] == [(True, b"v")]
    assert effects.messages == [] and effects.early == []  # nothing to the leader
    assert follower.lease_reads_served == 1


def test_read_now_answers_under_the_leases_and_never_past_them_or_a_queued_read() -> None:
    cluster = LeaseCluster()
    written(cluster)
    follower = cluster.replicas[3]
    answer = follower.read_now(get(8, 1, "k"))
    assert answer is not None and kv.decode(answer) == b"v"
    assert follower.lease_reads_served == 1
    follower.on_read(get(8, 2, "k"))  # queued for the flush: a later read must not overtake it
    assert follower.read_now(get(9, 1, "k")) is None
    assert [r.seq for r in follower.flush().replies] == [2]
    cluster.advance(D_H, nodes=(3,))  # the leases lapsed
    assert follower.read_now(get(8, 3, "k")) is None
    assert follower.lease_reads_served == 2


def test_read_now_waits_for_a_slot_voted_in_and_not_applied() -> None:
    time = [5000]
    replica = Replica(3, [1, 2, 3], KeyValueStore(), options=LEASES, clock=lambda: time[0])
    replica.on_tick()
    replica.flush()
    replica.on_message(1, LeaseGrant(5000, voted=0))
    replica.on_message(1, Accept((1, 1), 1, (put(7, 1, "k", b"v"),), 0))
    replica.flush()
    assert replica.read_now(get(8, 1, "k")) is None
    replica.on_message(1, Heartbeat((1, 1), 1, 1))
    answer = replica.read_now(get(8, 2, "k"))
    assert answer is not None and kv.decode(answer) == b"v"


def test_a_follower_whose_leases_lapsed_asks_the_leader() -> None:
    cluster = LeaseCluster()
    written(cluster)
    follower = cluster.replicas[3]
    cluster.advance(D_H - 1, nodes=(3,))  # its clock ran on; no tick asked again
    assert follower.may_read_locally()
    cluster.advance(1, nodes=(3,))
    assert not follower.may_read_locally()
    follower.on_read(get(8, 1, "k"))
    effects = follower.flush()
    assert effects.replies == []
    [(to, message)] = effects.messages  # today's path: a read index
    assert to == 1 and isinstance(message, ReadIndexRequest)
    cluster.carry_out(3, effects)
    cluster.run()
    cluster.tick(1, LEASES.heartbeat_ticks)
    [reply] = cluster.answers(8)
    assert reply.ok and kv.decode(reply.result) == b"v"
    assert follower.lease_reads_served == 0


def test_without_the_drift_margin_a_holder_reads_for_the_whole_grant() -> None:
    """Fault.LEASE_NO_DRIFT_MARGIN: the holder counts D, not D_h (a clock slower than its
    grantor's then reads after the grant ran out: the simulation catches that)."""
    options = dataclasses.replace(LEASES, faults=frozenset({Fault.LEASE_NO_DRIFT_MARGIN}))
    cluster = LeaseCluster(options=options)
    written(cluster)
    cluster.advance(D - 1, nodes=(3,))
    assert cluster.replicas[3].may_read_locally()


def test_a_write_waits_for_a_live_holders_vote() -> None:
    cluster = LeaseCluster()
    written(cluster)
    cluster.cut = {3}  # the holder hears nothing for now
    cluster.submit(1, put(7, 2, "k", b"w"))
    assert [r.seq for r in cluster.answers(7)] == [1]  # 1 and 2 voted, but they named 3
    # Not decided, so not acknowledged: the holder still reads the old value, rightly.
    holder = cluster.replicas[3]
    holder.on_read(get(8, 1, "k"))
    [reply] = holder.flush().replies
    assert kv.decode(reply.result) == b"v"
    cluster.cut = set()
    # The Accept again, at the next retry: 3 votes, and the write is decided.
    cluster.tick_until(1, lambda: len(cluster.answers(7)) == 2)
    assert [r.seq for r in cluster.answers(7) if r.ok] == [1, 2]
    assert holder.may_read_locally() and holder.applied_slot == 2


def test_a_write_waits_for_a_silent_holder_only_until_its_grants_run_out() -> None:
    cluster = LeaseCluster()
    written(cluster)
    cluster.cut = {3}
    cluster.submit(1, put(7, 2, "k", b"w"))
    cluster.tick(1, 4 * LEASES.retry_ticks)  # asked again and again, 1 and 2 still name 3
    assert [r.seq for r in cluster.answers(7)] == [1]
    cluster.advance(D - 1)
    cluster.tick(1, 4 * LEASES.retry_ticks)
    assert [r.seq for r in cluster.answers(7)] == [1]
    cluster.advance(1)  # the grants to 3 ran out (on their clocks; its own lease before)
    assert not cluster.replicas[3].may_read_locally()
    # At the next retry, 1 and 2 answer the Accept again, naming no one.
    cluster.tick_until(1, lambda: len(cluster.answers(7)) == 2)
    assert [r.seq for r in cluster.answers(7) if r.ok] == [1, 2]


def test_a_holder_reads_only_once_it_applied_what_its_grantors_voted_for() -> None:
    time = [5000]
    replica = Replica(3, [1, 2, 3], KeyValueStore(), options=LEASES, clock=lambda: time[0])
    replica.on_tick()  # its first tick asks for leases
    requests = replica.flush().messages
    me = replica.incarnation
    assert requests == [(1, LeaseRequest(5000, me)), (2, LeaseRequest(5000, me))]
    replica.on_message(1, LeaseGrant(5000, voted=0))
    assert replica.may_read_locally()  # itself and 1: a majority
    replica.on_message(2, LeaseGrant(5000, voted=4))  # 2 had voted in slot 4
    assert not replica.may_read_locally()  # slot 4 may have been decided without it


def test_a_restarted_replica_names_every_voter_until_a_lease_has_passed() -> None:
    time = [5000]
    replica = Replica(2, [1, 2, 3], KeyValueStore(), options=LEASES, clock=lambda: time[0])
    replica.on_message(1, LeaseRequest(4990))
    assert replica.flush().messages == [(1, LeaseGrant(4990, 0))]
    accept = Accept((1, 1), 1, (put(7, 1, "k", b"v"),), 0)
    replica.on_message(1, accept)
    assert replica.flush().messages == [(1, Accepted((1, 1), 1, quarantined=True))]
    time[0] += D - 1
    replica.on_message(1, accept)  # (a resent Accept is answered again)
    assert replica.flush().messages == [(1, Accepted((1, 1), 1, quarantined=True))]
    time[0] += 1
    replica.on_message(1, LeaseRequest(time[0]))
    replica.on_message(1, accept)
    accepted = [m for _, m in replica.flush().messages if isinstance(m, Accepted)]
    assert accepted == [Accepted((1, 1), 1, holders=((1, 0),))]
    time[0] += D
    replica.on_message(1, accept)
    assert replica.flush().messages == [(1, Accepted((1, 1), 1))]


@pytest.mark.parametrize("fault", [None, Fault.LEASE_READ_WHILE_PENDING])
def test_a_holder_that_voted_reads_only_once_it_applied_the_slot(fault: Fault | None) -> None:
    options = dataclasses.replace(LEASES, faults=frozenset({fault} if fault else ()))
    time = [5000]
    replica = Replica(3, [1, 2, 3], KeyValueStore(), options=options, clock=lambda: time[0])
    replica.on_tick()  # it asks for leases
    replica.flush()
    replica.on_message(1, LeaseGrant(5000, voted=0))
    assert replica.may_read_locally()
    replica.on_message(1, Accept((1, 1), 1, (put(7, 1, "k", b"v"),), 0))
    replica.flush()
    # Slot 1 may be decided (and acknowledged) with this vote before I learn it is.
    assert replica.may_read_locally() is (fault is not None)
    replica.on_message(1, Heartbeat((1, 1), 1, 1))  # it is decided: my vote is the value
    assert replica.applied_slot == 1 and replica.may_read_locally()


def test_observers_hold_no_leases() -> None:
    options = dataclasses.replace(LEASES, forward=False)
    time = [5000]
    observer = Replica(
        3, [1, 2, 3], KeyValueStore(), options=options, observers=[3], clock=lambda: time[0]
    )
    observer.on_tick()
    assert observer.flush().messages == []  # it asks no one
    observer.on_message(1, LeaseGrant(5000, 0))
    observer.on_message(2, LeaseGrant(5000, 0))
    assert not observer.may_read_locally()


def test_without_a_clock_the_lease_clock_is_made_of_ticks() -> None:
    replica = Replica(3, [1, 2, 3], KeyValueStore(), options=LEASES)
    replica.on_tick()  # at tick 1: 10 ms
    me = replica.incarnation
    assert replica.flush().messages == [(1, LeaseRequest(10, me)), (2, LeaseRequest(10, me))]
    replica.on_message(1, LeaseGrant(10, 0))  # held until 10 + 903 ms: tick 91.3
    for _ in range(90):
        replica.on_tick()
    assert replica.may_read_locally()
    replica.on_tick()
    assert not replica.may_read_locally()


def test_with_lease_reads_off_nothing_changes() -> None:
    cluster = Cluster(3)
    cluster.elect(1)
    cluster.submit(1, put(7, 1, "k", b"v"))
    follower = cluster.replicas[3]
    assert not follower.may_read_locally()
    follower.on_tick()
    assert not any(isinstance(m, LeaseRequest) for _, m in follower.flush().messages)


def forwarded(leader: Replica, follower: int, command: Command) -> dict[int, Accept]:
    """The Accepts `leader` sends each replica for `command`, forwarded by `follower`."""
    leader.on_message(follower, Forward((command,)))
    return {to: m for to, m in leader.flush().early if isinstance(m, Accept)}


def test_a_forwarder_is_asked_for_a_receipt_and_its_receipt_stands_for_its_own_run_only() -> None:
    """The leader asks the follower that forwarded a write only to acknowledge it (no vote to
    make durable before it answers its client). A receipt is volatile: one sent by the
    follower's previous run (it restarted since, and the new run never saw the value) must not
    clear a vote naming the new run as a lease holder, or the write would be decided while
    the new run reads without it. The leader asks that follower for a vote at once instead."""
    cluster = LeaseCluster()
    written(cluster)
    cluster.hold(2)
    leader = cluster.replicas[1]
    accepts = forwarded(leader, 2, put(9, 1, "k", b"w"))
    assert [accepts[n].vote for n in (1, 2, 3)] == [True, False, True]
    ballot, slot = accepts[1].ballot, accepts[1].slot
    leader.on_message(1, accepts[1])  # the leader's own vote, durable
    (own,) = [m for _, m in leader.flush().messages if isinstance(m, Accepted)]
    leader.on_message(1, own)
    new_run = cluster.replicas[2].incarnation
    leader.on_message(2, Accepted(ballot, slot, receipt=True, incarnation=new_run + 1))
    leader.on_message(3, Accepted(ballot, slot, holders=((2, new_run),)))
    effects = leader.flush()
    assert slot not in leader.chosen
    assert [(to, m.vote) for to, m in effects.messages if isinstance(m, Accept)] == [(2, True)]
    leader.on_message(2, Accepted(ballot, slot, receipt=True, incarnation=new_run))
    assert slot in leader.chosen


def test_the_forwarder_votes_when_the_other_voter_has_not_answered_lately() -> None:
    """Receipts only while the other voters, the leader included, are a majority heard from
    within a heartbeat period: with the other follower silent, the forwarder's vote is needed
    for a majority, and it is asked for it at once rather than after a resend."""
    cluster = LeaseCluster()
    written(cluster)
    leader = cluster.replicas[1]
    cluster.cut = {3}
    cluster.tick(1, LEASES.heartbeat_ticks + 1)  # its heartbeats go unanswered
    accepts = forwarded(leader, 2, put(9, 1, "k", b"w"))
    assert [accepts[n].vote for n in (1, 2, 3)] == [True, True, True]
    cluster.cut = set()
    cluster.tick(1, LEASES.heartbeat_ticks)  # 3 answers again: the forwarder only receives
    accepts = forwarded(leader, 2, put(9, 2, "k", b"x"))
    assert [accepts[n].vote for n in (1, 2, 3)] == [True, False, True]

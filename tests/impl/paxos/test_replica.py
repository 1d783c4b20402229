"""The Multi-Paxos replica core, scenario by scenario, driven by hand (no simulation)."""

from __future__ import annotations

import dataclasses
from collections import deque

import pytest

from impl.paxos.durable import DurableState
from impl.paxos.replica import Replica, ReplicaOptions, Role
from impl.paxos.types import (
    NOOP,
    Accept,
    Accepted,
    Chosen,
    Command,
    Commit,
    Effects,
    Heartbeat,
    PeerMessage,
    Prepare,
    PreVote,
    PreVoteReply,
    Promise,
    Read,
    Record,
    Reject,
    Reply,
    StatusReply,
    StatusRequest,
    Vote,
    Voted,
)
from impl.sm import kv
from impl.sm.kv import KeyValueStore

OPTIONS = ReplicaOptions(election_ticks=5, heartbeat_ticks=2, snapshot_every=0, retry_ticks=3)


def put(client: int, seq: int, key: str, value: bytes) -> Command:
    return Command(client, seq, seq - 1, kv.encode("put", key, value))


class Cluster:
    """Replicas wired by FIFO queues; `cut` nodes receive nothing."""

    def __init__(
        self, n: int, options: ReplicaOptions = OPTIONS, observers: tuple[int, ...] = ()
    ) -> None:
        ids = list(range(1, n + 1))
        self.replicas = {
            i: Replica(i, ids, KeyValueStore(), options=options, seed=i, observers=observers)
            for i in ids
        }
        self.disks: dict[int, list[Record]] = {i: [] for i in ids}
        self.queue: deque[tuple[int, int, PeerMessage]] = deque()
        self.replies: list[Reply] = []
        self.cut: set[int] = set()

    def flush(self, node: int) -> None:
        replica = self.replicas[node]
        while effects := replica.flush():
            self.carry_out(node, effects)

    def carry_out(self, node: int, effects: Effects) -> None:
        self.queue.extend((node, to, m) for to, m in effects.early)
        self.disks[node].extend(effects.records)
        if effects.snapshot_due:  # taken and "stored"; the disks keep the whole log
            self.replicas[node].snapshot_now()
        self.queue.extend((node, to, m) for to, m in effects.messages)
        self.replies.extend(effects.replies)

    def run(self, limit: int = 10_000) -> None:
        for _ in range(limit):
            if not self.queue:
                return
            src, dst, message = self.queue.popleft()
            if (dst in self.cut or src in self.cut) and src != dst:
                continue
            self.replicas[dst].on_message(src, message)
            self.flush(dst)
        raise AssertionError("messages never stopped")

    def tick(self, node: int, times: int = 1) -> None:
        for _ in range(times):
            self.replicas[node].on_tick()
            self.flush(node)
            self.run()

    def elect(self, node: int) -> None:
        self.tick(node, 2 * OPTIONS.election_ticks)
        assert self.replicas[node].role is Role.LEADER

    def submit(self, node: int, command: Command) -> None:
        self.replicas[node].on_request(command)
        self.flush(node)
        self.run()


def test_a_single_replica_commits_once_its_own_vote_is_durable() -> None:
    cluster = Cluster(1)
    cluster.elect(1)
    replica = cluster.replicas[1]
    command = put(7, 1, "k", b"v")
    replica.on_request(command)
    effects = replica.flush()
    assert effects.records == []  # the leader's vote comes with its Accept to itself
    [(to, accept)] = effects.early
    assert to == 1 and isinstance(accept, Accept)
    replica.on_message(1, accept)
    voted = replica.flush()
    assert voted.records == [Voted(Vote(1, replica.ballot, (command,)))]
    assert voted.replies == []
    [(to, accepted)] = voted.messages  # leaves only once the vote is durable
    assert to == 1 and isinstance(accepted, Accepted)
    replica.on_message(1, accepted)
    after = replica.flush()
    [reply] = after.replies
    assert (reply.client_id, reply.seq, reply.ok) == (7, 1, True)
    assert kv.decode(reply.result) is None  # no previous value
    assert isinstance(after.records[0], Chosen)


def test_three_replicas_elect_replicate_and_followers_learn_by_heartbeat() -> None:
    cluster = Cluster(3)
    cluster.elect(1)
    cluster.submit(1, put(9, 1, "a", b"1"))
    assert [r.seq for r in cluster.replies if r.ok] == [1]
    cluster.tick(1, OPTIONS.heartbeat_ticks)  # the heartbeat carries the commit index
    digests = {r.machine.digest() for r in cluster.replicas.values()}
    assert len(digests) == 1 and all(r.applied == 1 for r in cluster.replicas.values())


def test_the_leader_announces_a_decision_before_it_applies_it() -> None:
    """`Commit` goes out the moment the leader decides (through `send_now`, as the server
    sends it), before the leader's own apply; a follower that voted learns from it, and does
    not answer it (a Heartbeat is acknowledged; a commit notice is not)."""
    cluster = Cluster(3)
    cluster.elect(1)
    leader = cluster.replicas[1]
    sent: list[tuple[int, PeerMessage, int]] = []  # (to, message, leader's applied slot then)
    leader._send_now = lambda node, message: sent.append((node, message, leader.applied_slot))
    cluster.submit(1, put(7, 1, "k", b"v"))
    assert [r.seq for r in cluster.replies if r.ok] == [1]
    ballot = leader.leader_ballot
    assert sent == [(2, Commit(ballot, 1), 0), (3, Commit(ballot, 1), 0)]
    follower = cluster.replicas[2]
    assert follower.applied_slot == 0  # (the notices went to `sent`, not to the followers)
    follower.on_message(1, Commit(ballot, 1))
    assert follower.applied_slot == 1
    assert follower.flush().messages == []  # nothing to acknowledge


def test_without_send_now_the_commit_notice_is_an_effect() -> None:
    cluster = Cluster(3)
    cluster.elect(1)
    cluster.submit(1, put(7, 1, "k", b"v"))
    # The followers applied on the notice alone: no heartbeat tick was needed.
    assert [r.applied_slot for r in cluster.replicas.values()] == [1, 1, 1]


def test_a_follower_redirects_clients_to_the_leader() -> None:
    cluster = Cluster(3)
    cluster.elect(2)
    cluster.replicas[3].on_request(put(5, 1, "x", b"y"))
    cluster.flush(3)
    assert cluster.replies == [Reply(5, 1, False, b"", 2)]


def test_a_retried_command_is_applied_once() -> None:
    cluster = Cluster(3)
    cluster.elect(1)
    command = Command(4, 1, 0, kv.encode("put", "n", b"1"))
    cluster.submit(1, command)
    cluster.submit(1, command)  # a retry after a lost reply
    assert cluster.replicas[1].applied == 1
    assert [r.ok for r in cluster.replies] == [True, True]
    assert cluster.replies[0].result == cluster.replies[1].result


def test_a_new_leader_reproposes_the_highest_reported_vote() -> None:
    replica = Replica(1, [1, 2, 3], KeyValueStore(), options=OPTIONS)
    replica.campaign()
    effects = replica.flush()
    prepare = next(m for _, m in effects.messages if isinstance(m, Prepare))
    low = (put(1, 1, "k", b"low"),)
    high = (put(1, 2, "k", b"high"),)
    # Acceptor 2 voted in slot 1 at ballot (1, 3) for `high`; our own state has nothing.
    replica.on_message(2, Promise(prepare.ballot, (Vote(1, (1, 3), high),), (), 1, 1))
    replica.on_message(3, Promise(prepare.ballot, (Vote(1, (1, 2), low),), (), 1, 1))
    effects = replica.flush()
    accepts = [m for _, m in effects.early if isinstance(m, Accept)]
    assert {a.slot: a.value for a in accepts} == {1: high}


def test_gaps_in_the_log_are_closed_with_no_ops() -> None:
    replica = Replica(1, [1, 2, 3], KeyValueStore(), options=OPTIONS)
    replica.campaign()
    prepare = next(m for _, m in replica.flush().messages if isinstance(m, Prepare))
    value = (put(1, 1, "k", b"v"),)
    replica.on_message(1, prepare)  # its own acceptor promises
    replica.on_message(1, next(m for _, m in replica.flush().messages if isinstance(m, Promise)))
    replica.on_message(2, Promise(prepare.ballot, (Vote(3, (1, 2), value),), (), 1, 1))
    accepts = [m for _, m in replica.flush().early if isinstance(m, Accept)]
    assert {a.slot: a.value for a in accepts} == {1: NOOP, 2: NOOP, 3: value}


def test_no_prevote_is_granted_while_a_candidates_phase_1_is_under_way() -> None:
    """A replica that promised a candidate (a page of its phase 1) lets no other replica
    start a candidacy for the shortest election timeout after it, however long ago it last
    heard a leader; then it does again."""
    replica = Replica(2, [1, 2, 3], KeyValueStore(), options=OPTIONS)

    def granted(round_: int) -> bool:
        replica.on_message(3, PreVote(round_))
        (reply,) = [m for _, m in replica.flush().messages if isinstance(m, PreVoteReply)]
        return reply.granted

    assert granted(1)  # no leader heard, no phase 1 under way
    replica.on_message(1, Prepare((1, 1), 1))
    replica.flush()
    for _ in range(OPTIONS.election_ticks - 1):
        replica.on_tick()
        assert not granted(2)
    replica.on_tick()
    assert granted(2)


def test_a_leader_steps_down_on_a_higher_ballot_and_releases_waiting_clients() -> None:
    cluster = Cluster(3)
    cluster.elect(1)
    leader = cluster.replicas[1]
    cluster.cut = {2, 3}  # nothing gets through: the command waits
    cluster.submit(1, put(8, 1, "k", b"v"))
    leader.on_message(2, Reject((leader.ballot[0] + 5, 2)))
    effects = leader.flush()
    assert leader.role is Role.FOLLOWER
    assert effects.replies == [Reply(8, 1, False, b"", 2)]


def test_a_read_waits_for_a_majority_to_confirm_the_leadership() -> None:
    cluster = Cluster(3)
    cluster.elect(1)
    cluster.submit(1, put(3, 1, "k", b"v"))
    cluster.replies.clear()
    cluster.cut = {2, 3}
    cluster.replicas[1].on_read(Read(3, 2, kv.encode("get", "k")))
    cluster.flush(1)
    cluster.run()
    assert cluster.replies == []  # no majority answered the heartbeat round
    cluster.cut = set()
    cluster.tick(1, OPTIONS.heartbeat_ticks)
    [reply] = cluster.replies
    assert reply.ok and kv.decode(reply.result) == b"v"


def test_observers_learn_and_serve_but_have_no_say() -> None:
    """3 participants and 2 observers: a majority is 2 of the participants, whatever the
    observers do; observers never campaign, and learn every decided command."""
    cluster = Cluster(5, observers=(4, 5))
    observer = cluster.replicas[4]
    assert observer.majority == 2 and observer.voters == {1, 2, 3}
    cluster.tick(4, 4 * OPTIONS.election_ticks)
    assert observer.role is Role.FOLLOWER and observer.promised == cluster.replicas[1].promised
    with pytest.raises(ValueError, match="observer"):
        observer.campaign()
    cluster.elect(1)
    # Two participants down: the two observers and the leader are not a majority.
    cluster.cut = {2, 3}
    cluster.submit(1, put(1, 1, "k", b"v"))
    assert cluster.replies == []
    cluster.replicas[1].on_read(Read(1, 2, kv.encode("get", "k")))
    cluster.flush(1)
    cluster.run()
    cluster.tick(1, OPTIONS.heartbeat_ticks)
    assert cluster.replies == []  # nor do the observers confirm a leadership for reads
    # One participant back: decided, and the observers learn it by the heartbeat.
    cluster.cut = {3}
    cluster.tick(1, 8 * OPTIONS.retry_ticks)
    assert sorted(r.seq for r in cluster.replies if r.ok) == [1, 2]
    cluster.tick(1, OPTIONS.heartbeat_ticks)
    assert all(cluster.replicas[n].applied == 1 for n in (1, 2, 4, 5))
    with pytest.raises(ValueError, match="every node is an observer"):
        Replica(1, [1, 2], KeyValueStore(), observers=[1, 2])


def test_a_lagging_replica_catches_up_from_a_snapshot() -> None:
    options = ReplicaOptions(election_ticks=5, heartbeat_ticks=2, snapshot_every=3, retry_ticks=3)
    cluster = Cluster(3, options)
    cluster.cut = {3}
    cluster.elect(1)
    for seq in range(1, 8):
        cluster.submit(1, put(2, seq, f"k{seq}", b"v"))
    assert cluster.replicas[1].log_start > 1  # compacted: slots live only in the snapshot
    cluster.cut = set()
    cluster.tick(1, 3 * options.heartbeat_ticks)
    cluster.tick(3, 1)
    cluster.tick(1, 3 * options.heartbeat_ticks)
    lagging, leader = cluster.replicas[3], cluster.replicas[1]
    assert lagging.applied_slot == leader.applied_slot
    assert lagging.machine.digest() == leader.machine.digest()


def test_the_log_is_forgotten_only_once_the_driver_has_stored_the_snapshot() -> None:
    """The core asks for a snapshot (`snapshot_due`) and keeps its log whole until the driver
    says one is durable; a server writes it in a forked child meanwhile (a crash before then
    restarts from the old snapshot and the whole log)."""
    options = ReplicaOptions(election_ticks=5, heartbeat_ticks=2, snapshot_every=3, retry_ticks=3)
    due: list[bool] = []

    class Deferring(Cluster):  # a driver whose snapshot is still being written
        def carry_out(self, node: int, effects: Effects) -> None:
            due.append(effects.snapshot_due)
            super().carry_out(node, dataclasses.replace(effects, snapshot_due=False))

    cluster = Deferring(1, options)
    cluster.elect(1)
    for seq in range(1, 5):
        cluster.submit(1, put(2, seq, f"k{seq}", b"v"))
    replica = cluster.replicas[1]
    assert any(due) and replica.applied_slot >= 4
    assert replica.log_start == 1  # nothing forgotten yet
    snapshot = replica.take_snapshot()
    assert snapshot.slot == replica.applied_slot
    live = replica.snapshot_stored(snapshot.slot)
    assert live is not None and replica.log_start == snapshot.slot + 1
    assert not any(isinstance(r, Chosen) and r.entry.slot <= snapshot.slot for r in live)
    restarted = Replica(
        1, [1], KeyValueStore(), DurableState.load(snapshot, live), options=options, seed=1
    )
    assert restarted.machine.digest() == replica.machine.digest()
    # A snapshot older than the log's start (a newer one was installed meanwhile) is no news.
    assert replica.snapshot_stored(snapshot.slot) is None
    assert replica.snapshot_stored(snapshot.slot - 1) is None


def test_an_amnesiac_votes_only_after_hearing_from_every_other_replica() -> None:
    durable = DurableState.load(None, [], damaged=True)
    replica = Replica(3, [1, 2, 3], KeyValueStore(), durable, OPTIONS)
    assert replica.recovering
    replica.on_message(1, Prepare((4, 1), 1))
    replica.on_message(1, Accept((4, 1), 1, NOOP, 0))
    assert not [m for _, m in replica.flush().messages if isinstance(m, Promise | Accepted)]
    for _ in range(OPTIONS.retry_ticks):
        replica.on_tick()
    asks = [m for _, m in replica.flush().messages if isinstance(m, StatusRequest)]
    assert len(asks) == 2
    replica.on_message(1, StatusReply(asks[0].nonce, (4, 1), 0))
    assert replica.recovering  # node 2 has not answered yet
    replica.on_message(2, StatusReply(asks[0].nonce, (5, 2), 0))
    assert not replica.recovering
    assert replica.promised == (5, 2)  # it will not vote below what anyone promised
    replica.on_message(1, Heartbeat((4, 1), 0, 1))
    assert any(isinstance(m, Reject) for _, m in replica.flush().messages)

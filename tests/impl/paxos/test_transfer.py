"""Peer messages bounded in bytes (batches, catch-up, promises, forwards), snapshots sent in
chunks, and pre-votes: a replica that lost touch with a working leader cannot depose it."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from test_replica import OPTIONS, Cluster, put

from impl.net.config import ConfigError, load_config
from impl.paxos.replica import Replica, ReplicaOptions, Role
from impl.paxos.transfer import (
    ENVELOPE_BYTES,
    SnapshotSource,
    batch_size,
    command_size,
    fitting,
    limits_for_frame,
)
from impl.paxos.types import (
    Accept,
    Catchup,
    CatchupRequest,
    Command,
    Effects,
    Entry,
    Forward,
    PeerMessage,
    Prepare,
    Promise,
    Snapshot,
    SnapshotChunk,
    Vote,
    Voted,
    peer_encoder,
)
from impl.sm import kv
from impl.sm.kv import KeyValueStore
from impl.sm.sessions import Sessions

SMALL = dataclasses.replace(OPTIONS, message_bytes=1_000, max_command_bytes=6_000)
BIG = b"x" * 400  # two such commands fill a 1,000-byte message
MEDIUM = b"y" * 300  # two such slots' values fill one


class Recording(Cluster):
    """A Cluster that keeps every message sent, and can cut single directions."""

    def __init__(self, n: int, options: ReplicaOptions = SMALL) -> None:
        super().__init__(n, options)
        self.sent: list[tuple[int, int, PeerMessage]] = []
        self.blocked: set[tuple[int, int]] = set()  # (from, to) pairs that lose everything

    def carry_out(self, node: int, effects: Effects) -> None:
        self.sent += [(node, to, m) for to, m in effects.early + effects.messages]
        kept = Effects(
            records=effects.records,
            early=[(to, m) for to, m in effects.early if (node, to) not in self.blocked],
            messages=[(to, m) for to, m in effects.messages if (node, to) not in self.blocked],
            replies=effects.replies,
            snapshot_due=effects.snapshot_due,
        )
        super().carry_out(node, kept)

    def of(self, kind: type) -> list[PeerMessage]:
        return [m for _, _, m in self.sent if isinstance(m, kind)]


# --- sizes -----------------------------------------------------------------------------------


@pytest.mark.parametrize("length", [0, 1, 31, 32, 255, 256, 65_535, 65_536, 1_000_000])
def test_size_estimates_bound_the_encoding(length: int) -> None:
    command = Command(2**63 - 1, 2**63 - 1, 2**63 - 1, b"v" * length)
    assert len(peer_encoder.encode(command)) <= command_size(command)
    batch = (command, Command(1, 1, 0, b"w" * length))
    ballot = (2**63 - 1, 2**63 - 1)
    assert len(peer_encoder.encode(Entry(2**63 - 1, batch))) <= batch_size(batch)
    assert len(peer_encoder.encode(Vote(2**63 - 1, ballot, batch))) <= batch_size(batch)
    big = 2**63 - 1
    framed = [
        Accept(ballot, big, batch, big),
        Catchup((Entry(big, batch),), big),
        Promise(ballot, (Vote(big, ballot, batch),), (), big, big, big),
        Forward(batch),
    ]
    for message in framed:
        assert len(peer_encoder.encode(message)) <= batch_size(batch) + ENVELOPE_BYTES


def test_limits_follow_the_peer_frame_limit() -> None:
    assert limits_for_frame(64 << 20).message_bytes == 1 << 20  # a target, not the frame
    one_mib = limits_for_frame(1 << 20)
    assert one_mib.message_bytes + ENVELOPE_BYTES == 1 << 20
    # A command as large as a value ZooKeeper allows (just under 1 MiB) fits alone.
    assert command_size(Command(1, 1, 0, b"v" * 1_040_000)) <= one_mib.max_command_bytes
    with pytest.raises(ValueError):
        limits_for_frame(ENVELOPE_BYTES)


def test_a_frame_limit_too_small_for_the_bounds_is_refused_by_the_config(
    tmp_path: Path,
) -> None:
    config = tmp_path / "zoo.cfg"
    config.write_text("dataDir=data\nclientPort=2181\npaxoscope.maxFrameBytes=4096\n")
    with pytest.raises(ConfigError, match=r"maxFrameBytes is '4096'; expected .* at least 65536"):
        load_config(config)
    # The smallest limit, for the key-value service (the ZooKeeper service also needs room
    # above jute.maxbuffer: see test_config).
    config.write_text(
        "dataDir=data\nclientPort=2181\npaxoscope.service=kv\npaxoscope.maxFrameBytes=65536\n"
    )
    limits = limits_for_frame(load_config(config).max_frame_bytes)
    assert limits.message_bytes == 65536 - ENVELOPE_BYTES


def test_fitting_takes_at_least_one_item() -> None:
    assert fitting([300, 300, 300, 300], int, 1_000) == 3
    assert fitting([5_000, 1], int, 1_000) == 1
    assert fitting([], int, 1_000) == 0
    assert fitting([1, 1], int, 1_000) == 2


# --- batches, catch-up, forwards ------------------------------------------------------------


def test_the_leaders_batches_are_bounded_in_bytes_and_a_large_command_goes_alone() -> None:
    cluster = Recording(3)
    cluster.elect(1)
    leader = cluster.replicas[1]
    for seq in range(1, 8):
        leader.on_request(put(5, seq, f"k{seq}", BIG))
    leader.on_request(put(5, 8, "huge", b"h" * 3_000))  # larger than a message: alone
    leader.on_request(put(5, 9, "small", b"s"))
    cluster.flush(1)
    cluster.run()
    batches = [a.value for a in cluster.of(Accept) if isinstance(a, Accept) and a.value]
    assert [len(b) for b in dict.fromkeys(batches)] == [2, 2, 2, 1, 1, 1]
    for batch in batches:
        assert len(batch) == 1 or sum(command_size(c) for c in batch) <= SMALL.message_bytes
    assert all(r.ok for r in cluster.replies) and len(cluster.replies) == 9


def test_a_command_too_large_for_any_message_is_refused() -> None:
    cluster = Recording(3)
    cluster.elect(1)
    cluster.submit(1, put(5, 1, "k", b"z" * SMALL.max_command_bytes))
    [reply] = cluster.replies
    assert not reply.ok
    assert [m for m in cluster.of(Accept) if isinstance(m, Accept) and m.value] == []


def test_inflight_slots_are_bounded_in_bytes() -> None:
    options = dataclasses.replace(SMALL, max_inflight_bytes=1_500)
    cluster = Recording(3, options)
    cluster.elect(1)
    cluster.cut = {2, 3}  # nothing is decided: what is proposed stays in flight
    leader = cluster.replicas[1]
    for seq in range(1, 13):
        leader.on_request(put(5, seq, f"k{seq}", BIG))
    cluster.flush(1)
    slots = {a.slot for a in cluster.of(Accept) if isinstance(a, Accept) and a.value}
    # Batches of two commands, ~1,000 bytes each: once two are in flight, 1,500 bytes are
    # exceeded and the others wait for room.
    assert len(slots) == 2


def test_catchup_replies_are_bounded_in_bytes() -> None:
    cluster = Recording(3)
    cluster.cut = {3}
    cluster.elect(1)
    for seq in range(1, 13):
        cluster.submit(1, put(5, seq, f"k{seq}", BIG))
    cluster.cut = set()
    for _ in range(6):
        cluster.tick(1, SMALL.heartbeat_ticks)
    lagging, leader = cluster.replicas[3], cluster.replicas[1]
    assert lagging.applied_slot == leader.applied_slot >= 12
    assert lagging.machine.digest() == leader.machine.digest()
    catchups = [m for m in cluster.of(Catchup) if isinstance(m, Catchup)]
    assert len(catchups) >= 6  # twelve 400-byte values, two per message
    for catchup in catchups:
        sizes = [batch_size(e.value) for e in catchup.entries]
        assert sizes and (len(sizes) == 1 or sum(sizes) <= SMALL.message_bytes)


def test_catchup_of_an_entry_larger_than_the_bound_sends_it_alone() -> None:
    replica = Replica(1, [1, 2, 3], KeyValueStore(), options=SMALL)
    replica.chosen = {1: (put(5, 1, "a", b"a" * 3_000),), 2: (put(5, 2, "b", b"b"),)}
    replica.on_message(2, CatchupRequest(1))
    [(to, catchup)] = replica.flush().messages
    assert to == 2 and isinstance(catchup, Catchup) and [e.slot for e in catchup.entries] == [1]


def test_forwarded_commands_are_split_across_messages() -> None:
    options = dataclasses.replace(SMALL, forward=True)
    cluster = Recording(3, options)
    cluster.elect(1)
    follower = cluster.replicas[2]
    for seq in range(1, 6):
        follower.on_request(put(7, seq, f"k{seq}", BIG))
    cluster.flush(2)
    cluster.run()
    forwards = [m for m in cluster.of(Forward) if isinstance(m, Forward)]
    assert [len(f.commands) for f in forwards] == [2, 2, 1]
    for _ in range(3):
        cluster.tick(1, options.heartbeat_ticks)
    assert sorted(r.seq for r in cluster.replies if r.ok) == [1, 2, 3, 4, 5]


def test_a_follower_forwards_no_more_than_a_window_of_unapplied_bytes() -> None:
    """Five 400-byte commands through a follower whose window is 1,000 bytes: the first
    three leave at once (the window is full once it is passed), the rest once those applied."""
    options = dataclasses.replace(SMALL, forward=True, max_inflight_bytes=1_000)
    cluster = Recording(3, options)
    cluster.elect(1)
    follower = cluster.replicas[2]
    for seq in range(1, 6):
        follower.on_request(put(7, seq, f"k{seq}", BIG))
    cluster.flush(2)
    at_once = [m for m in cluster.of(Forward) if isinstance(m, Forward)]
    assert sum(len(f.commands) for f in at_once) == 3
    cluster.run()
    for _ in range(4):
        cluster.tick(1, options.heartbeat_ticks)
    forwards = [m for m in cluster.of(Forward) if isinstance(m, Forward)]
    assert [c.seq for f in forwards for c in f.commands] == [1, 2, 3, 4, 5]
    assert sorted(r.seq for r in cluster.replies if r.ok) == [1, 2, 3, 4, 5]


def test_a_resent_accept_is_acknowledged_without_writing_the_vote_again() -> None:
    replica = Replica(2, [1, 2, 3], KeyValueStore(), options=SMALL)
    accept = Accept((1, 1), 1, (put(5, 1, "k", BIG),), 0)
    replica.on_message(1, accept)
    first = replica.flush()
    replica.on_message(1, accept)
    again = replica.flush()
    assert [type(r) for r in first.records] == [Voted] and again.records == []
    assert len(again.messages) == 1  # the Accepted, once more


# --- promises in pages -----------------------------------------------------------------------


def test_a_promise_comes_in_pages_and_the_candidate_uses_every_page() -> None:
    """Acceptor 2 voted in slots 1-6 with 300-byte values: its report takes three pages, and
    the new leader must re-propose the votes of every page (they may have been chosen)."""
    replica = Replica(2, [1, 2, 3], KeyValueStore(), options=SMALL)
    for slot in range(1, 7):
        replica.on_message(3, Accept((1, 3), slot, (put(9, slot, "k", MEDIUM),), 0))
    replica.flush()
    candidate = Replica(1, [1, 2, 3], KeyValueStore(), options=SMALL)
    candidate.campaign(5)
    effects = candidate.flush()
    prepare = next(m for _, m in effects.messages if isinstance(m, Prepare))
    candidate.on_message(1, prepare)  # its own (empty) promise
    own = next(m for to, m in candidate.flush().messages if to == 1)
    candidate.on_message(1, own)
    pages: list[Promise] = []
    request: PeerMessage = prepare
    for _ in range(10):
        replica.on_message(1, request)
        [(_, page)] = replica.flush().messages
        assert isinstance(page, Promise)
        pages.append(page)
        sizes = [batch_size(v.value) for v in page.votes]
        assert len(sizes) == 1 or sum(sizes) <= SMALL.message_bytes
        candidate.on_message(2, page)
        asked = candidate.flush()
        if candidate.role is Role.LEADER:
            proposals = {a.slot: a.value for _, a in asked.early if isinstance(a, Accept)}
            break
        [(_, request)] = asked.messages
        assert request == Prepare(prepare.ballot, page.more_from)
    assert [p.more_from for p in pages] == [3, 5, 0]
    assert proposals == {s: (put(9, s, "k", MEDIUM),) for s in range(1, 7)}


def test_a_candidate_ignores_a_page_it_did_not_ask_for() -> None:
    candidate = Replica(1, [1, 2, 3], KeyValueStore(), options=SMALL)
    candidate.campaign()
    ballot = candidate.ballot
    value = (put(9, 1, "k", b"v"),)
    # A second page arriving before the first (reordered) is dropped, not taken as complete.
    candidate.on_message(2, Promise(ballot, (Vote(4, (1, 2), value),), (), 1, 4, 0))
    candidate.on_message(3, Promise(ballot, (), (), 1, 1, 0))
    assert candidate.role is Role.CANDIDATE  # only acceptor 3's promise is complete


# --- snapshots in chunks ---------------------------------------------------------------------


def _snapshot(slot: int, keys: int) -> tuple[Snapshot, str]:
    store = KeyValueStore()
    for i in range(keys):
        store.apply(i + 1, kv.encode("put", f"k{i}", bytes([65 + i % 26]) * 700))
    return Snapshot(slot, keys, store.snapshot(), Sessions().snapshot()), store.digest()


def _chunks(snapshot: Snapshot, size: int) -> list[SnapshotChunk]:
    source = SnapshotSource.of(snapshot, 0)
    chunks, offset = [], 0
    while offset < len(source.data):
        chunks.append(source.chunk(offset, size, 0))
        offset += len(chunks[-1].data)
    return chunks


def test_a_snapshot_is_installed_only_once_all_its_chunks_arrived() -> None:
    snapshot, digest = _snapshot(slot=40, keys=8)
    chunks = _chunks(snapshot, SMALL.message_bytes)
    assert len(chunks) >= 5
    replica = Replica(3, [1, 2, 3], KeyValueStore(), options=SMALL)
    for chunk in chunks[:-1]:
        replica.on_message(1, chunk)
        effects = replica.flush()
        assert effects.snapshot is None and replica.applied_slot == 0
        [(to, request)] = effects.messages  # asks for the next piece
        assert to == 1 and request == CatchupRequest(1, 0, 40, chunk.offset + len(chunk.data))
    replica.on_message(1, chunks[-1])
    effects = replica.flush()
    assert effects.snapshot is not None and effects.snapshot[0] == snapshot
    assert replica.applied_slot == 40 and replica.machine.digest() == digest


def test_a_snapshot_transfer_starts_over_for_a_newer_snapshot_or_another_sender() -> None:
    old, _ = _snapshot(slot=40, keys=8)
    new, digest = _snapshot(slot=50, keys=9)
    old_chunks, new_chunks = _chunks(old, 800), _chunks(new, 800)
    replica = Replica(3, [1, 2, 3], KeyValueStore(), options=SMALL)
    for chunk in old_chunks[:3]:
        replica.on_message(1, chunk)
    replica.on_message(2, new_chunks[0])  # the new leader's snapshot begins
    replica.on_message(1, old_chunks[3])  # a late piece of the old one: ignored
    replica.on_message(2, new_chunks[1])
    replica.on_message(2, new_chunks[1])  # a duplicate: ignored
    for chunk in new_chunks[2:]:
        replica.on_message(2, chunk)
    replica.flush()
    assert replica.applied_slot == 50 and replica.machine.digest() == digest


def fall_behind(cluster: Cluster) -> None:
    """Replica 3 is cut off while the leader, 1, decides 11 slots of large values."""
    cluster.cut = {3}
    cluster.elect(1)
    for seq in range(1, 12):
        cluster.submit(1, put(2, seq, f"k{seq}", BIG))


def catch_up(cluster: Cluster, options: ReplicaOptions) -> None:
    """Replica 3 is back, and catches up with the leader."""
    cluster.cut = set()
    for _ in range(10):
        cluster.tick(1, options.heartbeat_ticks)
        cluster.tick(3)
    leader, lagging = cluster.replicas[1], cluster.replicas[3]
    assert lagging.applied_slot == leader.applied_slot
    assert lagging.machine.digest() == leader.machine.digest()


def test_a_lagging_replica_catches_up_from_a_snapshot_in_chunks() -> None:
    options = dataclasses.replace(SMALL, snapshot_every=3)
    cluster = Recording(3, options)
    fall_behind(cluster)
    assert cluster.replicas[1].log_start > 1  # compacted: early slots live only in the snapshot
    catch_up(cluster, options)
    chunks = [m for m in cluster.of(SnapshotChunk) if isinstance(m, SnapshotChunk)]
    assert len({c.offset for c in chunks}) >= 4  # several chunks of one snapshot
    assert all(len(c.data) <= options.message_bytes for c in chunks)


class Storing(Recording):
    """Keeps each replica's latest snapshot, as its driver would on disk."""

    def __init__(self, n: int, options: ReplicaOptions) -> None:
        super().__init__(n, options)
        self.stored: dict[int, Snapshot] = {}
        self.made: list[int] = []  # one entry per snapshot made from a replica's state
        for i in self.replicas:
            self.replicas[i] = Replica(
                i, [1, 2, 3], Counting(self.made), options=options, seed=i,
                stored_snapshot=lambda i=i: self.stored.get(i),  # type: ignore[misc]
            )  # fmt: skip

    def carry_out(self, node: int, effects: Effects) -> None:
        if effects.snapshot_due and (now := self.replicas[node].snapshot_now()) is not None:
            self.stored[node] = now[0]
        if effects.snapshot is not None:
            self.stored[node] = effects.snapshot[0]
        super().carry_out(node, dataclasses.replace(effects, snapshot_due=False))


class Counting(KeyValueStore):
    def __init__(self, made: list[int]) -> None:
        super().__init__()
        self.made = made

    def snapshot(self) -> bytes:
        self.made.append(len(self.made))
        return super().snapshot()


def test_a_replica_behind_the_log_is_sent_the_stored_snapshot_not_one_made_anew() -> None:
    """Making a snapshot from the state costs ~2 µs a znode on the event loop; the one the
    driver stored at the log's start is read back instead (the server reads its file)."""
    options = dataclasses.replace(SMALL, snapshot_every=3)
    cluster = Storing(3, options)
    fall_behind(cluster)
    stored = cluster.stored[1]
    assert stored.slot == cluster.replicas[1].log_start - 1 > 0
    made = len(cluster.made)
    catch_up(cluster, options)
    chunks = [m for m in cluster.of(SnapshotChunk) if isinstance(m, SnapshotChunk)]
    assert chunks and {c.slot for c in chunks} == {stored.slot}
    whole = b"".join(
        c.data for c in sorted({c.offset: c for c in chunks}.values(), key=lambda c: c.offset)
    )
    assert whole == peer_encoder.encode(stored)
    assert len(cluster.made) == made  # none made from a state meanwhile


# --- pre-votes -------------------------------------------------------------------------------


def test_a_replica_that_cannot_hear_the_leader_does_not_depose_it() -> None:
    """The leader's messages to 3 are lost (3's to everyone arrive): 3 times out again and
    again, but the others still hear the leader and refuse its pre-votes, so no Prepare
    disturbs them; the leader keeps its ballot and goes on deciding."""
    cluster = Recording(3, OPTIONS)
    cluster.elect(1)
    leader = cluster.replicas[1]
    ballot = leader.ballot
    cluster.blocked = {(1, 3)}
    for seq in range(1, 4 * OPTIONS.election_ticks):
        for node in (1, 2, 3):
            cluster.tick(node)
        cluster.submit(1, put(4, seq, "k", b"v"))
    assert leader.role is Role.LEADER and leader.ballot == ballot
    assert cluster.replicas[2].leader == 1
    prepares = [m for m in cluster.of(Prepare) if isinstance(m, Prepare) and m.ballot != ballot]
    assert prepares == []
    assert all(r.ok for r in cluster.replies)


def test_a_replica_that_cannot_hear_the_leader_knows_no_leader() -> None:
    """However its pre-vote ends, a replica whose election timeout passed no longer follows
    anyone (ZooKeeper's LOOKING): the service then stops serving clients on it, and it follows
    the leader again as soon as it hears it. (With pre-votes, a lone follower whose peers are
    down never campaigned, so it went on reporting its old leader, and `srvr` said it served.)"""
    cluster = Recording(3, OPTIONS)
    cluster.elect(1)
    lonely = cluster.replicas[3]
    assert lonely.leader == 1
    cluster.blocked = {(1, 3), (2, 3)}
    for _ in range(3 * OPTIONS.election_ticks):
        cluster.tick(3)
    assert lonely.leader == 0 and lonely.role is Role.FOLLOWER
    cluster.blocked = set()
    for _ in range(2 * OPTIONS.heartbeat_ticks):
        cluster.tick(1)
    assert lonely.leader == 1

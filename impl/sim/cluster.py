"""Deterministic simulation of a cluster of replica cores.

One seeded random generator decides everything: which message is delivered next (so messages
are reordered and delayed), which are lost or duplicated, which node's clock ticks, when clients
submit, when a node crashes (losing all volatile state, keeping its disk), restarts, or loses the
tail of its log, and when the network partitions. The same (nodes, seed, steps, faults) gives
the same run, so a failing seed is its own replayable schedule.

After every step the run checks safety: no slot is ever decided with two different values, and
every replica that has applied slot s holds the same state there. Reads of keys that only one
client writes must return that client's last acknowledged write (linearizable reads). At the
end the faults stop, the network heals, every node restarts, and the run checks liveness (every
client command is answered, every replica catches up) and durability (every acknowledged
command is in the decided log).

With `observers`, the last replicas are observers (`impl.paxos.replica`): the same checks hold,
majorities being of the participants alone.

With `reconfigure`, `nodes` replicas run but only the first three form the initial
configuration, and an administrator (one more client) changes the membership through the log
now and then (`impl.paxos.membership`), one change at a time, with the other faults going on:
adds a spare replica as participant or observer, removes one, turns one into the other, or
replaces the participants by three others at once. The same
checks hold, and at the end every member of the last configuration must catch up.

With `forward`, replicas forward client work to the leader (ReplicaOptions.forward, what the
ZooKeeper-compatible service runs) and clients send each operation to a random replica, so
follower reads at a leader-confirmed read index and forwarded writes face the same faults; a
refusal (the leader changed, or the forwarded work timed out) makes the client retry elsewhere
with the same sequence number.

With `leases`, replicas answer reads from their own state while they hold quorum leases
(`impl.paxos.leases`). A step is then a millisecond of real time; each node's lease clock runs
at its own rate, within `Faults.drift` of real time's (drawn again at each restart, the reading
going on from where it was), and a node's process may stop (no ticks, nothing delivered to it)
and continue later, its clock having run on. After every step, a replica that may read under
its leases must have applied every slot decided anywhere (spec/quorum_leases.py's invariant),
and clients also read each other's keys: every read must return at least the last write of its
key acknowledged, or returned by another read, before it was sent.
"""

from __future__ import annotations

import dataclasses
import functools
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from impl.paxos.durable import DurableState
from impl.paxos.membership import ConfigChange, Member
from impl.paxos.replica import Replica, ReplicaOptions
from impl.paxos.transfer import ENVELOPE_BYTES, ITEM_OVERHEAD, batch_size, command_size
from impl.paxos.types import (
    Accept,
    Batch,
    Catchup,
    Chosen,
    Command,
    Effects,
    Forward,
    PeerMessage,
    Promise,
    Read,
    Record,
    Recovering,
    Reply,
    Request,
    Snapshot,
    SnapshotChunk,
    peer_encoder,
)
from impl.sm import kv
from impl.sm.kv import KeyValueStore


@dataclass(frozen=True)
class Faults:
    """Probabilities, per step (or per message for loss and duplication)."""

    loss: float = 0.05
    duplicate: float = 0.03
    crash: float = 0.002
    restart: float = 0.02
    tail_loss: float = 0.001  # crash and lose the last records written (a corrupt log tail)
    crash_unsynced: float = 0.003  # crash after a batch's early messages left, before its fsync
    partition: float = 0.002
    heal: float = 0.01
    # Only with `leases`. How far each node's lease clock may run fast or slow (a relative
    # rate error): each node's rate is drawn in [1 - drift, 1 + drift] at every (re)start. And
    # a node's process stopped (SIGSTOP: no ticks, nothing received, its clock running on) and
    # continued: the hazard of leases, a holder that does not notice that time passed.
    drift: float = 0.05
    pause: float = 0.002
    resume: float = 0.01

    @classmethod
    def none(cls) -> Faults:
        return cls(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)


# Messages are bounded to a few hundred bytes, and a fifth of the clients' values are large
# (up to ~700 bytes), so batches are cut by bytes, a large command goes alone, and catch-ups,
# promises and forwards come in pages and snapshots in chunks (checked: `_check_bounded`).
SIM_OPTIONS = ReplicaOptions(
    election_ticks=10, heartbeat_ticks=3, max_batch=4, max_inflight=8, snapshot_every=25,
    catchup_batch=8, retry_ticks=6, message_bytes=400, max_command_bytes=1000,
    max_inflight_bytes=1600,
)  # fmt: skip
LARGE_VALUES = 0.2  # the share of large values
# With `leases`, a step is a millisecond of real time, and a node ticks every 4 steps per node
# or so: leases last some 8 heartbeat periods, 100 ms per node (unless the options say).
SIM_LEASE_MS_PER_NODE = 100


class SimulationFailure(AssertionError):
    def __init__(self, sim: Simulation, reason: str) -> None:
        self.sim, self.reason = sim, reason
        super().__init__(sim.report(reason))


@dataclass
class _Disk:
    snapshot: Snapshot | None = None
    records: list[Record] = field(default_factory=list)


@dataclass
class _Clock:
    """A node's lease clock: real time (the step) at its own rate, whole ms, monotonic; a
    restart draws a new rate and goes on from the reading then."""

    rate: float
    base: float  # the reading at `since`
    since: int = 0

    def read(self, step: int) -> int:
        return int(self.base + self.rate * (step - self.since))

    def rerate(self, rate: float, step: int) -> None:
        self.base, self.since, self.rate = self.base + self.rate * (step - self.since), step, rate


@dataclass
class _Client:
    id: int
    seq: int = 0
    leader: int = 0
    outstanding: dict[int, tuple[Command | Read, int]] = field(default_factory=dict)  # seq → sent
    done: set[int] = field(default_factory=set)
    acked: int = 0  # every seq up to here is answered
    busy_keys: dict[str, int] = field(default_factory=dict)  # key → seq of the op in flight
    last_write: dict[str, bytes | None] = field(default_factory=dict)  # acknowledged values
    # Each read in flight: the least (its owner's) sequence number its answer may carry.
    floors: dict[int, int] = field(default_factory=dict)


_Address = int  # node ids are positive, clients negative


class Simulation:
    def __init__(
        self,
        nodes: int,
        seed: int,
        steps: int = 2000,
        faults: Faults | None = None,
        clients: int = 2,
        options: ReplicaOptions = SIM_OPTIONS,
        forward: bool = False,
        observers: int = 0,
        reconfigure: bool = False,
        leases: bool = False,
    ) -> None:
        """`observers`: the last so many of the `nodes` replicas are observers (they learn and
        serve, and have no say); the faults hit them like any other. `reconfigure`, `leases`:
        see the module's docstring."""
        self.node_ids = list(range(1, nodes + 1))
        self.observers = self.node_ids[nodes - observers :] if observers else []
        self.reconfigure = reconfigure
        # The initial configuration; with `reconfigure`, the members the administrator last
        # asked for (what its next change starts from).
        first = self.node_ids[:3] if reconfigure else self.node_ids
        self.initial = self.members = tuple(Member(n, n in self.observers) for n in first)
        self.admin = _Client(-(clients + 1))
        self.seed, self.steps = seed, steps
        self.faults = faults or Faults()
        self.forward = forward
        if forward:
            options = dataclasses.replace(options, forward=True, forward_timeout_ticks=40)
        if reconfigure:  # a short α: configurations take effect while slots are in flight
            options = dataclasses.replace(options, config_delay=3)
        self.leases = leases
        if leases:
            # Holders ask again every `nodes` heartbeat periods (unless the options say): the
            # simulated network delivers one message a step, and every holder asking every
            # other node each period would take half of that (elections would then fail).
            options = dataclasses.replace(
                options,
                lease_reads=True,
                lease_ms=options.lease_ms or SIM_LEASE_MS_PER_NODE * nodes,
                lease_renew_ticks=options.lease_renew_ticks or nodes * options.heartbeat_ticks,
            )
        self.options = options
        self.random = random.Random(seed)
        # The clocks draw from their own generator: without leases the schedule is as it was.
        self.clock_random = random.Random(f"clocks {seed}")
        self.clocks: dict[int, _Clock] = {}
        self._lease_reads_before = 0  # reads crashed replicas answered under leases
        self.step = 0
        self.settling = False
        self.active_faults = self.faults
        self.events: list[tuple[int, object]] = []
        self.disks = {n: _Disk() for n in self.node_ids}
        self.replicas: dict[int, Replica | None] = {}
        self.in_flight: list[tuple[_Address, _Address, PeerMessage | Request | Read | Reply]] = []
        self.partition: frozenset[int] | None = None
        self.paused: int | None = None  # a node whose process is stopped (with `leases`)
        self.clients = [_Client(-(i + 1)) for i in range(clients)]
        self.decided: dict[int, Batch] = {}  # every slot any replica ever decided
        self.last_decided = 0  # the highest of them
        self.digests: dict[int, str] = {}  # the state after each applied slot
        self.acked_commands: set[tuple[int, int]] = set()
        # Per key (each has one writer, whose sequence numbers order its writes): the last
        # write acknowledged, and the last one a read returned. A read must return at least
        # what either was when it was sent (linearizability: no read after a write, or after a
        # read that saw it, returns what came before).
        self.written: dict[str, int] = {}
        self.read_seen: dict[str, int] = {}
        self.event_log: list[dict[str, Any]] = []  # with options.events: what `validate` reads
        for node in self.node_ids:
            self._boot(node)

    # --- running ----------------------------------------------------------------------------

    def run(self) -> Simulation:
        while self.step < self.steps:
            self._one_step(self.faults)
        self._settle()
        return self

    def _one_step(self, faults: Faults) -> None:
        self.step += 1
        self.active_faults = faults
        roll = self.random.random()
        if roll < faults.crash:
            self._crash(self.random.choice(self.node_ids), lose_tail=False)
        elif roll < faults.crash + faults.tail_loss:
            node = self.random.choice(self.node_ids)
            # The fault model: one replica at a time may lose data. (If two members of the
            # quorum that decided a slot both forget their votes, no protocol can recall it.)
            if not any(self._recovering(n) for n in self.node_ids if n != node):
                self._crash(node, lose_tail=True)
        elif roll < faults.crash + faults.tail_loss + faults.partition and self.partition is None:
            size = self.random.randrange(1, len(self.node_ids))
            self.partition = frozenset(self.random.sample(self.node_ids, size))
            self._log(f"partition {sorted(self.partition)} | rest")
        elif self.partition is not None and self.random.random() < faults.heal:
            self.partition = None
            self._log("heal")
        if self.leases:
            self._pause_or_continue(faults)
        down = [n for n, r in self.replicas.items() if r is None]
        if down and self.random.random() < faults.restart:
            self._boot(self.random.choice(down))
        pick = self.random.random()
        if self.in_flight and pick < 0.6:
            self._deliver(faults)
        elif pick < 0.85:
            node = self.random.choice(self.node_ids)
            replica = self.replicas[node]
            if replica is not None and node != self.paused:
                replica.on_tick()
                self._flush(node)
        elif self.reconfigure and pick < 0.87:
            self._admin_step()
        else:
            self._client_step(self.random.choice(self.clients))
        if self.leases:
            self._check_lease_reads()

    def _pause_or_continue(self, faults: Faults) -> None:
        """Stop one node's process now and then (one at a time), and continue it."""
        if self.paused is None:
            if self.random.random() < faults.pause:
                node = self.random.choice(self.node_ids)
                if self.replicas[node] is not None:
                    self.paused = node
                    self._log(f"pause n{node}")
        elif self.random.random() < faults.resume:
            self._log(f"continue n{self.paused}")
            self.paused = None

    def _settle(self) -> None:
        """No more faults: heal, restart everyone, and require that the cluster converges."""
        self.partition = self.paused = None
        self.settling = True  # clients finish what they started and start nothing new
        for node in self.node_ids:
            if self.replicas[node] is None:
                self._boot(node)
        self._log("settle: faults off, all nodes up")
        budget = self.step + 40_000
        while self.step < budget:
            if self._converged():
                self._check_durability()
                return
            self._one_step(Faults.none())
        stuck = [(c.id, sorted(c.outstanding)) for c in self.clients if c.outstanding]
        states = [r.status() for r in self.replicas.values() if r is not None]
        self._fail(f"no convergence after faults stopped: clients waiting {stuck}; {states}")

    def _converged(self) -> bool:
        if any(c.outstanding for c in [*self.clients, self.admin]):
            return False
        replicas = [r for r in self.replicas.values() if r is not None]
        if self.reconfigure:  # members of the last configuration (others may never hear)
            latest = max((r.membership.latest for r in replicas), key=lambda c: c.version)
            replicas = [r for r in replicas if r.id in latest.ids]
        slots = {r.applied_slot for r in replicas}
        leader = any(r.role == "leader" for r in replicas)
        return leader and len(slots) == 1 and not any(r.recovering for r in replicas)

    # --- nodes ------------------------------------------------------------------------------

    def _boot(self, node: int) -> None:
        disk = self.disks[node]
        durable = DurableState.load(disk.snapshot, disk.records)
        clock = self._lease_clock(node) if self.leases else None
        replica = Replica(
            node, self.node_ids, KeyValueStore(), durable, self.options,
            seed=self.random.randrange(2**32), on_applied=lambda slot: self._applied(node, slot),
            members=self.initial, clock=clock, stored_snapshot=lambda: self.disks[node].snapshot,
        )  # fmt: skip
        self.replicas[node] = replica
        if disk.snapshot is not None:
            self._check_digest(node, disk.snapshot.slot, None, disk.snapshot)
        self._log(f"start n{node}" + (" (recovering)" if durable.recovering else ""))

    def _lease_clock(self, node: int) -> Callable[[], int] | None:
        """The lease clock of `node`, starting (again): real time at a rate drawn anew."""
        drift = self.faults.drift
        # As far off as allowed, often: that is where a lease's margin is tested.
        error = self.clock_random.choice((-1.0, 1.0, self.clock_random.uniform(-1, 1)))
        rate = 1 + error * drift
        if node not in self.clocks:  # clocks start anywhere
            self.clocks[node] = _Clock(rate, self.clock_random.randrange(10**6), self.step)
        self.clocks[node].rerate(rate, self.step)
        return functools.partial(self._read_clock, node)

    def _read_clock(self, node: int) -> int:
        return self.clocks[node].read(self.step)

    def _crash(self, node: int, lose_tail: bool) -> None:
        replica = self.replicas[node]
        if replica is None:
            return
        self._lease_reads_before += replica.lease_reads_served
        self.replicas[node] = None
        if self.paused == node:
            self.paused = None
        self.in_flight = [m for m in self.in_flight if m[1] != node]
        disk = self.disks[node]
        if lose_tail and disk.records:
            lost = self.random.randint(1, min(5, len(disk.records)))
            del disk.records[-lost:]
            disk.records.append(Recovering(True))  # what the storage does on a damaged tail
            self._log(f"crash n{node}, losing the last {lost} records of its log")
        else:
            self._log(f"crash n{node}")

    @property
    def lease_reads(self) -> int:
        """Reads answered from a replica's own state under leases, so far."""
        up = [r.lease_reads_served for r in self.replicas.values() if r is not None]
        return self._lease_reads_before + sum(up)

    def _log_events(self, node: int, events: list[dict[str, Any]]) -> None:
        self.event_log.extend({"time": len(self.event_log), "node": node, **e} for e in events)

    def _recovering(self, node: int) -> bool:
        marks = [r.active for r in self.disks[node].records if isinstance(r, Recovering)]
        return bool(marks) and marks[-1]

    def _flush(self, node: int) -> None:
        replica = self.replicas[node]
        for _ in range(100):  # bounded: a flush makes more effects only after new inputs
            if replica is None or replica is not self.replicas[node]:
                return
            effects = replica.flush()
            if not effects:
                return
            self._carry_out(node, replica, effects)

    def _carry_out(self, node: int, replica: Replica, effects: Effects) -> None:
        """In the order of the driver's rules (impl/paxos/types.py)."""
        self._log_events(node, effects.early_events)
        for to, message in effects.early:
            self._send(node, to, message)
        if effects.records and self.random.random() < self.active_faults.crash_unsynced:
            self._crash(node, lose_tail=False)  # the batch never reached the disk
            return
        disk = self.disks[node]
        disk.records.extend(effects.records)
        for record in effects.records:
            if isinstance(record, Chosen):
                self._decided(node, record.entry.slot, record.entry.value)
        stored = [effects.snapshot] if effects.snapshot is not None else []
        if effects.snapshot_due and (now := replica.snapshot_now()) is not None:
            stored.append(now)  # stored at once here (the server writes it in a child)
        for snapshot, live in stored:
            disk.snapshot, disk.records = snapshot, list(live)
            self._check_digest(node, snapshot.slot, None, snapshot)
        self._log_events(node, effects.events)
        for to, message in effects.messages:
            self._send(node, to, message)
        for reply in effects.replies:
            self._send(node, reply.client_id, reply)

    # --- network ----------------------------------------------------------------------------

    def _send(
        self, src: _Address, dst: _Address, message: PeerMessage | Request | Read | Reply
    ) -> None:
        if src > 0 and dst > 0 and not isinstance(message, Request | Read | Reply):
            self._check_bounded(src, message)
        self.in_flight.append((src, dst, message))

    def _check_bounded(self, src: int, message: PeerMessage) -> None:
        """A message with several items keeps them within `message_bytes`; one item alone
        within `max_command_bytes` (and its batch's fields); and the encoding within what the
        server allows for that (`transfer.ENVELOPE_BYTES` on top)."""
        match message:
            case Accept(value=value):
                items = [command_size(c) for c in value]
            case Promise(votes=votes, chosen=chosen):
                items = [batch_size(v.value) for v in votes] + [batch_size(e.value) for e in chosen]
            case Catchup(entries=entries):
                items = [batch_size(e.value) for e in entries]
            case Forward(commands=commands):
                items = [command_size(c) for c in commands]
            case SnapshotChunk(data=data):
                items = [len(data)]
            case _:
                items = []
        options = self.options
        largest = max([0, *items])
        if len(items) > 1 and sum(items) > options.message_bytes:
            self._fail(f"n{src} sent {sum(items)} bytes of items in one message: {message!r}")
        if largest > max(options.message_bytes, options.max_command_bytes + ITEM_OVERHEAD):
            self._fail(f"n{src} sent an item of {largest} bytes: {message!r}")
        frame = len(peer_encoder.encode(message))
        if frame > max(sum(items), largest) + ENVELOPE_BYTES:
            self._fail(f"n{src} sent a frame of {frame} bytes: {message!r}")

    def _cut(self, src: _Address, dst: _Address) -> bool:
        if self.partition is None or src < 0 or dst < 0:
            return False
        return (src in self.partition) != (dst in self.partition)

    def _deliver(self, faults: Faults) -> None:
        index = self.random.randrange(len(self.in_flight))
        src, dst, message = self.in_flight[index]
        if dst == self.paused:
            return  # it waits in the stopped process's socket
        if self.random.random() >= faults.duplicate:
            self.in_flight[index] = self.in_flight[-1]
            self.in_flight.pop()
        if self._cut(src, dst) or self.random.random() < faults.loss:
            return
        self._log((src, dst, message))
        if dst < 0:
            client = self.admin if dst == self.admin.id else self.clients[-dst - 1]
            self._client_receive(client, message)
            return
        replica = self.replicas[dst]
        if replica is None:
            return
        if isinstance(message, Request):
            replica.on_request(message.command)
        elif isinstance(message, Read):
            replica.on_read(message)
        elif not isinstance(message, Reply):
            replica.on_message(src, message)
        self._flush(dst)

    # --- clients ----------------------------------------------------------------------------

    def _resend_stale(self, client: _Client) -> bool:
        """Send the first operation that has had no answer for a while to another node."""
        for seq, (pending, sent) in client.outstanding.items():
            if self.step - sent > 150:
                client.outstanding[seq] = (pending, self.step)
                self._client_send(client, pending, self.random.choice(self.node_ids))
                return True
        return False

    def _client_step(self, client: _Client) -> None:
        if self._resend_stale(client):
            return
        if len(client.outstanding) >= 3 or self.settling:
            return
        key = f"c{-client.id}k{self.random.randrange(3)}"
        if key in client.busy_keys:
            return
        client.seq += 1
        message: Command | Read
        if self.random.random() < 0.3:
            if self.leases and self.random.random() < 0.5:  # another client's key, as often
                owner = self.random.choice(self.clients)
                other = f"c{-owner.id}k{self.random.randrange(3)}"
                key = key if other in client.busy_keys else other
            message = Read(client.id, client.seq, kv.encode("get", key))
            client.floors[client.seq] = max(self.written.get(key, 0), self.read_seen.get(key, 0))
        else:
            value = f"{client.id}:{client.seq}".encode()
            if self.random.random() < LARGE_VALUES:
                value += b"." * self.random.randrange(100, 700)
            message = Command(client.id, client.seq, client.acked, kv.encode("put", key, value))
        # One operation per key at a time, so a read's answer is known: the last acked write.
        client.busy_keys[key] = client.seq
        client.outstanding[client.seq] = (message, self.step)
        target = client.leader or self.random.choice(self.node_ids)
        if self.forward:
            target = self.random.choice(self.node_ids)  # any replica serves
        self._client_send(client, message, target)

    def _admin_step(self) -> None:
        """Now and then, ask for one membership change (one at a time): add, remove or flip
        one member, or replace them all by three participants (whose majorities may share
        no one with the old ones'), keeping at least three participants: with two, one
        replica recovering from a lost log tail (which must not vote) would leave no
        majority to recover from."""
        admin = self.admin
        if admin.outstanding:
            self._resend_stale(admin)
            return
        if self.settling or self.random.random() > 0.1:
            return
        members = {m.id: m for m in self.members}
        voters = [n for n, m in members.items() if not m.observer]
        spare = [n for n in self.node_ids if n not in members]
        move = self.random.choice(
            ["add", "remove", "flip", "replace"] if spare else ["remove", "flip", "replace"]
        )
        node = self.random.choice(spare if move == "add" else list(members))
        if move == "replace":  # a new set of three participants at once
            chosen = self.random.sample(self.node_ids, 3)
            members = {n: Member(n) for n in chosen}
        elif move == "add":
            members[node] = Member(node, self.random.random() < 0.3)
        elif move == "remove" and (members[node].observer or len(voters) > 3):
            del members[node]
        elif members[node].observer or len(voters) > 3:
            members[node] = Member(node, not members[node].observer)
        else:
            return
        self.members = tuple(members[n] for n in sorted(members))
        admin.seq += 1
        op = kv.encode(
            "put", "config", ",".join(f"{m.id}{'o' * m.observer}" for m in self.members).encode()
        )
        command = Command(admin.id, admin.seq, admin.acked, op, ConfigChange(-1, self.members))
        admin.outstanding[admin.seq] = (command, self.step)
        self._log(f"admin asks for {op!r}")
        self._client_send(admin, command, self.random.choice(self.node_ids))

    def _client_send(self, client: _Client, message: Command | Read, node: int) -> None:
        wire = Request(message) if isinstance(message, Command) else message
        self._send(client.id, node, wire)

    def _client_receive(self, client: _Client, message: object) -> None:
        if not isinstance(message, Reply) or message.seq not in client.outstanding:
            return
        if client is self.admin and message.ok:
            del client.outstanding[message.seq]
            client.acked = message.seq
            return
        sent, _ = client.outstanding[message.seq]
        if not message.ok:
            client.leader = message.leader
            target = message.leader or self.random.choice(self.node_ids)
            if self.forward:
                target = self.random.choice(self.node_ids)
            client.outstanding[message.seq] = (sent, self.step)
            self._client_send(client, sent, target)
            return
        del client.outstanding[message.seq]
        client.done.add(message.seq)
        while client.acked + 1 in client.done:
            client.acked += 1
            client.done.discard(client.acked)
        if isinstance(sent, Command):
            _, key, value = kv.decode(sent.op)
            client.busy_keys.pop(key, None)
            client.last_write[key] = value
            self.acked_commands.add((client.id, sent.seq))
            self.written[key] = max(self.written.get(key, 0), sent.seq)
        else:
            _, key = kv.decode(sent.query)
            client.busy_keys.pop(key, None)
            got = kv.decode(message.result)
            seq = _written_seq(got)
            floor = client.floors.pop(sent.seq)
            if seq < floor:
                self._fail(
                    f"read of {key} by client {client.id} returned {got!r} (write {seq}), but "
                    f"write {floor} there was acknowledged, or read, before the read was sent"
                )
            self.read_seen[key] = max(self.read_seen.get(key, 0), seq)
            if key.startswith(f"c{-client.id}k") and got != client.last_write.get(key):
                self._fail(
                    f"read of {key} by client {client.id} returned {got!r}, but its last "
                    f"acknowledged write there was {client.last_write.get(key)!r}"
                )

    # --- checks -----------------------------------------------------------------------------

    def _check_lease_reads(self) -> None:
        """A replica that may read its own state has applied every slot decided anywhere (a
        write acknowledged, or about to be: the spec's `a_lease_read_sees_every_acknowledged_
        write`), whether or not a client happens to read there now."""
        for node, replica in self.replicas.items():
            behind = replica is not None and replica.applied_slot < self.last_decided
            if behind and replica is not None and replica.may_read_locally():
                self._fail(
                    f"n{node} may read under its leases, but has applied only up to slot "
                    f"{replica.applied_slot}; slot {self.last_decided} is decided"
                )

    def _decided(self, node: int, slot: int, value: Batch) -> None:
        self.last_decided = max(self.last_decided, slot)
        known = self.decided.setdefault(slot, value)
        if known != value:
            self._fail(f"slot {slot} decided twice: {known!r} and, at n{node}, {value!r}")

    def _applied(self, node: int, slot: int) -> None:
        replica = self.replicas[node]
        if replica is not None:
            self._check_digest(node, slot, replica)

    def _check_digest(
        self, node: int, slot: int, replica: Replica | None, snapshot: Snapshot | None = None
    ) -> None:
        if replica is not None:
            digest = f"{replica.applied}:{replica.machine.digest()}"
        else:
            assert snapshot is not None
            store = KeyValueStore()
            store.restore(snapshot.state)
            digest = f"{snapshot.applied}:{store.digest()}"
        known = self.digests.setdefault(slot, digest)
        if known != digest:
            self._fail(f"n{node} applied up to slot {slot} and has state {digest}, not {known}")

    def _check_durability(self) -> None:
        in_log = {(c.client_id, c.seq) for batch in self.decided.values() for c in batch}
        lost = self.acked_commands - in_log
        if lost:
            self._fail(f"acknowledged commands missing from the decided log: {sorted(lost)}")

    def _fail(self, reason: str) -> None:
        raise SimulationFailure(self, reason)

    # --- reporting --------------------------------------------------------------------------

    def _log(self, event: object) -> None:
        self.events.append((self.step, event))  # formatted only when shown

    def schedule(self, tail: int | None = None) -> list[str]:
        """The events of this run, one line each: what a failing seed replays."""
        lines = []
        for step, event in self.events[-tail:] if tail else self.events:
            if isinstance(event, tuple):
                src, dst, message = event
                event = f"{_name(src)} → {_name(dst)}  {message!r}"
            lines.append(f"{step:6d}  {event}")
        return lines

    def replay_command(self) -> str:
        flags = [
            f" --observers {len(self.observers)}" * bool(self.observers),
            " --forward" * self.forward,
            " --reconfigure" * self.reconfigure,
            " --leases" * self.leases,
            f" --drift {self.faults.drift}" * (self.leases and self.faults.drift != Faults.drift),
            f" --lease-drift {self.options.lease_drift}"
            * (self.leases and self.options.lease_drift != ReplicaOptions.lease_drift),
            *(f" --fault {fault}" for fault in sorted(self.options.faults)),
            *(
                f" --fault-rate {f.name}={getattr(self.faults, f.name)}"
                for f in dataclasses.fields(Faults)
                if f.name != "drift" and getattr(self.faults, f.name) != f.default
            ),
        ]
        return (
            f"python -m impl.sim --nodes {len(self.node_ids)} --seed {self.seed} "
            f"--steps {self.steps}" + "".join(flags)
        )

    def report(self, reason: str, tail: int = 40) -> str:
        lines = [
            f"seed {self.seed} failed at step {self.step}: {reason}",
            f"replay: {self.replay_command()} --show-schedule",
            f"the last {min(tail, len(self.events))} events of the schedule:",
            *self.schedule(tail),
        ]
        return "\n".join(lines)


def _written_seq(value: bytes | None) -> int:
    """The sequence number of the write that stored `value` ("client:seq", padded), 0: none."""
    if value is None:
        return 0
    return int(value.split(b":")[1].rstrip(b"."))


def _name(address: int) -> str:
    return f"n{address}" if address > 0 else f"client{-address}"

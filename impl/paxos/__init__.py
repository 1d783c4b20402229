"""Deterministic protocol cores: messages and clock ticks in, messages to send and records to
persist out. No sockets, threads or clocks (but the lease clock a replica is handed), so tests
and the conformance driver can step them exactly.

- `types`: ballots, commands, peer and client messages, durable records, `Effects`.
- `replica`: the Multi-Paxos replica (`Replica`, `ReplicaOptions`, `Role`).
- `single`: single-decree Paxos (acceptor, proposer, learner), the protocol of spec/paxos.py.
- `durable`: `DurableState`, a replica's records folded into what it remembers.
- `leases`: quorum leases, for reads without the leader (`LeaseTable`).
- `faults`: switchable known bugs (`Fault`), off by default.
"""

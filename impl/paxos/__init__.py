"""Deterministic protocol cores: messages and clock ticks in, messages to send and records to
persist out. No sockets, threads or clocks, so tests and the conformance driver can step them
exactly.

- `types`: ballots, commands, peer and client messages, durable records, `Effects`.
- `replica`: the Multi-Paxos replica (`Replica`, `ReplicaOptions`, `Role`).
- `single`: single-decree Paxos (acceptor, proposer, learner), the protocol of spec/paxos.py.
- `durable`: `DurableState`, a replica's records folded into what it remembers.
- `faults`: switchable known bugs (`Fault`), off by default.
"""

"""The system under test: a Multi-Paxos replicated log, durable and multi-process over TCP.

Rooms: `paxos` (deterministic protocol cores: single-decree acceptor/proposer/learner and the
Multi-Paxos replica; messages, records and effects), `sm` (replicated state machines: sessions,
a key-value store), `storage` (the checksummed, fsync'd log and snapshots), `net` (config, the
asyncio TCP transport, the server process and the client), `sim` (deterministic simulation of
replica cores under faults), `coord` (the ZooKeeper-compatible coordination service: the znode
tree as a state machine and ZooKeeper's wire format; in progress).

`impl` imports nothing from `checker`, `spec` or `proofs`: it stands alone, as a system under
test must.
"""

"""A ZooKeeper-compatible coordination service on the replicated log: what the Java client,
zkCli.sh and kazoo see when they talk to it should be what Apache ZooKeeper 3.8 shows them.

The state machine: `tree` (ZooKeeper's DataTree, deterministic: znodes with their full Stat,
sequential, ephemeral, container and TTL nodes, sessions, multi, and the watch triggers each
write causes), with `messages` (its commands, queries and results), `records` (Stat, ACL, create
modes, watch events), `paths` and `errors`. The server around it: `jute` (the wire format),
`requests` (wire requests to commands and queries, results to replies), `service` (connections,
sessions and per-connection order; `ZooKeeperService`), `reads` (what a read answers),
`watching` and `watches` (a server's watches, and the event log), `upkeep` (session expiry and
the container sweep), `fastread` (the commonest reads answered from their bytes), and the
smaller rooms `admission`, `connection`, `fourletter`, `reconfig`, `sessions`, `syncing`.
"""

from impl.coord.errors import Code, KeeperError
from impl.coord.records import ACL, OPEN_ACL_UNSAFE, CreateMode, EventType, Stat, Trigger
from impl.coord.tree import DataTree

__all__ = [
    "ACL",
    "OPEN_ACL_UNSAFE",
    "Code",
    "CreateMode",
    "DataTree",
    "EventType",
    "KeeperError",
    "Stat",
    "Trigger",
]

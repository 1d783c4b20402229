"""A ZooKeeper-compatible coordination service on the replicated log: what the Java client,
zkCli.sh and kazoo see when they talk to it should be what Apache ZooKeeper 3.8 shows them.

For now, the tree: `tree` (ZooKeeper's DataTree as a deterministic `StateMachine`: znodes with
their full Stat, sequential, ephemeral and container nodes, sessions, multi, and the watch
triggers each write causes), `messages` (its commands, queries and results), `records` (Stat,
ACL, create modes, watch events), `paths` (path validation) and `errors` (ZooKeeper's error
codes). ZooKeeper's client wire protocol (jute) follows in `impl/coord/jute.py`, and after it a
server that speaks it to clients and proposes their writes to the log.
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

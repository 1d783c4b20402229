"""The records a znode is made of, and what the tree tells a server to notify.

`StatPersisted` is what the tree stores; `Stat` is what a client is shown. They differ the way
ZooKeeper's differ (`DataNode.copyStat`): the stored `cversion` counts child *creations*
(sequential names are drawn from it), while a client sees `2 * creations - children`, which
is the number of child creations and deletions; a container's stored `ephemeral_owner` marks
it as a container, while a client sees 0.

Field order is the jute order, so `msgspec.structs.astuple(stat)` lines up with the wire.
"""

from __future__ import annotations

import ipaddress
from enum import IntEnum
from typing import Annotated

import msgspec

Int32 = Annotated[int, msgspec.Meta(ge=-(2**31), le=2**31 - 1)]
Int64 = Annotated[int, msgspec.Meta(ge=-(2**63), le=2**63 - 1)]

# `ephemeral_owner` of a container node (ZooKeeper's EphemeralType.CONTAINER_EPHEMERAL_OWNER).
CONTAINER_OWNER = -(2**63)
# With extended types enabled, an owner whose top byte is 0xFF is not a session: 0xFF, then 16
# reserved bits (0 for a TTL node), then the TTL in ms in the low 40 bits (EphemeralType.TTL).
TTL_BASE = -(2**56)  # 0xFF00000000000000 as a Java long
MAX_TTL = 2**40 - 1  # EphemeralType.TTL.maxValue()


def ttl_owner(ttl: int) -> int:
    """The `ephemeral_owner` that marks a node as a TTL node with this TTL (1..MAX_TTL ms)."""
    assert 0 < ttl <= MAX_TTL, ttl
    return TTL_BASE + ttl


def ttl_of(ephemeral_owner: int) -> int:
    """The TTL of a TTL node's owner; 0 for any other owner."""
    ttl = ephemeral_owner - TTL_BASE
    return ttl if 0 < ttl <= MAX_TTL else 0


def extended_owner(ephemeral_owner: int) -> bool:
    """Does this owner read as an extended type (top byte 0xFF) when extended types are on?"""
    return ephemeral_owner >> 56 == -1


def int32(value: int) -> int:
    """Java int arithmetic: wrap to 32 bits."""
    return (value + 2**31) % 2**32 - 2**31


class Perms:
    """ZooDefs.Perms bits."""

    READ = 1
    WRITE = 2
    CREATE = 4
    DELETE = 8
    ADMIN = 16
    ALL = 31


class ACL(msgspec.Struct, frozen=True, array_like=True):
    """One access-control entry: (perms, scheme, id), e.g. (31, "world", "anyone")."""

    perms: Int32
    scheme: str
    id: str


Identity = tuple[str, str]  # (scheme, id): who a client authenticated as, e.g. ("ip", "10.0.0.1")


SUPER: Identity = ("super", "")  # the super user's identity, which passes every check


def permitted(acl: tuple[ACL, ...], perm: int, identities: tuple[Identity, ...]) -> bool:
    """ZooKeeper's checkACL: may a client with these identities do `perm` (any of its bits) on a
    node with this ACL? The super user may do anything; an empty ACL allows everything;
    world:anyone matches every client; an ip entry matches an address in its network (id
    "10.0.0.0/8" or one address); other schemes match their id exactly."""
    if not acl or SUPER in identities:
        return True
    for entry in acl:
        if not entry.perms & perm:
            continue
        if entry.scheme == "world" and entry.id == "anyone":
            return True
        for scheme, ident in identities:
            if scheme != entry.scheme:
                continue
            if ident == entry.id or (scheme == "ip" and _in_network(ident, entry.id)):
                return True
    return False


def mask_digests(acl: tuple[ACL, ...]) -> tuple[ACL, ...]:
    """The ACL as getACL shows it to a client without ADMIN on the node: each digest id's
    password hash replaced by "x" (user:x), as ZooKeeper does since 3.6."""
    return tuple(
        ACL(a.perms, a.scheme, a.id.split(":", 1)[0] + ":x") if a.scheme == "digest" else a
        for a in acl
    )


def _in_network(address: str, network: str) -> bool:
    try:
        return ipaddress.ip_address(address) in ipaddress.ip_network(network, strict=False)
    except ValueError:
        return False


OPEN_ACL_UNSAFE = (ACL(Perms.ALL, "world", "anyone"),)
READ_ACL_UNSAFE = (ACL(Perms.READ, "world", "anyone"),)


class CreateMode(IntEnum):
    """The `flags` of a create request (ZooKeeper's CreateMode.toFlag)."""

    PERSISTENT = 0
    EPHEMERAL = 1
    PERSISTENT_SEQUENTIAL = 2
    EPHEMERAL_SEQUENTIAL = 3
    CONTAINER = 4
    PERSISTENT_WITH_TTL = 5
    PERSISTENT_SEQUENTIAL_WITH_TTL = 6

    @property
    def ephemeral(self) -> bool:
        return self in _EPHEMERAL_MODES

    @property
    def sequential(self) -> bool:
        return self in _SEQUENTIAL_MODES

    @property
    def ttl(self) -> bool:
        return self in _TTL_MODES

    @staticmethod
    def of(flags: int) -> CreateMode:
        """`CreateMode(flags)` by one look-up; ValueError for flags that name no mode."""
        try:
            return _MODES[flags]
        except KeyError:
            raise ValueError(f"{flags} is not a CreateMode") from None


_MODES = {int(mode): mode for mode in CreateMode}
_EPHEMERAL_MODES = frozenset({CreateMode.EPHEMERAL, CreateMode.EPHEMERAL_SEQUENTIAL})
_SEQUENTIAL_MODES = frozenset(
    {
        CreateMode.PERSISTENT_SEQUENTIAL,
        CreateMode.EPHEMERAL_SEQUENTIAL,
        CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL,
    }
)
_TTL_MODES = frozenset({CreateMode.PERSISTENT_WITH_TTL, CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL})


class StatPersisted(msgspec.Struct, frozen=True, array_like=True):
    """What the tree stores of a node's metadata (ZooKeeper's StatPersisted)."""

    czxid: Int64
    mzxid: Int64
    ctime: Int64
    mtime: Int64
    version: Int32
    cversion: Int32  # child creations, not shown to clients as is
    aversion: Int32
    ephemeral_owner: Int64  # 0, a session id, or CONTAINER_OWNER
    pzxid: Int64


ZERO_STAT = StatPersisted(0, 0, 0, 0, 0, 0, 0, 0, 0)


class Stat(msgspec.Struct, frozen=True, array_like=True):
    """A node's metadata as a client sees it (ZooKeeper's Stat)."""

    czxid: int
    mzxid: int
    ctime: int
    mtime: int
    version: int
    cversion: int
    aversion: int
    ephemeral_owner: int
    data_length: int
    num_children: int
    pzxid: int


def owned_by_session(ephemeral_owner: int, extended_types: bool = False) -> bool:
    """Is this an ephemeral node of a session (EphemeralType.NORMAL)? The other owners are 0
    (persistent), containers and, with extended types enabled, TTL nodes."""
    if extended_types and extended_owner(ephemeral_owner):
        return False
    return ephemeral_owner not in (0, CONTAINER_OWNER)


def client_stat(
    stat: StatPersisted, data: bytes | None, num_children: int, extended_types: bool = False
) -> Stat:
    """What a client is shown: the owner only of a session's ephemeral, 0 for every other kind
    of node (DataNode.getClientEphemeralOwner)."""
    owner = stat.ephemeral_owner
    return Stat(  # by position (czxid, mzxid, ..., pzxid): a hot path
        stat.czxid,
        stat.mzxid,
        stat.ctime,
        stat.mtime,
        stat.version,
        int32(stat.cversion * 2 - num_children),
        stat.aversion,
        owner if owned_by_session(owner, extended_types) else 0,
        len(data) if data is not None else 0,
        num_children,
        stat.pzxid,
    )


class EventType(IntEnum):
    """Watcher.Event.EventType numbers of the events a write can cause."""

    NODE_CREATED = 1
    NODE_DELETED = 2
    NODE_DATA_CHANGED = 3
    NODE_CHILDREN_CHANGED = 4


class Trigger(msgspec.Struct, frozen=True, array_like=True):
    """A watch event a write causes at `path`. Which of a server's watches it fires is the
    server's business, as in ZooKeeper's WatchManager: NODE_CREATED and NODE_DATA_CHANGED fire
    data/exist watches on `path`; NODE_DELETED fires data and child watches on `path`;
    NODE_CHILDREN_CHANGED fires child watches on `path` (the parent of the node that came or
    went)."""

    path: str
    type: EventType

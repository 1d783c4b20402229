"""The commonest reads answered from their bytes: `getData`, `exists`, `getChildren` and
`getChildren2` of a node that exists, by a client the node's ACL lets read, with or without a
watch.

A server whose leases let it read locally (`impl.paxos.leases`) answers such a request with no
record made: the header and the path are unpacked with one struct call, the node is looked up,
and the reply is packed straight from it. Everything else — a node that is missing (an error to
answer, and `exists`'s watch on it), an ACL that refuses, a path that is not UTF-8, a request
with bytes left over or cut short, any other request — gets None here and goes the general way
(`ZooKeeperService._request`), which stays the definition: this path answers a subset of the
requests, byte for byte and watch for watch as the general path would
(`tests/impl/coord/test_fastread.py` checks them against each other).
"""

from __future__ import annotations

import struct

from impl.coord.jute import OpCode
from impl.coord.records import Identity, Perms, permitted
from impl.coord.tree import DataTree
from impl.coord.watches import Kind

_REQUEST = struct.Struct(">iii")  # xid, type, the path's length; then the path, the watch flag
_HEADER = struct.Struct(">iiqi")  # the frame's length, then the reply header: xid, zxid, err
_HEADER_BYTES = _HEADER.size - 4  # of the frame's payload
_LENGTH = struct.Struct(">i")
_GET_DATA, _EXISTS = OpCode.GET_DATA, OpCode.EXISTS
_GET_CHILDREN, _GET_CHILDREN2 = OpCode.GET_CHILDREN, OpCode.GET_CHILDREN2
_PATH_READS = frozenset({_GET_DATA, _EXISTS, _GET_CHILDREN, _GET_CHILDREN2})


def local_read(
    body: bytes, tree: DataTree, zxid: int, identities: tuple[Identity, ...]
) -> tuple[bytes, str, Kind | None] | None:
    """If the request `body` (its frame's payload) is one this path answers: the reply frame,
    read from `tree` at `zxid`, the request's path and the kind of watch it sets on it (None:
    none). None: the general path must answer it."""
    if len(body) < _REQUEST.size + 1:
        return None
    xid, opcode, length = _REQUEST.unpack_from(body)
    if opcode not in _PATH_READS or length != len(body) - _REQUEST.size - 1:
        return None
    try:
        path = body[_REQUEST.size : -1].decode()
    except UnicodeDecodeError:  # the general path puts U+FFFD in: its rules, its answer
        return None
    found = tree.data_and_stat(path)
    if found is None or "\0" in path:
        return None
    data, acl, stat = found
    watch = body[-1] != 0
    if opcode == _EXISTS:  # no ACL check: ZooKeeper checks none for exists
        reply = _HEADER.pack(_HEADER_BYTES + len(stat), xid, zxid, 0) + stat
        return reply, path, Kind.DATA if watch else None
    if acl and not permitted(acl, Perms.READ, identities):
        return None  # NOAUTH: the general path's
    if opcode == _GET_DATA:
        size = _LENGTH.pack(-1 if data is None else len(data))
        payload = size + stat if data is None else size + data + stat
        kind = Kind.DATA
    else:
        names = [name.encode() for name in tree.sorted_children(path)]
        parts = [_LENGTH.pack(len(names))]
        for name in names:
            parts += (_LENGTH.pack(len(name)), name)
        if opcode == _GET_CHILDREN2:
            parts.append(stat)
        payload = b"".join(parts)
        kind = Kind.CHILDREN
    reply = _HEADER.pack(_HEADER_BYTES + len(payload), xid, zxid, 0) + payload
    return reply, path, kind if watch else None

"""The commonest reads answered from their bytes: `getData` and `exists` of a node that exists,
with no watch, by a client the node's ACL lets read.

A server whose leases let it read locally (`impl.paxos.leases`) answers such a request with no
record made: the header and the path are unpacked with one struct call, the node is looked up,
and the reply is packed straight from it. Everything else — a watch to set, a node that is
missing (an error to answer, or `exists`'s watch rules), an ACL that refuses, a path that is not
UTF-8, a request with bytes left over — gets None here and goes the general way
(`ZooKeeperService._request`), which stays the definition: this path answers a subset of the
requests, byte for byte as the general path would (`tests/impl/coord/test_fastread.py` checks
them against each other).
"""

from __future__ import annotations

import struct

from impl.coord.jute import OpCode
from impl.coord.records import Identity, Perms, permitted
from impl.coord.tree import DataTree

_REQUEST = struct.Struct(">iii")  # xid, type, the path's length; then the path, the watch flag
_HEADER = struct.Struct(">iiqi")  # the frame's length, then the reply header: xid, zxid, err
_HEADER_BYTES = _HEADER.size - 4  # of the frame's payload
_LENGTH = struct.Struct(">i")
_GET_DATA, _EXISTS = OpCode.GET_DATA, OpCode.EXISTS


def local_read(
    body: bytes, tree: DataTree, zxid: int, identities: tuple[Identity, ...]
) -> bytes | None:
    """The reply frame to the request `body` (its frame's payload) read from `tree` at `zxid`,
    if it is one this path answers; None: the general path must answer it."""
    if len(body) < _REQUEST.size + 1 or body[-1] != 0:  # too short, or a watch to set
        return None
    xid, opcode, length = _REQUEST.unpack_from(body)
    if (opcode != _GET_DATA and opcode != _EXISTS) or length != len(body) - _REQUEST.size - 1:
        return None
    try:
        path = body[_REQUEST.size : -1].decode()
    except UnicodeDecodeError:  # the general path puts U+FFFD in: its rules, its answer
        return None
    found = tree.data_and_stat(path)
    if found is None or "\0" in path:
        return None
    data, acl, stat = found
    if opcode == _EXISTS:  # no ACL check: ZooKeeper checks none for exists
        return _HEADER.pack(_HEADER_BYTES + len(stat), xid, zxid, 0) + stat
    if acl and not permitted(acl, Perms.READ, identities):
        return None  # NOAUTH: the general path's
    size = _LENGTH.pack(-1 if data is None else len(data))
    payload = size + stat if data is None else size + data + stat
    return _HEADER.pack(_HEADER_BYTES + len(payload), xid, zxid, 0) + payload

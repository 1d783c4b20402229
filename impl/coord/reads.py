"""What a read answers: the tree's reply made into the client's bytes, with ZooKeeper's
permission check (FinalRequestProcessor), the watch it sets, and the answers of multiRead and
of the watch operations. When a read is answered (at once under a lease, or at a read index
the leader confirmed) is the service's business (`impl.coord.service`); what it answers is
decided here, and in the same turn as the read itself (no write is applied in between)."""

from __future__ import annotations

from collections.abc import Callable

from msgspec.structs import replace

from impl.coord.connection import Connection, header_bytes
from impl.coord.errors import Code
from impl.coord.jute import OpCode, frame
from impl.coord.messages import ACLReply, ErrorResult, Reply
from impl.coord.records import Perms, mask_digests, permitted
from impl.coord.requests import WATCH_OPS, Decoded, multi_read_response, read_response
from impl.coord.tree import DataTree
from impl.coord.watches import Kind
from impl.coord.watching import ServerWatches

# The permission each read needs (ZooKeeper's FinalRequestProcessor); exists needs none.
_READ_PERMS = {
    OpCode.GET_DATA: Perms.READ,
    OpCode.GET_CHILDREN: Perms.READ,
    OpCode.GET_CHILDREN2: Perms.READ,
    OpCode.GET_ALL_CHILDREN_NUMBER: Perms.READ,
    OpCode.GET_ACL: Perms.READ | Perms.ADMIN,
}


class ReadAnswers:
    """Answers reads from `tree`, setting watches in `watches`; `applied`: the slot the
    replica has applied (each reply's zxid)."""

    def __init__(self, tree: DataTree, watches: ServerWatches, applied: Callable[[], int]):
        self._tree = tree
        self._watches = watches
        self._applied = applied

    def reply(self, conn: Connection, xid: int, decoded: Decoded, reply: Reply) -> bytes:
        """The frame that answers the read `decoded` (request `xid`), whose tree reply is
        `reply`. What it does to watches is done now; so is a multiRead's reading."""
        err: int
        if decoded.opcode == OpCode.MULTI_READ:
            err, body = Code.OK, self._multi_read(conn, decoded)
        elif decoded.opcode in WATCH_OPS:
            err, body = self._watches.answer(conn, decoded)
        else:
            err, body = self._answer(conn, decoded, reply)
        return frame(header_bytes(xid, self._applied(), err) + body)

    def _answer(self, conn: Connection, decoded: Decoded, reply: Reply) -> tuple[int, bytes]:
        """One read's (err, body): its permission check, and the watch it sets."""
        err, body = read_response(decoded, reply)
        needs = _READ_PERMS.get(decoded.opcode)
        if err == Code.OK and needs is not None:
            acl = self._tree.acl_of(decoded.path)
            identities = conn.acl_identities()
            if acl is not None and not permitted(acl, needs, identities):
                err, body = Code.NOAUTH, b""
            elif isinstance(reply, ACLReply) and not permitted(reply.acl, Perms.ADMIN, identities):
                # Without ADMIN, digest ids are shown without their password hashes.
                masked = replace(reply, acl=mask_digests(reply.acl))
                err, body = read_response(decoded, masked)
        if decoded.watch:
            missing = isinstance(reply, ErrorResult) and reply.err == Code.NONODE
            if (decoded.opcode == OpCode.EXISTS and (err == Code.OK or missing)) or (
                err == Code.OK and decoded.opcode == OpCode.GET_DATA
            ):
                self._watches.watch(decoded.path, conn, Kind.DATA)
            elif err == Code.OK:
                self._watches.watch(decoded.path, conn, Kind.CHILDREN)
        return err, body

    def _multi_read(self, conn: Connection, decoded: Decoded) -> bytes:
        """multiRead: each read on its own (one failing does not fail the others), all at
        the same point of the log."""
        answers = []
        for read in decoded.reads:
            assert read.query is not None
            answers.append(self._answer(conn, read, self._tree.read(read.query)))
        return multi_read_response(decoded.reads, answers)

"""ZooKeeper's `reconfig` request: from the request to a membership change for the log
(`impl.paxos.membership`) and the server lines of /zookeeper/config.

As in ZooKeeper 3.5+: incremental (`joining` server lines and `leaving` ids, each a comma-
separated list) or non-incremental (`newMembers`, the whole new list); `curConfigId` is the
version the change is computed from (-1: whichever is the latest), else BADVERSION. A request
that does not parse, mixes the two forms, changes nothing, or leaves no participant is
BADARGUMENTS. Only the super user, or an ACL of /zookeeper/config granting WRITE (by default it
grants everyone READ alone), may reconfigure: NOAUTH otherwise (checked last, as ZooKeeper's
PrepRequestProcessor does: a bad version or bad servers are reported to anyone).

Unlike ZooKeeper, which refuses (NEWCONFIGNOQUORUM) a configuration whose majority is not in
sync with the leader, a change is accepted as is: it is safe whatever the new members do (that
is what the α-reconfiguration guarantees), but if a majority of the new participants is down,
nothing more is decided until enough of them are up.
"""

from __future__ import annotations

from dataclasses import dataclass

from impl.coord.errors import Code, KeeperError
from impl.coord.jute import Reader
from impl.net.config import OBSERVER, parse_server_line
from impl.paxos.membership import Config, ConfigChange, Member, check_members


@dataclass(frozen=True)
class ReconfigRequest:
    joining: str | None
    leaving: str | None
    new_members: str | None
    from_config: int

    @classmethod
    def read(cls, r: Reader) -> ReconfigRequest:
        return cls(r.string(), r.string(), r.string(), r.i64())


def _items(text: str | None) -> list[str]:
    return [item.strip() for item in (text or "").split(",") if item.strip()]


def _member(line: str) -> Member:
    """`server.N=host:port:port[:role][;[clientHost:]clientPort]` as a member."""
    key, equals, value = line.partition("=")
    prefix, _, number = key.strip().partition(".")
    if not equals or prefix != "server" or not number.isdigit():
        raise KeeperError(Code.BADARGUMENTS)
    sid = int(number)
    try:
        peer = parse_server_line(value.strip(), sid)
    except ValueError:
        raise KeeperError(Code.BADARGUMENTS) from None
    return Member(sid, peer.role == OBSERVER, value.strip())


def plan(request: ReconfigRequest, current: Config) -> ConfigChange:
    """The change `request` asks of configuration `current` (KeeperError if it is bad),
    checked in ZooKeeper's order: the version first, then the servers."""
    if request.from_config not in (-1, current.version):
        raise KeeperError(Code.BADVERSION)
    incremental = bool(_items(request.joining) or _items(request.leaving))
    if request.new_members is not None and request.new_members.strip():
        if incremental:
            raise KeeperError(Code.BADARGUMENTS)
        new = {m.id: m for m in map(_member, _items(request.new_members))}
    elif incremental:
        new = {m.id: m for m in current.members}
        for member in map(_member, _items(request.joining)):
            new[member.id] = member  # a member already there is changed (its role, ports)
        for item in _items(request.leaving):
            if not item.isdigit():
                raise KeeperError(Code.BADARGUMENTS)
            new.pop(int(item), None)
    else:
        raise KeeperError(Code.BADARGUMENTS)
    try:
        members = check_members(new.values())
    except ValueError:
        raise KeeperError(Code.BADARGUMENTS) from None
    if members == current.members:
        raise KeeperError(Code.BADARGUMENTS)  # nothing to change
    return ConfigChange(request.from_config, members)


def config_text(members: tuple[Member, ...]) -> bytes:
    """The server lines of /zookeeper/config (the tree adds the version line)."""
    return "".join(f"server.{m.id}={m.address}\n" for m in members).encode()

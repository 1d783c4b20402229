"""Server configuration, read from a ZooKeeper-style `zoo.cfg`, so an operator who knows
ZooKeeper's administrator's guide feels at home::

    # a three-server cluster
    tickTime=2000
    initLimit=10
    syncLimit=5
    dataDir=/var/lib/paxoscope
    clientPort=2181
    # the ZooKeeper 3.5 form may carry the client port (and address) after ';'
    server.1=zoo1:2888:3888
    server.2=zoo2:2888:3888;2181
    server.3=zoo3:2888:3888:observer;10.0.0.3:2181
    paxoscope.fsync=true

The syntax is that of `java.util.Properties`, which ZooKeeper loads the file with (see
`impl.net.properties`): `key=value`, `key: value` or `key value` lines, `#` and `!` comments,
which take a whole line, backslash escapes and continuation lines. As in ZooKeeper, white space
around keys and values is trimmed. Unlike ZooKeeper, which keeps the last, a key set twice is
an error, and the file is read as UTF-8 (ZooKeeper reads ISO 8859-1). `dataDir` holds the
`myid` file, which names this server among the `server.N` lines; a config without
`server.N` lines is a cluster of one, server 1, serving clients on `clientPort`.

Settings of ZooKeeper that paxoscope does not use are kept in `ServerConfig.extra` with a
warning, as ZooKeeper itself ignores keys it does not know. Three are refused instead, because
ignoring them would silently run a different cluster from the one configured: `group.N` and
`weight.N` (hierarchical quorums: paxoscope uses majorities) and `dynamicConfigFile` (the
server lines would live in a file paxoscope does not read). Keys under `paxoscope.` are ours,
so a misspelt one is an error, not a warning. TLS (`secureClientPort`, `sslQuorum`, `ssl.*`)
is ZooKeeper's too; `impl.net.tls` reads its files and makes its contexts.

Every `ConfigError` is one paragraph naming the file and line (for the myid file, its path),
what is wrong there, and what was expected. The files of a local cluster are written by
`impl.net.local_configs`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from impl.net import tls
from impl.net.properties import PropertiesError, Property, parse_properties
from impl.net.tls import TlsSettings

__all__ = [
    "DEFAULT_CLIENT_PORT_ADDRESS",
    "ConfigError",
    "PeerAddress",
    "ServerConfig",
    "check_config_text",
    "load_config",
    "parse_server_list",
]

# Our servers listen on loopback unless told otherwise (ZooKeeper listens on every interface).
DEFAULT_CLIENT_PORT_ADDRESS = "127.0.0.1"
DEFAULT_TICK_TIME = 2000
DEFAULT_MAX_CLIENT_CNXNS = 60
# ZooKeeper's NIOServerCnxnFactory closes a connection that has no session after this long
# (the Java property zookeeper.nio.sessionlessCnxnTimeout, which zoo.cfg sets as
# nio.sessionlessCnxnTimeout: ZooKeeper takes keys it does not know as zookeeper.KEY).
DEFAULT_SESSIONLESS_CNXN_TIMEOUT = 10_000
DEFAULT_TICK_MS = 10
DEFAULT_ELECTION_TICKS = 30
DEFAULT_HEARTBEAT_TICKS = 5
DEFAULT_SNAPSHOT_EVERY = 10_000
DEFAULT_PREALLOCATE_KB = 1024
DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024
# The largest client request, as ZooKeeper's jute.maxbuffer (BinaryInputArchive: 0xfffff bytes,
# one short of 1 MiB). A request becomes a command that must fit in a peer frame, with its
# envelope: session, time, and the client's identities (at most IDENTITY_BYTES of them).
DEFAULT_JUTE_MAX_BUFFER = 0xFFFFF
IDENTITY_BYTES = 64 * 1024
PEER_FRAME_HEADROOM = 2 * IDENTITY_BYTES

PARTICIPANT = "participant"
OBSERVER = "observer"

_SERVER_FORMAT = (
    "server.N=host:peerPort[:electionPort][:participant|:observer][;[clientAddress:]clientPort]"
    " with numeric ports 1-65535"
)
_LIST_FORMAT = "host:port[,host:port...] with numeric ports 1-65535 (IPv6 hosts as [::1]:port)"
_DIGITS = re.compile(r"-?[0-9]+")

# key -> (smallest allowed value, what a good value is)
_INT_KEYS: dict[str, tuple[int, str]] = {
    "clientPort": (1, "a port number 1-65535"),
    "secureClientPort": (1, "a port number 1-65535"),
    "tickTime": (1, "a positive number of milliseconds"),
    "initLimit": (1, "a positive number of ticks"),
    "syncLimit": (1, "a positive number of ticks"),
    "maxClientCnxns": (0, "a number of connections per client address, 0 for no limit"),
    "maxCnxns": (0, "a number of client connections in all, 0 for no limit"),
    "nio.sessionlessCnxnTimeout": (1, "a positive number of milliseconds"),
    "paxoscope.tickMs": (1, "a positive number of milliseconds"),
    "paxoscope.electionTicks": (1, "a positive number of ticks"),
    "paxoscope.heartbeatTicks": (1, "a positive number of ticks"),
    "paxoscope.snapshotEvery": (1, "a positive number of applied slots"),
    "paxoscope.maxFrameBytes": (65536, "a number of bytes, at least 65536"),
    "jute.maxbuffer": (1, "a positive number of bytes"),
    "preAllocSize": (0, "a number of kilobytes, 0 to grow the log write by write"),
    "minSessionTimeout": (-1, "a number of milliseconds, -1 for 2 * tickTime"),
    "maxSessionTimeout": (-1, "a number of milliseconds, -1 for 20 * tickTime"),
    "znode.container.checkIntervalMs": (1, "a positive number of milliseconds"),
    "znode.container.maxPerMinute": (1, "a positive number of deletions per minute"),
    "znode.container.maxNeverUsedIntervalMs": (0, "a number of milliseconds, 0 for never"),
}
# Java system properties of ZooKeeper's that zoo.cfg may set too (QuorumPeerConfig passes a key
# it does not know on as the property "zookeeper." + key): either spelling is accepted.
_PROPERTY_KEYS = (
    "extendedTypesEnabled",
    "DigestAuthenticationProvider.superDigest",
    "reconfigEnabled",
    "preAllocSize",
)
MAX_EXTENDED_SERVER_ID = 254  # with extended types, session ids must not start with 0xFF
SERVICES = ("zookeeper", "kv")
FOUR_LETTER_WORDS = ("ruok", "srvr", "stat", "mntr", "envi", "conf", "cons", "isro", "pxst")
# ZooKeeper's FourLetterCommands: with no 4lw.commands.whitelist only srvr is answered, and
# srvr always is ("zkServer.sh depends on srvr"); "*" names every word.
ALWAYS_ON_WORDS = frozenset({"srvr"})
_PATH_KEYS = ("dataDir", "dataLogDir")
ADDRESS_KEYS = ("clientPortAddress", "secureClientPortAddress")
_KNOWN_KEYS = (
    *_PATH_KEYS,
    *_INT_KEYS,
    *ADDRESS_KEYS,
    *tls.KEYS,
    "paxoscope.fsync",
    "paxoscope.eventLog",
    "paxoscope.leaseReads",
    "paxoscope.service",
    "4lw.commands.whitelist",
    *_PROPERTY_KEYS,
)


class ConfigError(Exception):
    """A configuration that cannot be used; `message` says where, what, and what was expected."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _boolean(key: str, value: str, where: str, expected: str = "true or false") -> bool:
    """A true/false setting (either case), or a ConfigError saying where and what is expected."""
    if value.lower() not in ("true", "false"):
        raise ConfigError(f"{where}: {key} is {value!r}; expected {expected}")
    return value.lower() == "true"


@dataclass(frozen=True)
class PeerAddress:
    """One `server.N` line.

    `client_host`/`client_port` say where the server serves clients. For this server (the one
    `myid` names) they are what it binds: the line's `;clientAddress:clientPort`, else
    `clientPortAddress`/`clientPort`. For the others they come from the line alone: the client
    address defaults to the server's host, and the port is None when the line has no
    `;clientPort` (another server's `clientPort` is in its own file, not this one).
    A cluster of one, written without server lines, has peer_port 0: it has no peers."""

    id: int
    host: str
    peer_port: int
    election_port: int | None
    client_host: str
    client_port: int | None
    role: str  # "participant" or "observer"


@dataclass(frozen=True, kw_only=True)
class ServerConfig:
    """A loaded `zoo.cfg` plus `myid`. `client_port` and `client_port_address` are what this
    server binds for clients (the same as `me.client_port` and `me.client_host`); the port is
    None when the server serves clients on `secure_client_port` alone (TLS-only), which `tls`
    configures. At least one of the two ports is set."""

    path: Path
    data_dir: Path
    my_id: int
    servers: dict[int, PeerAddress]
    client_port: int | None
    client_port_address: str = DEFAULT_CLIENT_PORT_ADDRESS
    secure_client_port: int | None = None
    secure_client_port_address: str = DEFAULT_CLIENT_PORT_ADDRESS
    tls: TlsSettings | None = None  # secureClientPort's and sslQuorum's settings and contexts
    data_log_dir: Path | None = None
    tick_time: int = DEFAULT_TICK_TIME
    init_limit: int | None = None
    sync_limit: int | None = None
    max_client_cnxns: int = DEFAULT_MAX_CLIENT_CNXNS
    max_cnxns: int = 0  # client connections in all (ZooKeeper 3.7's maxCnxns); 0: no limit
    # How long a client connection may take to send its ConnectRequest (or four-letter word)
    # before it is closed, in ms.
    sessionless_cnxn_timeout: int = DEFAULT_SESSIONLESS_CNXN_TIMEOUT
    fsync: bool = True
    event_log: bool = False  # write dataDir/events.ndjson, for `paxoscope validate`
    # What runs on the log: "zookeeper" (the znode tree, ZooKeeper's client protocol) or
    # "kv" (the key-value store of the replicated-log tests, msgpack frames).
    service: str = "zookeeper"
    min_session_timeout: int = 2 * DEFAULT_TICK_TIME
    max_session_timeout: int = 20 * DEFAULT_TICK_TIME
    four_letter_words: frozenset[str] = ALWAYS_ON_WORDS
    extended_types: bool = False  # TTL nodes (ZooKeeper's zookeeper.extendedTypesEnabled)
    super_digest: str | None = None  # user:digest of the super user, who passes every ACL
    reconfig_enabled: bool = False  # ZooKeeper's reconfigEnabled: the reconfig request works
    # The leader's sweep of empty containers and expired TTL nodes (ZooKeeper's
    # ContainerManager and its znode.container.* properties).
    container_check_ms: int = 60_000
    container_max_per_minute: int = 10_000
    container_max_never_used_ms: int = 0
    tick_ms: int = DEFAULT_TICK_MS
    election_ticks: int = DEFAULT_ELECTION_TICKS
    heartbeat_ticks: int = DEFAULT_HEARTBEAT_TICKS
    snapshot_every: int = DEFAULT_SNAPSHOT_EVERY
    # The log grows this many KiB at a time, ahead of its records (`impl.storage.wal`), as
    # ZooKeeper's preAllocSize (whose default is 64 MiB; ours is smaller, for many small test
    # clusters): a sync then writes data and no file metadata.
    preallocate_kb: int = DEFAULT_PREALLOCATE_KB
    # Quorum-lease reads (`impl.paxos.leases`): a server holding leases from a majority answers
    # reads from its own state, without asking the leader; writes wait for the holders.
    lease_reads: bool = True
    max_frame_bytes: int = DEFAULT_MAX_FRAME_BYTES  # peer frames (and the kv service's)
    jute_max_buffer: int = DEFAULT_JUTE_MAX_BUFFER  # ZooKeeper client requests
    extra: dict[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    @property
    def me(self) -> PeerAddress:
        return self.servers[self.my_id]

    @property
    def peers(self) -> dict[int, PeerAddress]:
        """Every server but this one, by id."""
        return {sid: peer for sid, peer in sorted(self.servers.items()) if sid != self.my_id}

    def client_port_of(self, server_id: int) -> int | None:
        """The port `server_id` serves clients on, or None if this config does not say (its
        server line has no `;clientPort`). Raises KeyError for an id that is not a server."""
        if server_id not in self.servers:
            raise KeyError(f"server {server_id} is not in {self.path}")
        return self.servers[server_id].client_port


# --- parsing ---------------------------------------------------------------------------------


class _Bad(Exception):
    """What is wrong with one value; the caller adds where and what was expected."""


@dataclass
class _ServerLine:
    line: int
    id: int
    host: str
    peer_port: int
    election_port: int | None
    role: str
    client_host: str | None
    client_port: int | None


@dataclass
class _Parsed:
    """A config file's settings before `myid` is read: values checked one by one, with the
    line each came from."""

    source: str
    lines: dict[str, int] = field(default_factory=dict)
    paths: dict[str, str] = field(default_factory=dict)
    ints: dict[str, int] = field(default_factory=dict)
    addresses: dict[str, str] = field(default_factory=dict)  # clientPortAddress & the secure one
    tls: dict[str, str] = field(default_factory=dict)  # checked one by one, loaded by _resolve
    fsync: bool = True
    event_log: bool = False
    lease_reads: bool = True
    service: str = "zookeeper"
    extended_types: bool = False
    super_digest: str | None = None
    reconfig_enabled: bool = False
    four_letter_words: frozenset[str] = ALWAYS_ON_WORDS
    servers: dict[int, _ServerLine] = field(default_factory=dict)
    extra: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def at(self, key: str) -> str:
        return f"{self.source}:{self.lines[key]}"


def _port(text: str) -> int:
    if not re.fullmatch(r"[0-9]+", text):
        raise _Bad(f"port {text!r}")
    port = int(text)
    if not 1 <= port <= 65535:
        raise _Bad(f"port {text!r}, out of range")
    return port


def _check_host(host: str) -> str:
    if not host:
        raise _Bad("an empty host")
    if any(ch.isspace() for ch in host) or any(ch in host for ch in "[]/,;"):
        raise _Bad(f"host {host!r}")
    return host


def _split_host(text: str) -> tuple[str, str]:
    """'host:rest' or '[v6:addr]:rest' -> (host, ':rest'); rest is '' when there is no ':'."""
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise _Bad(f"an unclosed '[' in {text!r}")
        host, rest = text[1:end], text[end + 1 :]
        if rest and not rest.startswith(":"):
            raise _Bad(f"{rest!r} after the address {text[: end + 1]!r}")
        return _check_host(host), rest
    host, colon, rest = text.partition(":")
    return _check_host(host), colon + rest


def _host_port(text: str) -> tuple[str, int]:
    host, rest = _split_host(text)
    if not rest:
        raise _Bad(f"no port in {text!r}")
    return host, _port(rest[1:])


def _parse_server(value: str, line: int, sid: int) -> _ServerLine:
    if "|" in value:
        raise _Bad(
            "lists several addresses with '|' (ZooKeeper 3.6), which paxoscope does not support"
        )
    quorum, semicolon, client = (part.strip() for part in value.partition(";"))
    if ";" in client:
        raise _Bad(f"more than one ';' in {value!r}")
    host, rest = _split_host(quorum)
    fields = rest[1:].split(":") if rest else []
    if not fields:
        raise _Bad("no peer port")
    peer_port = _port(fields[0])
    election_port: int | None = None
    role = PARTICIPANT
    tail = fields[1:]
    if tail and tail[0] not in (PARTICIPANT, OBSERVER):
        election_port = _port(tail.pop(0))
    if tail:
        role = tail.pop(0)
        if role not in (PARTICIPANT, OBSERVER):
            raise _Bad(f"role {role!r} (expected participant or observer)")
    if tail:
        raise _Bad(f"too many ':' fields in {quorum!r}")
    client_host: str | None = None
    client_port: int | None = None
    if semicolon:
        if not client:
            raise _Bad("nothing after ';'")
        if ":" in client:
            client_host, client_port = _host_port(client)
        else:
            client_port = _port(client)
    return _ServerLine(line, sid, host, peer_port, election_port, role, client_host, client_port)


def parse_server_line(value: str, sid: int) -> PeerAddress:
    """What follows `server.N=` (in zoo.cfg, or in a reconfig request), checked as zoo.cfg's
    lines are; a ValueError says what is wrong. The client address defaults to the host."""
    try:
        s = _parse_server(value, 0, sid)
    except _Bad as bad:
        raise ValueError(f"server.{sid}={value}: {bad}") from None
    client_host = s.client_host or s.host
    return PeerAddress(
        sid, s.host, s.peer_port, s.election_port, client_host, s.client_port, s.role
    )


def server_line(peer: PeerAddress) -> str:
    """`peer` as the value of a `server.N=` line, as ZooKeeper writes its dynamic config."""
    election = f":{peer.election_port}" if peer.election_port is not None else ""
    client = f";{peer.client_host}:{peer.client_port}" if peer.client_port is not None else ""
    return f"{peer.host}:{peer.peer_port}{election}:{peer.role}{client}"


def _int_value(key: str, value: str, where: str) -> int:
    least, expected = _INT_KEYS[key]
    most = 65535 if key in ("clientPort", "secureClientPort") else None
    if not _DIGITS.fullmatch(value) or int(value) < least or (most and int(value) > most):
        raise ConfigError(f"{where}: {key} is {value!r}; expected {expected}")
    return int(value)


def _suggest(key: str) -> str:
    close = difflib.get_close_matches(key, _KNOWN_KEYS, n=1)
    return f"; did you mean {close[0]}?" if close else ""


# What Java's String.trim removes, which ZooKeeper's QuorumPeerConfig does from keys and values.
_JAVA_TRIM = "".join(map(chr, range(0x21)))
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SETTING_FORMS = "key=value, key:value or key value, or a # or ! comment line"


def _properties(text: str, source: str) -> Iterator[Property]:
    """The settings of `text` in order; escapes that cannot be read are a ConfigError."""
    try:
        yield from parse_properties(text)
    except PropertiesError as error:
        raise ConfigError(f"{source}:{error.line}: {error.message}") from None


def _parse_text(text: str, source: str) -> _Parsed:
    p = _Parsed(source)
    for setting in _properties(text, source):
        number = setting.line
        where = f"{source}:{number}"
        key, value = setting.key.strip(_JAVA_TRIM), setting.value.strip(_JAVA_TRIM)
        if key.startswith("zookeeper.") and key.removeprefix("zookeeper.") in _PROPERTY_KEYS:
            key = key.removeprefix("zookeeper.")
        if not key:
            raise ConfigError(
                f"{where}: {setting.text!r} is not a setting, its key is empty; expected "
                + _SETTING_FORMS
            )
        if _CONTROL.search(key):
            raise ConfigError(
                f"{where}: {setting.text!r} is not a setting, its key {key!r} has a control "
                f"character; expected {_SETTING_FORMS}"
            )
        if key in p.lines:
            raise ConfigError(
                f"{where}: {key} is set again (first on line {p.lines[key]}); "
                "expected each key at most once"
            )
        p.lines[key] = number
        if key.startswith("server."):
            _add_server(p, key, value, number)
        elif key in _PATH_KEYS:
            if not value:
                raise ConfigError(f"{where}: {key} is empty; expected a directory path")
            p.paths[key] = value
        elif key in _INT_KEYS:
            p.ints[key] = _int_value(key, value, where)
        elif key in ADDRESS_KEYS:
            try:
                address = value[1:-1] if value.startswith("[") and value.endswith("]") else value
                p.addresses[key] = _check_host(address)
            except _Bad as bad:
                raise ConfigError(
                    f"{where}: {key} has {bad}; expected a host name or IP address"
                ) from None
        elif key in tls.KEYS:
            try:
                p.tls[key] = tls.check_setting(key, value, where)
            except tls.TlsError as error:
                raise ConfigError(str(error)) from None
        elif key in tls.QUIET_KEYS:
            p.extra[key] = value
        elif key == "paxoscope.fsync":
            p.fsync = _boolean(key, value, where)
            if not p.fsync:
                p.warnings.append(
                    f"{where}: paxoscope.fsync=false: promises and votes are not forced to disk, "
                    "so a crash can lose them and break Paxos safety; use it for tests only"
                )
        elif key == "extendedTypesEnabled":
            p.extended_types = _boolean(key, value, where)
        elif key == "reconfigEnabled":
            p.reconfig_enabled = _boolean(key, value, where)
        elif key == "DigestAuthenticationProvider.superDigest":
            if ":" not in value:
                raise ConfigError(
                    f"{where}: {key} is {value!r}; expected user:digest, the digest as "
                    "DigestAuthenticationProvider.generateDigest prints it (base64 of the "
                    "SHA-1 of user:password)"
                )
            p.super_digest = value
        elif key == "paxoscope.eventLog":
            p.event_log = _boolean(key, value, where)
        elif key == "paxoscope.leaseReads":
            p.lease_reads = _boolean(
                key,
                value,
                where,
                "true (a server holding read leases from a majority answers reads itself) or "
                "false (every read asks the leader)",
            )
        elif key == "paxoscope.service":
            if value not in SERVICES:
                raise ConfigError(
                    f"{where}: paxoscope.service is {value!r}; expected one of "
                    + ", ".join(SERVICES)
                )
            p.service = value
        elif key == "4lw.commands.whitelist":
            words = {w.strip() for w in value.split(",") if w.strip()}
            unknown = sorted(words - {"*", *FOUR_LETTER_WORDS})
            if unknown:
                p.warnings.append(
                    f"{where}: 4lw.commands.whitelist names {', '.join(unknown)}, which "
                    f"paxoscope does not answer (it answers {', '.join(FOUR_LETTER_WORDS)})"
                )
            p.four_letter_words = ALWAYS_ON_WORDS | frozenset(
                FOUR_LETTER_WORDS if "*" in words else words & set(FOUR_LETTER_WORDS)
            )
        elif key.startswith(("group.", "weight.")):
            raise ConfigError(
                f"{where}: {key} configures hierarchical quorums, which paxoscope does not "
                "support (it uses majorities of the participants); expected no group.N or "
                "weight.N lines"
            )
        elif key == "dynamicConfigFile":
            raise ConfigError(
                f"{where}: dynamicConfigFile is not supported; expected the server.N lines in "
                f"{source} itself"
            )
        elif key.startswith("paxoscope."):
            raise ConfigError(
                f"{where}: {key} is not a paxoscope setting{_suggest(key)}; expected one of "
                + ", ".join(k for k in _KNOWN_KEYS if k.startswith("paxoscope."))
            )
        else:
            p.extra[key] = value
            p.warnings.append(
                f"{where}: {key} is not used by paxoscope; kept in extra and ignored{_suggest(key)}"
            )
    _check_timing(p)
    _check_sizes(p)
    return p


def _add_server(p: _Parsed, key: str, value: str, number: int) -> None:
    where = f"{p.source}:{number}"
    tag = key.removeprefix("server.")
    if not re.fullmatch(r"[0-9]+", tag) or not 1 <= int(tag) <= 255:
        raise ConfigError(
            f"{where}: {key} has id {tag!r}; expected {_SERVER_FORMAT}, N from 1 to 255 "
            "(a server id is the top byte of the session ids it makes, as in ZooKeeper)"
        )
    sid = int(tag)
    if sid in p.servers:
        raise ConfigError(
            f"{where}: {key} repeats server id {sid} (server.{sid} is on line "
            f"{p.servers[sid].line}); expected each server id once"
        )
    try:
        p.servers[sid] = _parse_server(value, number, sid)
    except _Bad as bad:
        raise ConfigError(f"{where}: server.{sid} has {bad}; expected {_SERVER_FORMAT}") from None


def _check_sizes(p: _Parsed) -> None:
    if p.service != "zookeeper":
        return  # the kv service's clients are limited by maxFrameBytes itself
    jute = p.ints.get("jute.maxbuffer", DEFAULT_JUTE_MAX_BUFFER)
    frame = p.ints.get("paxoscope.maxFrameBytes", DEFAULT_MAX_FRAME_BYTES)
    if jute + PEER_FRAME_HEADROOM > frame:
        key = "jute.maxbuffer" if "jute.maxbuffer" in p.lines else "paxoscope.maxFrameBytes"
        raise ConfigError(
            f"{p.at(key)}: jute.maxbuffer is {jute} bytes and paxoscope.maxFrameBytes {frame}; "
            f"expected the peer frame limit at least {PEER_FRAME_HEADROOM} bytes above the "
            "client request limit, or a large client request could never be replicated"
        )


def _check_timing(p: _Parsed) -> None:
    election = p.ints.get("paxoscope.electionTicks", DEFAULT_ELECTION_TICKS)
    heartbeat = p.ints.get("paxoscope.heartbeatTicks", DEFAULT_HEARTBEAT_TICKS)
    if heartbeat >= election:
        key = "paxoscope.heartbeatTicks"
        if key not in p.lines:
            key = "paxoscope.electionTicks"
        raise ConfigError(
            f"{p.at(key)}: paxoscope.heartbeatTicks is {heartbeat} and paxoscope.electionTicks "
            f"is {election}; expected heartbeats more often than the election timeout "
            "(heartbeatTicks < electionTicks), or followers depose a healthy leader"
        )
    low = _session_timeout(p.ints, "minSessionTimeout", 2)
    high = _session_timeout(p.ints, "maxSessionTimeout", 20)
    if low > high:
        key = "minSessionTimeout" if "minSessionTimeout" in p.lines else "maxSessionTimeout"
        raise ConfigError(
            f"{p.at(key)}: minSessionTimeout is {low} ms and maxSessionTimeout {high} ms "
            "(unset means 2 and 20 times tickTime); expected the minimum at most the maximum"
        )


# --- resolving: myid, my client address, port clashes ----------------------------------------


def _read_myid(myid: Path, ids: list[int], source: str) -> int | None:
    """The id in `myid`, or None if there is no such file."""
    expected = (
        f"expected this server's id, one of {', '.join(map(str, ids))} (the server.N lines of "
        f"{source})"
        if ids
        else f"expected 1 ({source} has no server.N lines: it is a cluster of one)"
    )
    try:
        text = myid.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{myid}: cannot be read ({err}); {expected}") from None
    value = text.strip()
    if not re.fullmatch(r"[0-9]+", value) or int(value) < 1:
        raise ConfigError(f"{myid}: holds {value!r}, not a server id; {expected}")
    return int(value)


def _resolve(p: _Parsed, path: Path) -> ServerConfig:
    source = p.source
    if "dataDir" not in p.paths:
        raise ConfigError(
            f"{source}: dataDir is not set; expected a line dataDir=DIR naming the directory "
            "that holds this server's myid file and data (relative to the config file's "
            "directory)"
        )
    base = path.absolute().parent
    data_dir = base / p.paths["dataDir"]
    data_log_dir = base / p.paths["dataLogDir"] if "dataLogDir" in p.paths else None
    myid = data_dir / "myid"
    ids = sorted(p.servers)
    read_id = _read_myid(myid, ids, source)
    global_port = p.ints.get("clientPort")
    global_address = p.addresses.get("clientPortAddress")
    secure_port = p.ints.get("secureClientPort")

    if not p.servers:
        if read_id not in (None, 1):
            raise ConfigError(
                f"{myid}: holds id {read_id}, but {source} has no server.N lines, so it is a "
                "cluster of one, server 1; expected 1 (or no myid file), or add server.N lines"
            )
        if global_port is None and secure_port is None:
            raise ConfigError(
                f"{source}: no client port; expected clientPort=N or secureClientPort=N "
                "(without server.N lines, there is no ;clientPort to take it from)"
            )
        address = global_address or DEFAULT_CLIENT_PORT_ADDRESS
        alone = PeerAddress(1, address, 0, None, address, global_port, PARTICIPANT)
        if global_port is not None and (address, global_port) == _secure(p, address):
            raise ConfigError(
                f"{p.at('secureClientPort')}: secureClientPort is clientPort's port "
                f"{address}:{global_port}; expected each host:port to be used once"
            )
        return _config(p, path, data_dir, data_log_dir, 1, {1: alone})

    if read_id is None:
        raise ConfigError(
            f"{myid}: missing; expected a file holding this server's id, one of "
            f"{', '.join(map(str, ids))} (the server.N lines of {source})"
        )
    if read_id not in p.servers:
        raise ConfigError(
            f"{myid}: holds id {read_id}, which is not among the servers of {source} "
            f"({', '.join(map(str, ids))}); expected one of them"
        )
    if all(s.role == OBSERVER for s in p.servers.values()):
        raise ConfigError(
            f"{source}:{p.servers[ids[0]].line}: every server is an observer; expected at "
            "least one participant to form quorums"
        )
    mine = p.servers[read_id]
    here = f"{source}:{mine.line}"
    if mine.client_port is not None and global_port not in (None, mine.client_port):
        raise ConfigError(
            f"{here}: server.{read_id} (this server, per {myid}) has client port "
            f"{mine.client_port}, but clientPort on line {p.lines['clientPort']} is "
            f"{global_port}; expected them to agree, or only one of them"
        )
    if mine.client_host is not None and global_address not in (None, mine.client_host):
        raise ConfigError(
            f"{here}: server.{read_id} (this server, per {myid}) has client address "
            f"{mine.client_host!r}, but clientPortAddress on line "
            f"{p.lines['clientPortAddress']} is {global_address!r}; expected them to agree, "
            "or only one of them"
        )
    my_port = mine.client_port if mine.client_port is not None else global_port
    if my_port is None and secure_port is None:
        raise ConfigError(
            f"{here}: server.{read_id} is this server (per {myid}) but has no client port, and "
            f"clientPort is not set; expected clientPort=N or server.{read_id}=...;clientPort "
            "(or secureClientPort=N, for TLS only)"
        )
    my_address = mine.client_host or global_address or DEFAULT_CLIENT_PORT_ADDRESS
    servers: dict[int, PeerAddress] = {}
    for sid in ids:
        s = p.servers[sid]
        client_host, client_port = s.client_host or s.host, s.client_port
        if sid == read_id:
            client_host, client_port = my_address, my_port
        servers[sid] = PeerAddress(
            sid, s.host, s.peer_port, s.election_port, client_host, client_port, s.role
        )
    client_line = mine.line if mine.client_port is not None else p.lines.get("clientPort", 0)
    _check_clashes(p, servers, read_id, client_line, _secure(p, my_address))
    return _config(p, path, data_dir, data_log_dir, read_id, servers)


def _secure(p: _Parsed, client_address: str) -> tuple[str, int] | None:
    """This server's secure client port and address (by default its client port's address)."""
    port = p.ints.get("secureClientPort")
    if port is None:
        return None
    return p.addresses.get("secureClientPortAddress", client_address), port


def _check_clashes(
    p: _Parsed,
    servers: dict[int, PeerAddress],
    my_id: int,
    my_client_line: int,
    secure: tuple[str, int] | None,
) -> None:
    """No host:port may serve two purposes (a copy-paste slip in a one-host cluster)."""
    used: dict[tuple[str, int], tuple[int, str, int]] = {}
    for sid, s in servers.items():
        line = p.servers[sid].line
        uses = [(s.host, s.peer_port, "peer", line)]
        if s.election_port is not None:
            uses.append((s.host, s.election_port, "election", line))
        if s.client_port is not None:
            uses.append(
                (s.client_host, s.client_port, "client", my_client_line if sid == my_id else line)
            )
        if sid == my_id and secure is not None:
            uses.append((*secure, "secure client", p.lines["secureClientPort"]))
        for host, port, kind, at in uses:
            if (host, port) in used:
                other, other_kind, other_line = used[(host, port)]
                raise ConfigError(
                    f"{p.source}:{at}: server.{sid}'s {kind} port {host}:{port} is already "
                    f"server.{other}'s {other_kind} port (line {other_line}); expected each "
                    "host:port to be used once"
                )
            used[(host, port)] = (sid, kind, at)


def _config(
    p: _Parsed,
    path: Path,
    data_dir: Path,
    data_log_dir: Path | None,
    my_id: int,
    servers: dict[int, PeerAddress],
) -> ServerConfig:
    me = servers[my_id]
    ints = p.ints
    secure = _secure(p, me.client_host)
    if p.extended_types and max(servers) > MAX_EXTENDED_SERVER_ID:
        raise ConfigError(
            f"{p.at('extendedTypesEnabled')}: extendedTypesEnabled=true, but server "
            f"{max(servers)} has an id above {MAX_EXTENDED_SERVER_ID}; expected ids up to "
            f"{MAX_EXTENDED_SERVER_ID} (its session ids would read as TTL nodes' owners)"
        )
    try:
        settings = tls.settings_from(
            p.tls, p.lines, p.source, path.absolute().parent, secure is not None, p.warnings
        )
    except tls.TlsError as error:
        raise ConfigError(str(error)) from None
    return ServerConfig(
        path=path,
        data_dir=data_dir,
        my_id=my_id,
        servers=servers,
        client_port=me.client_port,
        client_port_address=me.client_host,
        secure_client_port=secure[1] if secure else None,
        secure_client_port_address=secure[0] if secure else me.client_host,
        tls=settings,
        data_log_dir=data_log_dir,
        tick_time=ints.get("tickTime", DEFAULT_TICK_TIME),
        init_limit=ints.get("initLimit"),
        sync_limit=ints.get("syncLimit"),
        max_client_cnxns=ints.get("maxClientCnxns", DEFAULT_MAX_CLIENT_CNXNS),
        max_cnxns=ints.get("maxCnxns", 0),
        sessionless_cnxn_timeout=ints.get(
            "nio.sessionlessCnxnTimeout", DEFAULT_SESSIONLESS_CNXN_TIMEOUT
        ),
        fsync=p.fsync,
        event_log=p.event_log,
        service=p.service,
        min_session_timeout=_session_timeout(ints, "minSessionTimeout", 2),
        max_session_timeout=_session_timeout(ints, "maxSessionTimeout", 20),
        four_letter_words=p.four_letter_words,
        extended_types=p.extended_types,
        super_digest=p.super_digest,
        reconfig_enabled=p.reconfig_enabled,
        container_check_ms=ints.get("znode.container.checkIntervalMs", 60_000),
        container_max_per_minute=ints.get("znode.container.maxPerMinute", 10_000),
        container_max_never_used_ms=ints.get("znode.container.maxNeverUsedIntervalMs", 0),
        tick_ms=ints.get("paxoscope.tickMs", DEFAULT_TICK_MS),
        election_ticks=ints.get("paxoscope.electionTicks", DEFAULT_ELECTION_TICKS),
        heartbeat_ticks=ints.get("paxoscope.heartbeatTicks", DEFAULT_HEARTBEAT_TICKS),
        snapshot_every=ints.get("paxoscope.snapshotEvery", DEFAULT_SNAPSHOT_EVERY),
        preallocate_kb=ints.get("preAllocSize", DEFAULT_PREALLOCATE_KB),
        lease_reads=p.lease_reads,
        max_frame_bytes=ints.get("paxoscope.maxFrameBytes", DEFAULT_MAX_FRAME_BYTES),
        jute_max_buffer=ints.get("jute.maxbuffer", DEFAULT_JUTE_MAX_BUFFER),
        extra=dict(p.extra),
        warnings=tuple(p.warnings),
    )


def _session_timeout(ints: dict[str, int], key: str, ticks: int) -> int:
    """ZooKeeper's rule: unset or -1 means so many tickTimes."""
    value = ints.get(key, -1)
    return ticks * ints.get("tickTime", DEFAULT_TICK_TIME) if value < 0 else value


def load_config(path: Path) -> ServerConfig:
    """Read `path` (a zoo.cfg) and the `myid` file in its dataDir. Raises ConfigError."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: no such file; expected a zoo.cfg-style config file (key=value lines)"
        ) from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(
            f"{path}: cannot be read ({err}); expected a UTF-8 text file of key=value lines"
        ) from None
    return _resolve(_parse_text(text, str(path)), path)


def check_config_text(text: str, source: str) -> None:
    """Raise ConfigError if `text`, the contents of the config file `source`, does not parse
    (the checks of `load_config` that need no file system)."""
    _parse_text(text, source)


# --- client connect strings ------------------------------------------------------------------


def parse_server_list(servers: str) -> list[tuple[str, int]]:
    """A ZooKeeper-style connect string, "host:port,host:port", as (host, port) pairs. A chroot
    suffix ("host:port/app") is refused: paxoscope has no namespaces to root a client in."""
    text = servers.strip()
    head = f"server list {servers!r}"
    slash = text.find("/")
    if slash >= 0:
        raise ConfigError(
            f"{head}: has a chroot suffix {text[slash:]!r}, which paxoscope does not support; "
            f"expected {_LIST_FORMAT} and no /path"
        )
    if not text:
        raise ConfigError(f"{head}: is empty; expected {_LIST_FORMAT}")
    result = []
    for index, entry in enumerate(text.split(","), start=1):
        try:
            result.append(_host_port(entry.strip()))
        except _Bad as bad:
            raise ConfigError(
                f"{head}: entry {index} {entry.strip()!r} has {bad}; expected {_LIST_FORMAT}"
            ) from None
    return result

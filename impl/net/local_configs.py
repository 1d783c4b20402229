"""The zoo.cfg files of a local cluster of servers on one host (`write_cluster_configs`), for
`paxoscope cluster`, tests and benchmarks: one directory per node, each with its config and its
myid, on ports free when picked; a directory that already holds the cluster is reused as it is,
so a cluster restarted on it keeps its data and ports."""

from __future__ import annotations

import os
import re
import socket
from pathlib import Path

from impl.net.config import (
    ADDRESS_KEYS,
    DEFAULT_TICK_TIME,
    ConfigError,
    check_config_text,
    load_config,
)
from impl.net.properties import escape

_NODE_DIR = re.compile(r"node([0-9]+)")

# What the cluster's files set themselves (or must not be set with them): no `extra` may.
_STRUCTURAL_KEYS = (
    "dataDir",
    "dynamicConfigFile",
    "clientPort",
    "secureClientPort",
    *ADDRESS_KEYS,
)


def _bracket(host: str) -> str:
    return f"[{host}]" if ":" in host else host


def free_ports(host: str, count: int) -> list[int]:
    """`count` distinct ports free on `host` now: all are held open together, then closed."""
    family, kind, proto, _, address = socket.getaddrinfo(host, 0, type=socket.SOCK_STREAM)[0]
    held: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(family, kind, proto)
            held.append(sock)
            sock.bind(address)
        return [sock.getsockname()[1] for sock in held]
    finally:
        for sock in held:
            sock.close()


def _render(
    node: int,
    nodes: int,
    host: str,
    ports: list[tuple[int, int]],
    extra: dict[str, str],
    secure: bool,
    observers: int = 0,
) -> str:
    # Every four-letter word: LocalCluster reads pxst, and a local cluster is for looking at.
    settings = {
        "tickTime": str(DEFAULT_TICK_TIME),
        "initLimit": "10",
        "syncLimit": "5",
        "4lw.commands.whitelist": "*",
    }
    settings.update(extra)
    lines = [
        f"# paxoscope local cluster: node {node} of {nodes}, written by write_cluster_configs",
        "dataDir=data",
        f"clientPortAddress={host}",
        *(f"{escape(key, key=True)}={escape(value)}" for key, value in settings.items()),
        *([f"secureClientPort={ports[node - 1][1]}"] if secure else []),
        *(
            f"server.{i}={_bracket(host)}:{peer}"
            + (":observer" if i > nodes - observers else "")
            + ("" if secure else f";{client}")
            for i, (peer, client) in enumerate(ports, start=1)
        ),
    ]
    return "\n".join(lines) + "\n"


def _write_atomically(path: Path, text: str) -> None:
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)


def _check_cluster_args(
    nodes: int, host: str, ports: list[tuple[int, int]] | None, extra: dict[str, str]
) -> None:
    if nodes < 1:
        raise ValueError(f"nodes is {nodes}; expected at least 1")
    if not host or any(ch.isspace() for ch in host):
        raise ValueError(f"host is {host!r}; expected a host name or IP address")
    if ports is not None:
        if len(ports) != nodes:
            raise ValueError(f"{len(ports)} port pairs for {nodes} nodes; expected one per node")
        flat = [port for pair in ports for port in pair]
        if any(not 1 <= port <= 65535 for port in flat) or len(set(flat)) != len(flat):
            raise ValueError(
                f"ports are {ports}; expected (peerPort, clientPort) pairs of distinct ports "
                "1-65535"
            )
    for key, value in extra.items():
        if key in _STRUCTURAL_KEYS or key.startswith("server.") or key == "myid":
            raise ValueError(f"extra sets {key!r}, which write_cluster_configs writes itself")
        if not key or "=" in key or key.startswith("#") or any(c in key + value for c in "\r\n"):
            raise ValueError(f"extra has {key!r}={value!r}; expected a key=value line")


def _existing_cluster(directory: Path, nodes: int) -> list[Path] | None:
    """The configs of a cluster already written in `directory`, or None if there is none."""
    if not directory.is_dir():
        return None
    found = sorted(
        int(m.group(1)) for entry in directory.iterdir() if (m := _NODE_DIR.fullmatch(entry.name))
    )
    if not found:
        return None
    paths = [directory / f"node{i}" / "zoo.cfg" for i in range(1, nodes + 1)]
    complete = found == list(range(1, nodes + 1)) and all(path.is_file() for path in paths)
    if complete:
        configs = [load_config(path) for path in paths]
        complete = all(
            c.my_id == i and sorted(c.servers) == found for i, c in enumerate(configs, start=1)
        )
    if not complete:
        raise ConfigError(
            f"{directory}: holds node directories {', '.join(f'node{i}' for i in found)}, not a "
            f"complete cluster of {nodes}; expected an empty directory or one written by "
            f"write_cluster_configs with nodes={nodes} (remove it to start afresh)"
        )
    return paths


def write_cluster_configs(
    directory: Path,
    nodes: int,
    *,
    host: str = "127.0.0.1",
    ports: list[tuple[int, int]] | None = None,
    extra: dict[str, str] | None = None,
    secure: bool = False,
    observers: int = 0,
) -> list[Path]:
    """Write a local cluster of `nodes` servers: `directory/nodeI/zoo.cfg` and
    `directory/nodeI/data/myid` for I = 1..nodes. Every server line carries `;clientPort`;
    with `secure`, none does and each node's file sets its own `secureClientPort` instead
    (TLS-only: `extra` must then hold the ssl.* settings it needs). The last `observers`
    servers are observers.
    `ports` gives each node's (peerPort, clientPort); by default free ports are picked on `host`
    (free when picked: another process may take one before the server binds it). `extra` adds
    settings (say paxoscope.fsync=false) or overrides tickTime, initLimit, syncLimit and
    4lw.commands.whitelist (written as "*": `LocalCluster` reads the status word, pxst).

    A directory that already holds this cluster is returned as it is, whatever the other
    arguments say, so a cluster restarted on it keeps its data and ports; one holding something
    else raises ConfigError. Returns the config paths, node 1 first."""
    directory = Path(directory)
    extra = dict(extra or {})
    _check_cluster_args(nodes, host, ports, extra)
    existing = _existing_cluster(directory, nodes)
    if existing is not None:
        return existing
    if ports is None:
        flat = free_ports(host, 2 * nodes)
        ports = [(flat[2 * i], flat[2 * i + 1]) for i in range(nodes)]
    rendered: list[tuple[Path, str]] = []
    for node in range(1, nodes + 1):
        path = directory / f"node{node}" / "zoo.cfg"
        text = _render(node, nodes, host, ports, extra, secure, observers)
        check_config_text(text, str(path))  # a bad `extra` fails here, before any writing
        rendered.append((path, text))
    for node, (path, text) in enumerate(rendered, start=1):
        data = path.parent / "data"
        data.mkdir(parents=True, exist_ok=True)
        _write_atomically(data / "myid", f"{node}\n")
        _write_atomically(path, text)
    return [path for path, _ in rendered]

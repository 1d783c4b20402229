"""The `paxoscope server` and `paxoscope cluster` commands (added to the `paxoscope` group)."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import click

from impl.coord.faults import CoordFault
from impl.net.cluster import LocalCluster
from impl.net.config import SERVICES, ConfigError, ServerConfig, load_config
from impl.net.kv_service import KeyValueService
from impl.net.server import ServerFailure, run_server
from impl.net.service import Service
from impl.paxos.faults import Fault
from impl.storage import StorageError


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def make_service(config: ServerConfig, faults: frozenset[CoordFault] = frozenset()) -> Service:
    """The service the config names (paxoscope.service), with the coordination layer's
    switched-on bugs."""
    if config.service == "kv":
        return KeyValueService()
    from impl.coord.service import ZooKeeperService

    return ZooKeeperService(config, faults)


def _loop_factory() -> Callable[[], asyncio.AbstractEventLoop] | None:
    """uvloop's event loop where it is installed (a dependency on every platform but Windows):
    the same asyncio API, with the loop itself in C. Else asyncio's own."""
    try:
        import uvloop
    except ImportError:
        return None
    return uvloop.new_event_loop


@click.command()
@click.option(
    "--config",
    "config_path",
    required=True,
    type=click.Path(path_type=Path),
    help="a zoo.cfg-style file (dataDir, clientPort, server.N=host:peerPort[;clientPort]; "
    "a myid file in dataDir)",
)
@click.option(
    "--fault",
    "faults",
    multiple=True,
    type=click.Choice([*(f.value for f in Fault), *(f.value for f in CoordFault)]),
    help="switch on a known bug (for testing the tests)",
)
@click.option("-v", "--verbose", is_flag=True, help="log at debug level")
def server(config_path: Path, faults: tuple[str, ...], verbose: bool) -> None:
    """Run one replica until SIGINT or SIGTERM: the ZooKeeper-compatible service on the
    replicated log (or, with paxoscope.service=kv, the key-value store)."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
    )
    try:
        config = load_config(config_path)
    except ConfigError as error:
        _fail(str(error))
    for warning in config.warnings:
        logging.warning("%s", warning)
    try:
        paxos_faults = frozenset(Fault(f) for f in faults if f in set(Fault))
        service = make_service(
            config, frozenset(CoordFault(f) for f in faults if f in set(CoordFault))
        )
        with asyncio.Runner(loop_factory=_loop_factory()) as runner:
            runner.run(run_server(config, paxos_faults, service))
    except ServerFailure as error:  # it ran, then stopped itself: not the input's fault
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
    except StorageError as error:
        _fail(str(error))
    except OSError as error:
        _fail(f"cannot serve with {config_path}: {error}")


@click.command()
@click.option("--nodes", default=3, show_default=True, help="replicas to start")
@click.option(
    "--dir",
    "directory",
    required=True,
    type=click.Path(path_type=Path),
    help="where each node keeps its zoo.cfg, data and log (reused if it exists)",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="address to bind")
@click.option(
    "--service",
    type=click.Choice(SERVICES),
    default="zookeeper",
    show_default=True,
    help="what runs on the log: the ZooKeeper-compatible znode tree, or the key-value store",
)
def cluster(nodes: int, directory: Path, host: str, service: str) -> None:
    """Start a local cluster of NODES server processes; stop it cleanly with Ctrl-C."""
    if nodes < 1:
        _fail(f"--nodes must be at least 1, not {nodes}")
    # Python turns Ctrl-C into KeyboardInterrupt only if the parent left SIGINT alone; a
    # parent that ignores it (a test runner's worker, say) would make the cluster unstoppable.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        local = LocalCluster(directory, nodes, host=host, service=service)
        local.start()
    except (ConfigError, OSError) as error:
        _fail(str(error))
    try:  # from here on, Ctrl-C at any moment stops the cluster it started
        click.echo(f"started {nodes} replicas; connect string: {local.connect_string}")
        for node in local.nodes:
            click.echo(f"  n{node.id}: pid {node.pid}, log {node.log_path}")
        click.echo("Ctrl-C stops the cluster.")
        local.wait()
    except KeyboardInterrupt:
        click.echo("stopping...")
    finally:
        local.stop()
    click.echo("stopped.")

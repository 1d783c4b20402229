"""A listening socket and the connections accepted on it, instead of `asyncio.start_server`.

Two things asyncio's server does not do well enough here:

- **Out of file descriptors.** When `accept()` fails with EMFILE (or ENFILE, ENOBUFS, ENOMEM),
  asyncio logs a traceback and retries a second later, once for every connection it meant to
  accept in that turn, so the tracebacks multiply (~2 MB/s of log from one server). Here it is
  back-pressure: the listener stops accepting (connections wait in the kernel's backlog), tries
  again every `RETRY_S`, logs one line when it starts refusing and one when it accepts again.
- **Shutdown.** The listener owns a task per connection: `close()` stops accepting, cancels
  them and waits for them, so a server stops without leaving tasks for `asyncio.run` to cancel
  (which, with asyncio's server, logged a CancelledError traceback per open connection).

And it lets its owner refuse a connection the moment it is accepted (`admit`, with `release`
when an admitted one ends), before anything is read or any task made: a burst of connections
is accepted in one go, so a refusal any later would come after they had all taken a file
descriptor.

With a TLS context, each connection is wrapped in TLS before its handler sees it. A handshake
that fails (a plaintext client, an untrusted or missing certificate) or takes longer than
`handshake_timeout_s` closes that connection and is logged at most once per `LOG_INTERVAL_S`.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import socket
import ssl
import time
from collections.abc import Awaitable, Callable

from impl.net.ratelog import RateLimitedLog

log = logging.getLogger("paxoscope.server")

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
Admit = Callable[[str], bool]  # the client's address -> take the connection?
Release = Callable[[str], None]

BACKLOG = 100  # as asyncio.start_server
RETRY_S = 0.05  # while out of descriptors (ZooKeeper pauses its accept thread 10 ms)
OUT_OF_RESOURCES = frozenset({errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM})
LOG_INTERVAL_S = 10.0  # failed TLS handshakes: one line per this many seconds


class Listener:
    """Accepts connections on every address `host` resolves to and serves each with
    `handler(reader, writer)` in a task of its own. `name` says whose port it is in logs.
    `admit(address)`, if given, decides at once whether a connection is kept (a refused one is
    closed there and then); `release(address)` is called when a kept one ends. With `tls`, a
    server-side context, connections speak TLS: the handshake must end within
    `handshake_timeout_s` (as must the closing one)."""

    def __init__(
        self,
        name: str,
        handler: Handler,
        admit: Admit | None = None,
        release: Release | None = None,
        *,
        tls: ssl.SSLContext | None = None,
        handshake_timeout_s: float = 10.0,
    ) -> None:
        self.name = name
        self._handler = handler
        self._admit = admit
        self._release = release
        self._tls = tls
        self._handshake_timeout = handshake_timeout_s
        self._tls_log = RateLimitedLog(log, LOG_INTERVAL_S)
        self._sockets: list[socket.socket] = []
        self._accepting: list[asyncio.Task[None]] = []
        self._connections: set[asyncio.Task[None]] = set()

    async def start(self, host: str, port: int) -> None:
        loop = asyncio.get_running_loop()
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        try:
            for family, kind, proto, _, address in dict.fromkeys(infos):
                sock = socket.socket(family, kind, proto)
                self._sockets.append(sock)
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                if family == socket.AF_INET6:
                    sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
                sock.bind(address)
                sock.listen(BACKLOG)
                sock.setblocking(False)
        except OSError:
            for sock in self._sockets:
                sock.close()
            self._sockets = []
            raise
        for sock in self._sockets:
            self._accepting.append(asyncio.ensure_future(self._accept(sock)))

    @property
    def addresses(self) -> list[tuple[str, int]]:
        return [sock.getsockname()[:2] for sock in self._sockets]

    def connection_count(self) -> int:
        return len(self._connections)

    async def close(self) -> None:
        """Stop accepting, then end every connection's task and wait for them."""
        for task in self._accepting:
            task.cancel()
        for task in self._accepting:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._accepting = []
        for sock in self._sockets:
            sock.close()
        self._sockets = []
        while self._connections:
            tasks = list(self._connections)
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def _accept(self, sock: socket.socket) -> None:
        loop = asyncio.get_running_loop()
        where = "{}:{}".format(*sock.getsockname()[:2])
        starved_since: float | None = None
        while True:
            try:
                connection, address = await loop.sock_accept(sock)
            except OSError as error:
                if error.errno not in OUT_OF_RESOURCES:
                    # ECONNABORTED and the like: that one connection is gone; go on.
                    log.debug("%s: accept on %s failed: %s", self.name, where, error)
                    continue
                if starved_since is None:
                    starved_since = time.monotonic()
                    log.warning(
                        "%s: cannot accept connections on %s: %s; waiting for connections to "
                        "close (new ones wait in the backlog)",
                        self.name,
                        where,
                        error.strerror or errno.errorcode.get(error.errno or 0, "?"),
                    )
                await asyncio.sleep(RETRY_S)
                continue
            if starved_since is not None:
                log.info(
                    "%s: accepting connections on %s again, after %.1f s",
                    self.name,
                    where,
                    time.monotonic() - starved_since,
                )
                starved_since = None
            host = address[0]
            if self._admit is not None and not self._admit(host):
                connection.close()
                continue
            task = asyncio.ensure_future(self._serve(connection, address, where))
            self._connections.add(task)
            task.add_done_callback(self._finished)

    async def _serve(self, connection: socket.socket, address: tuple[str, int], where: str) -> None:
        try:
            try:
                if self._tls is None:
                    reader, writer = await asyncio.open_connection(sock=connection)
                else:
                    reader, writer = await self._open_tls(connection, self._tls)
            except OSError as error:
                connection.close()
                if self._tls is not None:
                    self._handshake_failed(where, address, error)
                return
            except BaseException:
                connection.close()
                raise
            await self._handler(reader, writer)
        finally:
            if self._release is not None:
                self._release(address[0])

    async def _open_tls(
        self, connection: socket.socket, context: ssl.SSLContext
    ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        """`asyncio.open_connection(sock=...)` for the server side of TLS: returns once the
        handshake is done; raises OSError (ssl.SSLError, or ConnectionAbortedError when it
        took longer than the handshake timeout) if it failed."""
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(loop=loop)
        protocol = asyncio.StreamReaderProtocol(reader, loop=loop)
        transport, _ = await loop.connect_accepted_socket(
            lambda: protocol,
            connection,
            ssl=context,
            ssl_handshake_timeout=self._handshake_timeout,
            ssl_shutdown_timeout=self._handshake_timeout,
        )
        return reader, asyncio.StreamWriter(transport, protocol, reader, loop)

    def _handshake_failed(self, where: str, address: tuple[str, int], error: OSError) -> None:
        if isinstance(error, ConnectionAbortedError):
            reason = f"not done within {self._handshake_timeout * 1000:.0f} ms"
        else:
            reason = str(error) or type(error).__name__
        self._tls_log.log(
            logging.WARNING,
            "handshake",
            "%s: closing a connection from %s:%d to %s: TLS handshake failed: %s",
            self.name,
            address[0],
            address[1],
            where,
            reason,
        )

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._connections.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("%s: a connection failed", self.name, exc_info=task.exception())

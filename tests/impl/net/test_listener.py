"""The listener (`impl/net/listener.py`): out of file descriptors, it stops accepting with one
log line and accepts again when descriptors are free (asyncio's server logged a traceback per
connection it could not accept, over and over); closing it ends every connection's task."""

from __future__ import annotations

import asyncio
import queue
import signal
import socket
import subprocess
import sys
import threading
import time

from impl.net.listener import Listener

# A process whose listener runs out of descriptors: it fills its table (RLIMIT_NOFILE 64),
# says so, and frees it on SIGUSR1. Each connection is answered with what it sent.
CHILD = r"""
import asyncio, logging, os, resource, sys
from impl.net.listener import Listener

logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s", stream=sys.stdout)
resource.setrlimit(resource.RLIMIT_NOFILE, (64, 64))


async def echo(reader, writer):
    writer.write(await reader.readexactly(4))
    await writer.drain()
    writer.close()


async def main():
    listener = Listener("child", echo)
    await listener.start("127.0.0.1", 0)
    print("port", listener.addresses[0][1], flush=True)
    hog = []
    freed = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGUSR1, freed.set)
    try:
        while True:
            hog.append(os.open(os.devnull, os.O_RDONLY))
    except OSError:
        pass
    print("full", flush=True)
    await freed.wait()
    for fd in hog:
        os.close(fd)
    await asyncio.sleep(60)

import signal
asyncio.run(main())
"""


class Output:
    """The child's output, line by line, read by a thread (so waits are bounded)."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, args=(process,), daemon=True).start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.lines.put(line)

    def until(self, marker: str, within: float) -> str:
        deadline = time.monotonic() + within
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self.lines.get(timeout=left)
            except queue.Empty:
                break
            self.seen.append(line)
            if marker in line:
                return line
        raise AssertionError(f"no {marker!r} within {within} s; output: {self.seen}")


def test_out_of_descriptors_is_back_pressure_with_one_log_line() -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    output = Output(child)
    clients: list[socket.socket] = []
    try:
        port = int(output.until("port", 20).split()[1])
        output.until("full", 20)
        for _ in range(5):  # into the kernel's backlog: the child cannot accept them
            s = socket.create_connection(("127.0.0.1", port), timeout=10)
            s.sendall(b"ping")
            clients.append(s)
        output.until("cannot accept connections", 20)
        time.sleep(0.5)  # ten retries, all refused, none logged
        child.send_signal(signal.SIGUSR1)
        for s in clients:
            assert s.recv(4) == b"ping"
        output.until("accepting connections", 20)
    finally:
        for s in clients:
            s.close()
        child.kill()
        child.wait(10)
    time.sleep(0.2)
    while not output.lines.empty():
        output.seen.append(output.lines.get())
    text = "".join(output.seen)
    assert text.count("cannot accept connections") == 1, text
    assert "Too many open files" in text and "Traceback" not in text, text
    assert text.count("accepting connections on 127.0.0.1") == 1, text


def test_closing_ends_every_connection() -> None:
    async def scenario() -> None:
        started = asyncio.Event()
        ended: list[str] = []

        async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            started.set()
            try:
                await reader.read()
            finally:
                ended.append("ended")
                writer.close()

        listener = Listener("test", hold)
        await listener.start("127.0.0.1", 0)
        port = listener.addresses[0][1]
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        await asyncio.wait_for(started.wait(), 10)
        assert listener.connection_count() == 1
        await listener.close()
        assert ended == ["ended"] and listener.connection_count() == 0
        writer.close()
        try:
            await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            pass  # nothing listens any more
        else:
            raise AssertionError("the listener still accepts")

    asyncio.run(scenario())

"""A TCP proxy that adds latency, for the slow-database scenario of scripts/cluster.

    python -m benchmarks.latency_proxy --listen 10.77.3.2:5433 --upstream 10.77.3.2:5432 \\
        --control /tmp/afc-cluster/latency.sock

Why not ``tc qdisc add dev db0 root netem delay 100ms``: the kernels this runs on (the
project's shared CI machine among them) are built without the netem qdisc ("Specified
qdisc kind is unknown", and no module to load), so the link itself cannot be slowed.
The proxy sits between the app hosts and PostgreSQL instead and holds every chunk it
forwards for half the round-trip delay in each direction, in order, so a query waits one
full round trip more; throughput is not capped. The delay starts at 0 (chunks pass
straight through) and changes while it runs: send ``delay 200`` (milliseconds) on the
Unix socket ``--control``; it answers ``ok``.

What it cannot do, unlike netem: delay TCP's own acknowledgements (the proxy acknowledges
what it holds), so ``tcp_user_timeout`` never fires because of it, as on a slow but
healthy network.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os


class Latency:
    """The round-trip delay in milliseconds, shared by every connection."""

    def __init__(self) -> None:
        self.ms = 0.0

    def one_way(self) -> float:
        return self.ms / 2000


async def pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
               latency: Latency) -> None:  # fmt: skip
    """Forward one direction, each chunk held until its due time; flush, then close."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

    async def send() -> None:
        while True:
            due, data = await queue.get()
            if not data:
                break
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            writer.write(data)
            await writer.drain()

    sender = asyncio.create_task(send())
    try:
        while data := await reader.read(65536):
            queue.put_nowait((loop.time() + latency.one_way(), data))
    except (ConnectionError, OSError):
        pass
    queue.put_nowait((0.0, b""))
    with contextlib.suppress(ConnectionError, OSError):
        await sender


async def serve_connection(client_reader: asyncio.StreamReader,
                           client_writer: asyncio.StreamWriter, upstream: tuple[str, int],
                           latency: Latency) -> None:  # fmt: skip
    try:
        server_reader, server_writer = await asyncio.open_connection(*upstream)
    except OSError:
        client_writer.close()  # PostgreSQL is down: the client sees the connection closed
        return
    directions = [
        asyncio.create_task(pump(client_reader, server_writer, latency)),
        asyncio.create_task(pump(server_reader, client_writer, latency)),
    ]
    # One side closing ends the conversation: close both once its last chunk is out.
    await asyncio.wait(directions, return_when=asyncio.FIRST_COMPLETED)
    for writer in (client_writer, server_writer):
        writer.close()
    for task in directions:
        task.cancel()
    await asyncio.gather(*directions, return_exceptions=True)


async def serve_control(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                        latency: Latency) -> None:  # fmt: skip
    line = (await reader.readline()).decode().split()
    if len(line) == 2 and line[0] == "delay":
        latency.ms = max(0.0, float(line[1]))
        writer.write(b"ok\n")
    else:
        writer.write(b"error: send 'delay <milliseconds>'\n")
    await writer.drain()
    writer.close()


async def main(listen: tuple[str, int], upstream: tuple[str, int], control: str) -> None:
    latency = Latency()
    with contextlib.suppress(FileNotFoundError):
        os.unlink(control)
    proxy = await asyncio.start_server(
        lambda r, w: serve_connection(r, w, upstream, latency), *listen
    )
    controller = await asyncio.start_unix_server(lambda r, w: serve_control(r, w, latency), control)
    async with proxy, controller:
        await asyncio.gather(proxy.serve_forever(), controller.serve_forever())


def address(value: str) -> tuple[str, int]:
    host, _, port = value.rpartition(":")
    return host, int(port)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--listen", type=address, required=True, help="host:port")
    parser.add_argument("--upstream", type=address, required=True, help="host:port")
    parser.add_argument("--control", required=True, help="Unix socket for 'delay <ms>'")
    options = parser.parse_args()
    asyncio.run(main(options.listen, options.upstream, options.control))

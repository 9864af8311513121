"""A TCP proxy a test controls: forward, refuse connections, or black-hole traffic.

Put between two real components (Rasa → action server, servers → PostgreSQL) to fail one of them
the way networks fail, without stopping the process behind it:
- `refuse()`: nothing listens (connection refused), as if the peer were down;
- `blackhole()`: connections are accepted and bytes swallowed, existing ones stall — a peer that
  hangs or a firewall that drops packets;
- `forward()`: back to normal.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Optional, Set


class TcpProxy:
    def __init__(self, listen_port: int, target_host: str, target_port: int, listen_host: str = "127.0.0.1") -> None:
        self.listen_host, self.listen_port = listen_host, listen_port
        self.target = (target_host, target_port)
        self.mode = "forward"
        self._loop = asyncio.new_event_loop()
        self._server: Optional[asyncio.base_events.Server] = None
        self._writers: Set[asyncio.StreamWriter] = set()
        self._thread = threading.Thread(target=self._loop.run_forever, name="tcp-proxy", daemon=True)
        self._thread.start()
        self._call(self._listen())

    def _call(self, coroutine) -> None:
        asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout=10)

    async def _listen(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(
                self._accept, self.listen_host, self.listen_port, reuse_address=True
            )

    async def _stop_listening(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        try:
            if self.mode == "blackhole":
                await self._swallow(reader)
                return
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
            self._writers.add(upstream_writer)
            await asyncio.gather(self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer))
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    @staticmethod
    async def _swallow(reader: asyncio.StreamReader) -> None:
        while await reader.read(65536):
            pass

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                while self.mode == "blackhole":  # hold everything, as a dropped network does
                    await asyncio.sleep(0.05)
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    # -- what tests call --------------------------------------------------------------------

    def forward(self) -> None:
        self.mode = "forward"
        self._call(self._listen())

    def refuse(self) -> None:
        self.mode = "refuse"
        self._call(self._stop_listening())

    def blackhole(self) -> None:
        self.mode = "blackhole"
        self._call(self._listen())

    def close(self) -> None:
        self._call(self._stop_listening())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

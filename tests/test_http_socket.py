"""The socket `serve --http` (and `worktrail board`) binds before uvicorn serves it: every
connection accepted on it sends at once (TCP_NODELAY). asyncio sets that only on a socket made as
TCP by name; without it, each answer's body waited about 40 ms for the client's delayed ACK of its
headers, 20 requests a second on one connection."""

from __future__ import annotations

import asyncio
import socket

from worktrail.cli.serve_http import listening_socket


def test_connections_accepted_on_the_bound_socket_send_without_delay() -> None:
    async def accepted_nodelay() -> int:
        sock = listening_socket("127.0.0.1", 0)
        made: asyncio.Future[asyncio.BaseTransport] = asyncio.get_running_loop().create_future()

        class Accepting(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                made.set_result(transport)

        server = await asyncio.get_running_loop().create_server(Accepting, sock=sock)
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", sock.getsockname()[1])
            transport = await asyncio.wait_for(made, 10)
            nodelay = transport.get_extra_info("socket").getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
            writer.close()
            transport.close()
            return int(nodelay)
        finally:
            server.close()
            await server.wait_closed()

    assert asyncio.run(accepted_nodelay()) != 0

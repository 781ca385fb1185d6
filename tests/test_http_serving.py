"""How `serve --http` serves, for speed (benchmarks/README.md, issue 30):

- the socket it (and `worktrail board`) binds before uvicorn serves it: every connection accepted
  on it sends at once (TCP_NODELAY). asyncio sets that only on a socket made as TCP by name;
  without it, each answer's body waited about 40 ms for the client's delayed ACK of its headers,
  20 requests a second on one connection;
- what start-up made is frozen out of the garbage collector's sight (as over stdio), so that a full
  collection does not walk it in the middle of a request."""

from __future__ import annotations

import asyncio
import os
import socket
from pathlib import Path

from tests.servers import start_http, stop
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


def test_what_start_up_made_is_out_of_the_collectors_sight_while_serving(initialised: tuple[Path, str], tmp_path: Path) -> None:
    db, _ = initialised
    hook, frozen = tmp_path / "hook", tmp_path / "frozen"
    hook.mkdir()
    # Read in the real server process as it exits: how many objects gc.freeze() took out of collections.
    (hook / "sitecustomize.py").write_text(
        f"import atexit, gc\natexit.register(lambda: open({str(frozen)!r}, 'w').write(str(gc.get_freeze_count())))\n"
    )
    path = os.pathsep.join(p for p in (str(hook), os.environ.get("PYTHONPATH")) if p)
    process, _ = start_http(db, env={"PYTHONPATH": path})
    code, said = stop(process)
    assert code == 0, said
    assert int(frozen.read_text()) > 10_000  # the modules, models and templates of start-up: ~100k objects

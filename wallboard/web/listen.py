"""More listening ports for the process's one web server (a web node's other accounts).

`ui.run` starts one uvicorn server on one host and port, and offers no way to pass it
more sockets. A web node serving several accounts listens on each account's port
(`web_port + node`) with that same server: once it has started, each further port gets
a listener made exactly as uvicorn makes its own (its protocol class, its connection
state, its app), added to the server's list of listeners — so uvicorn's own shutdown
closes them and drains their connections with the first port's. (Separate uvicorn
servers would each run the app's lifespan again and take over the process's signals.)
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

import uvicorn
from nicegui.server import Server

__all__ = ["listen_also"]

log = logging.getLogger(__name__)


async def listen_also(host: str, ports: Sequence[int]) -> None:
    """Once the web server runs, listen on `ports` too (a task: returns when they listen)."""
    if not ports:
        return
    while not getattr(Server, "instance", None) or not Server.instance.started:
        await asyncio.sleep(0.01)  # uvicorn sets `started` right after its own listener
    server: uvicorn.Server = Server.instance
    config = server.config

    def protocol(_loop: asyncio.AbstractEventLoop | None = None) -> asyncio.Protocol:
        made: asyncio.Protocol = config.http_protocol_class(  # type: ignore[call-arg]
            config=config,
            server_state=server.server_state,
            app_state=server.lifespan.state,
            _loop=_loop,
        )
        return made

    loop = asyncio.get_running_loop()
    for port in ports:
        listener = await loop.create_server(
            protocol, host=host, port=port, ssl=config.ssl, backlog=config.backlog
        )
        server.servers.append(listener)
        log.info("also listening on %s:%d", host, port)

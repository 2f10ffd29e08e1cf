"""`wallboard check-config`: validate the settings, log in once, and report what we see.

Prints the login API and identity, the monitor servers, which one answered and with which
Engine.IO version, the server's clock, and the queues and extensions it sends — or exactly
what is wrong (a config key, refused credentials, an unreachable server). Never prints a
secret.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

import aiohttp

from wallboard.config import Settings, load_settings
from wallboard.core.events import ExtensionsSnapshot, LoggedIn, QueuesSnapshot
from wallboard.errors import ConfigError, VendorAuthError, VendorConnectionError, WallboardError
from wallboard.runtime.hub import Hub
from wallboard.voicenter.connector import Connector, RealtimeSocket
from wallboard.voicenter.eio3 import PacketKind
from wallboard.voicenter.http import host_of, translate
from wallboard.voicenter.ingest import FrameParser
from wallboard.voicenter.login import check_credentials, login, redact, settings_secrets

__all__ = ["EXIT_CONFIG", "EXIT_NO_SERVER", "EXIT_OK", "EXIT_REFUSED", "add_parser", "check", "run"]

EXIT_OK = 0
EXIT_NO_SERVER = 1  # neither the login server nor any monitor server answered
EXIT_CONFIG = 2  # the configuration is wrong (names the file and the key)
EXIT_REFUSED = 3  # the vendor refused the credentials


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register `wallboard check-config`."""
    p = sub.add_parser("check-config", help="validate settings, log in once, report what we see")
    p.add_argument("--config", type=Path, default=None, help="settings file (TOML)")
    p.add_argument("--timeout", type=float, default=20.0, help="give up after this many seconds")
    p.set_defaults(handler=run)


async def check(settings: Settings, out: list[str], timeout: float) -> bool:
    """Log in, connect to the first server that answers, wait for the snapshots."""
    v = settings.vendor
    parser = FrameParser(Hub(settings.fold_settings()))
    connector = Connector(v, parser)
    out.append(f"login:      {v.login_api} API, {v.login_type} identity, {v.login_url}")
    async with aiohttp.ClientSession() as http:
        session = await login(http, v)
        connector.session = session
        left = session.expires_in()
        out.append(f"token:      ok, expires in {'?' if left is None else f'{left:.0f} s'}")
        out.append(f"servers:    {', '.join(session.servers)}")
        token = session.token.get_secret_value()
        problems: list[str] = []
        for server in session.servers:
            try:
                async with asyncio.timeout(timeout):
                    sock = await connector.open_socket(http, server, token)
                    try:
                        await _until_snapshots(parser, server, sock, out)
                    finally:
                        await sock.close()
                out.extend(f"skipped:    {p}" for p in problems)
                out.append(f"connected:  {server} ({sock.protocol})")
                return True
            except TimeoutError:
                problems.append(f"{server}: no snapshots within {timeout:g} s")
            except VendorConnectionError as e:
                problems.append(redact(str(e), [token]))
            except (aiohttp.ClientError, OSError) as e:  # pragma: no cover - mapped at the edge
                err = translate(e, server, server)
                problems.append(redact(str(err or f"cannot reach {host_of(server)}"), [token]))
        for p in problems:
            out.append(f"problem:    {p}")
        return False


async def _until_snapshots(
    parser: FrameParser, server: str, sock: RealtimeSocket, out: list[str]
) -> None:
    got_queues = got_exts = logged_in = False
    while not (got_queues and got_exts):
        pkt = await sock.recv()
        if pkt.kind in (PacketKind.DISCONNECT, PacketKind.ERROR):
            if not logged_in:
                raise VendorAuthError(f"{server} refused the socket token: {pkt.detail}")
            raise VendorConnectionError(f"{server}: {pkt.detail}")
        if pkt.kind is not PacketKind.EVENT:
            continue
        now = time.time()
        if pkt.frame is not None:
            event = parser.feed_frame(pkt.frame, now)
        else:
            event = parser.feed_message(pkt.name or "", pkt.payload, now)
        if isinstance(event, LoggedIn):
            logged_in = True
            skew = event.server_time - now
            out.append(
                f"server:     time {event.server_time} ({skew:+.0f} s from ours), "
                f"UTC offset {event.offset_minutes} min"
            )
        elif isinstance(event, QueuesSnapshot):
            got_queues = True
            names = ", ".join(f"{q.queue_id} {q.name}" for q in event.queues[:20])
            more = f" (+{len(event.queues) - 20} more)" if len(event.queues) > 20 else ""
            out.append(f"queues:     {len(event.queues)}: {names}{more}")
        elif isinstance(event, ExtensionsSnapshot):
            got_exts = True
            nums = ", ".join(f"{e.extension} {e.display_name}" for e in event.extensions[:20])
            more = f" (+{len(event.extensions) - 20} more)" if len(event.extensions) > 20 else ""
            out.append(f"extensions: {len(event.extensions)}: {nums}{more}")


def _failed(out: list[str], kind: str, why: str, code: int) -> int:
    for line in out:
        print(line)
    print(f"{kind}: {why}", file=sys.stderr)
    return code


def run(args: argparse.Namespace) -> int:
    """Check the settings and the vendor link; the exit code says what is wrong.

    0 all is well, 1 no server answered, 2 the configuration is wrong, 3 the vendor refused
    the credentials — so that a script can act on it.
    """
    where = str(args.config) if args.config else "(defaults + environment)"
    out: list[str] = []
    try:
        settings = load_settings(args.config)
        check_credentials(settings.vendor)
    except ConfigError as e:
        return _failed(out, "configuration error", f"{where}: {e.key}: {e.problem}", EXIT_CONFIG)
    secrets = settings_secrets(settings.vendor)
    try:
        ok = asyncio.run(check(settings, out, args.timeout))
    except VendorAuthError as e:
        return _failed(out, "credentials refused", redact(str(e), secrets), EXIT_REFUSED)
    except ConfigError as e:
        return _failed(out, "configuration error", f"{where}: {e.key}: {e.problem}", EXIT_CONFIG)
    except WallboardError as e:
        return _failed(out, "no server answered", redact(str(e), secrets), EXIT_NO_SERVER)
    if not ok:
        return _failed(out, "problem", "no monitor server answered", EXIT_NO_SERVER)
    for line in out:
        print(line)
    print("ok")
    return EXIT_OK

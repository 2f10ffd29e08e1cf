"""The one place where aiohttp's and the OS's exceptions become the wallboard's own.

Every request to the vendor (login, REST APIs, the websocket) runs inside
`vendor_errors(what, url)`, which turns a library or socket exception into a
`VendorConnectionError`, `VendorAuthError` or `VendorProtocolError` whose message says in
words what happened and to which host ("cannot reach m1.example: connection refused",
"m1.example did not answer within 10 s") — never a library class name, never the URL's
query (it carries the socket token). Modelled on httpx's `_exceptions.py` mapping.
"""

from __future__ import annotations

import errno
import html
import re
import socket
import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit

import aiohttp

from wallboard.errors import (
    VendorAuthError,
    VendorConnectionError,
    VendorError,
    VendorProtocolError,
)

__all__ = ["first_words", "host_of", "summarise_reply", "translate", "vendor_errors"]

_Builder = Callable[[BaseException, str, float | None], VendorError]

# Why an OS-level connect failed, in words (errno → phrase).
_OS_REASONS = {
    errno.ECONNREFUSED: "connection refused",
    errno.ECONNRESET: "connection reset",
    errno.ETIMEDOUT: "connection timed out",
    errno.EHOSTUNREACH: "no route to host",
    errno.ENETUNREACH: "network unreachable",
    errno.ECONNABORTED: "connection aborted",
    errno.EPIPE: "connection closed",
}


def host_of(url: str) -> str:
    """The `host[:port]` of a URL (no scheme, credentials, path or query)."""
    if "://" not in url:
        url = f"//{url}"
    netloc = urlsplit(url).netloc.rpartition("@")[2]
    return netloc or url.strip("/")


def _os_reason(e: BaseException | None) -> str:
    """What an OS error means, in a few words."""
    if isinstance(e, socket.gaierror):
        return "host name not found (check the address)"
    if isinstance(e, TimeoutError):
        return "connection timed out"
    if isinstance(e, OSError) and e.errno in _OS_REASONS:
        return _OS_REASONS[e.errno]
    text = str(e).lower()
    # asyncio joins the failures of every address of a host into one errno-less OSError.
    if "refused" in text or "connect call failed" in text:
        return "connection refused"
    if isinstance(e, OSError) and e.strerror:
        return e.strerror.lower()
    return "network error"


def _timeout(_: BaseException, host: str, timeout: float | None) -> VendorError:
    within = f" within {timeout:g} s" if timeout is not None else " in time"
    return VendorConnectionError(f"{host} did not answer{within}")


def _certificate(e: BaseException, host: str, _: float | None) -> VendorError:
    cert = getattr(e, "certificate_error", None)
    why = getattr(cert, "verify_message", None) or "not trusted"
    return VendorConnectionError(f"cannot reach {host}: its TLS certificate is {why}")


def _tls(_: BaseException, host: str, __: float | None) -> VendorError:
    return VendorConnectionError(f"cannot reach {host}: the TLS handshake failed")


def _connect(e: BaseException, host: str, _: float | None) -> VendorError:
    os_error = e.os_error if isinstance(e, aiohttp.ClientConnectorError) else e
    return VendorConnectionError(f"cannot reach {host}: {_os_reason(os_error)}")


def _upgrade(e: BaseException, host: str, _: float | None) -> VendorError:
    status = e.status if isinstance(e, aiohttp.ClientResponseError) else 0
    if status in (401, 403):
        return VendorAuthError(f"{host} refused the token (HTTP {status})")
    if status == 400:
        # socket.io@4 answers an EIO=3 upgrade (and @2 an EIO=4 one) with a 400.
        return VendorProtocolError(
            f"{host} refused the websocket upgrade (HTTP 400): "
            "it may speak another Engine.IO version"
        )
    return VendorConnectionError(f"{host} refused the websocket upgrade (HTTP {status})")


def _not_json(_: BaseException, host: str, __: float | None) -> VendorError:
    return VendorProtocolError(f"{host} answered something that is not JSON")


def _status(e: BaseException, host: str, _: float | None) -> VendorError:
    status = e.status if isinstance(e, aiohttp.ClientResponseError) else 0
    if status in (401, 403):
        return VendorAuthError(f"{host} refused the credentials (HTTP {status})")
    return VendorConnectionError(f"{host} answered HTTP {status}")


def _disconnected(_: BaseException, host: str, __: float | None) -> VendorError:
    return VendorConnectionError(f"{host} closed the connection before answering")


def _payload(_: BaseException, host: str, __: float | None) -> VendorError:
    return VendorConnectionError(f"{host} broke off its answer part-way")


def _bad_url(_: BaseException, host: str, __: float | None) -> VendorError:
    return VendorConnectionError(f"{host!r} is not a usable URL (check the configuration)")


def _link(e: BaseException, host: str, _: float | None) -> VendorError:
    return VendorConnectionError(f"connection to {host} failed: {_os_reason(e)}")


def _other(_: BaseException, host: str, __: float | None) -> VendorError:
    return VendorConnectionError(f"the request to {host} failed")


# First match wins, so a subclass comes before its base (aiohttp's timeouts are both
# `TimeoutError` and `ClientError`; a certificate error is a TLS error is a connect error).
_MAPPING: tuple[tuple[type[BaseException], _Builder], ...] = (
    (TimeoutError, _timeout),
    (aiohttp.ClientConnectorCertificateError, _certificate),
    (aiohttp.ClientSSLError, _tls),
    (ssl.SSLError, _tls),
    (aiohttp.ClientConnectorError, _connect),
    (aiohttp.WSServerHandshakeError, _upgrade),
    (aiohttp.ContentTypeError, _not_json),
    (aiohttp.ClientResponseError, _status),
    (aiohttp.ServerDisconnectedError, _disconnected),
    (aiohttp.ClientPayloadError, _payload),
    (aiohttp.InvalidURL, _bad_url),
    (aiohttp.ClientOSError, _link),
    (aiohttp.ClientConnectionError, _link),
    (aiohttp.ClientError, _other),
    (OSError, _link),
)


def translate(
    exc: BaseException, what: str, url: str, *, timeout: float | None = None
) -> VendorError | None:
    """The wallboard error for `exc` or the library error behind it; None if neither maps.

    Libraries built on aiohttp (python-socketio) wrap its errors in their own: the chain of
    causes is searched, so the message names the real problem.
    """
    seen: set[int] = set()
    e: BaseException | None = exc
    while e is not None and id(e) not in seen:
        if isinstance(e, VendorError):
            return e
        seen.add(id(e))
        for kind, build in _MAPPING:
            if isinstance(e, kind):
                err = build(e, host_of(url), timeout)
                return type(err)(f"{what}: {err}") if what else err
        e = e.__cause__ or e.__context__
    return None


@contextmanager
def vendor_errors(what: str, url: str, *, timeout: float | None = None) -> Iterator[None]:
    """Run a request to the vendor; aiohttp, timeout and OS errors leave as VendorErrors.

    `what` starts the message ("login", "CallLog", a server); `url` names the host;
    `timeout` (seconds) is quoted when the host did not answer in time. Any other
    exception passes through unchanged.
    """
    try:
        yield
    except VendorError:
        raise
    except (aiohttp.ClientError, OSError) as e:  # TimeoutError is an OSError
        err = translate(e, what, url, timeout=timeout)
        if err is None:  # pragma: no cover - every ClientError and OSError maps
            raise
        raise err from None


_TAGS = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]*>", re.S | re.I)


def summarise_reply(status: int, content_type: str, text: str, words: int = 8) -> str:
    """A vendor's reply in one short line: its status, content type and first words.

    Never the body itself: an error page is kilobytes of HTML, and a reply may echo what we
    sent. Markup is dropped (an nginx "502 Bad Gateway" page reads as those words) and the
    words are cut to `words`, 60 characters at most.
    """
    first = first_words(text, words)
    kind = content_type.split(";")[0].strip() or "no content type"
    return f'HTTP {status}, {kind}, "{first}"' if first else f"HTTP {status}, {kind}, empty"


def first_words(text: str, words: int = 8, limit: int = 60) -> str:
    """The first words of a vendor's text, markup dropped, "…" where it was cut."""
    plain = " ".join(html.unescape(_TAGS.sub(" ", text)).split())
    first = " ".join(plain.split(" ")[:words])
    if len(first) > limit:
        return first[: limit - 1].rstrip() + "…"
    return first + " …" if len(first) < len(plain) else first

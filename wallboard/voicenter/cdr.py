"""CDR notification bodies (JSON, form-urlencoded, XML-RPC) → a frozen `Cdr` model.

The vendor posts one CDR per finished call in the encoding the customer chose
(docs/voicenter.md, "CDR notification"). Fields we do not model stay in the raw body,
which the store keeps. XML is parsed with defusedxml, so entity expansion (an "XML
bomb") and external entities are refused rather than expanded.
"""

from __future__ import annotations

import enum
import json
import xmlrpc.client
from typing import Any
from urllib.parse import parse_qsl, urlencode

from defusedxml import DefusedXmlException
from defusedxml.xmlrpc import monkey_patch
from pydantic import ValidationError

from wallboard.core.calls import Cdr
from wallboard.errors import PayloadError

__all__ = ["Encoding", "ack_body", "detect_encoding", "parse_cdr"]

monkey_patch()  # xmlrpc.client.loads now uses defusedxml's expat parser

_EVENT = "cdr"


class Encoding(enum.StrEnum):
    """How a CDR body was encoded (the reply goes back in kind)."""

    JSON = "json"
    FORM = "form"
    XMLRPC = "xmlrpc"


def detect_encoding(content_type: str, body: bytes) -> Encoding:
    """Which encoding a body is in: by Content-Type, else by its first byte."""
    ct = content_type.split(";", 1)[0].strip().lower()
    if ct in ("application/json", "text/json"):
        return Encoding.JSON
    if ct == "application/x-www-form-urlencoded":
        return Encoding.FORM
    if ct in ("text/xml", "application/xml"):
        return Encoding.XMLRPC
    head = body.lstrip()[:1]
    if head == b"{":
        return Encoding.JSON
    if head == b"<":
        return Encoding.XMLRPC
    return Encoding.FORM


def _decode_text(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise PayloadError(_EVENT, "(body)", f"not UTF-8: {e.reason}") from None


def _fields(encoding: Encoding, body: bytes) -> dict[str, Any]:
    if encoding is Encoding.JSON:
        try:
            data = json.loads(body)
        except ValueError as e:
            raise PayloadError(_EVENT, "(body)", f"invalid JSON: {e}") from None
        if not isinstance(data, dict):
            raise PayloadError(_EVENT, "(body)", "expected a JSON object")
        return data
    if encoding is Encoding.FORM:
        text = _decode_text(body)
        try:
            pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True)
        except ValueError as e:
            raise PayloadError(_EVENT, "(body)", f"invalid form body: {e}") from None
        return dict(pairs)
    try:
        params, method = xmlrpc.client.loads(_decode_text(body))
    except DefusedXmlException as e:
        raise PayloadError(_EVENT, "(body)", f"refused XML: {type(e).__name__}") from None
    except Exception as e:  # expat and xmlrpc raise several unrelated types
        raise PayloadError(_EVENT, "(body)", f"invalid XML-RPC: {e}") from None
    if len(params) != 1 or not isinstance(params[0], dict):
        raise PayloadError(_EVENT, "(params)", f"expected one struct in methodCall {method!r}")
    return params[0]


def parse_cdr(body: bytes, content_type: str = "") -> tuple[Cdr, Encoding]:
    """Parse one CDR body; `PayloadError` names what is wrong."""
    encoding = detect_encoding(content_type, body)
    data = _fields(encoding, body)
    try:
        return Cdr.model_validate(data), encoding
    except ValidationError as e:
        err = e.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "(body)"
        raise PayloadError(_EVENT, where, err["msg"]) from None


def ack_body(encoding: Encoding, err: int, desc: str) -> tuple[bytes, str]:
    """The reply the vendor expects (Err 0 OK / 1 parse error / 2 application error)."""
    if encoding is Encoding.XMLRPC:
        xml = xmlrpc.client.dumps(({"Err": err, "Errdesc": desc},), methodresponse=True)
        return xml.encode("utf-8"), "text/xml; charset=utf-8"
    if encoding is Encoding.FORM:
        form = urlencode({"Err": err, "Errdesc": desc}).encode()
        return form, "application/x-www-form-urlencoded"
    return json.dumps({"Err": err, "Errdesc": desc}).encode(), "application/json"

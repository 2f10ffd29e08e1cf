"""CDR notification bodies (JSON, form-urlencoded, XML-RPC) → a frozen `Cdr` model.

The vendor posts one CDR per finished call in the encoding the customer chose
(docs/voicenter.md, "CDR notification"). Fields we do not model stay in the raw body,
which the store keeps. XML is parsed with defusedxml, so entity expansion (an "XML
bomb") and external entities are refused rather than expanded.

Input limits are a contract (docs/voicenter.md, "CDR notification"): a body that breaks
one is refused with `PayloadError` (the webhook answers `Err 1`) before anything is
stored, so nothing the store or the fold cannot hold gets past this module.
"""

from __future__ import annotations

import enum
import json
import math
import xmlrpc.client
from typing import Any
from urllib.parse import parse_qsl, urlencode

import msgspec
from defusedxml import DefusedXmlException
from defusedxml.xmlrpc import monkey_patch
from pydantic import ValidationError

from wallboard.core.calls import Cdr
from wallboard.errors import PayloadError

__all__ = [
    "LIMITS",
    "Encoding",
    "Limits",
    "ack_body",
    "check_limits",
    "detect_encoding",
    "parse_cdr",
]

monkey_patch()  # xmlrpc.client.loads now uses defusedxml's expat parser

_EVENT = "cdr"
_JSON = msgspec.json.Decoder()  # into plain dicts and lists, as `json.loads` would


class Limits:
    """What a CDR body may hold (the contract in docs/voicenter.md, "CDR notification")."""

    max_depth = 32  # objects/arrays/structs inside each other, the body itself is 1
    max_values = 20_000  # values in the whole body (keys not counted)
    max_key = 200  # characters in a key
    max_field = 1_000  # characters in a top-level text value (`type`, `caller`, ...)
    max_text = 200_000  # characters in a string inside `aiData` (a long transcript)
    int_min, int_max = -(2**63), 2**63 - 1  # SQLite's INTEGER (int64)
    time_max = 4_102_444_800  # `time` before 2100-01-01: a call, not an overflow


LIMITS = Limits()
_NESTED = ("aiData",)  # the one field that carries nested data and long text
# The top-level text fields we model (`type`, `caller`, ...), by their wire names.
_SHORT = frozenset(f.alias or name for name, f in Cdr.model_fields.items() if f.annotation is str)


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


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def _fields(encoding: Encoding, body: bytes) -> dict[str, Any]:
    if encoding is Encoding.JSON:
        try:
            # msgspec, not `json`: the same dict in about half the time, straight from the
            # bytes. Strict JSON: NaN, Infinity, a number beyond a double, a lone
            # surrogate escape and bytes that are not UTF-8 are refused here.
            data = _JSON.decode(body)
        except RecursionError:
            raise PayloadError(_EVENT, "(body)", "nested too deep") from None
        except msgspec.DecodeError as e:  # ValidationError (a number out of range) too
            raise PayloadError(_EVENT, "(body)", f"invalid JSON: {e}") from None
        if not isinstance(data, dict):
            raise PayloadError(_EVENT, "(body)", "expected a JSON object")
        return data
    if encoding is Encoding.FORM:
        text = _decode_text(body)
        try:
            # strict: `%ff` (not UTF-8 once unquoted) is refused, not turned into U+FFFD.
            pairs = parse_qsl(
                text,
                keep_blank_values=True,
                strict_parsing=True,
                errors="strict",
                max_num_fields=LIMITS.max_values,
            )
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


def _check_string(where: str, v: str, limit: int) -> None:
    if len(v) > limit:
        raise PayloadError(_EVENT, where, f"longer than {limit} characters")
    if v.isascii():  # nearly every string: O(1) in CPython, and never a surrogate
        return
    try:
        v.encode("utf-8")
    except UnicodeEncodeError:
        raise PayloadError(_EVENT, where, "not valid Unicode (a lone surrogate)") from None


def _check_scalar(where: str, v: Any, text_limit: int) -> None:
    if isinstance(v, str):
        _check_string(where, v, text_limit)
    elif isinstance(v, bool) or v is None:
        pass
    elif isinstance(v, int):
        if not LIMITS.int_min <= v <= LIMITS.int_max:
            raise PayloadError(_EVENT, where, "integer out of range (64-bit)")
    elif isinstance(v, float):
        if not math.isfinite(v):
            raise PayloadError(_EVENT, where, "not a finite number")
    else:  # XML-RPC dateTime or base64: nothing a CDR carries
        raise PayloadError(_EVENT, where, f"unsupported value type {type(v).__name__}")


def check_limits(data: dict[str, Any]) -> None:
    """Depth, size, string, integer and encoding limits over a decoded body (no recursion).

    Every CDR passes here, so the common values (short ASCII text, small integers) are
    judged in place, and a name for the error is made only when there is an error.
    """
    count = 1
    stack: list[tuple[str, Any, int, int]] = [("(body)", data, 1, LIMITS.max_field)]
    while stack:
        where, v, depth, text_limit = stack.pop()
        if depth > LIMITS.max_depth:
            raise PayloadError(_EVENT, where, f"nested deeper than {LIMITS.max_depth}")
        items = v.items() if isinstance(v, dict) else enumerate(v)
        for k, child in items:
            count += 1
            if count > LIMITS.max_values:
                raise PayloadError(_EVENT, "(body)", f"more than {LIMITS.max_values} values")
            if isinstance(k, str) and (len(k) > LIMITS.max_key or not k.isascii()):
                _check_string(f"{where}.(key)", k, LIMITS.max_key)
            # Our modelled fields are short; aiData's transcript and fields we do not model
            # (kept in the raw body) may be long.
            limit = text_limit if depth == 1 and k in _SHORT else LIMITS.max_text
            kind = type(child)
            if (kind is str and len(child) <= limit and child.isascii()) or (
                kind is int and LIMITS.int_min <= child <= LIMITS.int_max
            ):
                continue
            name = str(k) if depth == 1 else f"{where}.{k}"[:120]
            if isinstance(child, dict | list):
                stack.append((name, child, depth + 1, limit))
            else:
                _check_scalar(name, child, limit)


def _check_ranges(cdr: Cdr) -> None:
    """The model's integers within SQLite's int64, and `time` a plausible moment."""
    if not 0 <= cdr.time <= LIMITS.time_max:
        raise PayloadError(_EVENT, "time", f"not between 0 and {LIMITS.time_max}")
    for name in ("duration", "dialtime", "queueid", "seconds_waiting_in_queue", "department_id"):
        v = getattr(cdr, name)
        if v is not None and not LIMITS.int_min <= v <= LIMITS.int_max:
            raise PayloadError(_EVENT, name, "integer out of range (64-bit)")
    if cdr.price is not None and not math.isfinite(cdr.price):
        raise PayloadError(_EVENT, "price", "not a finite number")


def _nested_json(data: dict[str, Any]) -> None:
    """Form and XML-RPC carry `aiData` as JSON text: decode it here, so the limits see it."""
    for key in _NESTED:
        v = data.get(key)
        if isinstance(v, str) and v.strip():
            try:
                data[key] = json.loads(v, parse_constant=_no_constant)
            except RecursionError:
                raise PayloadError(_EVENT, key, "nested too deep") from None
            except ValueError:
                pass  # not JSON: the model reads it as no AI data


def parse_cdr(body: bytes, content_type: str = "") -> tuple[Cdr, Encoding]:
    """Parse one CDR body within `LIMITS`; `PayloadError` names what is wrong."""
    encoding = detect_encoding(content_type, body)
    data = _fields(encoding, body)
    _nested_json(data)
    check_limits(data)
    try:
        cdr = Cdr.model_validate(data)
    except ValidationError as e:
        err = e.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "(body)"
        raise PayloadError(_EVENT, where, err["msg"]) from None
    _check_ranges(cdr)
    return cdr, encoding


def ack_body(encoding: Encoding, err: int, desc: str) -> tuple[bytes, str]:
    """The reply the vendor expects (Err 0 OK / 1 parse error / 2 application error)."""
    if err == 0 and desc == "OK":
        return _OK[encoding]  # nearly every reply: made once
    return _ack_body(encoding, err, desc)


def _ack_body(encoding: Encoding, err: int, desc: str) -> tuple[bytes, str]:
    # Whatever the reason quotes of a hostile body, the reply itself must encode.
    desc = desc[:500].encode("utf-8", "backslashreplace").decode("utf-8")
    if encoding is Encoding.XMLRPC:
        xml = xmlrpc.client.dumps(({"Err": err, "Errdesc": desc},), methodresponse=True)
        return xml.encode("utf-8"), "text/xml; charset=utf-8"
    if encoding is Encoding.FORM:
        form = urlencode({"Err": err, "Errdesc": desc}).encode()
        return form, "application/x-www-form-urlencoded"
    return json.dumps({"Err": err, "Errdesc": desc}).encode(), "application/json"


_OK = {e: _ack_body(e, 0, "OK") for e in Encoding}

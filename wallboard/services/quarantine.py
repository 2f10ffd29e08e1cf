"""The CDR quarantine: bodies refused for their content, listed and replayed after a fix.

A body the webhook answered `Err 1` is kept raw in the store's `quarantine` table (the
vendor does not send it again). Once the cause is fixed (a new version that reads it, a
limit raised), `replay` parses each body again and stores what now parses as the webhook
would have; what still fails stays, and the command says why.
"""

from __future__ import annotations

from dataclasses import dataclass

from wallboard.errors import PayloadError, StoreError
from wallboard.store.base import CdrStore
from wallboard.store.rows import QuarantineRow
from wallboard.voicenter.cdr import parse_cdr

__all__ = ["Replayed", "replay"]


@dataclass(frozen=True, slots=True)
class Replayed:
    """What replaying one quarantined body did."""

    id: int
    stored: bool  # now in the CDR table (new or already there) and out of the quarantine
    detail: str  # the call id, or why it still fails


async def replay(store: CdrStore, rows: list[QuarantineRow]) -> list[Replayed]:
    """Parse and store each body again; release the ones that are stored now."""
    out: list[Replayed] = []
    for row in rows:
        try:
            cdr, encoding = parse_cdr(row.raw, row.content_type)
            await store.store_cdr(
                cdr,
                row.raw,
                received=row.received,
                source="webhook",
                encoding=encoding.value,
                content_type=row.content_type,
            )
        except PayloadError as e:
            out.append(Replayed(row.id, False, f"{e.field}: {e.problem}"))
            continue
        except StoreError as e:
            out.append(Replayed(row.id, False, str(e)))
            continue
        await store.release(row.id)
        out.append(Replayed(row.id, True, cdr.ivruniqueid))
    return out

"""SQLite storage (WAL): CDRs raw and parsed, the callback worklist, the audit log."""

from wallboard.store.db import AuditRow, CallbackRow, CdrRow, Store

__all__ = ["AuditRow", "CallbackRow", "CdrRow", "Store"]

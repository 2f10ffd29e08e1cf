"""The simulator's HTTP side: the vendor's login, socket and REST APIs, and control routes."""

from __future__ import annotations

__all__: list[str] = []

"""The vendor simulator: a call-centre model behind the vendor's login, socket and REST APIs."""

from __future__ import annotations

__all__: list[str] = []

"""Speaks the vendor's protocols, nothing else: wire in, domain events out."""

"""The pure core: domain models, the fold, the server clock and today's numbers (no I/O)."""

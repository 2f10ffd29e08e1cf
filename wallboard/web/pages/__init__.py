"""web/pages."""

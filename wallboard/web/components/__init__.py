"""web/components."""

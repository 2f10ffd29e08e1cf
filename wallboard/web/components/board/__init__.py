"""web/components/board."""

"""Beyond one machine: the live state through NATS JetStream key-value (docs/architecture.md)."""

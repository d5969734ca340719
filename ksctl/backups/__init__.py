"""The backup store: where viewers' data is copied before live closes (docs/architecture.md)."""

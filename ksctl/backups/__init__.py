"""The backup store: where viewers' data is copied before live closes (DESIGN §1)."""

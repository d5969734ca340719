"""The sandbox platform: the modelled API with every rule, over a SQLite world, served
in-process or over HTTP. It speaks the contract (`ksctl.contract`) and knows nothing of
the client; only the composition root (`ksctl/compose.py`) reaches it. See
docs/architecture.md."""

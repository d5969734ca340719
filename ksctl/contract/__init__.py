"""The platform contract: what the client (`ksctl.platform`) and the sandbox
(`ksctl.sandbox`) agree on, the wire models and the result codes. It imports neither of
them. See docs/architecture.md."""

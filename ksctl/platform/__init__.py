"""The client of the platform API (its wire models and codes are `ksctl.contract`): the
session, retries, quota, downloads, redaction, idempotency keys, the resolved target."""

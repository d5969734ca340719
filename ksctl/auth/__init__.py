"""Per-account OAuth: the token store, the authorization-code flow and `ksctl auth`."""

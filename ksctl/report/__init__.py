"""The fleet report: one page (or one JSON document) of where every account's closure stands.

`gather` reads (config, a fresh refresh, the journals, the backup manifests), `build` is the
pure step from what was read to the `Report` value, `html` renders it.
"""

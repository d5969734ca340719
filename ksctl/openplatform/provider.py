"""The kuaishou-open provider performs no action through an API: every one is a step in
the app (the path from the action's spec), recorded afterwards by evidence or an
attestation, and verified by the next refresh."""

from __future__ import annotations

from ksctl.engine.provider import Provider

OPEN_PLATFORM = Provider("kuaishou-open", frozenset())

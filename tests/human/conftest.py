"""Human steps run the real CLI against an embedded sandbox in a temporary folder."""

from __future__ import annotations

from tests.apply.conftest import Workspace, ws  # noqa: F401  (the same workspace fixture)

__all__ = ["Workspace"]

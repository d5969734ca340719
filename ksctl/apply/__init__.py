"""Apply: pure execution of a Plan, safely, resumably, within quota (docs/architecture.md)."""

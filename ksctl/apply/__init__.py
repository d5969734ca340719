"""Apply: execute a plan safely, resumably, within quota (DESIGN §6, §7)."""

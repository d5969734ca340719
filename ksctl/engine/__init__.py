"""The plan engine: refresh the actual state, diff it with the desired one, order actions."""

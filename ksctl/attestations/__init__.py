"""Attestations: a person's signed-off word that a step was done in the app (issue 15).

The real open platform cannot observe most of a closure (live permission, schedules, the
certification tag...); an attestation under `attestations/` of the configuration
repository, reviewed in git like the configuration, stands in for the observation until it
expires.
"""

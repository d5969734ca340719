"""ksctl: a declarative state reconciler for Kuaishou accounts."""

__version__ = "0.1.0"

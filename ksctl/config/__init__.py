"""The desired-state configuration: its model, loading and checks."""

from ksctl.config.load import Config, load_config

__all__ = ["Config", "load_config"]

"""Re-export of the shared InputError for the CLI layer."""

from geodata.errors import InputError

__all__ = ["InputError"]

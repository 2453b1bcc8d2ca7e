"""portrait: territorial diagnostics ("portraits de ville") of a French département."""

__version__ = "0.1.0"

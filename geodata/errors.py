"""The one exception type that every layer raises for bad input.

Lives in the lowest layer so that geodata, indicators, reports and the CLI
share it without importing each other upwards.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

__all__ = ["InputError"]


class InputError(Exception):
    """Bad input: the message is one line naming the file and what is wrong."""

    def __init__(self, path: str | Path | None, message: str) -> None:
        self.path = str(path) if path is not None else None
        self.message = message
        super().__init__(f"{self.path}: {message}" if self.path else message)

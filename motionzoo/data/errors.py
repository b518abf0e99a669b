"""Typed errors of the data layer."""
from __future__ import annotations

import os

__all__ = ["SkeletonFormatError", "DatasetNotFoundError"]


class SkeletonFormatError(ValueError):
    """A skeleton file does not match its documented format.  The message names the file, the 1-based line
    (for text formats) and the field; the same facts are kept as attributes."""

    def __init__(self, path: str | os.PathLike | None, message: str, line: int | None = None,
                 field: str | None = None):
        self.path = None if path is None else str(path)
        self.line = line
        self.field = field
        where = self.path or "<data>"
        if line is not None:
            where += f", line {line}"
        if field:
            where += f", field {field!r}"
        super().__init__(f"{where}: {message}")


class DatasetNotFoundError(FileNotFoundError):
    pass

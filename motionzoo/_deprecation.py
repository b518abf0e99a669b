"""Deprecation warnings that point at the caller's line, not at motionzoo's internals."""
from __future__ import annotations

import os
import sys
import warnings

__all__ = ["warn_deprecated"]

_PACKAGE = os.path.dirname(os.path.abspath(__file__))


def warn_deprecated(message: str) -> None:
    """A DeprecationWarning attributed to the first caller outside the motionzoo package."""
    frame, level = sys._getframe(1), 2
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE + os.sep):
        frame, level = frame.f_back, level + 1
    warnings.warn(message, DeprecationWarning, stacklevel=level)

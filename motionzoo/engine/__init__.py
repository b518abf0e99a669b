"""Training and evaluation engine shared by every benchmark."""
from .recipe import Recipe

__all__ = ["Recipe"]

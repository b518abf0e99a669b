"""Skeleton data: topologies, readers of the original dataset formats, transforms, datasets."""
from .topology import SkeletonLayout, get_topology, list_topologies, euler_traversal, UnknownTopologyError

__all__ = ["SkeletonLayout", "get_topology", "list_topologies", "euler_traversal", "UnknownTopologyError"]

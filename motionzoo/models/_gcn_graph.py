"""Adjacency subsets of the graph-convolution families, built from a `motionzoo.data` topology.

Both families use the topology's bone forest (`SkeletonTopology.bones`) as the graph, with self-loops added, and
split the neighbours of every joint by their position relative to the centre joint (`SkeletonTopology.center`; a
topology without one uses the roots of its trees).  For ntu25 and kinect_v1_20 the results equal the matrices of the
official code (tests/fixtures/gcn_*.json record them); for coco17 the bone tree is the GCN lineage's 17-joint
COCO graph (the 18-edge `extra_edges` of coco17 belong to another model and are not used).

Conventions: A has shape (K, V, V).  ST-GCN aggregates out[w] = sum_v x[v] A[k, v, w]; CTR-GCN aggregates
out[u] = sum_v A[k, u, v] x[v].  Each family builds its own matrices in the orientation its layer expects.
"""
from __future__ import annotations

import numpy as np

from ..data import SkeletonTopology, get_topology

__all__ = ["hop_distance", "normalize_columns", "stgcn_partition", "ctrgcn_partition", "STGCN_PARTITIONS"]

STGCN_PARTITIONS = ("official", "paper")


def hop_distance(num_nodes: int, edges, max_hop: int | None = None) -> np.ndarray:
    """(V, V) number of edges on the shortest path between two joints; inf where there is no path, and (when
    `max_hop` is given) where the path is longer than `max_hop`, which is what ST-GCN's graph code returns."""
    adj = np.eye(num_nodes, dtype=bool)
    for i, j in edges:
        adj[i, j] = adj[j, i] = True
    dist = np.full((num_nodes, num_nodes), np.inf)
    reach = np.eye(num_nodes, dtype=bool)        # joints reachable in <= d steps
    d = 0
    while True:
        dist[reach & np.isinf(dist)] = d
        if max_hop is not None and d == max_hop:
            break
        nxt = (reach.astype(np.int64) @ adj.astype(np.int64)) > 0
        if (nxt == reach).all():
            break
        reach, d = nxt, d + 1
    return dist


def normalize_columns(a: np.ndarray) -> np.ndarray:
    """A D^-1 with D the column sums: every column (source joint) sums to one; empty columns stay zero."""
    deg = a.sum(axis=0)
    scale = np.divide(1.0, deg, out=np.zeros_like(deg, dtype=np.float64), where=deg > 0)
    return a * scale[None, :]


def _centres(topo: SkeletonTopology) -> tuple[int, ...]:
    """The centre joint, plus the root of every tree that does not contain it (all roots without a centre)."""
    parents = topo.rooted_parents()
    return tuple(j for j, p in enumerate(parents) if p < 0)


def stgcn_partition(topology, partition: str = "official", max_hop: int = 1) -> np.ndarray:
    """ST-GCN's "spatial configuration" partition: (3, V, V) = [the joint itself, neighbours at least as far from
    the centre as the joint (centrifugal, merged with equally far ones), neighbours nearer the centre
    (centripetal)], every subset cut from the column-normalised adjacency of hops <= `max_hop` (self-loops
    included).  Oriented for out[w] = sum_v x[v] A[k, v, w].

    `partition="official"` compares distances to the centre as the official code does, with the same hop matrix,
    which it computes only up to `max_hop`: every joint more than `max_hop` edges from the centre counts as
    infinitely far, so only the edges next to the centre's neighbourhood become centripetal (8 of 24 on ntu25)
    and the rest falls into the centrifugal subset.  `"paper"` uses the true hop distance to the centre (the
    paper's description: each of the 24 ntu25 bones is centripetal in one direction and centrifugal in the other).
    """
    if partition not in STGCN_PARTITIONS:
        raise ValueError(f"partition={partition!r}; choose one of {STGCN_PARTITIONS}")
    topo = get_topology(topology)
    V = topo.num_joints
    hop = hop_distance(V, topo.bones, max_hop)
    full = hop if partition == "official" else hop_distance(V, topo.bones)
    to_centre = full[:, list(_centres(topo))].min(axis=1)          # (V,)
    norm = normalize_columns((hop <= max_hop).astype(np.float64))
    subsets = []
    for h in range(max_hop + 1):
        near = np.zeros((V, V))
        far = np.zeros((V, V))
        for w in range(V):          # the joint whose output is computed
            for v in range(V):      # its neighbour at distance h
                if hop[v, w] != h:
                    continue
                if to_centre[v] >= to_centre[w]:       # inf == inf counts as "equal", as upstream
                    far[v, w] = norm[v, w]
                else:
                    near[v, w] = norm[v, w]
        if h == 0:
            subsets.append(far)     # only the joint itself (distance 0, equally far from the centre)
        else:
            subsets += [far, near]
    return np.stack(subsets).astype(np.float32)


def ctrgcn_partition(topology) -> np.ndarray:
    """CTR-GCN's "spatial" subsets: (3, V, V) = [identity, inward, outward], oriented for
    out[u] = sum_v A[k, u, v] x[v].  Inward: each joint receives its neighbours one step farther from the centre
    (its children in the tree rooted at the centre) with weight 1; outward: each joint receives its parent with
    weight 1 / (number of the parent's children).  Both are column-normalised, as upstream."""
    topo = get_topology(topology)
    V = topo.num_joints
    inward = np.zeros((V, V))
    for child, parent in enumerate(topo.rooted_parents()):
        if parent >= 0:
            inward[parent, child] = 1.0
    return np.stack([np.eye(V), normalize_columns(inward), normalize_columns(inward.T)]).astype(np.float32)

"""Skeleton topologies: joint orders, bone trees, body parts and joint sequences (skeleton-data.md §8,
zoo-conventions.md §4).

A topology is plain data (a frozen dataclass).  Canonical keypoint formats (``KEYPOINT_FORMATS``): ``ntu25``,
``kinect_v1_20``, ``sbu15``, ``natops8``, ``coco17``, and the pose-estimator formats ``body25`` (OpenPose) and
``mediapipe33``.  Dataset *file orders* that differ from the canonical one are separate
topologies (``kinect_v1_20_utd``, ``kinect_v1_20_msr``) whose ``to_canonical`` gathers file order into the
canonical order: ``x_canonical = x_file[..., topo.to_canonical, :]``.

    >>> topo = get_topology("ntu25")
    >>> topo.num_joints, topo.center, len(topo.traversal)
    (25, 20, 47)
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

__all__ = ["SkeletonTopology", "get_topology", "list_topologies", "euler_traversal", "UnknownTopologyError",
           "KEYPOINT_FORMATS", "ESTIMATOR_FORMATS", "spatial_dims"]

Joints = tuple[int, ...]


class UnknownTopologyError(KeyError):
    pass


@dataclass(frozen=True)
class SkeletonTopology:
    """One skeleton topology.  All indices are 0-based into ``joint_names``.

    parents     -1 marks a root (one per connected component)
    parts       the 5 body parts of the hierarchical RNN (right arm, left arm, right leg, left leg, trunk), or None
    chain       default spatial-RNN chain sequence
    traversal   default spatial-RNN traversal sequence (published order where one exists, else the §8.6 rule)
    center      the graph-model centre joint (None where the skeleton has no trunk)
    sequences   named alternative sequences, e.g. ("traversal_full", (...)); see ``sequence(name)``
    edges       undirected edges for graphs that are not trees (e.g. coco17's 18-edge graph); default = bones
    to_canonical  for a dataset file order: the gather index into the canonical format named by ``canonical``
    """

    name: str
    joint_names: tuple[str, ...]
    parents: Joints
    parts: tuple[Joints, ...] | None
    chain: Joints
    traversal: Joints
    center: int | None
    sequences: tuple[tuple[str, Joints], ...] = ()
    extra_edges: tuple[tuple[int, int], ...] | None = None
    canonical: str | None = None
    to_canonical: Joints | None = None
    description: str = ""

    @property
    def num_joints(self) -> int:
        return len(self.joint_names)

    @property
    def bones(self) -> tuple[tuple[int, int], ...]:
        """(child, parent) for every non-root joint, in joint order."""
        return tuple((c, p) for c, p in enumerate(self.parents) if p >= 0)

    @property
    def edges(self) -> tuple[tuple[int, int], ...]:
        """Undirected edge list of the model graph: ``extra_edges`` when given, else the bones."""
        return self.extra_edges if self.extra_edges is not None else self.bones

    @property
    def roots(self) -> Joints:
        return tuple(j for j, p in enumerate(self.parents) if p < 0)

    @property
    def mirror(self) -> Joints:
        """Permutation that swaps each left joint with its right counterpart (for horizontal flips)."""
        index = {n: i for i, n in enumerate(self.joint_names)}
        perm = []
        for n in self.joint_names:
            other = _swap_side(n)
            perm.append(index.get(other, index[n]))
        return tuple(perm)

    @property
    def symmetric_bones(self) -> tuple[tuple[tuple[int, int], tuple[int, int]], ...]:
        """Pairs (left bone, right bone), each (child, parent), that mirror each other by joint name."""
        m, bones = self.mirror, set(self.bones)
        return tuple(((c, p), (m[c], m[p])) for c, p in self.bones
                     if _side(self.joint_names[c]) == "l" and (m[c], m[p]) in bones)

    def rooted_parents(self, root: int | None = None) -> Joints:
        """Parents of the same bone forest with ``root`` (default: the centre joint) as the root of its tree: each
        joint's neighbour one step towards ``root``.  Other trees keep their roots; a layout without a centre keeps
        its parents.  For ``ntu25`` and ``kinect_v1_20`` this is the GCN lineage's "inward" direction (CTR-GCN's
        graph and bone pairs), which differs from ``parents`` only on the spine between the root and the centre."""
        root = self.center if root is None else root
        if root is None:
            return self.parents
        if not 0 <= root < self.num_joints:
            raise ValueError(f"topology {self.name!r} has no joint {root} (V={self.num_joints})")
        parents = list(self.parents)
        prev, j = -1, root            # reverse the path from `root` up to its tree's old root
        while j >= 0:
            parents[j], prev, j = prev, j, parents[j]
        return tuple(parents)

    def joint(self, name: str) -> int:
        try:
            return self.joint_names.index(name)
        except ValueError:
            raise KeyError(f"topology {self.name!r} has no joint {name!r}; joints: {self.joint_names}") from None

    def sequence(self, name: str) -> Joints:
        """'chain', 'traversal' or one of the named alternatives in ``sequences``."""
        if name in ("chain", "traversal"):
            return getattr(self, name)
        for key, seq in self.sequences:
            if key == name:
                return seq
        raise KeyError(f"topology {self.name!r} has no sequence {name!r}; "
                       f"available: {('chain', 'traversal') + tuple(k for k, _ in self.sequences)}")

    def __repr__(self) -> str:
        return f"SkeletonTopology({self.name!r}, V={self.num_joints})"


def _side(name: str) -> str:
    if name.startswith("l_") or name.endswith("_left"):
        return "l"
    if name.startswith("r_") or name.endswith("_right"):
        return "r"
    return ""


def _swap_side(name: str) -> str:
    for a, b in (("l_", "r_"), ("r_", "l_")):
        if name.startswith(a):
            return b + name[len(a):]
    for a, b in (("_left", "_right"), ("_right", "_left")):
        if name.endswith(a):
            return name[: -len(a)] + b
    return name


def euler_traversal(parents: Sequence[int], starts: Iterable[int], preference: Sequence[int]) -> Joints:
    """The §8.6 rule: depth-first walk of the (undirected) bone tree from each start joint in turn, emitting a
    joint on entry and again after returning from each neighbour.  Neighbours are visited in the order of
    their position in ``preference`` (joints missing from it come last, by index).  Length 2V-1 per tree."""
    V = len(parents)
    nbrs: list[list[int]] = [[] for _ in range(V)]
    for c, p in enumerate(parents):
        if p >= 0:
            nbrs[c].append(p)
            nbrs[p].append(c)
    rank = {j: i for i, j in enumerate(preference)}
    out: list[int] = []

    def walk(j: int, came_from: int) -> None:
        out.append(j)
        for n in sorted(nbrs[j], key=lambda k: (rank.get(k, V + k), k)):
            if n != came_from:
                walk(n, j)
                out.append(j)

    for s in starts:
        walk(s, -1)
    return tuple(out)


def _file_order(canon: SkeletonTopology, name: str, gather: Joints, description: str) -> SkeletonTopology:
    """A dataset file order of ``canon``: file joint ``gather[c]`` is canonical joint c."""
    V = canon.num_joints
    if sorted(gather) != list(range(V)):
        raise ValueError(f"{name}: gather index is not a permutation of 0..{V - 1}")
    f = lambda j: gather[j]  # canonical index -> file index
    names = [""] * V
    parents = [0] * V
    for c in range(V):
        names[gather[c]] = canon.joint_names[c]
        parents[gather[c]] = -1 if canon.parents[c] < 0 else f(canon.parents[c])
    remap = lambda seq: tuple(f(j) for j in seq)
    return SkeletonTopology(
        name=name, joint_names=tuple(names), parents=tuple(parents),
        parts=None if canon.parts is None else tuple(remap(p) for p in canon.parts),
        chain=remap(canon.chain), traversal=remap(canon.traversal),
        center=None if canon.center is None else f(canon.center),
        sequences=tuple((k, remap(s)) for k, s in canon.sequences),
        canonical=canon.name, to_canonical=tuple(gather), description=description)


# --------------------------------------------------------------------------------------------------------
# ntu25 (Kinect v2), skeleton-data.md §1.4 / §8.1, zoo-conventions.md §4.1
_NTU_NAMES = (
    "spine_base", "spine_mid", "neck", "head", "l_shoulder", "l_elbow", "l_wrist", "l_hand",
    "r_shoulder", "r_elbow", "r_wrist", "r_hand", "l_hip", "l_knee", "l_ankle", "l_foot",
    "r_hip", "r_knee", "r_ankle", "r_foot", "spine_shoulder", "l_hand_tip", "l_thumb", "r_hand_tip", "r_thumb")
# GCN-lineage graph: tip -> thumb -> hand
_NTU_PARENTS = (-1, 0, 20, 2, 20, 4, 5, 6, 20, 8, 9, 10, 0, 12, 13, 14, 0, 16, 17, 18, 1, 22, 7, 24, 11)
_NTU_HAND_VARIANTS = {
    "gcn": {},
    "anatomical": {21: 7, 22: 7, 23: 11, 24: 11},     # pyskl nturgb+d: tip and thumb both on the hand
    "kinect_sdk": {21: 7, 22: 6, 23: 11, 24: 10},     # thumb on the wrist, tip on the hand [L · unverified]
}
_NTU_PARTS = ((23, 24, 11, 10, 9, 8), (4, 5, 6, 7, 22, 21), (19, 18, 17, 16), (12, 13, 14, 15), (3, 2, 20, 1, 0))
_NTU_TRAVERSAL47 = (20, 8, 9, 10, 11, 23, 24, 23, 11, 10, 9, 8, 4, 5, 6, 7, 21, 22, 21, 7, 6, 5, 4, 20, 2, 3, 2,
                    1, 0, 16, 17, 18, 19, 18, 17, 16, 0, 12, 13, 14, 15, 14, 13, 12, 0, 1, 20)
_NTU_TRAVERSAL20 = (20, 8, 9, 11, 23, 11, 9, 8, 20, 4, 5, 7, 21, 7, 5, 4, 20, 3, 20, 1, 0, 16, 17, 18, 19, 18, 17,
                    16, 0, 12, 13, 14, 15, 14, 13, 12, 0, 1, 20)
_NTU_CHAIN26 = (23, 24, 11, 10, 9, 8, 20, 4, 5, 6, 7, 21, 22, 3, 2, 20, 1, 0, 19, 18, 17, 16, 12, 13, 14, 15)
_NTU_CHAIN27 = _NTU_CHAIN26[:22] + (0,) + _NTU_CHAIN26[22:]
# §8.6 neighbour preference: right arm, left arm, neck/head, spine down; right leg before left; tip before thumb
_NTU_PREF = (8, 9, 10, 11, 23, 24, 4, 5, 6, 7, 21, 22, 2, 3, 1, 0, 16, 17, 18, 19, 12, 13, 14, 15, 20)


def _ntu25(hands: str = "gcn") -> SkeletonTopology:
    if hands not in _NTU_HAND_VARIANTS:
        raise ValueError(f"ntu25 hands={hands!r}; choose one of {tuple(_NTU_HAND_VARIANTS)}")
    parents = list(_NTU_PARENTS)
    for j, p in _NTU_HAND_VARIANTS[hands].items():
        parents[j] = p
    full = euler_traversal(parents, [20], _NTU_PREF)
    return SkeletonTopology(
        name="ntu25" if hands == "gcn" else f"ntu25_{hands}", joint_names=_NTU_NAMES, parents=tuple(parents),
        parts=_NTU_PARTS, chain=_NTU_CHAIN26, traversal=_NTU_TRAVERSAL47, center=20,
        sequences=(("traversal_full", full), ("traversal20", _NTU_TRAVERSAL20), ("chain26", _NTU_CHAIN26),
                   ("chain27", _NTU_CHAIN27), ("traversal47", _NTU_TRAVERSAL47)),
        description=f"Kinect v2 / NTU RGB+D, 25 joints, hand bones '{hands}'")


# --------------------------------------------------------------------------------------------------------
# kinect_v1_20 (SDK order; NW-UCLA, UTKinect), skeleton-data.md §8.2, zoo-conventions.md §4.2
_K20_NAMES = (
    "hip_center", "spine", "shoulder_center", "head", "shoulder_left", "elbow_left", "wrist_left", "hand_left",
    "shoulder_right", "elbow_right", "wrist_right", "hand_right", "hip_left", "knee_left", "ankle_left",
    "foot_left", "hip_right", "knee_right", "ankle_right", "foot_right")
_K20_PARENTS = (-1, 0, 1, 2, 2, 4, 5, 6, 2, 8, 9, 10, 0, 12, 13, 14, 0, 16, 17, 18)
_K20_PARTS = ((11, 10, 9, 8), (4, 5, 6, 7), (19, 18, 17, 16), (12, 13, 14, 15), (3, 2, 1, 0))
_K20_CHAIN21 = (11, 10, 9, 8, 2, 4, 5, 6, 7, 3, 2, 1, 0, 19, 18, 17, 16, 12, 13, 14, 15)
_K20_CHAIN22 = _K20_CHAIN21[:17] + (0,) + _K20_CHAIN21[17:]
_K20_PREF = (8, 9, 10, 11, 4, 5, 6, 7, 3, 1, 0, 16, 17, 18, 19, 12, 13, 14, 15, 2)


def _kinect_v1_20() -> SkeletonTopology:
    return SkeletonTopology(
        name="kinect_v1_20", joint_names=_K20_NAMES, parents=_K20_PARENTS, parts=_K20_PARTS, chain=_K20_CHAIN21,
        traversal=euler_traversal(_K20_PARENTS, [2], _K20_PREF), center=2,
        sequences=(("chain22", _K20_CHAIN22),),
        description="Kinect v1 SDK order, 20 joints (NW-UCLA, UTKinect-Action3D)")


# file orders, gather index g: x_canonical = x_file[..., g, :]
_UTD_GATHER = (3, 2, 1, 0, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19)
_MSR_GATHER = (6, 3, 2, 19, 0, 7, 9, 11, 1, 8, 10, 12, 4, 13, 15, 17, 5, 14, 16, 18)

# --------------------------------------------------------------------------------------------------------
# sbu15 (OpenNI), skeleton-data.md §8.3, zoo-conventions.md §4.3
_SBU_NAMES = ("head", "neck", "torso", "l_shoulder", "l_elbow", "l_hand", "r_shoulder", "r_elbow", "r_hand",
              "l_hip", "l_knee", "l_foot", "r_hip", "r_knee", "r_foot")
_SBU_PARENTS = (1, 2, -1, 1, 3, 4, 1, 6, 7, 2, 9, 10, 2, 12, 13)
_SBU_CHAIN16 = (8, 7, 6, 1, 3, 4, 5, 0, 1, 2, 14, 13, 12, 9, 10, 11)
_SBU_CHAIN17 = _SBU_CHAIN16[:13] + (2,) + _SBU_CHAIN16[13:]


def _sbu15() -> SkeletonTopology:
    return SkeletonTopology(
        name="sbu15", joint_names=_SBU_NAMES, parents=_SBU_PARENTS,
        parts=((8, 7, 6), (3, 4, 5), (14, 13, 12), (9, 10, 11), (0, 1, 2)), chain=_SBU_CHAIN16,
        traversal=euler_traversal(_SBU_PARENTS, [1], (6, 7, 8, 3, 4, 5, 0, 2, 12, 13, 14, 9, 10, 11)), center=1,
        sequences=(("chain17", _SBU_CHAIN17),),
        description="SBU Kinect Interaction, OpenNI 15 joints (per person)")


# --------------------------------------------------------------------------------------------------------
# natops8, skeleton-data.md §8.4, zoo-conventions.md §4.5
def _natops8() -> SkeletonTopology:
    parents = (4, 5, -1, -1, 2, 3, 4, 5)
    return SkeletonTopology(
        name="natops8",
        joint_names=("l_hand_tip", "r_hand_tip", "l_elbow", "r_elbow", "l_wrist", "r_wrist", "l_thumb", "r_thumb"),
        parents=parents, parts=None,
        chain=(1, 7, 5, 3, 2, 4, 6, 0),  # [proposal] right arm inwards, then left arm outwards (the 2-part order)
        traversal=euler_traversal(parents, [3, 2], (5, 4, 1, 0, 7, 6)), center=None,
        sequences=(("parts2", (1, 7, 5, 3, 2, 4, 6, 0)),),
        description="NATOPS (UEA archive) arm points; two components, no trunk")


# --------------------------------------------------------------------------------------------------------
# coco17 (2D), skeleton-data.md §8.5, zoo-conventions.md §4.4
def _coco17() -> SkeletonTopology:
    parents = (-1, 0, 0, 1, 2, 0, 0, 5, 6, 7, 8, 5, 6, 11, 12, 13, 14)
    hpc_edges = ((10, 8), (8, 6), (9, 7), (7, 5), (15, 13), (13, 11), (16, 14), (14, 12), (11, 5), (12, 6),
                 (11, 12), (5, 6), (5, 0), (6, 0), (1, 0), (2, 0), (3, 1), (4, 2))
    # §8.6 rule from the nose (where the arms meet the head in this tree): right side, left side, face
    pref = (6, 8, 10, 12, 14, 16, 5, 7, 9, 11, 13, 15, 2, 4, 1, 3)
    return SkeletonTopology(
        name="coco17",
        joint_names=("nose", "l_eye", "r_eye", "l_ear", "r_ear", "l_shoulder", "r_shoulder", "l_elbow", "r_elbow",
                     "l_wrist", "r_wrist", "l_hip", "r_hip", "l_knee", "r_knee", "l_ankle", "r_ankle"),
        parents=parents, parts=((10, 8, 6), (5, 7, 9), (16, 14, 12), (11, 13, 15), (0, 1, 2, 3, 4)),
        chain=(10, 8, 6, 5, 7, 9, 3, 1, 0, 2, 4, 16, 14, 12, 11, 13, 15),  # [proposal] arms, face, legs
        traversal=euler_traversal(parents, [0], pref), center=0,
        extra_edges=hpc_edges,  # the Human-Pose-Classification graph (has cycles); the tree is `bones`
        description="COCO keypoints, 17 joints (2D)")


# --------------------------------------------------------------------------------------------------------
# body25: OpenPose BODY_25 (2D pose-estimator output; zoo-conventions.md §4.6 sources).  Order of OpenPose's
# output array; bones are OpenPose's 24 rendering pairs, which form a tree, rooted here at the neck (the joint
# where the arms meet the trunk).  OpenPose's "neck" is the base of the neck between the shoulders (Kinect v2's
# spine_shoulder), not Kinect v2's mid-neck.
_B25_NAMES = (
    "nose", "neck", "r_shoulder", "r_elbow", "r_wrist", "l_shoulder", "l_elbow", "l_wrist", "mid_hip", "r_hip",
    "r_knee", "r_ankle", "l_hip", "l_knee", "l_ankle", "r_eye", "l_eye", "r_ear", "l_ear", "l_big_toe",
    "l_small_toe", "l_heel", "r_big_toe", "r_small_toe", "r_heel")
_B25_PARENTS = (1, -1, 1, 2, 3, 1, 5, 6, 1, 8, 9, 10, 8, 12, 13, 0, 0, 15, 16, 14, 19, 14, 11, 22, 11)


def _body25() -> SkeletonTopology:
    # §8.6 rule from the neck: right arm, left arm, head, spine down; right leg first; big toe before heel
    pref = (2, 3, 4, 5, 6, 7, 0, 15, 17, 16, 18, 8, 9, 10, 11, 22, 23, 24, 12, 13, 14, 19, 20, 21)
    return SkeletonTopology(
        name="body25", joint_names=_B25_NAMES, parents=_B25_PARENTS,
        parts=((4, 3, 2), (5, 6, 7), (24, 23, 22, 11, 10, 9), (12, 13, 14, 19, 20, 21), (0, 15, 16, 17, 18, 1, 8)),
        chain=(4, 3, 2, 1, 5, 6, 7, 17, 15, 0, 16, 18, 1, 8, 24, 23, 22, 11, 10, 9, 12, 13, 14, 19, 20, 21),
        traversal=euler_traversal(_B25_PARENTS, [1], pref), center=1,
        description="OpenPose BODY_25, 25 joints (2D); nose-neck-mid_hip trunk, feet with toes and heels")


# --------------------------------------------------------------------------------------------------------
# mediapipe33: MediaPipe Pose landmarks (BlazePose, 33 points; x, y [, z], visibility).  Landmark order of the
# MediaPipe output.  MediaPipe's own connection list has cycles (hands, feet, the shoulder-hip box) and leaves
# the face and the mouth unconnected to the body, so the tree adds two kinds of bones that MediaPipe does not
# draw: the mouth corners and the shoulders hang from the nose (the shoulders as in the coco17 tree).  The
# connection list itself is `edges`.  pinky/index/thumb are finger knuckles, foot_index the toe tip.
_MP_NAMES = (
    "nose", "l_eye_inner", "l_eye", "l_eye_outer", "r_eye_inner", "r_eye", "r_eye_outer", "l_ear", "r_ear",
    "l_mouth", "r_mouth", "l_shoulder", "r_shoulder", "l_elbow", "r_elbow", "l_wrist", "r_wrist", "l_pinky",
    "r_pinky", "l_index", "r_index", "l_thumb", "r_thumb", "l_hip", "r_hip", "l_knee", "r_knee", "l_ankle",
    "r_ankle", "l_heel", "r_heel", "l_foot_index", "r_foot_index")
_MP_PARENTS = (-1, 0, 1, 2, 0, 4, 5, 3, 6, 0, 0, 0, 0, 11, 12, 13, 14, 15, 16, 15, 16, 15, 16, 11, 12, 23, 24,
               25, 26, 27, 28, 27, 28)
_MP_CONNECTIONS = ((0, 1), (1, 2), (2, 3), (3, 7), (0, 4), (4, 5), (5, 6), (6, 8), (9, 10), (11, 12), (11, 13),
                   (13, 15), (15, 17), (15, 19), (15, 21), (17, 19), (12, 14), (14, 16), (16, 18), (16, 20),
                   (16, 22), (18, 20), (11, 23), (12, 24), (23, 24), (23, 25), (24, 26), (25, 27), (26, 28),
                   (27, 29), (28, 30), (29, 31), (30, 32), (27, 31), (28, 32))


def _mediapipe33() -> SkeletonTopology:
    pref = (12, 14, 16, 18, 20, 22, 11, 13, 15, 17, 19, 21, 4, 5, 6, 8, 1, 2, 3, 7, 10, 9, 24, 26, 28, 30, 32,
            23, 25, 27, 29, 31)
    return SkeletonTopology(
        name="mediapipe33", joint_names=_MP_NAMES, parents=_MP_PARENTS,
        parts=((22, 20, 18, 16, 14, 12), (11, 13, 15, 17, 19, 21), (32, 30, 28, 26, 24), (23, 25, 27, 29, 31),
               (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)),
        chain=(22, 20, 18, 16, 14, 12, 11, 13, 15, 17, 19, 21, 8, 6, 5, 4, 0, 1, 2, 3, 7, 10, 9, 32, 30, 28, 26, 24,
               23, 25, 27, 29, 31),
        traversal=euler_traversal(_MP_PARENTS, [0], pref), center=0,
        extra_edges=_MP_CONNECTIONS,
        description="MediaPipe Pose (BlazePose) landmarks, 33 points; tree adds nose-mouth and nose-shoulder bones")


_BUILDERS = {
    "ntu25": lambda: _ntu25("gcn"),
    "ntu25_anatomical": lambda: _ntu25("anatomical"),
    "ntu25_kinect_sdk": lambda: _ntu25("kinect_sdk"),
    "kinect_v1_20": _kinect_v1_20,
    "kinect_v1_20_utd": lambda: _file_order(_kinect_v1_20(), "kinect_v1_20_utd", _UTD_GATHER,
                                            "UTD-MHAD file order of kinect_v1_20 (trunk head-first)"),
    "kinect_v1_20_msr": lambda: _file_order(_kinect_v1_20(), "kinect_v1_20_msr", _MSR_GATHER,
                                            "MSR Action3D file order of kinect_v1_20"),
    "sbu15": _sbu15,
    "natops8": _natops8,
    "coco17": _coco17,
    "body25": _body25,
    "mediapipe33": _mediapipe33,
}
# the keypoint formats a sample or a model declares (the other topologies are dataset file orders or variants)
KEYPOINT_FORMATS = ("ntu25", "kinect_v1_20", "sbu15", "natops8", "coco17", "body25", "mediapipe33")
# 2D pose-estimator output: image coordinates (x right, y down) plus optional score / depth channels
ESTIMATOR_FORMATS = ("coco17", "body25", "mediapipe33")
_ALIASES = {"ntu": "ntu25", "nturgbd": "ntu25", "kinect_v2": "ntu25", "kinect20": "kinect_v1_20",
            "nw_ucla": "kinect_v1_20", "utkinect": "kinect_v1_20", "utd_mhad": "kinect_v1_20_utd",
            "msr_action3d": "kinect_v1_20_msr", "sbu": "sbu15", "natops": "natops8", "coco": "coco17",
            "openpose": "body25", "openpose_body25": "body25", "mediapipe": "mediapipe33", "blazepose": "mediapipe33"}
_CACHE: dict[str, SkeletonTopology] = {}


def list_topologies() -> list[str]:
    return list(_BUILDERS)


def spatial_dims(fmt: str, channels: int) -> int:
    """How many leading channels of a sample in keypoint format `fmt` with `channels` channels are spatial
    coordinates: 2 for the pose-estimator formats (image x, y, then a score or a depth), else up to 3 (x, y, z)."""
    topo = get_topology(fmt)
    return 2 if (topo.canonical or topo.name) in ESTIMATOR_FORMATS else min(3, channels)


def get_topology(name: str | SkeletonTopology) -> SkeletonTopology:
    """Topology by name (aliases: 'ntu', 'sbu', 'utd_mhad', 'msr_action3d', ...); a topology is returned as is."""
    if isinstance(name, SkeletonTopology):
        return name
    key = _ALIASES.get(name.lower(), name.lower())
    if key not in _BUILDERS:
        raise UnknownTopologyError(f"unknown topology {name!r}; available: {list_topologies()}")
    if key not in _CACHE:
        _CACHE[key] = _BUILDERS[key]()
    return _CACHE[key]


def __getattr__(name: str):
    if name == "SkeletonLayout":     # the class's old name ("layout" now means tensor axes only)
        from .._deprecation import warn_deprecated
        warn_deprecated("SkeletonLayout is deprecated; use SkeletonTopology")
        return SkeletonTopology
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

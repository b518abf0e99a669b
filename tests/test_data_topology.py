"""Acceptance checks for skeleton layouts (skeleton-data.md §8.7) and the published/spec'd tables of §8."""
from __future__ import annotations

import dataclasses

import pytest

from motionzoo.data import SkeletonTopology, euler_traversal, get_topology, list_topologies


def _is_tree(parents):
    V = len(parents)
    for j in range(V):
        seen, k = set(), j
        while parents[k] >= 0:
            if k in seen:
                return False
            seen.add(k)
            k = parents[k]
            if not 0 <= k < V:
                return False
    return True


def _undirected(topo):
    return {frozenset(b) for b in topo.bones}


@pytest.mark.parametrize("name", list_topologies())
def test_layout_structure(name):
    t = get_topology(name)
    V = t.num_joints
    assert len(t.joint_names) == len(set(t.joint_names)) == len(t.parents) == V
    assert _is_tree(t.parents), "parents must define a forest without cycles"
    assert len(t.bones) == V - len(t.roots)
    for seq in (t.chain, t.traversal) + tuple(s for _, s in t.sequences):
        assert all(0 <= j < V for j in seq)
    if t.parts is not None:
        assert len(t.parts) == 5
        flat = [j for p in t.parts for j in p]
        assert sorted(flat) == list(range(V)), "parts must cover every joint exactly once"
    assert t.center is None or 0 <= t.center < V
    assert sorted(t.mirror) == list(range(V))
    assert dataclasses.is_dataclass(t)
    with pytest.raises(dataclasses.FrozenInstanceError):
        t.name = "x"


def test_lengths_from_spec():
    ntu = get_topology("ntu25")
    assert (len(ntu.traversal), len(ntu.sequence("traversal_full")), len(ntu.sequence("traversal20")),
            len(ntu.chain), len(ntu.sequence("chain27"))) == (47, 49, 39, 26, 27)
    for name in ("kinect_v1_20", "kinect_v1_20_utd", "kinect_v1_20_msr"):
        t = get_topology(name)
        assert (len(t.traversal), len(t.chain), len(t.sequence("chain22"))) == (39, 21, 22)
    sbu = get_topology("sbu15")
    assert (len(sbu.traversal), len(sbu.chain), len(sbu.sequence("chain17"))) == (29, 16, 17)


def test_ntu25_tables():
    t = get_topology("ntu25")
    assert t.parents == (-1, 0, 20, 2, 20, 4, 5, 6, 20, 8, 9, 10, 0, 12, 13, 14, 0, 16, 17, 18, 1, 22, 7, 24, 11)
    assert t.center == 20 and t.joint_names[20] == "spine_shoulder"
    # the 1-based rows of §8.1.2, converted here independently
    trav1 = [21, 9, 10, 11, 12, 24, 25, 24, 12, 11, 10, 9, 5, 6, 7, 8, 22, 23, 22, 8, 7, 6, 5, 21, 3, 4, 3, 2, 1,
             17, 18, 19, 20, 19, 18, 17, 1, 13, 14, 15, 16, 15, 14, 13, 1, 2, 21]
    chain1 = [24, 25, 12, 11, 10, 9, 21, 5, 6, 7, 8, 22, 23, 4, 3, 21, 2, 1, 20, 19, 18, 17, 13, 14, 15, 16]
    assert list(t.traversal) == [j - 1 for j in trav1]
    assert list(t.chain) == [j - 1 for j in chain1]
    parts1 = [(24, 25, 12, 11, 10, 9), (5, 6, 7, 8, 23, 22), (20, 19, 18, 17), (13, 14, 15, 16), (4, 3, 21, 2, 1)]
    assert t.parts == tuple(tuple(j - 1 for j in p) for p in parts1)
    # the per-frame 75-vector slices of the parts
    assert [3 * sum(len(p) for p in t.parts[:i]) for i in range(6)] == [0, 18, 36, 48, 60, 75]
    # 47-step order: exactly the six documented non-bone steps against the default graph
    bones = _undirected(t)
    non_bone = [(a, b) for a, b in zip(t.traversal, t.traversal[1:]) if frozenset((a, b)) not in bones]
    assert non_bone == [(11, 23), (23, 11), (8, 4), (7, 21), (21, 7), (2, 1)]
    assert t.sequence("traversal_full") == (
        20, 8, 9, 10, 11, 24, 23, 24, 11, 10, 9, 8, 20, 4, 5, 6, 7, 22, 21, 22, 7, 6, 5, 4, 20, 2, 3, 2, 20, 1, 0,
        16, 17, 18, 19, 18, 17, 16, 0, 12, 13, 14, 15, 14, 13, 12, 0, 1, 20)
    assert t.sequence("chain27")[22] == 0 and t.sequence("chain27")[21] == 16


def test_ntu25_hand_variants():
    a, k = get_topology("ntu25_anatomical"), get_topology("ntu25_kinect_sdk")
    assert [a.parents[j] for j in (21, 22, 23, 24)] == [7, 7, 11, 11]
    assert [k.parents[j] for j in (21, 22, 23, 24)] == [7, 6, 11, 10]
    assert a.traversal == get_topology("ntu25").traversal  # the RNN sequences are fixed lists


@pytest.mark.parametrize("name", ["kinect_v1_20", "kinect_v1_20_utd", "kinect_v1_20_msr", "sbu15"])
def test_rule_traversals_walk_bones(name):
    t = get_topology(name)
    bones = _undirected(t)
    assert all(frozenset(p) in bones for p in zip(t.traversal, t.traversal[1:]))
    assert len(t.traversal) == 2 * t.num_joints - 1 and t.traversal[0] == t.traversal[-1]
    assert set(t.traversal) == set(range(t.num_joints))


def test_traversal_full_walks_bones():
    t = get_topology("ntu25")
    full = t.sequence("traversal_full")
    assert all(frozenset(p) in _undirected(t) for p in zip(full, full[1:]))


def test_kinect20_file_orders_match_spec_tables():
    sdk, utd, msr = (get_topology(n) for n in ("kinect_v1_20", "kinect_v1_20_utd", "kinect_v1_20_msr"))
    assert sdk.parents == (-1, 0, 1, 2, 2, 4, 5, 6, 2, 8, 9, 10, 0, 12, 13, 14, 0, 16, 17, 18)
    assert utd.parents == (1, 2, 3, -1, 1, 4, 5, 6, 1, 8, 9, 10, 3, 12, 13, 14, 3, 16, 17, 18)
    assert msr.parents == (2, 2, 3, 6, 6, 6, -1, 0, 1, 7, 8, 9, 10, 4, 5, 13, 14, 15, 16, 2)
    assert sdk.traversal == (2, 8, 9, 10, 11, 10, 9, 8, 2, 4, 5, 6, 7, 6, 5, 4, 2, 3, 2, 1, 0, 16, 17, 18, 19, 18,
                             17, 16, 0, 12, 13, 14, 15, 14, 13, 12, 0, 1, 2)
    assert utd.traversal == (1, 8, 9, 10, 11, 10, 9, 8, 1, 4, 5, 6, 7, 6, 5, 4, 1, 0, 1, 2, 3, 16, 17, 18, 19, 18,
                             17, 16, 3, 12, 13, 14, 15, 14, 13, 12, 3, 2, 1)
    assert msr.traversal == (2, 1, 8, 10, 12, 10, 8, 1, 2, 0, 7, 9, 11, 9, 7, 0, 2, 19, 2, 3, 6, 5, 14, 16, 18, 16,
                             14, 5, 6, 4, 13, 15, 17, 15, 13, 4, 6, 3, 2)
    assert msr.parts == ((12, 10, 8, 1), (0, 7, 9, 11), (18, 16, 14, 5), (4, 13, 15, 17), (19, 2, 3, 6))
    assert utd.parts[4] == (0, 1, 2, 3)
    assert msr.chain == (12, 10, 8, 1, 2, 0, 7, 9, 11, 19, 2, 3, 6, 18, 16, 14, 5, 4, 13, 15, 17)
    assert utd.chain == (11, 10, 9, 8, 1, 4, 5, 6, 7, 0, 1, 2, 3, 19, 18, 17, 16, 12, 13, 14, 15)
    assert utd.to_canonical == (3, 2, 1, 0, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19)
    assert msr.to_canonical == (6, 3, 2, 19, 0, 7, 9, 11, 1, 8, 10, 12, 4, 13, 15, 17, 5, 14, 16, 18)
    for t in (utd, msr):  # gathering the file-order names gives the canonical names
        assert tuple(t.joint_names[g] for g in t.to_canonical) == sdk.joint_names
    # MSR's documented file order (1-based): 1 left shoulder ... 7 hip center ... 20 head
    assert msr.joint_names[0] == "shoulder_left" and msr.joint_names[6] == "hip_center" and msr.joint_names[19] == "head"


def test_sbu_natops_coco_tables():
    sbu = get_topology("sbu15")
    assert sbu.traversal == (1, 6, 7, 8, 7, 6, 1, 3, 4, 5, 4, 3, 1, 0, 1, 2, 12, 13, 14, 13, 12, 2, 9, 10, 11, 10,
                             9, 2, 1)
    assert sbu.chain == (8, 7, 6, 1, 3, 4, 5, 0, 1, 2, 14, 13, 12, 9, 10, 11)
    nat = get_topology("natops8")
    assert nat.parents == (4, 5, -1, -1, 2, 3, 4, 5) and nat.parts is None and nat.roots == (2, 3)
    assert nat.traversal == (3, 5, 1, 5, 7, 5, 3, 2, 4, 0, 4, 6, 4, 2)
    steps = list(zip(nat.traversal, nat.traversal[1:]))
    assert sum(frozenset(s) not in _undirected(nat) for s in steps) == 1  # the one inter-arm jump
    coco = get_topology("coco17")
    assert coco.parents == (-1, 0, 0, 1, 2, 0, 0, 5, 6, 7, 8, 5, 6, 11, 12, 13, 14)
    assert len(coco.edges) == 18 and len(coco.bones) == 16
    assert all(frozenset(p) in _undirected(coco) for p in zip(coco.traversal, coco.traversal[1:]))


def test_mirror_and_symmetric_bones():
    ntu = get_topology("ntu25")
    assert ntu.mirror[4] == 8 and ntu.mirror[21] == 23 and ntu.mirror[0] == 0
    assert len(ntu.symmetric_bones) == 10
    k = get_topology("kinect_v1_20_msr")
    assert k.mirror[0] == 1 and len(k.symmetric_bones) == 8


def test_euler_rule_and_lookup_errors():
    # a 3-joint path from the middle: 1 0 1 2 1 with preference (0, 2)
    assert euler_traversal((1, -1, 1), [1], (0, 2)) == (1, 0, 1, 2, 1)
    with pytest.raises(KeyError, match="unknown topology"):
        get_topology("no_such_layout")
    with pytest.raises(KeyError, match="no sequence"):
        get_topology("ntu25").sequence("zigzag")
    assert get_topology("sbu") is get_topology("sbu15")
    assert isinstance(get_topology(get_topology("ntu25")), SkeletonTopology)


@pytest.mark.parametrize("name", list_topologies())
def test_rooted_parents_keep_the_bones(name):
    t = get_topology(name)
    rp = t.rooted_parents()
    assert _is_tree(rp)
    assert {frozenset((c, p)) for c, p in enumerate(rp) if p >= 0} == _undirected(t)
    if t.center is None:
        assert rp == t.parents
    else:
        assert rp[t.center] == -1 and len([p for p in rp if p < 0]) == len(t.roots)
    for j in range(t.num_joints):                      # any joint can be the root
        r = t.rooted_parents(j)
        assert r[j] == -1 and _is_tree(r)


def test_rooted_parents_ntu25_spine():
    t = get_topology("ntu25")
    rp = t.rooted_parents()
    changed = {j for j in range(25) if rp[j] != t.parents[j]}
    assert changed == {0, 1, 20} and (rp[0], rp[1], rp[20]) == (1, 20, -1)
    with pytest.raises(ValueError, match="no joint 25"):
        t.rooted_parents(25)


def test_skeleton_layout_is_the_deprecated_name_of_skeleton_topology():
    import motionzoo.data
    with pytest.warns(DeprecationWarning, match="SkeletonTopology"):
        assert motionzoo.data.SkeletonLayout is SkeletonTopology

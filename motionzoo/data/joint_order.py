"""Is this skeleton in the joint order it claims?  Bone-length statistics against a keypoint format.

A sample in the right order has bones of steady length whose ratios match the format's reference body
(``reference_pose``) and whose left and right sides agree.  Joints in another order connect the wrong points:
some "bones" span half the body and the left/right pairs disagree (skeleton-data.md §8.7: MSR Action3D read in
SDK order has a 69 % left/right difference).  ``diagnose_joint_order`` scores the declared format and the likely
alternatives (other formats with the same joint count, left/right swaps of single joints or whole limbs) and
names the best explanation.  All of it works on the median distance of every joint pair over the frames, so a
hypothesis is a permutation of one V x V matrix.

For 3D Kinect-family formats it also checks the facing: Kinect skeletons are tracked facing the camera, so a
skeleton whose left and right are exchanged everywhere (which keeps every bone length) faces away from the
camera in (nearly) every frame.  Coordinates are assumed in camera space (x to the subject's right when facing
the camera, y up, z away from the camera), which is how the NTU, UTD-MHAD and MSR Action3D files store them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .reference_pose import reference_pose
from .topology import ESTIMATOR_FORMATS, SkeletonTopology, get_topology, list_topologies, spatial_dims

__all__ = ["diagnose_joint_order", "JointOrderDiagnosis", "structure_score", "pairwise_median_distances",
           "CAMERA_FORMATS"]

# Kinect camera space in metres (x to the subject's right when facing the camera, y up, z away from the camera):
# the facing, up and unit checks apply.  sbu15 (normalised image coordinates or de-normalised pixels/mm) and
# natops8 (no trunk) only get the bone-length checks.
CAMERA_FORMATS = ("ntu25", "kinect_v1_20")
_CLIP = np.log(8.0)      # one absurd bone must not dominate a comparison
_MAX_FRAMES = 256
# A bone is suspect beyond 3.5x (or below 1/3.5) of its reference length relative to the sample's scale, a left/
# right pair beyond 2.5x of each other.  Calibrated on the real files of ../shared/data: skeleton trackers
# disagree with each other and with the anthropometric reference by up to 3.2x on single bones (UTD-MHAD's
# spine-hip_center) and 2.1x on left/right pairs (SBU), while a left/right exchange of single wrists or hands
# gives 3.7-17x and a dataset file order read as the SDK order 6-10x (tests/test_input_check.py re-measures it).
# Many bones off by 2-3x together are suspect as well: the penalty of structure_score beyond 0.75 (real files:
# at most 0.68 over all 861 UTD-MHAD files, 0.32 over MSR Action3D, 0.35 SBU, 0.24 NATOPS).
BONE_TOL = 3.5
ASYM_TOL = 2.5
PENALTY_TOL = 0.75
_BETTER = 0.5            # an alternative explanation must at least halve the penalty
@dataclass
class JointOrderDiagnosis:
    keypoint_format: str
    score: float                                  # penalty of structure_score (0 = every bone within 2x)
    scale: float                                  # median bone length / reference length (metres for 3D)
    frames: int                                   # frames with a body that were used
    bad_bones: list[tuple[str, str, float]] = field(default_factory=list)   # (child, parent, factor off), > 3.5x
    asymmetric: list[tuple[str, str, float]] = field(default_factory=list)  # (left bone, right bone, x), > 2.5x
    alternative: tuple[str, float] | None = None  # (explanation, its score)
    facing_away: float | None = None              # fraction of frames facing away (3D Kinect-family only)
    upside_down: float | None = None              # fraction of frames with the head below the hips
    messages: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.messages


def _frames(x: np.ndarray, V: int) -> np.ndarray:
    """(..., V, C) -> (K, V, C) frames that hold a body (not all zero), subsampled evenly to at most 256."""
    x = np.asarray(x, np.float64).reshape(-1, V, x.shape[-1])
    x = x[np.abs(x).reshape(len(x), -1).sum(1) > 0]
    if len(x) > _MAX_FRAMES:
        x = x[np.linspace(0, len(x) - 1, _MAX_FRAMES).round().astype(int)]
    return x


def pairwise_median_distances(frames: np.ndarray) -> np.ndarray:
    """(K, V, D) -> (V, V): median over frames of each joint pair's distance, using only the frames where both
    joints are present (an all-zero joint is missing, as pose estimators mark it); NaN where never both."""
    present = np.abs(frames).sum(-1) > 0                                           # (K, V)
    d = np.linalg.norm(frames[:, :, None, :] - frames[:, None, :, :], axis=-1)    # (K, V, V)
    both = present[:, :, None] & present[:, None, :]
    d = np.where(both, d, np.nan)
    with np.errstate(all="ignore"):
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)   # all-NaN pairs
            return np.nanmedian(d, axis=0)


def _reference_lengths(topo: SkeletonTopology, dims: int) -> np.ndarray:
    ref = reference_pose(topo.name, dims=dims)
    return np.array([np.linalg.norm(ref[c] - ref[p]) for c, p in topo.bones])


def structure_score(dist: np.ndarray, topo: SkeletonTopology, dims: int, perm=None):
    """(penalty, scale, per-bone |log| deviation, per-pair |log| asymmetry) of a V x V median-distance matrix read
    as format ``topo`` (after re-indexing by ``perm``: joint j of the format is column perm[j]).

    deviation: |log(length / (scale * reference length))| with scale the median length ratio; asymmetry:
    |log(left / right)|.  The penalty adds up what exceeds 2x on bones and 1.5x on pairs (each capped at 8x), so
    tracker noise costs nothing and a few wrong bones cost a lot."""
    if perm is not None:
        perm = np.asarray(perm)
        dist = dist[perm][:, perm]
    bones = topo.bones
    obs = np.array([dist[c, p] for c, p in bones])
    ref = _reference_lengths(topo, dims)
    typical = np.nanmedian(obs) if np.isfinite(obs).any() else np.nan
    # bones of (near) zero length are synthesised stand-ins (a foot copied from the ankle): no information
    use = np.isfinite(obs) & (ref > 0) & (obs > 1e-6 * (typical if np.isfinite(typical) and typical > 0 else 1))
    if use.sum() < 3:
        return np.nan, np.nan, np.full(len(bones), np.nan), np.array([])
    ratio = np.where(use, obs / np.where(ref > 0, ref, 1), np.nan)
    scale = float(np.nanmedian(ratio))
    dev = np.abs(np.log(ratio / scale))
    index = {b: k for k, b in enumerate(bones)}
    asym = np.array([np.abs(np.log(obs[index[lb]] / obs[index[rb]])) if use[index[lb]] and use[index[rb]] else np.nan
                     for lb, rb in topo.symmetric_bones])
    hinge = lambda v, tol: np.nansum(np.clip(v - np.log(tol), 0, _CLIP)) if v.size else 0.0  # noqa: E731
    return float(hinge(dev, 2.0) + hinge(asym, 1.5)), scale, dev, asym


def _suspect(penalty: float, dev: np.ndarray, asym: np.ndarray) -> bool:
    return bool(penalty > PENALTY_TOL or np.nanmax(dev, initial=0) > np.log(BONE_TOL)
                or np.nanmax(asym, initial=0) > np.log(ASYM_TOL))


def _subtree(topo: SkeletonTopology, j: int) -> list[int]:
    kids = {c: [] for c in range(topo.num_joints)}
    for c, p in topo.bones:
        kids[p].append(c)
    out, stack = [], [j]
    while stack:
        k = stack.pop()
        out.append(k)
        stack.extend(kids[k])
    return out


def _swap_hypotheses(topo: SkeletonTopology):
    """(description, permutation) for left/right exchanges of one joint pair or of a whole limb below a joint."""
    m = topo.mirror
    names = topo.joint_names
    for j in range(topo.num_joints):
        if m[j] <= j:
            continue
        perm = list(range(topo.num_joints))
        perm[j], perm[m[j]] = m[j], j
        yield f"joints {names[j]!r} and {names[m[j]]!r} are exchanged", perm
        sub = _subtree(topo, j)
        if len(sub) > 1 and all(m[k] != k for k in sub):
            perm = list(range(topo.num_joints))
            for k in sub:
                perm[k], perm[m[k]] = m[k], k
            yield f"the limbs from {names[j]!r} and {names[m[j]]!r} down are exchanged", perm


def _same_size_formats(topo: SkeletonTopology) -> list[str]:
    return [n for n in list_topologies() if n != topo.name and get_topology(n).num_joints == topo.num_joints
            and get_topology(n).joint_names != topo.joint_names]


def _orientation(frames: np.ndarray, topo: SkeletonTopology, image: bool):
    """(fraction facing away from the camera or None, fraction upside down or None)."""
    names = topo.joint_names
    pick = lambda *cands: next((names.index(c) for c in cands if c in names), None)  # noqa: E731
    ls, rs = pick("l_shoulder", "shoulder_left"), pick("r_shoulder", "shoulder_right")
    lh, rh = pick("l_hip", "hip_left"), pick("r_hip", "hip_right")
    if None in (ls, rs, lh, rh):
        return None, None
    sel = [ls, rs, lh, rh]
    ok = (np.abs(frames[:, sel]).sum(-1) > 0).all(1)
    f = frames[ok]
    if len(f) == 0:
        return None, None
    up = (f[:, ls] + f[:, rs] - f[:, lh] - f[:, rh]) / 2
    upside = float(np.mean(up[:, 1] > 0)) if image else float(np.mean(up[:, 1] < 0))   # image y points down
    if image or f.shape[-1] < 3:
        return None, upside
    right = (f[:, rs] - f[:, ls]) + (f[:, rh] - f[:, lh])
    forward = np.cross(up, right)          # Kinect camera space: towards the camera is -z
    return float(np.mean(forward[:, 2] > 0)), upside


def diagnose_joint_order(x, keypoint_format: str) -> JointOrderDiagnosis:
    """Check a sample (..., V, C) (e.g. a canonical (M, T, V, C) sample) against ``keypoint_format``."""
    topo = get_topology(keypoint_format)
    x = np.asarray(x)
    if x.shape[-2] != topo.num_joints:
        raise ValueError(f"sample has V={x.shape[-2]} joints, format {topo.name!r} has {topo.num_joints}")
    dims = spatial_dims(topo.name, x.shape[-1])
    frames = _frames(x[..., :dims], topo.num_joints)
    diag = JointOrderDiagnosis(topo.name, np.nan, np.nan, len(frames))
    if len(frames) == 0:
        diag.messages.append("no frame holds a body (all zeros)")
        return diag
    dist = pairwise_median_distances(frames)
    score, scale, dev, asym = structure_score(dist, topo, dims)
    diag.score, diag.scale = score, scale
    names = topo.joint_names
    diag.bad_bones = [(names[c], names[p], float(np.exp(d))) for (c, p), d in zip(topo.bones, dev)
                      if np.isfinite(d) and d > np.log(BONE_TOL)]
    diag.asymmetric = [(f"{names[lb[0]]}-{names[lb[1]]}", f"{names[rb[0]]}-{names[rb[1]]}", float(np.exp(a)))
                       for (lb, rb), a in zip(topo.symmetric_bones, asym) if np.isfinite(a) and a > np.log(ASYM_TOL)]
    if np.isfinite(score) and _suspect(score, dev, asym):
        candidates = []
        for name in _same_size_formats(topo):
            other = get_topology(name)
            candidates.append((f"the joints are in {name!r} order",
                               *structure_score(dist, other, spatial_dims(name, x.shape[-1])), name))
        for what, perm in _swap_hypotheses(topo):
            candidates.append((what, *structure_score(dist, topo, dims, perm), None))
        candidates = [c for c in candidates if np.isfinite(c[1]) and not _suspect(c[1], c[3], c[4])]
        best = min(candidates, key=lambda c: c[1]) if candidates else None
        worst = sorted(((d, c, p) for (c, p), d in zip(topo.bones, dev) if np.isfinite(d)), reverse=True)[:3]
        parts = [f"{names[c]}-{names[p]} is off its expected length by {np.exp(d):.1f}x" for d, c, p in worst
                 if d > np.log(2.0)]
        parts += [f"{lb} is {r:.1f}x {rb}" for lb, rb, r in diag.asymmetric[:2]]
        msg = (f"bone lengths do not fit keypoint format {topo.name!r} (penalty {score:.2f}): " + "; ".join(parts)
               + ".")
        if best is not None and best[1] <= _BETTER * score:
            diag.alternative = (best[0], best[1])
            msg += f" Likely cause: {best[0]}"
            if best[5] is not None:
                from .formats import list_keypoint_conversions
                if (best[5], topo.name) in list_keypoint_conversions():
                    msg += f"; convert with motionzoo.convert_keypoints(x, {best[5]!r}, {topo.name!r})"
            msg += "."
        diag.messages.append(msg)
    base = topo.canonical or topo.name
    base = "ntu25" if base.startswith("ntu25") else base
    image = base in ESTIMATOR_FORMATS
    if image or base in CAMERA_FORMATS:
        diag.facing_away, diag.upside_down = _orientation(frames, topo, image)
    if diag.upside_down is not None and diag.upside_down > 0.9:
        diag.messages.append(
            "the shoulders are below the hips in most frames: " + (
                "image keypoints have y pointing down; flip y (y -> height - y)?" if image else
                "3D Kinect-family coordinates have y pointing up; is y flipped?"))
    if diag.facing_away is not None and diag.facing_away > 0.9 and not diag.alternative:
        diag.messages.append(
            "the skeleton faces away from the camera in most frames, which Kinect tracking does not produce: left and "
            "right are probably exchanged (labels mirrored, or the x axis flipped) -- every bone length still fits, "
            "so only the facing shows it")
    if base in CAMERA_FORMATS and np.isfinite(scale):
        if scale > 300:
            diag.messages.append(f"bones are {scale:.0f}x the reference body in metres: coordinates look like "
                                 "millimetres; the models expect metres (multiply by 0.001)")
        elif scale > 30:
            diag.messages.append(f"bones are {scale:.0f}x the reference body in metres: coordinates look like "
                                 "centimetres; the models expect metres (multiply by 0.01)")
    return diag

"""Skeleton data: topologies, readers of the original dataset formats, transforms, datasets.

Modules: topology (skeleton topologies), ntu / sbu / utd_mhad / msr_action3d / uea_ts (NATOPS) / nw_ucla / utkinect (one reader per
format), bodies (NTU body selection), transforms, pipeline (model input pipelines), splits (validation carving),
formats (keypoint converters), datasets (+ cache), user (your own sequences: a plain .npz / .npy+CSV container),
pyskl (pyskl annotation pickles, read without running pickle code), reference_pose (a reference body per keypoint
format), synthetic (synthetic NTU files), show (drawing).  ``video.py`` / ``synthetic_video.py`` are the RGB-D pipeline
and are not imported here.
"""
from .topology import SkeletonTopology, get_topology, list_topologies, euler_traversal, UnknownTopologyError
from .errors import SkeletonFormatError, DatasetNotFoundError
from .ntu import (NtuSkeleton, read_ntu_skeleton, parse_ntu_name, ntu_split, read_missing_list, read_ntu_statistics,
                  NTU60_CLASSES, NTU120_CLASSES, NTU_PROTOCOLS)
from .bodies import select_bodies, BODY_RULES
from .sbu import read_sbu, sbu_denormalize, SBU_CLASSES, SBU_FOLDS
from .utd_mhad import read_utd_mhad, UTD_MHAD_CLASSES
from .msr_action3d import read_msr_action3d, MSR_ACTION3D_CLASSES, MSR_BAD_FILES, AllZeroSequenceError
from .uea_ts import read_natops_ts, NATOPS_CLASSES
from .nw_ucla import read_nw_ucla, NW_UCLA_CLASSES
from .utkinect import read_utkinect_joints, read_utkinect_labels, UTKINECT_CLASSES
from .formats import convert_keypoints, conversion_rules, list_keypoint_conversions
from .transforms import (Compose, two_centre_normalize, center_on_joint, select_most_active, fixed_length,
                         resample_linspace, resample_interpolate, temporal_window, random_start_crop, rnn_windows,
                         resample_hpc350, rotation_matrix, skeleton_to_image, SkeletonToImage, IMAGE_PRESETS,
                         hpc_frame_features, first_frame_normalize, bones, motion)
from .splits import carve_validation
from .datasets import (SkeletonDataset, NTUSkeletonDataset, SBUDataset, UTDMHADDataset, MSRAction3DDataset,
                       NATOPSDataset, NWUCLADataset, UTKinectDataset, DATASETS, get_dataset, pad_collate)
from .user import UserSkeletonDataset, UserSkeletons, read_user_dataset, write_user_dataset
from .pyskl import PysklDataset, read_pyskl, write_pyskl
from .reference_pose import reference_pose
from .synthetic import write_synthetic_ntu
from .show import show, show_path

__all__ = [
    "SkeletonTopology", "get_topology", "list_topologies", "euler_traversal", "UnknownTopologyError",
    "SkeletonFormatError", "DatasetNotFoundError", "AllZeroSequenceError",
    "NtuSkeleton", "read_ntu_skeleton", "parse_ntu_name", "ntu_split", "read_missing_list", "read_ntu_statistics",
    "NTU60_CLASSES", "NTU120_CLASSES", "NTU_PROTOCOLS", "select_bodies", "BODY_RULES",
    "read_sbu", "sbu_denormalize", "SBU_CLASSES", "SBU_FOLDS", "read_utd_mhad", "UTD_MHAD_CLASSES",
    "read_msr_action3d", "MSR_ACTION3D_CLASSES", "MSR_BAD_FILES", "read_natops_ts", "NATOPS_CLASSES",
    "read_nw_ucla", "NW_UCLA_CLASSES", "read_utkinect_joints", "read_utkinect_labels", "UTKINECT_CLASSES",
    "convert_keypoints", "conversion_rules", "list_keypoint_conversions",
    "Compose", "two_centre_normalize", "center_on_joint", "select_most_active", "fixed_length", "resample_linspace",
    "resample_interpolate", "temporal_window", "random_start_crop", "rnn_windows", "resample_hpc350",
    "rotation_matrix",
    "skeleton_to_image", "SkeletonToImage", "IMAGE_PRESETS", "hpc_frame_features", "first_frame_normalize", "bones",
    "motion", "carve_validation",
    "SkeletonDataset", "NTUSkeletonDataset", "SBUDataset", "UTDMHADDataset", "MSRAction3DDataset", "NATOPSDataset",
    "NWUCLADataset", "UTKinectDataset", "DATASETS", "get_dataset", "pad_collate",
    "UserSkeletonDataset", "UserSkeletons", "read_user_dataset", "write_user_dataset",
    "PysklDataset", "read_pyskl", "write_pyskl", "reference_pose",
    "write_synthetic_ntu", "show", "show_path",
]


def __getattr__(name: str):
    if name == "SkeletonLayout":     # deprecated name of SkeletonTopology
        from . import topology
        return topology.SkeletonLayout
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

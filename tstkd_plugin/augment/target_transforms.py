# Copyright (c) tstkd_plugin contributors.
"""Detection boxes and segmentation labels follow an image's affine warp.

The matrices are those of :class:`LearnableAugment` with
``geometry='compose'``: (3, 3), mapping source to output pixel coordinates
with pixel centres at integers (kornia's ``align_corners=True``). Boxes are
in mmdet's edge coordinates (a pixel i spans [i, i + 1]), hence the half
pixel shift.
"""
import copy
from typing import List, Sequence, Tuple

import torch
from kornia.geometry.transform import warp_affine


def _edge_matrix(matrix: torch.Tensor) -> torch.Tensor:
    """The same map in edge coordinates: x_edge = x_centre + 0.5."""
    shift = torch.eye(3, dtype=matrix.dtype, device=matrix.device)
    unshift = shift.clone()
    shift[:2, 2], unshift[:2, 2] = 0.5, -0.5
    return shift @ matrix @ unshift


def transform_boxes(
        boxes: torch.Tensor,
        matrix: torch.Tensor,
        image_hw: Tuple[int, int],
        min_size: float = 2.0) -> Tuple[torch.Tensor, torch.Tensor]:
    """Transform (N, 4) xyxy boxes by ``matrix``.

    All four corners are mapped, the enclosing box is taken and clipped to
    the image; boxes narrower or lower than ``min_size`` pixels after
    clipping (including those that left the image) are dropped.

    Returns:
        tuple: The kept boxes (M, 4) and the (N,) bool mask of kept ones.
    """
    if boxes.numel() == 0:
        return boxes.reshape(0, 4), boxes.new_zeros(0, dtype=torch.bool)
    x1, y1, x2, y2 = boxes.float().unbind(-1)
    corners = torch.stack([
        torch.stack([x1, y1], -1),
        torch.stack([x2, y1], -1),
        torch.stack([x1, y2], -1),
        torch.stack([x2, y2], -1)
    ], 1)  # (N, 4, 2)
    m = _edge_matrix(matrix.float().to(boxes.device))
    mapped = corners @ m[:2, :2].T + m[:2, 2]
    h, w = image_hw
    lo, hi = mapped.min(1).values, mapped.max(1).values
    out = torch.cat([lo, hi], -1)
    out[:, 0::2] = out[:, 0::2].clamp(0, w)
    out[:, 1::2] = out[:, 1::2].clamp(0, h)
    keep = ((out[:, 2] - out[:, 0]) >= min_size) & \
        ((out[:, 3] - out[:, 1]) >= min_size)
    return out[keep].to(boxes.dtype), keep


def warp_label_map(labels: torch.Tensor,
                   matrix: torch.Tensor,
                   ignore_index: int = 255) -> torch.Tensor:
    """Warp a (1, H, W) or (H, W) integer label map with nearest sampling;
    pixels that come from outside the map get ``ignore_index``."""
    squeeze = labels.dim() == 2
    maps = labels.reshape(1, 1, *labels.shape[-2:]).float() + 1.0
    warped = warp_affine(
        maps,
        matrix[None, :2].float().to(labels.device),
        tuple(labels.shape[-2:]),
        mode='nearest',
        align_corners=True)
    out = warped.round().long() - 1  # 0 = from outside = -1 here
    out[out < 0] = ignore_index
    out = out.to(labels.dtype)
    return out[0, 0] if squeeze else out[0]


def transform_samples(samples: Sequence,
                      matrices: torch.Tensor,
                      min_box_size: float = 2.0,
                      ignore_index: int = 255) -> List:
    """Copies of mmdet/mmseg data samples whose targets follow ``matrices``.

    ``gt_instances.bboxes`` (with their labels and any other per-instance
    field) and ``gt_sem_seg`` are transformed; instance masks are not
    supported and raise. Image metas are unchanged (the image keeps its
    size). The matrices act on each image's valid area (``img_shape``):
    boxes are clipped to it, and label maps padded beyond it are warped
    there only, the padding keeps its labels.

    Args:
        samples (Sequence): ``DetDataSample`` or ``SegDataSample`` objects.
        matrices (Tensor): (B, 3, 3), one per sample.
    """
    out = []
    for sample, matrix in zip(samples, matrices):
        sample = copy.copy(sample)  # shallow: only the targets are replaced
        h, w = sample.metainfo['img_shape'][:2]
        if 'gt_instances' in sample:
            instances = sample.gt_instances
            if 'masks' in instances:
                raise ValueError(
                    'gt_instances.masks: instance masks cannot follow TST '
                    'geometric ops yet; load the data without masks '
                    '(LoadAnnotations with_mask=False) or remove the '
                    'geometric ops from model.augmenter.ops.')
            boxes = instances.bboxes
            tensor = getattr(boxes, 'tensor', boxes)
            new_boxes, keep = transform_boxes(tensor, matrix, (h, w),
                                              min_box_size)
            instances = instances[keep]
            instances.bboxes = type(boxes)(new_boxes) \
                if hasattr(boxes, 'tensor') else new_boxes
            sample.gt_instances = instances
        if 'gt_sem_seg' in sample:
            seg = copy.copy(sample.gt_sem_seg)
            data = seg.data.clone()
            data[..., :h, :w] = warp_label_map(data[..., :h, :w], matrix,
                                               ignore_index)
            seg.data = data
            sample.gt_sem_seg = seg
        out.append(sample)
    return out

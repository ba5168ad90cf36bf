# Copyright (c) tstkd_plugin contributors.
"""The feature-map operations of SoKD's learnable teacher-feature augmentation.

Every op takes features (B, C, H, W), a magnitude ``m`` in [0, 1] (a scalar
tensor) and a per-sample random sign (B,) and returns features of the same
shape. The geometric ops are TST's (the ranges are the same: shear 0.3,
translation 0.45 x size, rotation 30 degrees), warped with zeros outside, and
differentiable in ``m``; so is the Gaussian noise. Cutout and ChannelDrop
draw a discrete pattern whose size depends on ``m``: they pass the gradient
to ``m`` straight through. ChannelShuffle has no magnitude.
"""
from typing import Dict

import torch

from .augment_ops import (AugmentOp, OpResult, _about_center, _geometric,
                          rotate_matrix, shear_x_matrix, shear_y_matrix,
                          translate_x_matrix, translate_y_matrix)


# Features are sheared about their centre (TST's image shears follow
# AutoAugment's top-left origin): a feature map has no privileged corner.
# Features draw every sign at random; these keep the directions the feature
# ops have always had for a given sign (x' = x + 0.3 m y, clockwise).
def centred_shear_x_matrix(hw, m, sign) -> torch.Tensor:
    return _about_center(shear_x_matrix(hw, m, -sign), hw)


def centred_shear_y_matrix(hw, m, sign) -> torch.Tensor:
    return _about_center(shear_y_matrix(hw, m, -sign), hw)


def clockwise_rotate_matrix(hw, m, sign) -> torch.Tensor:
    return rotate_matrix(hw, m, -sign)


def _magnitude_straight_through(out: torch.Tensor,
                                magnitude: torch.Tensor) -> torch.Tensor:
    """``out`` in the forward pass; d/dm = 1 per element in the backward.
    Unlike TST's ``straight_through`` the gradient to the input is kept:
    ops are chained within a sub-policy."""
    return out + (magnitude - magnitude.detach())


def feature_cutout(x, m, sign, max_side: float = 0.2) -> OpResult:
    """Zero a random square of side ``max_side * m`` x the shorter side."""
    b, _, h, w = x.shape
    half = (max_side * m.detach() * min(h, w) / 2).item()
    cy = torch.randint(0, h, (b, 1, 1), device=x.device)
    cx = torch.randint(0, w, (b, 1, 1), device=x.device)
    ys = torch.arange(h, device=x.device).view(1, h, 1)
    xs = torch.arange(w, device=x.device).view(1, 1, w)
    hole = ((ys - cy).abs() < half) & ((xs - cx).abs() < half)
    out = x * (~hole).unsqueeze(1).to(x.dtype)
    return _magnitude_straight_through(out, m), None


def gaussian_noise(x, m, sign, max_sigma: float = 0.1) -> OpResult:
    """Add noise of ``max_sigma * m`` times each sample's feature std."""
    scale = x.detach().flatten(1).std(1).view(-1, 1, 1, 1)
    return x + max_sigma * m * scale * torch.randn_like(x), None


def channel_shuffle(x, m, sign) -> OpResult:
    """Permute the channels, a new random permutation per sample."""
    order = torch.rand(x.shape[:2], device=x.device).argsort(1)
    return x.gather(1, order[..., None, None].expand_as(x)), None


def channel_drop(x, m, sign, max_rate: float = 0.5) -> OpResult:
    """Zero each channel with probability ``max_rate * m`` (no rescaling)."""
    keep = torch.rand(x.shape[:2], device=x.device) >= max_rate * m.detach()
    out = x * keep[..., None, None].to(x.dtype)
    return _magnitude_straight_through(out, m), None


# The operations of SoKD's feature augmentation (the spec's list).
FEATURE_OPS: Dict[str, AugmentOp] = {
    'ShearX': _geometric(centred_shear_x_matrix),
    'ShearY': _geometric(centred_shear_y_matrix),
    'TranslateX': _geometric(translate_x_matrix),
    'TranslateY': _geometric(translate_y_matrix),
    'Rotate': _geometric(clockwise_rotate_matrix),
    'Cutout': AugmentOp(feature_cutout, True),
    'GaussianNoise': AugmentOp(gaussian_noise, True),
    'ChannelShuffle': AugmentOp(channel_shuffle, False),
    'ChannelDrop': AugmentOp(channel_drop, True),
}

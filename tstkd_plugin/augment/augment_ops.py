# Copyright (c) tstkd_plugin contributors.
"""The image operations of TST's learnable augmentation (AutoAugment ranges).

Every op takes images in [0, 1] (B, 3, H, W), a magnitude ``m`` in [0, 1]
(a scalar tensor) and a per-sample random sign (B,), and returns the images
and, for geometric ops, the (B, 3, 3) affine matrix it applied (pixel
coordinates). Colour and geometric ops are closed-form and differentiable in
``m`` (kornia ops with tensor parameters). Ops without a useful gradient
(posterize, solarize) pass the gradient to ``m`` straight through; ops
without a magnitude (equalize, invert, cutout) only need the gradient of
their gate, which the residual combination gives them.
"""
from typing import Callable, Dict, NamedTuple, Optional, Tuple

import torch
from kornia import enhance
from kornia.geometry.transform import warp_affine

OpResult = Tuple[torch.Tensor, Optional[torch.Tensor]]


class AugmentOp(NamedTuple):
    """An operation, whether it has a learnable magnitude and, for geometric
    ops, the function giving its (B, 3, 3) matrix without warping."""
    fn: Callable[[torch.Tensor, torch.Tensor, torch.Tensor], OpResult]
    has_magnitude: bool
    matrix_fn: Optional[Callable] = None

    @property
    def geometric(self) -> bool:
        return self.matrix_fn is not None


def straight_through(hard: torch.Tensor, magnitude: torch.Tensor
                     ) -> torch.Tensor:
    """``hard`` in the forward pass; d/dm = 1 per pixel in the backward."""
    return hard.detach() + (magnitude - magnitude.detach())


def _factor(magnitude: torch.Tensor, sign: torch.Tensor) -> torch.Tensor:
    # colour factors 1 +/- 0.9 m (AutoAugment)
    return 1.0 + 0.9 * magnitude * sign


def brightness(x, m, sign) -> OpResult:
    return enhance.adjust_brightness(x, _factor(m, sign) - 1.0), None


def color(x, m, sign) -> OpResult:
    return enhance.adjust_saturation(x, _factor(m, sign)).clamp(0, 1), None


def contrast(x, m, sign) -> OpResult:
    return enhance.adjust_contrast(x, _factor(m, sign)), None


def sharpness(x, m, sign) -> OpResult:
    return enhance.sharpness(x, _factor(m, sign)).clamp(0, 1), None


def posterize(x, m, sign) -> OpResult:
    bits = (8.0 - 4.0 * m.detach()).round().to(torch.int64)
    return straight_through(enhance.posterize(x, bits), m), None


def solarize(x, m, sign) -> OpResult:
    # threshold 256 -> 0 (of 255) as m goes 0 -> 1: at 0 no pixel changes
    threshold = ((1.0 - m.detach()) * 256.0 / 255.0).expand(x.shape[0])
    return straight_through(enhance.solarize(x, threshold), m), None


def equalize(x, m, sign) -> OpResult:
    # un-normalising leaves -3e-8 where a pixel was 0; kornia 0.7 refuses it
    return enhance.equalize(x.clamp(0, 1)), None


def invert(x, m, sign) -> OpResult:
    return 1.0 - x, None


def cutout(x, m, sign, size: float = 0.2) -> OpResult:
    """Zero a random square of ``size`` x the shorter side, per sample."""
    b, _, h, w = x.shape
    side = max(1, int(round(size * min(h, w))))
    cy = torch.randint(0, h, (b, 1, 1), device=x.device)
    cx = torch.randint(0, w, (b, 1, 1), device=x.device)
    ys = torch.arange(h, device=x.device).view(1, h, 1)
    xs = torch.arange(w, device=x.device).view(1, 1, w)
    hole = ((ys - cy).abs() <= side // 2) & ((xs - cx).abs() <= side // 2)
    return x * (~hole).unsqueeze(1).to(x.dtype), None


def _about_center(matrix: torch.Tensor, hw: torch.Tensor) -> torch.Tensor:
    """Conjugate (B, 3, 3) linear maps so that each acts about the centre
    of its image; ``hw`` (B, 2) holds the image heights and widths."""
    to_center = torch.eye(3, device=matrix.device,
                          dtype=matrix.dtype).repeat(matrix.shape[0], 1, 1)
    back = to_center.clone()
    to_center[:, 0, 2], to_center[:, 1, 2] = -(hw[:, 1] - 1) / 2, \
        -(hw[:, 0] - 1) / 2
    back[:, 0, 2], back[:, 1, 2] = (hw[:, 1] - 1) / 2, (hw[:, 0] - 1) / 2
    return back @ matrix @ to_center


def warp(x: torch.Tensor, matrix: torch.Tensor) -> torch.Tensor:
    """Warp (B, C, H, W) by (B, 3, 3) matrices mapping source to output
    pixel coordinates (pixel centres at integers), zeros outside."""
    h, w = x.shape[-2:]
    return warp_affine(x, matrix[:, :2], (h, w), align_corners=True)


def image_sizes(x: torch.Tensor) -> torch.Tensor:
    """(B, 2) heights and widths of a batch whose images fill it."""
    return x.new_tensor(x.shape[-2:]).expand(x.shape[0], 2)


def _eye(hw: torch.Tensor) -> torch.Tensor:
    return torch.eye(3, device=hw.device, dtype=hw.dtype).repeat(
        hw.shape[0], 1, 1)


# Geometric ops as matrices: ``hw`` (B, 2) are the sizes of the images
# (their valid areas in padded batches), ``m`` the magnitude, ``sign`` (B,).
def shear_x_matrix(hw, m, sign) -> torch.Tensor:
    matrix = _eye(hw)
    matrix[:, 0, 1] = 0.3 * m * sign
    return _about_center(matrix, hw)


def shear_y_matrix(hw, m, sign) -> torch.Tensor:
    matrix = _eye(hw)
    matrix[:, 1, 0] = 0.3 * m * sign
    return _about_center(matrix, hw)


def translate_x_matrix(hw, m, sign) -> torch.Tensor:
    matrix = _eye(hw)
    matrix[:, 0, 2] = 0.45 * m * sign * hw[:, 1]
    return matrix


def translate_y_matrix(hw, m, sign) -> torch.Tensor:
    matrix = _eye(hw)
    matrix[:, 1, 2] = 0.45 * m * sign * hw[:, 0]
    return matrix


def rotate_matrix(hw, m, sign) -> torch.Tensor:
    angle = torch.deg2rad(30.0 * m * sign)
    matrix = _eye(hw)
    cos, sin = torch.cos(angle), torch.sin(angle)
    matrix[:, 0, 0], matrix[:, 0, 1] = cos, -sin
    matrix[:, 1, 0], matrix[:, 1, 1] = sin, cos
    return _about_center(matrix, hw)


def _geometric(matrix_fn: Callable) -> AugmentOp:
    def fn(x, m, sign) -> OpResult:
        matrix = matrix_fn(image_sizes(x), m, sign)
        return warp(x, matrix), matrix

    return AugmentOp(fn, True, matrix_fn)


# The 14 operations of the TST paper, in its order.
AUGMENT_OPS: Dict[str, AugmentOp] = {
    'Brightness': AugmentOp(brightness, True),
    'Color': AugmentOp(color, True),
    'Contrast': AugmentOp(contrast, True),
    'Sharpness': AugmentOp(sharpness, True),
    'Posterize': AugmentOp(posterize, True),
    'Solarize': AugmentOp(solarize, True),
    'ShearX': _geometric(shear_x_matrix),
    'ShearY': _geometric(shear_y_matrix),
    'TranslateX': _geometric(translate_x_matrix),
    'TranslateY': _geometric(translate_y_matrix),
    'Rotate': _geometric(rotate_matrix),
    'Equalize': AugmentOp(equalize, False),
    'Invert': AugmentOp(invert, False),
    'Cutout': AugmentOp(cutout, False),
}

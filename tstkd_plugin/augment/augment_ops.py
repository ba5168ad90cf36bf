# Copyright (c) tstkd_plugin contributors.
"""The image operations of TST's learnable augmentation.

They are AutoAugment's operations with AutoAugment's ranges and
torchvision's semantics (Brightness scales, Contrast blends with the mean
grey, Color with the greyscale image, shears about the top-left corner, a
positive rotation is counter-clockwise), as the reference pre-fits its op
networks to torchvision's ops; ``tests/test_augment_ops.py`` compares each
with torchvision's.

Every op takes images in [0, 1] (B, 3, H, W), a magnitude ``m`` in [0, 1]
(a scalar tensor), a sign per sample (B,), the ``fill`` colour for what a
warp or a cutout brings in ((1, 3, 1, 1) in [0, 1], black when None) and
whether a random draw (the cutout's position) is ``shared`` by the batch; it
returns the images and, for geometric ops, the (B, 3, 3) affine matrix it
applied (pixel coordinates). Colour and geometric ops are closed-form and
differentiable in ``m``. Ops without a useful gradient (posterize,
solarize) pass the gradient to ``m`` straight through; ops without a
magnitude (equalize, invert, cutout) only need the gradient of their gate,
which the residual combination gives them.
"""
from typing import Callable, Dict, NamedTuple, Optional, Tuple

import torch
from kornia import enhance
from kornia.color import rgb_to_grayscale
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


def straight_through(hard: torch.Tensor,
                     magnitude: torch.Tensor) -> torch.Tensor:
    """``hard`` in the forward pass; d/dm = 1 per pixel in the backward."""
    return hard.detach() + (magnitude - magnitude.detach())


def _factor(magnitude: torch.Tensor, sign: torch.Tensor) -> torch.Tensor:
    # colour factors 1 +/- 0.9 m (AutoAugment), (B, 1, 1, 1)
    return (1.0 + 0.9 * magnitude * sign).view(-1, 1, 1, 1)


def _blend(x: torch.Tensor, other: torch.Tensor,
           factor: torch.Tensor) -> torch.Tensor:
    """``factor * x + (1 - factor) * other`` in [0, 1], as PIL's
    ``ImageEnhance`` and torchvision's colour ops."""
    return (factor * x + (1.0 - factor) * other).clamp(0, 1)


def brightness(x, m, sign, fill=None, shared=False) -> OpResult:
    """Scale by the factor (a blend with black)."""
    return _blend(x, torch.zeros_like(x), _factor(m, sign)), None


def color(x, m, sign, fill=None, shared=False) -> OpResult:
    """Blend with the greyscale image (saturation)."""
    return _blend(x, rgb_to_grayscale(x), _factor(m, sign)), None


def contrast(x, m, sign, fill=None, shared=False) -> OpResult:
    """Blend with each image's mean grey level."""
    grey = rgb_to_grayscale(x).mean((-3, -2, -1), keepdim=True)
    return _blend(x, grey, _factor(m, sign)), None


def sharpness(x, m, sign, fill=None, shared=False) -> OpResult:
    """Blend with the smoothed image (kornia's op is torchvision's)."""
    return enhance.sharpness(x, _factor(m, sign).flatten()).clamp(0, 1), \
        None


def posterize(x, m, sign, fill=None, shared=False) -> OpResult:
    bits = (8.0 - 4.0 * m.detach()).round().to(torch.int64)
    return straight_through(enhance.posterize(x, bits), m), None


def solarize(x, m, sign, fill=None, shared=False) -> OpResult:
    # threshold 256 -> 0 (of 255) as m goes 0 -> 1: at 0 no pixel changes
    threshold = ((1.0 - m.detach()) * 256.0 / 255.0).expand(x.shape[0])
    return straight_through(enhance.solarize(x, threshold), m), None


def equalize(x, m, sign, fill=None, shared=False) -> OpResult:
    # kornia refuses values outside [0, 1] (un-normalising leaves -3e-8
    # where a pixel was 0, and a batch may not come from [0, 1] images)
    return enhance.equalize(x.clamp(0, 1)), None


def invert(x, m, sign, fill=None, shared=False) -> OpResult:
    return 1.0 - x, None


def cutout(x, m, sign, fill=None, shared=False, size: float = 1.0) -> OpResult:
    """Fill a square of side ``size`` x the shorter side, centred on a
    random pixel (one for the batch when ``shared``) and clipped to the
    image, with ``fill`` (the mean colour; black when None). With
    ``size=1`` a box covers about 56 % of an image on average, as the
    reference's ``Cutout(image side)``."""
    b, _, h, w = x.shape
    half = max(1, int(round(size * min(h, w)))) // 2
    n = 1 if shared else b
    cy = torch.randint(0, h, (n, 1, 1), device=x.device)
    cx = torch.randint(0, w, (n, 1, 1), device=x.device)
    ys = torch.arange(h, device=x.device).view(1, h, 1)
    xs = torch.arange(w, device=x.device).view(1, 1, w)
    hole = ((ys >= cy - half) & (ys < cy + half) & (xs >= cx - half) &
            (xs < cx + half)).unsqueeze(1)
    fill = torch.zeros_like(x) if fill is None else fill.to(x)
    return torch.where(hole, fill, x), None


def _about_center(matrix: torch.Tensor, hw: torch.Tensor) -> torch.Tensor:
    """Conjugate (B, 3, 3) linear maps so that each acts about the centre
    of its image; ``hw`` (B, 2) holds the image heights and widths."""
    to_center = torch.eye(
        3, device=matrix.device,
        dtype=matrix.dtype).repeat(matrix.shape[0], 1, 1)
    back = to_center.clone()
    to_center[:, 0, 2], to_center[:, 1, 2] = -(hw[:, 1] - 1) / 2, \
        -(hw[:, 0] - 1) / 2
    back[:, 0, 2], back[:, 1, 2] = (hw[:, 1] - 1) / 2, (hw[:, 0] - 1) / 2
    return back @ matrix @ to_center


def warp(x: torch.Tensor,
         matrix: torch.Tensor,
         fill: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Warp (B, C, H, W) by (B, 3, 3) matrices mapping source to output
    pixel coordinates (pixel centres at integers); what comes from outside
    is ``fill`` (broadcast to the batch), zeros when None."""
    h, w = x.shape[-2:]
    if fill is None:
        return warp_affine(x, matrix[:, :2], (h, w), align_corners=True)
    # bilinear sampling is linear: warping x - fill with zeros outside and
    # adding fill back gives fill outside and x inside, on every kornia
    fill = fill.to(x)
    return warp_affine(
        x - fill, matrix[:, :2], (h, w), align_corners=True) + fill


def image_sizes(x: torch.Tensor) -> torch.Tensor:
    """(B, 2) heights and widths of a batch whose images fill it."""
    return x.new_tensor(x.shape[-2:]).expand(x.shape[0], 2)


def _eye(hw: torch.Tensor) -> torch.Tensor:
    return torch.eye(
        3, device=hw.device, dtype=hw.dtype).repeat(hw.shape[0], 1, 1)


# Geometric ops as matrices: ``hw`` (B, 2) are the sizes of the images
# (their valid areas in padded batches), ``m`` the magnitude, ``sign`` (B,).
# Signs and origins are torchvision's AutoAugment ones: shears about the
# top-left corner, a positive rotation counter-clockwise on screen.
def shear_x_matrix(hw, m, sign) -> torch.Tensor:
    matrix = _eye(hw)
    matrix[:, 0, 1] = -0.3 * m * sign
    return matrix


def shear_y_matrix(hw, m, sign) -> torch.Tensor:
    matrix = _eye(hw)
    matrix[:, 1, 0] = -0.3 * m * sign
    return matrix


def translate_x_matrix(hw, m, sign) -> torch.Tensor:
    matrix = _eye(hw)
    matrix[:, 0, 2] = 0.45 * m * sign * hw[:, 1]
    return matrix


def translate_y_matrix(hw, m, sign) -> torch.Tensor:
    matrix = _eye(hw)
    matrix[:, 1, 2] = 0.45 * m * sign * hw[:, 0]
    return matrix


def rotate_matrix(hw, m, sign) -> torch.Tensor:
    angle = torch.deg2rad(-30.0 * m * sign)  # image y points down
    matrix = _eye(hw)
    cos, sin = torch.cos(angle), torch.sin(angle)
    matrix[:, 0, 0], matrix[:, 0, 1] = cos, -sin
    matrix[:, 1, 0], matrix[:, 1, 1] = sin, cos
    return _about_center(matrix, hw)


def _geometric(matrix_fn: Callable) -> AugmentOp:

    def fn(x, m, sign, fill=None, shared=False) -> OpResult:
        matrix = matrix_fn(image_sizes(x), m, sign)
        return warp(x, matrix, fill), matrix

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

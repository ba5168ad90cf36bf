# Copyright (c) tstkd_plugin contributors.
"""TST's image ops are torchvision's AutoAugment ops at the same magnitude.

The reference pre-fits one small network per op to torchvision's op, so
torchvision's semantics are the ones to reproduce. Images: scikit-learn's
two bundled photographs, cut to 80 x 80 so that the translations are whole
pixels (torchvision rounds them down).
"""
import math

import numpy as np
import pytest
import torch
import torchvision.transforms.functional as TF
from sklearn.datasets import load_sample_images
from torchvision.transforms import InterpolationMode

from tstkd_plugin.augment import AUGMENT_OPS, LearnableAugment
from tstkd_plugin.augment.augment_ops import cutout

MAGNITUDES = (0.25, 0.5, 0.75)
COLOUR_OPS = ('Brightness', 'Color', 'Contrast', 'Sharpness')
GEOMETRIC_OPS = ('ShearX', 'ShearY', 'TranslateX', 'TranslateY', 'Rotate')
# Bilinear sampling differs between kornia and torchvision by this much
# (mean absolute difference in [0, 1], measured at most 0.011 for shears
# at m = 0.75, 0.000 for whole-pixel translations); a wrong direction or
# origin differs by more than 3 x the tolerance (below; shears measured at
# 0.08 to 0.11 with the origin at the centre).
INTERPOLATION_TOL = 0.02


@pytest.fixture(scope='module')
def photos() -> torch.Tensor:
    images = [
        np.ascontiguousarray(i[::4, ::4][20:100, 40:120])
        for i in load_sample_images().images
    ]
    x = torch.stack([torch.from_numpy(i).permute(2, 0, 1) for i in images])
    return x.float() / 255  # (2, 3, 80, 80), on the 1/255 grid


def torchvision_op(name: str, x: torch.Tensor, m: float) -> torch.Tensor:
    """torchvision's op at signed magnitude ``m`` in [-1, 1] with
    AutoAugment's ranges (torchvision.transforms.AutoAugment)."""
    h, w = x.shape[-2:]
    bilinear = InterpolationMode.BILINEAR
    u8 = (x * 255).round().to(torch.uint8)
    factor = 1 + 0.9 * m
    if name == 'Brightness':
        return TF.adjust_brightness(x, factor)
    if name == 'Color':
        return TF.adjust_saturation(x, factor)
    if name == 'Contrast':
        return TF.adjust_contrast(x, factor)
    if name == 'Sharpness':
        return TF.adjust_sharpness(x, factor)
    if name in ('ShearX', 'ShearY'):
        angle = math.degrees(math.atan(0.3 * m))
        shear = [angle, 0.0] if name == 'ShearX' else [0.0, angle]
        return TF.affine(x, 0.0, [0, 0], 1.0, shear, bilinear, center=[0, 0])
    if name == 'TranslateX':
        return TF.affine(x, 0.0, [int(0.45 * m * w), 0], 1.0, [0.0, 0.0],
                         bilinear)
    if name == 'TranslateY':
        return TF.affine(x, 0.0, [0, int(0.45 * m * h)], 1.0, [0.0, 0.0],
                         bilinear)
    if name == 'Rotate':
        return TF.rotate(x, 30.0 * m, bilinear)
    if name == 'Posterize':
        return TF.posterize(u8, int(round(8 - 4 * m))).float() / 255
    if name == 'Solarize':
        return TF.solarize(u8, (1 - m) * 256).float() / 255
    if name == 'Equalize':
        return TF.equalize(u8).float() / 255
    if name == 'Invert':
        return TF.invert(x)
    raise KeyError(name)


def ours(name: str, x: torch.Tensor, m: float, sign: float) -> torch.Tensor:
    out, _ = AUGMENT_OPS[name].fn(x, torch.tensor(m),
                                  torch.full((x.shape[0], ), sign))
    return out


def _tolerance(name: str) -> float:
    return INTERPOLATION_TOL if name in GEOMETRIC_OPS else 1e-3


def _difference(name, x, m, sign) -> float:
    return (ours(name, x, m, sign) -
            torchvision_op(name, x, sign * m)).abs().mean().item()


@pytest.mark.parametrize('sign', [1.0, -1.0], ids=['positive', 'negative'])
@pytest.mark.parametrize('m', MAGNITUDES)
@pytest.mark.parametrize('name', COLOUR_OPS + GEOMETRIC_OPS)
def test_op_is_torchvisions_op(name, m, sign, photos):
    difference = _difference(name, photos, m, sign)
    tol = _tolerance(name)
    assert difference < tol, f'{name} m={sign * m}: mean |ours - ' \
        f'torchvision| = {difference:.4f} (tolerance {tol})'


@pytest.mark.parametrize('m', MAGNITUDES)
@pytest.mark.parametrize('name',
                         ['Posterize', 'Solarize', 'Equalize', 'Invert'])
def test_discrete_op_is_torchvisions_op(name, m, photos):
    difference = _difference(name, photos, m, 1.0)
    # exact on uint8 values, up to one grey level where rounding differs
    assert difference < 1.5 / 255, f'{name} m={m}: {difference:.5f}'


@pytest.mark.parametrize('name', COLOUR_OPS + GEOMETRIC_OPS)
def test_the_opposite_direction_is_another_op(name, photos):
    """The comparison above can tell the directions (and, for shears, the
    origin) apart: the wrong one is far outside its tolerance."""
    wrong = (ours(name, photos, 0.5, -1.0) -
             torchvision_op(name, photos, 0.5)).abs().mean().item()
    assert wrong > 3 * _tolerance(name), f'{name}: {wrong:.4f}'


def test_cutout_is_the_references_box(photos):
    """Side = the image side, centred on a random pixel, clipped: about
    9/16 of the image on average; filled with the given colour; one box
    for the batch when shared."""
    torch.manual_seed(0)
    x = torch.rand(64, 3, 32, 32)
    fill = torch.tensor([0.1, 0.2, 0.3]).view(1, 3, 1, 1)
    out, _ = cutout(x, torch.tensor(0.0), torch.ones(64), fill)
    hole = (out == fill).all(1)  # (B, H, W)
    coverage = hole.float().mean().item()
    assert abs(coverage - 9 / 16) < 0.05, coverage  # 2 x 2 grid average
    assert torch.equal(out[~hole.unsqueeze(1).expand_as(x)],
                       x[~hole.unsqueeze(1).expand_as(x)])
    # each hole is one axis-aligned box of side <= 32
    rows, cols = hole.any(2), hole.any(1)
    assert torch.equal(hole, rows.unsqueeze(2) & cols.unsqueeze(1))
    assert rows.sum(1).max() <= 32 and rows.sum(1).min() >= 16
    shared, _ = cutout(x, torch.tensor(0.0), torch.ones(64), fill, shared=True)
    shared_hole = (shared == fill).all(1)
    assert (shared_hole == shared_hole[:1]).all()


def test_warps_fill_with_the_mean_colour():
    """What a warp brings in is the data preprocessor's mean colour (0 in
    normalised space, as the reference's), not black."""
    mean, std = (100.0, 150.0, 200.0), (50.0, 50.0, 50.0)
    aug = LearnableAugment(
        mean=mean,
        std=std,
        init_probability=0.999,
        init_magnitude=2 / 3,
        temperature=1e-3)
    x = torch.rand(2, 3, 16, 20) * 2 - 1
    out = aug(x, op_names=['TranslateX']).images
    # 0.45 x 2/3 x 20 = 6 columns come in from the left
    assert out[..., :6].abs().max() < 1e-3
    assert (out[..., 6:] - x[..., :14]).abs().max() < 1e-3


@pytest.mark.parametrize('name', list(AUGMENT_OPS))
def test_batches_outside_unit_range_are_augmented(name):
    """Normalised values that de-normalise outside [0, 1] (a pipeline
    without a [0, 255] input) are clamped, not refused by kornia."""
    aug = LearnableAugment()
    x = torch.randn(3, 3, 12, 12) * 4
    out = aug(x, op_names=[name]).images
    assert torch.isfinite(out).all()
    low = (0 - aug.mean) / aug.std - 1e-4
    high = (255 - aug.mean) / aug.std + 1e-4
    assert (out >= low).all() and (out <= high).all()


def test_batch_gates_and_one_direction_by_default():
    """The reference's draws: one gate per op for the batch; magnitudes in
    one direction, so every image gets torchvision's op at +m."""
    torch.manual_seed(0)
    aug = LearnableAugment(init_probability=0.999, temperature=1e-3)
    x = torch.randn(4, 3, 16, 16)
    drawn = aug(x, op_names=['Rotate', 'Brightness'])
    for gate in drawn.gates.values():
        assert torch.equal(gate, gate[:1].expand_as(gate))
    assert torch.allclose(drawn.affines['Rotate'],
                          drawn.affines['Rotate'][:1].expand(4, 3, 3))
    sampled = LearnableAugment(gate='sample', signed=True)
    torch.manual_seed(0)
    x = torch.randn(16, 3, 16, 16)
    drawn = sampled(x, op_names=['Rotate', 'Brightness'])
    gates = drawn.gates['Brightness']
    assert (gates > 0.5).any() and (gates < 0.5).any()
    angles = drawn.affines['Rotate'][:, 1, 0]
    assert (angles > 0).any() and (angles < 0).any()


@pytest.mark.parametrize('kwargs, key', [
    (dict(gate='image'), 'gate'),
    (dict(signed=1), 'signed'),
    (dict(cutout_size=0), 'cutout_size'),
    (dict(cutout_size=1.5), 'cutout_size'),
])
def test_bad_draw_options_are_refused(kwargs, key):
    with pytest.raises(ValueError, match=key):
        LearnableAugment(**kwargs)


@pytest.mark.parametrize('name', ['ShearX', 'ShearY', 'Rotate'])
def test_feature_warps_act_about_the_centre(name):
    """SoKD's feature ops keep their centred warps (a feature map has no
    privileged corner), unlike the images' top-left AutoAugment shears."""
    from tstkd_plugin.augment import FEATURE_OPS
    x = torch.randn(2, 4, 9, 9)
    out, _ = FEATURE_OPS[name].fn(x, torch.tensor(0.8), torch.ones(2))
    assert torch.allclose(out[..., 4, 4], x[..., 4, 4], atol=1e-5)
    image, _ = AUGMENT_OPS[name].fn(x[:, :3], torch.tensor(0.8), torch.ones(2))
    if name != 'Rotate':  # about the top-left corner: the centre moves
        assert not torch.allclose(image[..., 4, 4], x[:, :3, 4, 4])

# Copyright (c) tstkd_plugin contributors.
"""TST's LearnableAugment: gradients, identities, ranges, affine matrices."""
import pytest
import torch

from tstkd_plugin.augment import AUGMENT_OPS, LearnableAugment

MEAN, STD = (79.0, 79.0, 79.0), (89.0, 89.0, 89.0)


def _batch(seed=0, b=8, h=16, w=16):
    g = torch.Generator().manual_seed(seed)
    # quantised to 8 bits, like decoded images
    x01 = torch.randint(0, 256, (b, 3, h, w), generator=g).float() / 255
    return x01, (x01 * 255 - torch.tensor(MEAN).view(1, 3, 1, 1)) / \
        torch.tensor(STD).view(1, 3, 1, 1)


def test_default_is_the_papers_module():
    aug = LearnableAugment()
    assert aug.op_names == list(AUGMENT_OPS) and len(aug.op_names) == 14
    assert aug.num_ops == 4
    assert aug.probability_logits.shape == (14, )
    assert aug.magnitude_logits.shape == (11, )
    assert all(abs(p - 0.5) < 1e-6 for p in aug.probabilities.values())
    assert all(abs(m - 0.5) < 1e-6 for m in aug.magnitudes.values())


@pytest.mark.parametrize('name', list(AUGMENT_OPS))
def test_every_op_gets_finite_nonzero_gradients(name):
    torch.manual_seed(0)
    aug = LearnableAugment(mean=MEAN, std=STD)
    _, x = _batch()
    out = aug(x, op_names=[name]).images
    weights = torch.randn_like(out)
    (out * weights).sum().backward()
    i = aug.op_names.index(name)
    grad_p = aug.probability_logits.grad
    assert torch.isfinite(grad_p).all() and grad_p[i] != 0
    # only the applied op's probability is touched
    assert (grad_p[torch.arange(14) != i] == 0).all()
    if AUGMENT_OPS[name].has_magnitude:
        j = aug.magnitude_names.index(name)
        grad_m = aug.magnitude_logits.grad
        assert torch.isfinite(grad_m).all() and grad_m[j] != 0


@pytest.mark.parametrize(
    'name', [n for n, op in AUGMENT_OPS.items() if op.has_magnitude])
def test_magnitude_zero_is_identity(name):
    x01, _ = _batch(1)
    sign = torch.tensor([1.0, -1.0] * 4)
    out, affine = AUGMENT_OPS[name].fn(x01, torch.tensor(0.0), sign)
    assert torch.allclose(out, x01, atol=1e-5)
    if affine is not None:
        assert torch.allclose(affine, torch.eye(3).expand(8, 3, 3), atol=1e-6)


@pytest.mark.parametrize('name', list(AUGMENT_OPS))
def test_outputs_stay_images(name):
    x01, _ = _batch(2)
    out, _ = AUGMENT_OPS[name].fn(x01, torch.tensor(1.0),
                                  torch.tensor([1.0, -1.0] * 4))
    assert out.shape == x01.shape
    assert out.min() >= -1e-6 and out.max() <= 1 + 1e-6
    assert not torch.allclose(out, x01)  # full strength changes the image


def test_forward_keeps_normalisation_and_range():
    torch.manual_seed(3)
    aug = LearnableAugment(mean=MEAN, std=STD)
    _, x = _batch(3)
    drawn = aug(x)
    out = drawn.images
    pixels = out * torch.tensor(STD).view(1, 3, 1, 1) + \
        torch.tensor(MEAN).view(1, 3, 1, 1)
    assert pixels.min() >= -1e-3 and pixels.max() <= 255 + 1e-3
    assert len(drawn.gates) == 4 and drawn.matrix is None


def test_translation_matrix_moves_pixels():
    x = torch.zeros(2, 3, 20, 20)
    x[:, :, 5, 5] = 1.0
    m = torch.tensor(2 / 9)  # 0.45 * m * 20 = 2 pixels
    out, affine = AUGMENT_OPS['TranslateX'].fn(x, m, torch.tensor([1., -1.]))
    assert affine[0, 0, 2].item() == pytest.approx(2.0)
    assert affine[1, 0, 2].item() == pytest.approx(-2.0)
    assert out[0, 0, 5, 7].item() == pytest.approx(1.0, abs=1e-4)
    assert out[1, 0, 5, 3].item() == pytest.approx(1.0, abs=1e-4)


def test_rotation_matrix_maps_corners_as_the_image():
    # a pixel at (x, y) moves to affine @ (x, y, 1)
    x = torch.zeros(1, 3, 21, 21)
    x[:, :, 4, 14] = 1.0
    m = torch.tensor(1.0)  # 30 degrees
    out, affine = AUGMENT_OPS['Rotate'].fn(x, m, torch.tensor([1.0]))
    target = affine[0] @ torch.tensor([14.0, 4.0, 1.0])
    ty, tx = out[0, 0].flatten().argmax().item() // 21, \
        out[0, 0].flatten().argmax().item() % 21
    assert abs(tx - target[0].item()) <= 1 and abs(ty - target[1].item()) <= 1


def test_prior_policy_and_bad_arguments():
    aug = LearnableAugment(
        init_probability={'Rotate': 0.9}, init_magnitude={'ShearX': 0.1})
    assert aug.probabilities['Rotate'] == pytest.approx(0.9)
    assert aug.probabilities['Invert'] == pytest.approx(0.5)
    assert aug.magnitudes['ShearX'] == pytest.approx(0.1)
    with pytest.raises(ValueError, match="ops: unknown operation"):
        LearnableAugment(ops=['Rotate', 'Blur'])
    with pytest.raises(ValueError, match='num_ops'):
        LearnableAugment(num_ops=15)
    with pytest.raises(ValueError, match='init_magnitude'):
        LearnableAugment(init_magnitude={'Rotate': 1.5})

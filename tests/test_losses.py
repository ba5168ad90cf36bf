# Copyright (c) tstkd_plugin contributors.
"""DenseKLDivergence against direct computations."""
import math

import pytest
import torch
from mmrazor.models.losses import KLDivergence

from tstkd_plugin.losses import DenseKLDivergence, logits_to_rows


def test_rows_put_every_location_in_one_row():
    x = torch.arange(2 * 3 * 2 * 2.).reshape(2, 3, 2, 2)
    rows = logits_to_rows(x)
    assert rows.shape == (8, 3)
    # row of sample 1, location (0, 1) holds that location's 3 classes
    assert torch.equal(rows[1 * 4 + 0 * 2 + 1], x[1, :, 0, 1])


@pytest.mark.parametrize('tau', [1.0, 4.0])
def test_softmax_2d_equals_mmrazor_kl(tau):
    torch.manual_seed(0)
    s, t = torch.randn(6, 10), torch.randn(6, 10)
    ours = DenseKLDivergence(tau=tau)(s, t)
    theirs = KLDivergence(tau=tau, reduction='batchmean')(s, t)
    assert torch.allclose(ours, theirs, atol=1e-6)


def _kl(p, q):
    return sum(pi * math.log(pi / qi) for pi, qi in zip(p, q))


def test_dense_softmax_is_mean_of_pixel_kls():
    torch.manual_seed(1)
    s, t = torch.randn(2, 4, 3, 5), torch.randn(2, 4, 3, 5)
    expected = []
    for n in range(2):
        for i in range(3):
            for j in range(5):
                p = torch.softmax(t[n, :, i, j], 0).tolist()
                q = torch.softmax(s[n, :, i, j], 0).tolist()
                expected.append(_kl(p, q))
    got = DenseKLDivergence()(s, t)
    assert got.item() == pytest.approx(sum(expected) / len(expected), 1e-5)


def test_sigmoid_is_sum_of_bernoulli_kls():
    torch.manual_seed(2)
    s, t = torch.randn(3, 5), torch.randn(3, 5)
    expected = 0.0
    for n in range(3):
        for c in range(5):
            p, q = torch.sigmoid(t[n, c]).item(), torch.sigmoid(s[n, c]).item()
            expected += _kl([p, 1 - p], [q, 1 - q])
    got = DenseKLDivergence(activation='sigmoid')(s, t)
    assert got.item() == pytest.approx(expected / 3, 1e-5)


def test_valid_mask_drops_rows_and_resizes():
    torch.manual_seed(3)
    s, t = torch.randn(1, 4, 2, 2), torch.randn(1, 4, 2, 2)
    valid = torch.tensor([[[True, False], [False, False]]])
    only_first = DenseKLDivergence()(s[..., :1, :1], t[..., :1, :1])
    assert torch.allclose(DenseKLDivergence()(s, t, valid), only_first)
    # a label-sized mask (4x4) is brought to the logits' 2x2 by nearest
    big = valid.repeat_interleave(2, 1).repeat_interleave(2, 2)
    assert torch.allclose(DenseKLDivergence()(s, t, big), only_first)
    empty = DenseKLDivergence()(s, t, torch.zeros_like(valid))
    assert empty.item() == 0.0


def test_gradient_reaches_student_only_and_is_zero_at_teacher():
    t = torch.randn(4, 6, requires_grad=True)
    s = t.detach().clone().requires_grad_(True)
    loss = DenseKLDivergence(tau=2.0)(s, t)
    loss.backward()
    assert t.grad is None
    assert loss.item() == pytest.approx(0.0, abs=1e-6)
    assert torch.allclose(s.grad, torch.zeros_like(s.grad), atol=1e-6)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match='activation'):
        DenseKLDivergence(activation='relu')
    with pytest.raises(ValueError, match='tau'):
        DenseKLDivergence(tau=0)
    with pytest.raises(ValueError, match='differ in shape'):
        DenseKLDivergence()(torch.randn(2, 3), torch.randn(2, 4))

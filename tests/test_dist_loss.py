# Copyright (c) tstkd_plugin contributors.
"""DISTKDLoss against a direct computation and mmrazor's DISTLoss."""
import os.path as osp
import sys

import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmrazor.models.losses import DISTLoss
from mmseg.structures import SegDataSample

from tstkd_plugin.losses import DISTKDLoss


def _pearson(u, v):
    u, v = u - u.mean(), v - v.mean()
    return float((u * v).sum() / (np.linalg.norm(u) * np.linalg.norm(v)))


def reference(z_s, z_t, tau=1.0, beta=1.0, gamma=1.0, act='softmax'):
    """The paper's formula on an (R, C) matrix, with numpy loops."""

    def prob(z):
        z = z / tau
        if act == 'sigmoid':
            return 1 / (1 + np.exp(-z))
        e = np.exp(z - z.max(1, keepdims=True))
        return e / e.sum(1, keepdims=True)

    y_s, y_t = prob(z_s.astype(np.float64)), prob(z_t.astype(np.float64))
    inter = 1 - np.mean([_pearson(y_s[i], y_t[i]) for i in range(len(y_s))])
    intra = 1 - np.mean(
        [_pearson(y_s[:, j], y_t[:, j]) for j in range(y_s.shape[1])])
    return tau**2 * (beta * inter + gamma * intra)


def dense_rows(x):
    return x.permute(0, 2, 3, 1).reshape(-1, x.shape[1]).numpy()


@pytest.mark.parametrize('act', ['softmax', 'sigmoid'])
@pytest.mark.parametrize('tau', [1.0, 4.0])
def test_2d_matches_formula(act, tau):
    torch.manual_seed(0)
    s, t = torch.randn(8, 5), torch.randn(8, 5)
    loss = DISTKDLoss(
        tau=tau, inter_loss_weight=0.5, intra_loss_weight=2.0,
        activation=act)(s, t)
    expected = reference(s.numpy(), t.numpy(), tau, 0.5, 2.0, act)
    assert loss.item() == pytest.approx(expected, rel=1e-5)


@pytest.mark.parametrize('act', ['softmax', 'sigmoid'])
def test_4d_is_one_row_per_pixel(act):
    torch.manual_seed(1)
    s, t = torch.randn(2, 4, 3, 5), torch.randn(2, 4, 3, 5)
    loss = DISTKDLoss(activation=act)(s, t)
    expected = reference(dense_rows(s), dense_rows(t), act=act)
    assert loss.item() == pytest.approx(expected, rel=1e-5)


def test_ignored_pixels_are_left_out():
    torch.manual_seed(2)
    s, t = torch.randn(2, 4, 3, 5), torch.randn(2, 4, 3, 5)
    target = torch.randint(0, 4, (2, 3, 5))
    target[0, 0, :] = 255
    target[1, 2, 1:4] = 255
    keep = (target != 255).reshape(-1).numpy()
    expected = reference(dense_rows(s)[keep], dense_rows(t)[keep])
    loss = DISTKDLoss(ignore_index=255)(s, t, target)
    assert loss.item() == pytest.approx(expected, rel=1e-5)
    # a label map at twice the logits' size is sampled down (nearest)
    big = target.repeat_interleave(2, 1).repeat_interleave(2, 2)
    assert DISTKDLoss()(s, t, big).item() == pytest.approx(expected, 1e-5)
    # mmseg data samples work as the target too
    samples = [
        SegDataSample(gt_sem_seg=PixelData(data=m[None])) for m in target
    ]
    assert DISTKDLoss()(s, t, samples).item() == pytest.approx(expected, 1e-5)
    # and the ignored pixels change the result (the test can fail)
    assert abs(DISTKDLoss()(s, t).item() - expected) > 1e-4


def test_equals_mmrazor_on_2d_and_differs_on_4d_as_documented():
    torch.manual_seed(3)
    s, t = torch.randn(6, 7), torch.randn(6, 7)
    for tau in (1.0, 4.0):
        ours = DISTKDLoss(tau=tau)(s, t)
        theirs = DISTLoss(tau=tau)(s, t)
        assert ours.item() == pytest.approx(theirs.item(), rel=1e-5)
    s4, t4 = torch.randn(2, 4, 3, 3), torch.randn(2, 4, 3, 3)
    ours = DISTKDLoss()(s4, t4).item()
    theirs = DISTLoss()(s4, t4).item()
    assert ours == pytest.approx(
        reference(dense_rows(s4), dense_rows(t4)), rel=1e-5)
    # mmrazor's intra term correlates each class over the batch (2 values)
    # at every location: a different number
    assert abs(ours - theirs) > 1e-3
    y_s, y_t = s4.softmax(1), t4.softmax(1)
    inter = 1 - np.mean(
        [_pearson(a, b) for a, b in zip(dense_rows(y_s), dense_rows(y_t))])
    intra_batch = 1 - np.mean([
        _pearson(y_s[:, c, i, j].numpy(), y_t[:, c, i, j].numpy())
        for c in range(4) for i in range(3) for j in range(3)
    ])
    assert theirs == pytest.approx(inter + intra_batch, rel=1e-4)


def test_gradient_reaches_only_the_student():
    s = torch.randn(4, 6, requires_grad=True)
    t = torch.randn(4, 6, requires_grad=True)
    DISTKDLoss()(s, t).backward()
    assert t.grad is None
    assert torch.isfinite(s.grad).all() and s.grad.abs().sum() > 0


def test_constant_rows_stay_finite():
    s = torch.zeros(4, 6, requires_grad=True)  # uniform softmax rows
    t = torch.randn(4, 6)
    t[1] = 3.0
    loss = DISTKDLoss()(s, t)
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(s.grad).all()
    dense = torch.zeros(2, 3, 4, 4, requires_grad=True)
    loss = DISTKDLoss(activation='sigmoid')(dense, torch.zeros(2, 3, 4, 4))
    loss.backward()
    assert torch.isfinite(loss) and torch.isfinite(dense.grad).all()


def test_half_precision_inputs_are_computed_in_fp32():
    torch.manual_seed(4)
    s, t = torch.randn(8, 5), torch.randn(8, 5)
    full = DISTKDLoss()(s, t)
    half = DISTKDLoss()(s.half(), t.half())
    assert half.dtype == torch.float32
    assert half.item() == pytest.approx(full.item(), abs=1e-2)


def test_all_pixels_ignored_gives_zero():
    s = torch.randn(1, 3, 2, 2, requires_grad=True)
    loss = DISTKDLoss()(s, torch.randn(1, 3, 2, 2), torch.full((1, 2, 2), 255))
    loss.backward()
    assert loss.item() == 0.0


def test_two_ranks_of_half_batches_match_one_batch_with_gather_rows(tmp_path):
    from conftest import REPO, free_port
    sys.path.insert(0, osp.join(REPO, 'tests', 'helpers'))
    from dist_rank_worker import two_rank_dist
    torch.multiprocessing.spawn(
        two_rank_dist, args=(free_port(), str(tmp_path)), nprocs=2)
    ranks = [torch.load(tmp_path / f'rank{r}.pth') for r in (0, 1)]
    torch.manual_seed(0)
    student, teacher = torch.randn(8, 10), torch.randn(8, 10)
    whole = student.clone().requires_grad_()
    full_loss = DISTKDLoss(tau=1)(whole, teacher)
    full_loss.backward()
    # gathered: every rank's loss is the whole batch's, and the gradients,
    # averaged over the ranks as DDP does, are the whole batch's
    for r in (0, 1):
        loss, grad = ranks[r][True]
        assert loss == pytest.approx(full_loss.item(), abs=1e-6)
        # the all-gather's backward sums the 2 ranks' (equal) losses' grads
        assert torch.allclose(
            grad / 2, whole.grad[r * 4:(r + 1) * 4], atol=1e-6)
    # per rank (default): the mean of the ranks' losses differs (intra)
    per_rank = (ranks[0][False][0] + ranks[1][False][0]) / 2
    assert abs(per_rank - full_loss.item()) > 1e-3

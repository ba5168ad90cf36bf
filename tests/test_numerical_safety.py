# Copyright (c) tstkd_plugin contributors.
"""Degenerate inputs stay finite; a non-finite loss stops training before
it reaches the weights, naming the loss and the iteration."""
import pytest
import torch
from mmengine.logging import MessageHub
from mmengine.runner import Runner

from tstkd_plugin.augment import FeatureAugment
from tstkd_plugin.modules import DistinctiveAreaDetector, activation_energy

KD_CLS = 'configs/baselines/mmpretrain/kd_logits_resnet18-w32_resnet18-w8_digits.py'  # noqa: E501
TST_CLS = 'configs/tst/mmpretrain/tst_kd_logits_resnet18-w32_resnet18-w8_digits.py'  # noqa: E501


def runner_of(make_cfg, config):
    cfg = make_cfg(config)
    cfg.model.teacher_ckpt = None
    runner = Runner.from_cfg(cfg)
    runner.optim_wrapper = runner.build_optim_wrapper(runner.optim_wrapper)
    batch = next(iter(runner.build_dataloader(cfg.train_dataloader)))
    return runner, batch


@pytest.mark.parametrize('bad', [float('nan'), float('inf')])
def test_non_finite_distillation_loss_stops_before_the_step(make_cfg, bad):
    runner, batch = runner_of(make_cfg, KD_CLS)
    model = runner.model
    model.distiller.compute_distill_losses = lambda: dict(
        loss_kd=torch.tensor(bad, requires_grad=True))
    MessageHub.get_current_instance().update_info('iter', 7)
    before = [p.detach().clone() for p in model.student.parameters()]
    with pytest.raises(
            FloatingPointError,
            match=r'distill\.loss_kd is \[(nan|inf)\] at '
            r'iteration 7'):
        model.train_step(batch, runner.optim_wrapper)
    assert all(
        torch.equal(a, p) for a, p in zip(before, model.student.parameters()))


def test_augmenter_objective_is_finite_when_the_student_is_certain(make_cfg):
    runner, batch = runner_of(make_cfg, TST_CLS)
    model = runner.model
    data = model.data_preprocessor(batch, True)
    labels = torch.cat([s.gt_label for s in data['data_samples']])

    class Certain(torch.nn.Module):
        """Logits that put all probability on the true class."""

        def forward(self, x, mode='tensor'):
            logits = torch.full((x.shape[0], 10), -1e4) + x.sum() * 0
            logits[torch.arange(x.shape[0]), labels] = 1e4
            return logits

    losses = model.augmenter_objective.loss(Certain(), Certain(),
                                            data['inputs'],
                                            data['data_samples'])
    assert all(torch.isfinite(v) for v in losses.values()), losses
    assert losses['loss_student_negative'] <= -torch.log(
        torch.tensor(model.augmenter_objective.eps)) + 1e-3


def test_dam_on_flat_maps_and_low_precision_stays_finite():
    torch.manual_seed(0)
    dam = DistinctiveAreaDetector(in_channels=8, feat_channels=8)
    flat = torch.zeros(2, 8, 6, 6)  # every cell a 3x3 maximum, zero energy
    output = dam(flat)
    mask = dam.regions(output)
    assert (mask.flatten(1).sum(1) >= 1).all()  # never empty
    assert mask.mean() < 1
    target = activation_energy(flat)
    assert torch.isfinite(target).all() and (target == 0).all()
    assert torch.isfinite(dam.heatmap_loss(output, target))
    # bf16 autocast on CPU (mmengine's --amp on CPU) and fp16 features
    features = torch.randn(2, 8, 6, 6) * 100
    with torch.autocast('cpu', dtype=torch.bfloat16):
        out_s, out_t = dam(features), dam(features.flip(-1))
        loss = dam.consistency_loss(out_s, out_t) + dam.heatmap_loss(
            out_t, activation_energy(features))
        mask = dam.regions(out_s)
    assert torch.isfinite(loss) and mask.sum() > 0
    augment = FeatureAugment()
    half = augment(features.half())
    assert half.dtype == torch.float16 and torch.isfinite(half).all()
    assert torch.isfinite(activation_energy(half)).all()

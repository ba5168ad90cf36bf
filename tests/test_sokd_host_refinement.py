# Copyright (c) tstkd_plugin contributors.
"""SoKD refining a feature host's own loss (FitNet's L2 hint, AT): the host
loss on the augmented, masked features, at the reference's scale."""
import pytest
import torch
import torch.nn.functional as F
from mmrazor.registry import MODELS
from torch import nn

import tstkd_plugin  # noqa: F401

HOSTS = {
    'fitnet':
    dict(type='L2Loss', normalize=False, div_element=True, loss_weight=1000),
    'at':
    dict(type='ATLoss', loss_weight=1000),
}


def distiller_cfg(host: dict, refine: bool) -> dict:
    cfg = dict(
        type='ConfigurableDistiller',
        student_recorders=dict(s=dict(type='ModuleOutputs', source='0')),
        teacher_recorders=dict(t=dict(type='ModuleOutputs', source='0')),
        connectors=dict(
            hint=dict(type='ConvRegConnector', in_channel=4, out_channel=8)),
        distill_losses=dict(loss_hint=host),
        loss_forward_mappings=dict(
            loss_hint=dict(
                s_feature=dict(
                    from_student=True, recorder='s', connector='hint'),
                t_feature=dict(from_student=False, recorder='t'))))
    if refine:
        cfg.update(
            type='SoKDDistiller',
            sokd_pairs=dict(hint=dict(host_loss='loss_hint', channels=8)),
            dam=dict(type='DistinctiveAreaDetector', feat_channels=8),
            loss_dam_weight=1000.)
    return cfg


def run(distiller, student, teacher, x):
    distiller.prepare_from_student(student)
    distiller.prepare_from_teacher(teacher)
    with distiller.student_recorders, distiller.teacher_recorders:
        student(x), teacher(x)
    return distiller.compute_distill_losses()


@pytest.mark.parametrize('host', sorted(HOSTS))
def test_refined_host_is_the_reference_formula_on_a_given_mask(
        host, monkeypatch):
    torch.manual_seed(0)
    student = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1))
    teacher = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1))
    x = torch.randn(2, 3, 12, 12)
    distiller = MODELS.build(distiller_cfg(HOSTS[host], True)).eval()
    mask = (torch.rand(2, 1, 12, 12) > 0.6).float()
    dam = distiller.dams['hint']
    monkeypatch.setattr(dam, 'regions', lambda output: mask)
    shift = torch.randn(1, 8, 1, 1)
    monkeypatch.setattr(distiller.feature_augments['hint'], 'forward',
                        lambda f: f + shift)
    losses = run(distiller, student, teacher, x)
    assert 'loss_sokd_feat' not in losses  # the host's loss is refined
    f_s = distiller.connectors['hint'](student(x))
    f_t = teacher(x).detach() + shift
    if host == 'fitnet':  # the reference: 1000 * mse(f_s * M, f_t * M)
        expected = 1000 * F.mse_loss(f_s * mask, f_t * mask)
    else:  # AT on the masked features: mmrazor's ATLoss, by hand

        def attention(f):
            return F.normalize(f.pow(2).mean(1).view(f.size(0), -1))

        expected = 1000 * (attention(f_s * mask) -
                           attention(f_t * mask)).pow(2).mean()
    assert torch.allclose(
        losses['loss_hint'], expected,
        rtol=1e-5), (float(losses['loss_hint']), float(expected))
    assert losses['loss_sokd_dam'] > 0
    losses['loss_hint'].backward()
    assert distiller.connectors['hint'].layers[0].conv.weight.grad.abs().sum(
    ) > 0


def test_without_sokd_the_host_is_itself():
    torch.manual_seed(0)
    student = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1))
    teacher = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1))
    x = torch.randn(2, 3, 12, 12)
    plain = MODELS.build(distiller_cfg(HOSTS['fitnet'], False)).eval()
    losses = run(plain, student, teacher, x)
    f_s = plain.connectors['hint'](student(x))
    expected = 1000 * F.mse_loss(f_s, teacher(x))
    assert set(losses) == {'loss_hint'}
    assert torch.allclose(losses['loss_hint'], expected, rtol=1e-5)


def test_a_host_loss_not_configured_is_named():
    cfg = distiller_cfg(HOSTS['fitnet'], True)
    cfg['sokd_pairs']['hint']['host_loss'] = 'loss_fitnet'
    with pytest.raises(ValueError, match='sokd_pairs.hint.host_loss'):
        MODELS.build(cfg)


@pytest.mark.parametrize('side_change, message', [
    (dict(record_idx=1), 'record_idx=0 .* teacher at 1'),
    (dict(data_idx=0), 'data_idx=None .* teacher at 0'),
    (dict(connector='hint'), "connector 'hint' on the teacher"),
])
def test_a_host_whose_teacher_side_differs_is_refused(side_change, message):
    cfg = distiller_cfg(HOSTS['fitnet'], True)
    cfg['loss_forward_mappings']['loss_hint']['t_feature'].update(side_change)
    with pytest.raises(ValueError, match=message):
        MODELS.build(cfg)


def test_masked_mse_at_weight_1000_area_has_the_references_gradient():
    torch.manual_seed(0)
    s = torch.randn(2, 8, 12, 12, requires_grad=True)
    t = torch.randn(2, 8, 12, 12)
    mask = (torch.rand(2, 1, 12, 12) > 0.7).float()
    area = mask.mean().item()
    MODELS.build(dict(type='MaskedMSELoss',
                      loss_weight=1000 * area))(s, t, mask).backward()
    ours = s.grad.clone()
    s.grad = None
    (1000 * F.mse_loss(s * mask, t * mask)).backward()
    assert torch.allclose(ours, s.grad, rtol=1e-5, atol=1e-7)
    assert ours.abs().sum() > 0


def test_a_pairs_dam_keys_override_the_shared_dam():
    cfg = distiller_cfg(HOSTS['fitnet'], True)
    cfg['sokd_pairs']['hint']['dam'] = dict(feat_channels=5, num_heatmaps=3)
    dam = MODELS.build(cfg).dams['hint']
    convs = [m for m in dam.modules() if isinstance(m, nn.Conv2d)]
    assert convs[0].in_channels == 8  # in_channels: the pair's channels
    assert {m.out_channels for m in convs} >= {5, 3}
    cfg['sokd_pairs']['hint']['dam'] = dict(num_peaks=0)
    with pytest.raises(ValueError, match='sokd_pairs.hint.dam.*num_peaks'):
        MODELS.build(cfg)
    cfg['sokd_pairs']['hint']['dam'] = 5
    with pytest.raises(ValueError, match='sokd_pairs.hint.dam: expected'):
        MODELS.build(cfg)

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
    monkeypatch.setattr(
        distiller.feature_augments['hint'],
        'forward',
        lambda f, bypass=False: f if bypass else f + shift)
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


def emphasis_cfg(weight: float) -> dict:
    cfg = distiller_cfg(dict(HOSTS['fitnet'], loss_weight=100), refine=True)
    cfg['sokd_pairs']['hint']['host_mode'] = 'emphasis'
    cfg['loss_feat'] = dict(type='MaskedMSELoss', loss_weight=weight)
    return cfg


def test_emphasis_keeps_the_host_and_adds_the_masked_term(monkeypatch):
    torch.manual_seed(0)
    student = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1))
    teacher = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1))
    x = torch.randn(2, 3, 12, 12)
    distiller = MODELS.build(emphasis_cfg(10.)).eval()
    mask = (torch.rand(2, 1, 12, 12) > 0.6).float()
    monkeypatch.setattr(distiller.dams['hint'], 'regions', lambda output: mask)
    shift = torch.randn(1, 8, 1, 1)
    monkeypatch.setattr(
        distiller.feature_augments['hint'],
        'forward',
        lambda f, bypass=False: f if bypass else f + shift)
    losses = run(distiller, student, teacher, x)
    f_s = distiller.connectors['hint'](student(x))
    f_t = teacher(x).detach()
    # the host on the full map and the un-augmented teacher
    assert torch.allclose(losses['loss_hint'], 100 * F.mse_loss(f_s, f_t))
    squared = ((f_s - f_t - shift)**2 * mask).sum()
    expected = 10 * squared / (mask.sum() * 8)
    assert torch.allclose(losses['loss_sokd_feat'], expected, rtol=1e-5)
    # ConvReg ends in a ReLU: the share of its outputs that are exactly 0
    # (a dead adapter's is ~1)
    assert losses['sokd_adapter_zero'] == (f_s == 0).float().mean()
    assert 0 < losses['sokd_adapter_zero'] < 1


def test_emphasis_at_weight_zero_trains_the_student_as_its_host():
    grads = {}
    for name, cfg in (('host',
                       distiller_cfg(
                           dict(HOSTS['fitnet'], loss_weight=100),
                           refine=False)), ('emphasis', emphasis_cfg(0.))):
        torch.manual_seed(0)
        student = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1))
        teacher = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1))
        distiller = MODELS.build(cfg)
        torch.manual_seed(1)
        losses = run(distiller, student, teacher, torch.randn(2, 3, 12, 12))
        sum(v for k, v in losses.items() if k.startswith('loss')).backward()
        grads[name] = [
            p.grad for p in
            [*student.parameters(), *distiller.connectors.parameters()]
        ]
    assert all(g is not None for g in grads['emphasis'])
    for host, emphasis in zip(grads['host'], grads['emphasis']):
        assert torch.equal(host, emphasis)


@pytest.mark.parametrize('keep', [True, False])
def test_keep_host_init_leaves_the_random_stream_as_the_host_does(keep):
    # the student is initialised after the model is built: from the same
    # stream as under its host only if SoKD's parts do not draw from it
    draws = []
    for cfg in (distiller_cfg(HOSTS['fitnet'], refine=False),
                dict(
                    distiller_cfg(HOSTS['fitnet'], refine=True),
                    keep_host_init=keep)):
        torch.manual_seed(0)
        MODELS.build(cfg)
        draws.append(torch.rand(4))
    assert torch.equal(*draws) == keep


def test_emphasis_needs_a_host_and_one_feature_per_side():
    cfg = distiller_cfg(HOSTS['fitnet'], True)
    cfg['sokd_pairs']['hint']['host_mode'] = 'mask'
    with pytest.raises(ValueError, match='sokd_pairs.hint.host_mode'):
        MODELS.build(cfg)
    cfg['sokd_pairs']['hint'] = dict(
        student_recorder='s',
        teacher_recorder='t',
        channels=8,
        host_mode='emphasis')
    with pytest.raises(ValueError, match='host_mode: set host_loss'):
        MODELS.build(cfg)


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


def multi_level_cfg(refine: bool, **pair) -> dict:
    """ReviewKD on two levels of toy networks: ABF + HCL on tuples."""
    levels = dict(
        type='MultiLevel',
        levels=[
            dict(type='ModuleOutputs', source='0'),
            dict(type='ModuleOutputs', source='1')
        ])
    cfg = dict(
        type='ConfigurableDistiller',
        student_recorders=dict(s=levels),
        teacher_recorders=dict(t=levels),
        connectors=dict(
            review=dict(
                type='ABFConnector',
                in_channels=[4, 4],
                out_channels=[8, 6],
                append_pooled=False)),
        distill_losses=dict(
            loss_review=dict(
                type='HCLLoss', loss_weight=2.0, append_teacher_pooled=False)),
        loss_forward_mappings=dict(
            loss_review=dict(
                s_feats=dict(
                    from_student=True, recorder='s', connector='review'),
                t_feats=dict(from_student=False, recorder='t'))))
    if refine:
        cfg.update(
            type='SoKDDistiller',
            sokd_pairs=dict(
                level0=dict(
                    host_loss='loss_review', host_level=0, channels=8, **
                    pair)),
            dam=dict(type='DistinctiveAreaDetector', feat_channels=8))
    return cfg


def two_level_nets():
    student = nn.Sequential(
        nn.Conv2d(3, 4, 3, padding=1), nn.Conv2d(4, 4, 3, 2, padding=1))
    teacher = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.Conv2d(8, 6, 3, 2, padding=1))
    return student, teacher


def test_a_multi_level_host_is_refined_at_its_pairs_levels_only(monkeypatch):
    torch.manual_seed(1)
    student, teacher = two_level_nets()
    x = torch.randn(2, 3, 12, 12)
    distiller = MODELS.build(multi_level_cfg(True)).eval()
    mask = (torch.rand(2, 1, 12, 12) > 0.6).float()
    monkeypatch.setattr(distiller.dams['level0'], 'regions',
                        lambda output: mask)
    shift = torch.randn(1, 8, 1, 1)
    monkeypatch.setattr(
        distiller.feature_augments['level0'],
        'forward',
        lambda f, bypass=False: f if bypass else f + shift)
    losses = run(distiller, student, teacher, x)
    assert 'loss_sokd_feat' not in losses
    s0, s1 = distiller.connectors['review']([student[0](x), student(x)])
    t0, t1 = teacher[0](x).detach(), teacher(x).detach()
    # level 0: augmented and masked; level 1 (no pair) as it is
    expected = MODELS.build(
        dict(type='HCLLoss', loss_weight=2.0, append_teacher_pooled=False))(
            (s0 * mask, s1), ((t0 + shift) * mask, t1))
    assert torch.allclose(
        losses['loss_review'], expected,
        rtol=1e-5), (float(losses['loss_review']), float(expected))
    plain = MODELS.build(multi_level_cfg(False)).eval()
    plain.connectors.load_state_dict(distiller.connectors.state_dict())
    unrefined = run(plain, student, teacher, x)['loss_review']
    assert not torch.allclose(unrefined, expected)  # the refinement shows
    losses['loss_review'].backward()
    grad = distiller.connectors['review'].fusions[0].project[0].weight.grad
    assert grad.abs().sum() > 0


@pytest.mark.parametrize('pair, message', [
    (dict(host_level=-1), 'host_level: expected an index >= 0'),
    (dict(host_level=0, data_idx=0), 'data_idx=0, one item'),
])
def test_bad_host_levels_are_named(pair, message):
    cfg = multi_level_cfg(True)
    cfg['sokd_pairs']['level0'].update(pair)
    if 'data_idx' in pair:  # the host itself reads one item
        for side in cfg['loss_forward_mappings']['loss_review'].values():
            side['data_idx'] = 0
    with pytest.raises(ValueError, match=message):
        MODELS.build(cfg)


def test_pairs_on_one_multi_level_host_refine_different_levels():
    cfg = multi_level_cfg(True)
    cfg['sokd_pairs']['again'] = dict(cfg['sokd_pairs']['level0'])
    with pytest.raises(ValueError, match=r'at the levels \[0, 0\]'):
        MODELS.build(cfg)
    del cfg['sokd_pairs']['again']['host_level']
    with pytest.raises(ValueError, match='give each of them a host_level'):
        MODELS.build(cfg)


def test_a_level_past_the_hosts_levels_is_named():
    student, teacher = two_level_nets()
    cfg = multi_level_cfg(True)
    cfg['sokd_pairs']['level0']['host_level'] = 2
    distiller = MODELS.build(cfg)
    with pytest.raises(ValueError, match=r'level0.host_level: 2 is past'):
        run(distiller, student, teacher, torch.randn(2, 3, 12, 12))


def test_host_level_on_a_one_feature_host_is_refused():
    student = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1))
    teacher = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1))
    cfg = distiller_cfg(HOSTS['fitnet'], True)
    cfg['sokd_pairs']['hint']['host_level'] = 0
    distiller = MODELS.build(cfg)
    with pytest.raises(ValueError, match='drop host_level'):
        run(distiller, student, teacher, torch.randn(2, 3, 12, 12))

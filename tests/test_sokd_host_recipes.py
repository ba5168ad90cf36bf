# Copyright (c) tstkd_plugin contributors.
"""SoKD's host configs are the reference's recipes (FitNet, AT and ReviewKD
as mdistiller runs them; DFKD, SoKD on FitNet), our COCO and Cityscapes
hosts carry DFKD's changes, each SoKD config differs from its host only
by SoKD, and the older SoKD paper configs (logit hosts on ImageNet and
Cityscapes, the DAM branch on COCO) keep their hosts' recipes."""
import os.path as osp

import pytest
from mmengine.config import Config
from test_sokd import PLUGIN_KEYS

from conftest import CONFIGS, flatten

REFERENCE = ('FabienCode/mdistiller: configs/DFKD/cifar/res324_84.yaml, '
             'mdistiller/distillers/{FitNet,DFKD}.py, engine/cfg.py (FITNET)')
FITNET = osp.join(CONFIGS, 'baselines', 'mmpretrain', 'cifar100',
                  'fitnet_resnet32x4_resnet8x4_cifar100.py')
SOKD = osp.join(CONFIGS, 'sokd', 'mmpretrain', 'cifar100',
                'sokd_fitnet_resnet32x4_resnet8x4_cifar100.py')
# the pair of the paper's FitNet row (no reference config: its CIFAR FitNet
# and DFKD recipes on CRD's feats[2] of the two networks)
FITNET_MBV2 = osp.join(CONFIGS, 'baselines', 'mmpretrain', 'cifar100',
                       'fitnet_resnet50_mobilenet-v2_cifar100.py')
SOKD_MBV2 = osp.join(CONFIGS, 'sokd', 'mmpretrain', 'cifar100',
                     'sokd_fitnet_resnet50_mobilenet-v2_cifar100.py')
# (host, SoKD config, student hint, teacher channels, search epochs: the
# reference's default 20, its R32x4 config's 50)
FITNET_PAIRS = [
    (FITNET, SOKD, 'backbone.layer2', 128, 50),
    (FITNET_MBV2, SOKD_MBV2, 'backbone.features.8', 512, 20),
]


def hint_of(distiller):
    """(student source, teacher source, connector, loss) of the hint."""
    loss = distiller.distill_losses.loss_hint
    mapping = distiller.loss_forward_mappings.loss_hint
    return (distiller.student_recorders[mapping.s_feature.recorder].source,
            distiller.teacher_recorders[mapping.t_feature.recorder].source,
            distiller.connectors[mapping.s_feature.connector], loss)


def test_fitnet_host_is_mdistillers_fitnet():
    cfg = Config.fromfile(FITNET)
    s_source, t_source, connector, loss = hint_of(cfg.model.distiller)
    # feats[2] of the CIFAR ResNets: layer2's output
    assert (s_source, t_source) == ('backbone.layer2',
                                    'backbone.layer2'), REFERENCE
    assert connector.type == 'ConvRegConnector'
    assert connector.get('num_convs', 1) == 1, REFERENCE
    assert (loss.type, loss.normalize, loss.div_element,
            loss.loss_weight) == ('L2Loss', False, True, 100), REFERENCE
    assert set(cfg.model.distiller.distill_losses) == {'loss_hint'}
    assert cfg.model.architecture.head.loss.loss_weight == 1.0
    optimizer = cfg.optim_wrapper.optimizer
    assert (optimizer.lr, optimizer.momentum,
            optimizer.weight_decay) == (0.05, 0.9, 5e-4), REFERENCE
    assert cfg.train_cfg.max_epochs == 240
    assert cfg.param_scheduler.milestones == [150, 180, 210]
    assert cfg.train_dataloader.batch_size == 64


def test_fitnet_r50_mobilenet_v2_host_is_crds_fitnet_on_feats2():
    cfg = Config.fromfile(FITNET_MBV2)
    s_source, t_source, connector, loss = hint_of(cfg.model.distiller)
    # feats[2]: ResNet-50's layer2 (512 channels, 16x16 on 32x32 inputs),
    # MobileNetV2's third stage (blocks 6-8 after the 3-module stem: 16
    # channels, 8x8), mapped up by CRD's transposed ConvReg
    assert (s_source, t_source) == ('backbone.features.8', 'backbone.layer2')
    assert (connector.in_channel, connector.out_channel, connector.kernel_size,
            connector.stride, connector.padding,
            connector.conv_cfg) == (16, 512, 4, 2, 1, dict(type='deconv'))
    assert connector.get('num_convs', 1) == 1
    assert (loss.type, loss.div_element, loss.loss_weight) == ('L2Loss', True,
                                                               100), REFERENCE
    assert set(cfg.model.distiller.distill_losses) == {'loss_hint'}
    assert cfg.model.architecture.backbone.type == 'MobileNetV2CIFAR'
    assert cfg.model.architecture.head.loss.loss_weight == 1.0
    assert cfg.model.teacher.cfg_path.endswith('resnet50_cifar100.py')
    # CRD's lr for the mobile students; the rest of the CIFAR FitNet recipe
    assert cfg.optim_wrapper.optimizer.lr == 0.01
    assert cfg.train_cfg.max_epochs == 240
    assert cfg.param_scheduler.milestones == [150, 180, 210]
    assert cfg.train_dataloader.batch_size == 64


def test_fitnet_r50_mobilenet_v2_hint_shapes_match():
    import torch
    from mmpretrain.registry import MODELS as CLS_MODELS
    from mmrazor.registry import MODELS

    cfg = Config.fromfile(FITNET_MBV2)
    # scoped: the default scope another test leaves may not be mmpretrain
    student = CLS_MODELS.build(
        dict(cfg.model.architecture.backbone, _scope_='mmpretrain'))
    teacher_cfg = Config.fromfile(
        osp.join(CONFIGS, 'baselines', 'mmpretrain', 'cifar100',
                 'resnet50_cifar100.py'))
    teacher = CLS_MODELS.build(
        dict(teacher_cfg.model.backbone, _scope_='mmpretrain'))
    x = torch.randn(2, 3, 32, 32)
    s = student.features[:9](x)
    t = teacher.layer2(
        teacher.layer1(teacher.relu(teacher.norm1(teacher.conv1(x)))))
    regressor = MODELS.build(
        dict(cfg.model.distiller.connectors.hint_regressor, _scope_='mmrazor'))
    assert regressor(s).shape == t.shape == (2, 512, 16, 16)


@pytest.mark.parametrize(
    'host_config, sokd_config, s_hint, channels, search_epochs', FITNET_PAIRS)
def test_sokd_on_fitnet_is_the_references_dfkd(host_config, sokd_config,
                                               s_hint, channels,
                                               search_epochs):
    fitnet, sokd = Config.fromfile(host_config), Config.fromfile(sokd_config)
    model, distiller = sokd.model, sokd.model.distiller
    assert (model.type, model.search_epochs) == ('SoKDDistill',
                                                 search_epochs), REFERENCE
    s_source, t_source, connector, loss = hint_of(distiller)
    assert (s_source, t_source) == (s_hint, 'backbone.layer2')
    assert connector.num_convs == 3, REFERENCE
    # the host's regressor grown to three layers, nothing else changed
    host_connector = hint_of(fitnet.model.distiller)[2]
    assert dict(connector, num_convs=1) == dict(host_connector, num_convs=1)
    assert (loss.type, loss.div_element, loss.loss_weight) == ('L2Loss', True,
                                                               1000), REFERENCE
    assert dict(distiller.sokd_pairs) == {
        'hint': dict(host_loss='loss_hint', channels=channels)
    }
    assert distiller.loss_dam_weight == 1000, REFERENCE
    dam = distiller.dam
    assert (dam.feat_channels, dam.num_heatmaps,
            dam.num_peaks) == (channels, 100, 8), REFERENCE
    augment = distiller.feature_augment
    assert (augment.magnitude_mapping, augment.temperature) == ('symmetric',
                                                                0.5)
    policy = sokd.optim_wrapper.feature_augment.optimizer
    assert (policy.type, policy.lr, tuple(policy.betas),
            policy.weight_decay) == ('Adam', 3e-4, (0.5, 0.999),
                                     1e-3), REFERENCE
    # everything else is the host's: student, teacher, data, schedule
    assert sokd.optim_wrapper.architecture == fitnet.optim_wrapper
    assert sokd.param_scheduler.architecture == fitnet.param_scheduler
    for key in ('architecture', 'teacher', 'teacher_ckpt',
                'data_preprocessor'):
        assert model[key] == fitnet.model[key], key
    assert sokd.train_dataloader == fitnet.train_dataloader
    assert sokd.train_cfg == fitnet.train_cfg


AT = osp.join(CONFIGS, 'baselines', 'mmpretrain', 'cifar100',
              'at_resnet32x4_resnet8x4_cifar100.py')
SOKD_AT = osp.join(CONFIGS, 'sokd', 'mmpretrain', 'cifar100',
                   'sokd_at_resnet32x4_resnet8x4_cifar100.py')
GROUPS = dict(layer1=64, layer2=128, layer3=256)
AT_REFERENCE = ('FabienCode/mdistiller: mdistiller/distillers/AT.py (p 2, '
                'the groups feats[1:]), engine/cfg.py (AT: FEAT_WEIGHT 1000, '
                'CE_WEIGHT 1)')


def test_at_host_is_attention_transfer_on_the_three_groups():
    cfg = Config.fromfile(AT)
    distiller = cfg.model.distiller
    assert set(distiller.distill_losses) == {f'loss_at_{g}' for g in GROUPS}
    for g in GROUPS:
        loss = distiller.distill_losses[f'loss_at_{g}']
        assert (loss.type, loss.loss_weight) == ('ATLoss', 1000), AT_REFERENCE
        mapping = distiller.loss_forward_mappings[f'loss_at_{g}']
        for side, recorders in (('s_feature', distiller.student_recorders),
                                ('t_feature', distiller.teacher_recorders)):
            assert recorders[mapping[side].recorder].source == \
                f'backbone.{g}', AT_REFERENCE
            assert 'connector' not in mapping[side]
    assert cfg.model.architecture.head.loss.loss_weight == 1.0, AT_REFERENCE
    assert cfg.optim_wrapper == Config.fromfile(FITNET).optim_wrapper


def test_sokd_on_at_refines_every_group_with_the_dfkd_recipe():
    at, sokd = Config.fromfile(AT), Config.fromfile(SOKD_AT)
    distiller = sokd.model.distiller
    assert (sokd.model.type, sokd.model.search_epochs) == ('SoKDDistill', 50)
    assert distiller.distill_losses == at.model.distiller.distill_losses
    for g, channels in GROUPS.items():
        pair = distiller.sokd_pairs[g]
        assert (pair.host_loss, pair.channels,
                pair.dam.feat_channels) == (f'loss_at_{g}', channels, channels)
        mapping = distiller.loss_forward_mappings[f'loss_at_{g}']
        connector = distiller.connectors[mapping.s_feature.connector]
        assert (connector.type, connector.in_channel, connector.out_channel,
                connector.num_convs) == ('ConvRegConnector', channels,
                                         channels, 3)
    assert (distiller.dam.num_heatmaps, distiller.dam.num_peaks) == (100, 8)
    assert distiller.loss_dam_weight == 1000
    assert distiller.feature_augment.magnitude_mapping == 'symmetric'
    assert sokd.optim_wrapper == Config.fromfile(SOKD).optim_wrapper
    for key in ('architecture', 'teacher', 'teacher_ckpt'):
        assert sokd.model[key] == at.model[key], key


REVIEWKD_REFERENCE = (
    'FabienCode/mdistiller: configs/imagenet/r34_r18/reviewkd.yaml, '
    'configs/DFKD/imagenet/reviewkdDFKD_r34_18.yaml, '
    'mdistiller/distillers/ReviewKD.py, models/imagenet/resnet.py')
REVIEWKD = osp.join(CONFIGS, 'baselines', 'mmpretrain',
                    'reviewkd_resnet34_resnet18_8xb32_in1k.py')
SOKD_REVIEWKD = osp.join(CONFIGS, 'sokd', 'mmpretrain',
                         'sokd_reviewkd_resnet34_resnet18_8xb32_in1k.py')
# BasicBlocks per stage of mmpretrain's ResNets
STAGE_BLOCKS = {18: (2, 2, 2, 2), 34: (3, 4, 6, 3)}


def review_levels(recorder, depth):
    """The (type, source, record_idx, data_idx) of each level; the
    reference's: each stage's pre-activation output (its last block's
    residual sum, the relu's second input) and the pooled vector."""
    expected = [('ClonedModuleInputs', f'backbone.layer{i + 1}.{n - 1}.relu',
                 1, 0) for i, n in enumerate(STAGE_BLOCKS[depth])]
    expected.append(('ModuleOutputs', 'neck', 0, 0))
    got = [(lv.type, lv.source, lv.get('record_idx', 0), lv.get('data_idx'))
           for lv in recorder.levels]
    return got, expected


def test_reviewkd_host_is_the_references_reviewkd():
    from mmengine.hub import get_config
    cfg = Config.fromfile(REVIEWKD)
    distiller = cfg.model.distiller
    student = cfg.model.architecture.backbone.depth
    teacher = get_config(cfg.model.teacher.cfg_path).model.backbone.depth
    assert (student, teacher) == (18, 34)
    for side, depth in (('student', student), ('teacher', teacher)):
        recorder = distiller[f'{side}_recorders'].levels
        assert recorder.type == 'MultiLevel'
        got, expected = review_levels(recorder, depth)
        assert got == expected, (side, REVIEWKD_REFERENCE)
    connector = distiller.connectors.review
    channels = [64, 128, 256, 512, 512]
    assert (connector.type, connector.in_channels, connector.out_channels,
            connector.get('mid_channel'),
            connector.append_pooled) == ('ABFConnector', channels, channels,
                                         None, False), REVIEWKD_REFERENCE
    loss = distiller.distill_losses.loss_reviewkd
    assert (loss.type, loss.loss_weight, loss.get('pool_sizes', (4, 2, 1)),
            loss.append_teacher_pooled) == ('HCLLoss', 1.0, (4, 2, 1),
                                            False), REVIEWKD_REFERENCE
    assert set(distiller.distill_losses) == {'loss_reviewkd'}
    mapping = distiller.loss_forward_mappings.loss_reviewkd
    assert mapping.s_feats.connector == 'review'
    assert 'connector' not in mapping.t_feats
    assert cfg.model.architecture.head.loss.loss_weight == 1.0
    optimizer = cfg.optim_wrapper.optimizer
    assert (optimizer.type, optimizer.lr, optimizer.momentum,
            optimizer.weight_decay) == ('SGD', 0.1, 0.9,
                                        1e-4), REVIEWKD_REFERENCE
    assert (cfg.param_scheduler.milestones,
            cfg.param_scheduler.gamma) == ([30, 60, 90], 0.1)
    assert cfg.train_cfg.max_epochs == 100
    # 8 GPUs x 32: the reference's batch of 256
    assert cfg.train_dataloader.batch_size * 8 == 256


def test_sokd_on_reviewkd_refines_the_four_stage_levels():
    host, sokd = Config.fromfile(REVIEWKD), Config.fromfile(SOKD_REVIEWKD)
    model, distiller = sokd.model, sokd.model.distiller
    assert (model.type, model.search_epochs) == ('SoKDDistill', 5), \
        REVIEWKD_REFERENCE  # SERACH_EPOCH of reviewkdDFKD_r34_18.yaml
    assert distiller.type == 'SoKDDistiller'
    pairs = sorted((p.host_level, p.host_loss, p.channels, p.dam.feat_channels)
                   for p in distiller.sokd_pairs.values())
    assert pairs == [(i, 'loss_reviewkd', c, c)
                     for i, c in enumerate((64, 128, 256, 512))]
    assert (distiller.dam.num_heatmaps, distiller.dam.num_peaks) == (100, 8)
    assert distiller.feature_augment.magnitude_mapping == 'symmetric'
    # DFKD's ratio of host to DAM weight (1000 : 1000), on a host of weight 1
    assert distiller.loss_dam_weight == \
        distiller.distill_losses.loss_reviewkd.loss_weight
    policy = sokd.optim_wrapper.feature_augment.optimizer
    assert (policy.type, policy.lr) == ('Adam', 3e-4)
    # everything else is the host's
    for key in ('student_recorders', 'teacher_recorders', 'connectors',
                'distill_losses', 'loss_forward_mappings'):
        assert distiller[key] == host.model.distiller[key], key
    for key in ('architecture', 'teacher', 'teacher_ckpt',
                'data_preprocessor'):
        assert model[key] == host.model[key], key
    assert sokd.optim_wrapper.architecture == host.optim_wrapper
    assert sokd.param_scheduler.architecture == host.param_scheduler
    assert sokd.train_dataloader == host.train_dataloader
    assert sokd.train_cfg == host.train_cfg


DENSE_HOSTS = {
    'coco': ('mmdet', 'fitnet_faster-rcnn_r101_r50_fpn_2x_coco.py',
             'sokd_fitnet_faster-rcnn_r101_r50_fpn_2x_coco.py'),
    'cityscapes':
    ('mmseg',
     'fitnet_pspnet_r101-d8_pspnet_r18-d8_4xb2-80k_cityscapes-512x1024.py',
     'sokd_fitnet_pspnet_r101-d8_pspnet_r18-d8_4xb2-80k_cityscapes-'
     '512x1024.py'),
}


@pytest.mark.parametrize('task', sorted(DENSE_HOSTS))
def test_dense_fitnet_hosts_differ_from_their_sokd_configs_by_dfkds_changes(
        task):
    """Our COCO and Cityscapes hosts (no reference config): SoKD on them
    changes what DFKD changes in FitNet, and nothing else."""
    library, host_name, sokd_name = DENSE_HOSTS[task]
    host = Config.fromfile(osp.join(CONFIGS, 'baselines', library, host_name))
    sokd = Config.fromfile(osp.join(CONFIGS, 'sokd', library, sokd_name))
    plain, refined = host.model.distiller, sokd.model.distiller
    assert (plain.type, refined.type) == ('ConfigurableDistiller',
                                          'SoKDDistiller')
    assert set(plain.distill_losses) == set(refined.distill_losses)
    # every hint loss refined, at DFKD's x10 (FitNet 100 -> DFKD 1000)
    assert sorted(p.host_loss for p in refined.sokd_pairs.values()) == \
        sorted(plain.distill_losses)
    for name, loss in plain.distill_losses.items():
        assert loss.type == 'L2Loss' and loss.div_element, name
        assert refined.distill_losses[name].loss_weight == \
            10 * loss.loss_weight, name
        # DFKD's DAM weighs as its hint (1000 and 1000)
        assert refined.loss_dam_weight == refined.distill_losses[
            name].loss_weight
    assert (refined.dam.num_heatmaps, refined.dam.num_peaks) == (100, 8)
    assert refined.dam.feat_channels == next(
        iter(refined.sokd_pairs.values())).channels
    assert refined.feature_augment.magnitude_mapping == 'symmetric'
    for key in ('student_recorders', 'teacher_recorders',
                'loss_forward_mappings'):
        assert refined[key] == plain[key], key
    for name, connector in plain.connectors.items():
        changed = dict(refined.connectors[name])
        if connector.type == 'ConvRegConnector':  # DFKD's 3-layer ConvReg
            assert (connector.get('num_convs',
                                  1), changed.pop('num_convs')) == (1, 3)
        assert changed == connector, name
    for key in ('architecture', 'teacher', 'teacher_ckpt'):
        assert sokd.model[key] == host.model[key], key
    assert sokd.model.type == 'SoKDDistill'
    assert sokd.optim_wrapper.architecture == host.optim_wrapper
    assert sokd.param_scheduler.architecture == host.param_scheduler
    assert sokd.train_dataloader == host.train_dataloader
    assert sokd.train_cfg == host.train_cfg


# the reference's recipe on the demo hosts (the classification demo's
# default is the emphasis: tests/test_sokd.py::PLUGIN_PAIRS)
DEMO_HOSTS = [
    (f'baselines/{lib}/{host}_{pair}', f'sokd/{lib}/sokd{ref}_{host}_{pair}')
    for lib, pair, ref in (('mmpretrain', 'resnet18-w32_resnet18-w8_digits.py',
                            '-reference'),
                           ('mmdet', 'retinanet_r18-w32_r18-w8_digits.py', ''),
                           ('mmseg', 'pspnet_r18-w32_r18-w8_digits.py', ''))
    for host in ('fitnet', 'at')
]


@pytest.mark.parametrize('host, sokd', DEMO_HOSTS)
def test_demo_feature_hosts_and_their_sokd_configs(host, sokd):
    """Switching SoKD on in a demo host config refines every host loss and
    changes, besides SoKD's own keys, only the host losses' weights and the
    student's adapters (DFKD's changes)."""
    off_cfg = Config.fromfile(osp.join(CONFIGS, host))
    on_cfg = Config.fromfile(osp.join(CONFIGS, sokd))
    losses = set(off_cfg.model.distiller.distill_losses)
    pairs = on_cfg.model.distiller.sokd_pairs.values()
    assert sorted(p.host_loss for p in pairs) == sorted(losses)
    off, on = flatten(off_cfg.to_dict()), flatten(on_cfg.to_dict())
    allowed = PLUGIN_KEYS + ('model.distiller.connectors.', ) + tuple(
        f'model.distiller.distill_losses.{name}.loss_weight'
        for name in losses) + tuple(
            f'model.distiller.loss_forward_mappings.{name}.s_feature.'
            'connector' for name in losses)
    changed = {k for k in set(off) | set(on) if off.get(k) != on.get(k)}
    foreign = {k for k in changed if not k.startswith(allowed)}
    assert not foreign, foreign
    for key in ('architecture', 'teacher', 'teacher_ckpt'):
        assert on_cfg.model[key] == off_cfg.model[key], key


# -- the older SoKD paper configs: logit hosts and the detection DAM branch --
def _config(path: str) -> Config:
    return Config.fromfile(osp.join(CONFIGS, path))


def _assert_references_policy_optimizer(cfg: Config) -> None:
    policy = cfg.optim_wrapper.feature_augment.optimizer
    assert (policy.type, policy.lr, tuple(policy.betas),
            policy.weight_decay) == ('Adam', 3e-4, (0.5, 0.999),
                                     1e-3), REFERENCE


IN1K = 'sokd/mmpretrain/sokd_{}_logits_resnet34_resnet18_8xb32_in1k.py'


def test_imagenet_logit_hosts_search_five_epochs_on_stage2():
    dist, kd = _config(IN1K.format('dist')), _config(IN1K.format('kd'))
    for cfg in (dist, kd):
        assert (cfg.model.type, cfg.model.search_epochs) == ('SoKDDistill', 5
                                                             )  # spec
        _assert_references_policy_optimizer(cfg)
        pairs = cfg.model.distiller.sokd_pairs
        assert list(pairs) == ['layer2'] and pairs.layer2.channels == 128
        assert cfg.model.distiller.dam.num_peaks == 8, REFERENCE
    # SoKD + KD is SoKD + DIST with DIST README's KD (tau 1, weight 1)
    loss = kd.model.distiller.distill_losses
    assert list(loss) == ['loss_kd']
    assert (loss.loss_kd.type, loss.loss_kd.tau,
            loss.loss_kd.loss_weight) == ('KLDivergence', 1, 1.0)
    on, off = flatten(kd.to_dict()), flatten(dist.to_dict())
    changed = {k for k in set(on) | set(off) if on.get(k) != off.get(k)}
    assert changed and all(
        k.startswith(('model.distiller.distill_losses',
                      'model.distiller.loss_forward_mappings'))
        for k in changed), changed


COCO = 'sokd/mmdet/sokd_faster-rcnn_r101_{}_fpn_2x_coco.py'


def test_coco_dam_branch_on_mmdets_faster_rcnn_2x():
    cfg = _config(COCO.format('r50'))
    from mmengine.utils import get_installed_path
    mmdet = Config.fromfile(
        osp.join(
            get_installed_path('mmdet'), '.mim', 'configs', 'faster_rcnn',
            'faster-rcnn_r50_fpn_2x_coco.py'))
    model = cfg.model

    # the reference's detection setting: a DAM branch on the FPN levels, no
    # logit term; student, data and schedule are mmdet's 2x recipe
    def same(ours, theirs):  # ours carry the mmdet scope of the base

        def unscoped(value):
            return {
                k: v
                for k, v in flatten(dict(value)).items()
                if not k.endswith('_scope_')
            }

        return unscoped(ours) == unscoped(theirs)

    assert same(model.architecture, mmdet.model)
    assert same(cfg.optim_wrapper.architecture, mmdet.optim_wrapper)
    assert all(
        same(a, b) for a, b in zip(
            cfg.param_scheduler.architecture,
            mmdet.param_scheduler,
            strict=True))
    assert same(cfg.train_dataloader, mmdet.train_dataloader)
    assert cfg.train_cfg.max_epochs == 24 and model.search_epochs == 2
    assert model.teacher.cfg_path == \
        'mmdet::faster_rcnn/faster-rcnn_r101_fpn_2x_coco.py'
    assert 'faster_rcnn_r101_fpn_2x_coco_bbox_mAP-0.398' in model.teacher_ckpt
    assert not model.distiller.get('distill_losses')
    fpn = model.distiller.sokd_pairs.fpn
    assert (fpn.channels, fpn.data_idx) == (256, [0, 1, 2, 3, 4])
    _assert_references_policy_optimizer(cfg)
    # R18: only the student's backbone (torchvision's) and FPN inputs differ
    r18 = _config(COCO.format('r18'))
    on, off = flatten(r18.to_dict()), flatten(cfg.to_dict())
    changed = {k for k in set(on) | set(off) if on.get(k) != off.get(k)}
    assert changed == {
        'model.architecture.backbone.depth',
        'model.architecture.backbone.init_cfg.checkpoint',
        'model.architecture.neck.in_channels'
    }, changed
    assert r18.model.architecture.neck.in_channels == [64, 128, 256, 512]


def test_cityscapes_dist_host_with_sokd_on_two_feature_pairs():
    cfg = _config('sokd/mmseg/sokd_dist_logits_pspnet_r101-d8_pspnet_r18-d8_'
                  '4xb2-80k_cityscapes-512x1024.py')
    host = _config('dist/mmseg/dist_logits_deeplabv3_r101-d8_pspnet_r18-d8_'
                   '8xb2-40k_cityscapes-512x1024.py')
    model = cfg.model
    # DIST's per-pixel losses (decode head, auxiliary head x 0.4) kept
    host_losses = host.model.distiller.distill_losses
    assert model.distiller.distill_losses == host_losses
    assert model.architecture == host.model.architecture
    # the teacher is mmseg's PSPNet-R101 80k, trained 80k iterations with
    # the first 8k searching
    assert model.teacher.cfg_path == \
        'mmseg::pspnet/pspnet_r101-d8_4xb2-80k_cityscapes-512x1024.py'
    assert 'pspnet_r101-d8_512x1024_80k_cityscapes' in model.teacher_ckpt
    assert (cfg.train_cfg.max_iters, model.search_iters) == (80000, 8000)
    assert cfg.train_dataloader.batch_size == 2
    assert {
        k: p.channels
        for k, p in model.distiller.sokd_pairs.items()
    } == {
        'stage4': 2048,
        'decoder': 512
    }
    _assert_references_policy_optimizer(cfg)

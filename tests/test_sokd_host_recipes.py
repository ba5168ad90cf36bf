# Copyright (c) tstkd_plugin contributors.
"""SoKD's CIFAR-100 FitNet configs are the reference's recipes (FitNet as
mdistiller runs it, and DFKD, SoKD on FitNet), and differ only by SoKD."""
import os.path as osp

from mmengine.config import Config

from conftest import CONFIGS

REFERENCE = ('FabienCode/mdistiller: configs/DFKD/cifar/res324_84.yaml, '
             'mdistiller/distillers/{FitNet,DFKD}.py, engine/cfg.py (FITNET)')
FITNET = osp.join(CONFIGS, 'baselines', 'mmpretrain', 'cifar100',
                  'fitnet_resnet32x4_resnet8x4_cifar100.py')
SOKD = osp.join(CONFIGS, 'sokd', 'mmpretrain', 'cifar100',
                'sokd_fitnet_resnet32x4_resnet8x4_cifar100.py')


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


def test_sokd_on_fitnet_is_the_references_dfkd():
    fitnet, sokd = Config.fromfile(FITNET), Config.fromfile(SOKD)
    model, distiller = sokd.model, sokd.model.distiller
    assert (model.type, model.search_epochs) == ('SoKDDistill', 50), REFERENCE
    s_source, t_source, connector, loss = hint_of(distiller)
    assert (s_source, t_source) == ('backbone.layer2', 'backbone.layer2')
    assert connector.num_convs == 3, REFERENCE
    assert (loss.type, loss.div_element, loss.loss_weight) == ('L2Loss', True,
                                                               1000), REFERENCE
    assert dict(distiller.sokd_pairs) == {
        'hint': dict(host_loss='loss_hint', channels=128)
    }
    assert distiller.loss_dam_weight == 1000, REFERENCE
    dam = distiller.dam
    assert (dam.feat_channels, dam.num_heatmaps,
            dam.num_peaks) == (128, 100, 8), REFERENCE
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

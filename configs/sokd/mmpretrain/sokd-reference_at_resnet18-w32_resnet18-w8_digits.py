# SoKD on AT on the demo digits: ResNet-18 w32 -> ResNet-18 w8, as the
# CIFAR-100 SoKD-on-AT config: each group's ATLoss (x 1000, as the host) is
# computed on the augmented teacher output and the student's 3-layer
# ConvReg adaptation, both masked by that group's DAM (C_t feature channels,
# 100 heatmaps, top 8), DAM loss x 1000; symmetric magnitudes. The policies
# are searched in the first 2 of 8 epochs (first order), Adam lr 0.05 as in
# the other SoKD demos, then frozen and still sampled.
_base_ = [
    '../../baselines/mmpretrain/at_resnet18-w32_resnet18-w8_digits.py',
    '../../_base_/sokd/sokd_policy_optim_wrapper.py'
]

sokd_at_channels = dict(layer1=(8, 32), layer2=(16, 64), layer3=(32, 128))
model = dict(
    type='SoKDDistill',
    search_epochs=2,
    distiller=dict(
        type='SoKDDistiller',
        connectors={
            f'{g}_regressor':
            dict(
                type='ConvRegConnector',
                in_channel=c_s,
                out_channel=c_t,
                num_convs=3)
            for g, (c_s, c_t) in sokd_at_channels.items()
        },
        loss_forward_mappings={
            f'loss_at_{g}': dict(s_feature=dict(connector=f'{g}_regressor'))
            for g in sokd_at_channels
        },
        sokd_pairs={
            g:
            dict(
                host_loss=f'loss_at_{g}',
                channels=c_t,
                dam=dict(feat_channels=c_t))
            for g, (_, c_t) in sokd_at_channels.items()
        },
        feature_augment=_base_.sokd_dfkd_feature_augment,
        dam=_base_.sokd_dfkd_dam,
        loss_dam_weight=1000.))
optim_wrapper = dict(
    _delete_=True,
    constructor='SoKDOptimWrapperConstructor',
    architecture=_base_.optim_wrapper,
    feature_augment=_base_.sokd_demo_policy_optim_wrapper)
param_scheduler = dict(
    _delete_=True, architecture=_base_.param_scheduler, feature_augment=[])
model_wrapper_cfg = _base_.sokd_model_wrapper_cfg

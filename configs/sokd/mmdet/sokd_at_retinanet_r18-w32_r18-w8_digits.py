# SoKD on AT on the demo detection task: RetinaNet R18 w32 -> w8: each FPN
# level's ATLoss (x 1000, as the host) on the augmented teacher level and
# the student level through a 3-layer ConvReg, both masked by the level's
# DAM (DFKD's: C_t feature channels, 100 heatmaps, top 8), DAM loss x 1000
# (as the CIFAR SoKD-on-AT config); symmetric magnitudes. The policies are
# searched in the first 3 of 12 epochs (first order), Adam lr 0.05 as in the
# other SoKD demos.
_base_ = [
    '../../baselines/mmdet/at_retinanet_r18-w32_r18-w8_digits.py',
    '../../_base_/sokd/sokd_policy_optim_wrapper.py'
]

model = dict(
    type='SoKDDistill',
    search_epochs=3,
    distiller=dict(
        type='SoKDDistiller',
        connectors={
            f'fpn{i}_regressor':
            dict(
                type='ConvRegConnector',
                in_channel=64,
                out_channel=64,
                num_convs=3)
            for i in range(_base_.fpn_levels)
        },
        loss_forward_mappings={
            f'loss_at_fpn{i}':
            dict(s_feature=dict(connector=f'fpn{i}_regressor'))
            for i in range(_base_.fpn_levels)
        },
        sokd_pairs={
            f'fpn{i}': dict(host_loss=f'loss_at_fpn{i}', channels=64)
            for i in range(_base_.fpn_levels)
        },
        feature_augment=_base_.sokd_dfkd_feature_augment,
        dam=dict(_base_.sokd_dfkd_dam, feat_channels=64),
        loss_dam_weight=1000.))
optim_wrapper = dict(
    _delete_=True,
    constructor='SoKDOptimWrapperConstructor',
    architecture=_base_.optim_wrapper,
    feature_augment=_base_.sokd_demo_policy_optim_wrapper)
param_scheduler = dict(
    _delete_=True, architecture=_base_.param_scheduler, feature_augment=[])
model_wrapper_cfg = _base_.sokd_model_wrapper_cfg

# SoKD on AT on the demo segmentation task: PSPNet R18 w32 -> w8: the
# ATLoss (x 1000, as the host) on the augmented teacher bottleneck and the
# student's through a 3-layer ConvReg, both masked by the DAM (DFKD's: C_t
# feature channels, 100 heatmaps, top 8), DAM loss x 1000 (as the CIFAR
# SoKD-on-AT config); symmetric magnitudes. The policy is searched in the
# first 250 of 1000 iterations (first order), Adam lr 0.05 as in the other
# SoKD demos.
_base_ = [
    '../../baselines/mmseg/at_pspnet_r18-w32_r18-w8_digits.py',
    '../../_base_/sokd/sokd_policy_optim_wrapper.py'
]

model = dict(
    type='SoKDDistill',
    search_iters=250,
    distiller=dict(
        type='SoKDDistiller',
        connectors=dict(
            bottleneck_regressor=dict(
                type='ConvRegConnector',
                in_channel=32,
                out_channel=64,
                num_convs=3)),
        loss_forward_mappings=dict(
            loss_at=dict(s_feature=dict(connector='bottleneck_regressor'))),
        sokd_pairs=dict(bottleneck=dict(host_loss='loss_at', channels=64)),
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

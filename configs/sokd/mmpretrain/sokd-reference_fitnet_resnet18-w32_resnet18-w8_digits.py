# SoKD on FitNet on the demo digits: ResNet-18 w32 -> ResNet-18 w8, the
# reference's DFKD recipe on the demo networks: the hint loss is computed
# on the augmented teacher feature and the 3-layer ConvReg's adaptation,
# both masked by the DAM (C_t feature channels, 100 heatmaps, top 8), x 1000,
# DAM loss x 1000; symmetric magnitudes. The policy is searched in the first
# 2 of 8 epochs (first order), Adam lr 0.05 as in the other SoKD demos (a
# short search), then frozen and still sampled.
_base_ = [
    '../../baselines/mmpretrain/fitnet_resnet18-w32_resnet18-w8_digits.py',
    '../../_base_/sokd/sokd_policy_optim_wrapper.py'
]

model = dict(
    type='SoKDDistill',
    search_epochs=2,
    search='first_order',
    distiller=dict(
        type='SoKDDistiller',
        connectors=dict(hint_regressor=dict(num_convs=3)),
        distill_losses=dict(loss_hint=dict(loss_weight=1000)),
        sokd_pairs=dict(hint=dict(host_loss='loss_hint', channels=64)),
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

# SoKD on the FitNet host on the demo segmentation task: PSPNet R18 w32 ->
# w8, as the Cityscapes config: the hint loss on the augmented teacher
# bottleneck and the 3-layer ConvReg's adaptation, both masked by the DAM
# (DFKD's: C_t feature channels, 100 heatmaps, top 8), the hint x 10
# (DFKD's change to FitNet's weight), the DAM loss weighing as the hint;
# symmetric magnitudes. The policy is searched in the first 250 of 1000
# iterations (first order), Adam lr 0.05 as in the other SoKD demos.
_base_ = [
    '../../baselines/mmseg/fitnet_pspnet_r18-w32_r18-w8_digits.py',
    '../../_base_/sokd/sokd_policy_optim_wrapper.py'
]

model = dict(
    type='SoKDDistill',
    search_iters=250,
    distiller=dict(
        type='SoKDDistiller',
        connectors=dict(hint_regressor=dict(num_convs=3)),
        distill_losses=dict(loss_hint=dict(loss_weight=10.0)),
        sokd_pairs=dict(hint=dict(host_loss='loss_hint', channels=64)),
        feature_augment=_base_.sokd_dfkd_feature_augment,
        dam=dict(_base_.sokd_dfkd_dam, feat_channels=64),
        loss_dam_weight=10.0))
optim_wrapper = dict(
    _delete_=True,
    constructor='SoKDOptimWrapperConstructor',
    architecture=_base_.optim_wrapper,
    feature_augment=_base_.sokd_demo_policy_optim_wrapper)
param_scheduler = dict(
    _delete_=True, architecture=_base_.param_scheduler, feature_augment=[])
model_wrapper_cfg = _base_.sokd_model_wrapper_cfg
